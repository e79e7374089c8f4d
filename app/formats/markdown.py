"""Markdown ``.md``: the inline text of headings, paragraphs, list items, quotes and table
cells translated whole; everything else kept character for character.

markdown-it-py (CommonMark with tables) finds the inline runs and the source lines they
come from.  Emphasis, strong emphasis and links become styled runs (so they are
re-projected on the translation like bold text in Word); inline code, images and inline
HTML are inline objects that the translation flows around untouched; code blocks,
fences and HTML blocks are never read.  Each inline run is written back in place on
its source lines, joined on one line when it spanned several.
"""

from __future__ import annotations

import logging
import re
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


@dataclass
class Inline:
    token: Any  # the markdown-it "inline" token
    kind: BlockKind
    level: int
    runs: list[Run] = field(default_factory=list)
    objects: list[tuple[int, str]] = field(default_factory=list)  # (offset, source markup)
    strong: str = "**"
    em: str = "*"


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def inlines(source: str) -> Iterator[Inline]:
    kind, level, in_list = BlockKind.PARAGRAPH, 0, 0
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
            yield _read_inline(tok, kind, level)


def _read_inline(tok: Any, kind: BlockKind, level: int) -> Inline:
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
        _replace(lines, cursor, item.token, new)
    return "".join(lines)


def _render(item: Inline, runs: list[Run]) -> str:
    """Markdown for the translated runs, with the inline objects put back."""
    source = "".join(r.text for r in item.runs)
    text = "".join(r.text for r in runs)
    cuts = split_points(source, [o for o, _ in item.objects], text)
    out: list[str] = []
    for n, chunk in enumerate(cut_runs(runs, cuts)):
        out.extend(_styled(r, item) for r in chunk if r.text)
        if n < len(item.objects):
            out.append(item.objects[n][1])
    rendered = "".join(out)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), rendered)


def _styled(run: Run, item: Inline) -> str:
    text = _ESCAPE.sub(r"\\\1", run.text).replace("\n", "  \n")
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
        core = f"[{core}]({run.style.link})"
    return lead + core + trail


def _replace(lines: list[str], cursor: dict[int, int], tok: Any, new: str) -> None:
    first, _ = tok.map
    content_lines = tok.content.split("\n")
    for i, piece in enumerate(content_lines):
        n = first + i
        if n >= len(lines):
            break
        line = lines[n]
        at = line.find(piece, cursor.get(n, 0)) if piece else -1
        if at < 0 and "|" in piece:  # table cells hold escaped pipes
            piece = piece.replace("|", "\\|")
            at = line.find(piece, cursor.get(n, 0))
        if i == 0:
            if at < 0:
                log.warning("Markdown line %d: inline text not found; left as is", n + 1)
                return
            lines[n] = line[:at] + new + line[at + len(piece):]
            cursor[n] = at + len(new)
        elif at >= 0:
            rest = line[:at] + line[at + len(piece):]
            lines[n] = "" if not rest.strip(" >\t\r\n") else rest
