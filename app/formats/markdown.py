"""Markdown ``.md``: the inline text of headings, paragraphs, list items, quotes and table
cells translated whole; everything else kept character for character.

markdown-it-py (CommonMark with tables) finds the inline runs and the source lines they
come from.  Emphasis, strong emphasis and links become styled runs (so they are
re-projected on the translation like bold text in Word); inline code, images and inline
HTML are inline objects that the translation flows around untouched; code blocks,
fences and HTML blocks are never read.  Each inline run is written back in place on
its source lines.  A paragraph the source soft-wrapped over several lines is filled
again at the source's width, with its continuation indentation (list items, quotes)
and its hard breaks, never breaking inside a code span, link or image; a paragraph on
one line stays on one line, and headings and table cells are never wrapped.
"""

from __future__ import annotations

import logging
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.hashing import sha256_file
from app.document import (
    BlockKind,
    Document,
    DocumentMeta,
    Locator,
    Run,
    Style,
    TranslationStatus,
)
from app.formats.textcut import cut_runs, split_points, target_runs
from app.formats.textenc import read_text, write_translated

log = logging.getLogger(__name__)

_BLOCK_KINDS = {"heading_open": BlockKind.HEADING, "th_open": BlockKind.TABLE_CELL,
                "td_open": BlockKind.TABLE_CELL, "list_item_open": BlockKind.LIST_ITEM}
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+\-]|\d+[.)])")
_BACKSLASH_END = re.compile(r"(?<!\\)(?:\\\\)*\\$")
# Spaces before what would start a block (list item, heading, quote, fence, setext
# underline, HTML block, table row) if a wrapped line began with it: never broken at.
_BLOCK_START = re.compile(
    r" +(?=#{1,6}(?:\s|$)|[-+*=]+(?:\s|$)|\d{1,9}[.)](?:\s|$)|~~~|```|[>|<])")
_NB = "\x00"  # a space not to break at (markdown-it reads NUL as U+FFFD; runs lose it)


@dataclass
class Inline:
    token: Any  # the markdown-it "inline" token
    kind: BlockKind
    level: int
    runs: list[Run] = field(default_factory=list)
    objects: list[tuple[int, str]] = field(default_factory=list)  # (offset, source markup)
    strong: str = "**"
    em: str = "*"
    wrap: bool = False  # a paragraph the source soft-wrapped over several lines
    hard: list[str] = field(default_factory=list)  # each hard break: "  " or a backslash


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def inlines(source: str) -> Iterator[Inline]:
    kind, level, in_list = BlockKind.PARAGRAPH, 0, 0
    opener = ""
    for tok in _parser().parse(source):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif tok.type in _BLOCK_KINDS:
            kind = _BLOCK_KINDS[tok.type]
            level = int(tok.tag[1:]) if tok.type == "heading_open" else max(in_list - 1, 0)
        elif tok.type == "paragraph_open" and not in_list:
            kind, level = BlockKind.PARAGRAPH, 0
        elif tok.type == "inline" and tok.map is not None:
            yield _read_inline(tok, kind, level, paragraph=opener == "paragraph_open")
        opener = tok.type


def _read_inline(tok: Any, kind: BlockKind, level: int, paragraph: bool) -> Inline:
    item = Inline(tok, kind, level)
    bold = italic = False
    link: str | None = None
    offset = 0
    for child in tok.children or []:
        t = child.type
        if t in ("text", "softbreak", "hardbreak"):
            text = child.content if t == "text" else (" " if t == "softbreak" else "\n")
            style = Style(bold=bold or None, italic=italic or None, link=link)
            item.runs.append(Run(text, style))
            offset += len(text)
            item.wrap = item.wrap or (paragraph and t == "softbreak")
        elif t in ("strong_open", "strong_close"):
            bold = t == "strong_open"
            item.strong = child.markup or item.strong
        elif t in ("em_open", "em_close"):
            italic = t == "em_open"
            item.em = child.markup or item.em
        elif t == "link_open":
            link = str(child.attrs.get("href", ""))
        elif t == "link_close":
            link = None
        else:  # code_inline, image, html_inline: kept as they are
            item.objects.append((offset, _object_markup(child)))
    item.hard = ["\\" if _BACKSLASH_END.search(line) else "  "
                 for line in tok.content.split("\n")[:-1] if line.endswith(("\\", "  "))]
    return item


def _object_markup(tok: Any) -> str:
    if tok.type == "code_inline":
        return f"{tok.markup}{tok.content}{tok.markup}"
    if tok.type == "image":
        title = tok.attrs.get("title")
        alt = "".join(c.content for c in tok.children or [])
        suffix = f' "{title}"' if title else ""
        return f"![{alt}]({tok.attrs.get('src', '')}{suffix})"
    return str(tok.content)


def read_md(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    decoded = read_text(path)
    doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path), format="md"))
    for k, item in enumerate(inlines(decoded.text)):
        if "".join(r.text for r in item.runs).strip():
            doc.add_block(item.kind, item.runs, Locator("markdown", (k,)), level=item.level)
    log.info("Read %s: %d blocks", path.name, len(doc.blocks))
    return doc


