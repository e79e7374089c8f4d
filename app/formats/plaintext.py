"""Plain text ``.txt``: paragraphs translated whole, layout around them kept.

A paragraph is a run of non-blank lines; a line that starts a list item (``-``, ``*``,
``•``, ``1.``, ``a)``) starts a paragraph of its own.  The indentation and the list
marker stay; the paragraph's lines are joined for translation, and a hard-wrapped
paragraph is wrapped again at the source's width.  The file keeps its encoding (UTF-8
when the old one cannot hold the translation) and its line endings.
"""

from __future__ import annotations

import logging
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, TranslationStatus
from app.formats.textenc import read_text, write_translated

log = logging.getLogger(__name__)

_ITEM = re.compile(r"^(\s*)((?:[-*+•–]|\d{1,3}[.)]|[a-zA-Z][.)])\s+)")
_INDENT = re.compile(r"^\s*")


@dataclass
class Segment:
    start: int  # offset of the first character to translate
    end: int  # offset after the last one
    lines: list[str]  # the paragraph's lines (without their indentation and marker)
    indent: str  # indentation of the continuation lines

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines)

    def wrapped(self, translation: str) -> str:
        """The translation wrapped like the source: one line, or lines as wide as the
        source's widest, with the same continuation indentation."""
        if len(self.lines) < 2:
            return translation
        width = max(len(line) for line in self.lines)
        if width < 30:
            return translation
        filled = textwrap.fill(translation, width=width, break_long_words=False,
                               break_on_hyphens=False)
        return filled.replace("\n", "\n" + self.indent)


def segments(text: str) -> list[Segment]:
    out: list[Segment] = []
    offset = 0
    current: Segment | None = None
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start_of_line, offset = offset, offset + len(raw)
        if not line.strip():
            current = None
            continue
        item = _ITEM.match(line)
        lead = item.end() if item else len(_INDENT.match(line).group(0))  # type: ignore[union-attr]
        if current is None or item is not None:
            current = Segment(start_of_line + lead, start_of_line + len(line.rstrip()),
                              [line[lead:]], "")
            out.append(current)
        else:
            current.end = start_of_line + len(line.rstrip())
            current.lines.append(line[lead:])
            if len(current.lines) == 2:
                current.indent = line[:lead]
    return out


def read_txt(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    decoded = read_text(path)
    doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path), format="txt"))
    add_text_blocks(doc, decoded.text)
    log.info("Read %s (%s): %d paragraphs", path.name, decoded.encoding, len(doc.blocks))
    return doc


def add_text_blocks(doc: Document, text: str, part: str = "text") -> None:
    """One block per paragraph of ``text`` (see :func:`segments`)."""
    for k, seg in enumerate(segments(text)):
        if seg.text.strip():
            doc.add_block(BlockKind.PARAGRAPH, [Run(seg.text)], Locator(part, (k,)))


def write_txt(doc: Document, out: Path) -> None:
    write_translated(doc, out, lambda text: replace_segments(text, doc))


def replace_segments(text: str, doc: Document, part: str = "text") -> str:
    """``text`` with each translated paragraph replaced (see :func:`segments`)."""
    by_key = {b.locator.key(): b for b in doc.blocks}
    pieces: list[str] = []
    pos = 0
    newline = "\r\n" if "\r\n" in text else "\n"
    for k, seg in enumerate(segments(text)):
        block = by_key.get(Locator(part, (k,)).key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        pieces.append(text[pos:seg.start])
        pieces.append(seg.wrapped(block.translation.text).replace("\n", newline))
        pos = seg.end
    pieces.append(text[pos:])
    return "".join(pieces)