def write_md(doc: Document, out: Path) -> None:
    write_translated(doc, out, lambda text: translate_markdown(text, doc))


def translate_markdown(source: str, doc: Document) -> str:
    by_key = {b.locator.key(): b for b in doc.blocks}
    lines = source.splitlines(keepends=True)
    cursor: dict[int, int] = {}  # per line: where the next inline may start (table cells)
    for k, item in enumerate(inlines(source)):
        block = by_key.get(Locator("markdown", (k,)).key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        new = _render(item, target_runs(block, item.runs))
        _replace(lines, cursor, item, new)
    return "".join(lines)


def _render(item: Inline, runs: list[Run]) -> str:
    """Markdown for the translated runs, with the inline objects put back; spaces
    inside objects and links are ``_NB``, and hard breaks plain newlines."""
    source = "".join(r.text for r in item.runs)
    text = "".join(r.text for r in runs)
    cuts = split_points(source, [o for o, _ in item.objects], text)
    out: list[str] = []
    for n, chunk in enumerate(cut_runs(runs, cuts)):
        out.extend(_styled(r, item) for r in chunk if r.text)
        if n < len(item.objects):
            out.append(item.objects[n][1].replace(" ", _NB))
    return "".join(out)


def _styled(run: Run, item: Inline) -> str:
    text = _ESCAPE.sub(r"\\\1", run.text.replace(_NB, ""))
    if item.kind is BlockKind.TABLE_CELL:
        text = text.replace("|", "\\|")
    core = text.strip()
    if not core:
        return text
    lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if run.style.italic:
        core = f"{item.em}{core}{item.em}"
    if run.style.bold:
        core = f"{item.strong}{core}{item.strong}"
    if run.style.link:
        core = f"[{core}]({run.style.link})".replace(" ", _NB)
    return lead + core + trail


def _replace(lines: list[str], cursor: dict[int, int], item: Inline, new: str) -> None:
    first, _ = item.token.map
    spots: list[tuple[int, int, str]] = []  # (line, column, source text) of each line
    for i, piece in enumerate(item.token.content.split("\n")):
        n = first + i
        if n >= len(lines):
            break
        line = lines[n]
        at = line.find(piece, cursor.get(n, 0)) if piece else -1
        if at < 0 and "|" in piece:  # table cells hold escaped pipes
            piece = piece.replace("|", "\\|")
            at = line.find(piece, cursor.get(n, 0))
        if i == 0 and at < 0:
            log.warning("Markdown line %d: inline text not found; left as is", n + 1)
            return
        spots.append((n, at, piece))
    n, at, piece = spots[0]
    line = lines[n]
    indent = next((lines[m][:col] for m, col, _ in spots[1:] if col >= 0), "")
    newline = line[len(line.rstrip("\r\n")):] or "\n"
    new = _lay_out(new, item, at, indent, _width(lines, spots), newline)
    lines[n] = line[:at] + new + line[at + len(piece):]
    cursor[n] = at + len(new)
    for n, at, piece in spots[1:]:
        if at >= 0:
            line = lines[n]
            rest = line[:at] + line[at + len(piece):]
            lines[n] = "" if not rest.strip(" >\t\r\n") else rest


def _width(lines: list[str], spots: list[tuple[int, int, str]]) -> int:
    """The column the source paragraph was wrapped at: its widest line holding more than
    one word (a line of one long word, such as a URL, overflows any width)."""
    widths = [len(lines[n].rstrip()) for n, _, piece in spots if " " in piece.strip()]
    return max(widths or [len(lines[n].rstrip()) for n, _, _ in spots])


def _escape_start(m: re.Match[str]) -> str:
    """``\\#``, ``\\-``, ``\\>``…, but ``12\\.``: a backslash before a digit is shown as is."""
    lead, mark = m.group(1), m.group(2)
    if mark[0].isdigit():
        return lead + mark[:-1] + "\\" + mark[-1]
    return lead + "\\" + mark


def _lay_out(text: str, item: Inline, lead: int, indent: str, width: int,
             newline: str) -> str:
    """The rendered inline as it goes on its lines (the first starting at column
    ``lead``): hard breaks kept, with the continuation ``indent`` after them, and each
    stretch between them filled to ``width`` when the source soft-wrapped it."""
    pieces = [_LINE_START.sub(_escape_start, p) for p in text.split("\n")]
    if item.wrap:
        pieces = [_fill(p, lead if k == 0 else len(indent), indent, width, newline)
                  for k, p in enumerate(pieces)]
    out = pieces[0]
    for k, piece in enumerate(pieces[1:]):
        out += (item.hard[k] if k < len(item.hard) else "  ") + newline + indent + piece
    return out.replace(_NB, " ")


def _fill(text: str, lead: int, indent: str, width: int, newline: str) -> str:
    glued = _BLOCK_START.sub(lambda m: _NB * len(m.group()), text)
    filled = textwrap.wrap(glued, width=width, initial_indent=" " * lead,
                           subsequent_indent=indent, break_long_words=False,
                           break_on_hyphens=False, expand_tabs=False,
                           replace_whitespace=False)
    if not filled:
        return text
    filled[0] = filled[0][lead:]
    return newline.join(filled)
