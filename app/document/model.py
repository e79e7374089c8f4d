"""Plain dataclasses describing a document independently of its file format.

Readers fill a :class:`Document`, the pipeline annotates each :class:`Block` with a
:class:`Translation`, and writers read both.  Nothing here knows about DOCX, PDF or Qt.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class BlockKind(enum.StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_CELL = "table_cell"
    HEADER = "header"
    FOOTER = "footer"
    FOOTNOTE = "footnote"
    ENDNOTE = "endnote"
    CAPTION = "caption"
    TEXTBOX = "textbox"
    NOTE = "note"  # speaker notes of a slide
    COMMENT = "comment"  # a spreadsheet cell comment
    ALT_TEXT = "alt_text"  # the description of a picture or shape
    LABEL = "label"  # a short name: a sheet name


# Running headers and footers: repeated page furniture, not body content.
RUNNING_KINDS = frozenset({BlockKind.HEADER, BlockKind.FOOTER})


@dataclass(frozen=True)
class Style:
    """Character formatting of a run.  ``None`` means "inherited / unknown"."""

    bold: bool | None = None
    italic: bool | None = None
    underline: bool | None = None
    size: float | None = None  # points
    color: str | None = None  # "RRGGBB"
    font: str | None = None
    link: str | None = None  # hyperlink target, if the run is inside a link

    def is_plain(self) -> bool:
        return not (self.bold or self.italic or self.underline or self.link)

    def emphasis_key(self) -> tuple[bool, bool, bool, str | None, str | None]:
        """The attributes that matter when counting styled spans."""
        return (bool(self.bold), bool(self.italic), bool(self.underline), self.color, self.link)


@dataclass
class Run:
    text: str
    style: Style = field(default_factory=Style)


@dataclass(frozen=True)
class Locator:
    """Where a block lives in its source file.

    ``part`` names the container ("body", "header:0:default", "footnotes", "page"),
    ``path`` is a tuple of indices inside that container (paragraph, table/row/cell…).
    """

    part: str
    path: tuple[int, ...] = ()
    page: int | None = None

    def key(self) -> str:
        return f"{self.part}/{'.'.join(map(str, self.path))}"


@dataclass
class Geometry:
    """Layout information for blocks that come from a fixed-layout format (PDF)."""

    page: int
    bbox: tuple[float, float, float, float]
    rotation: int = 0
    font: str | None = None
    size: float | None = None
    color: str | None = None
    lines: int = 1
    columns: int = 1


class TranslationStatus(enum.StrEnum):
    PENDING = "pending"
    TRANSLATED = "translated"
    SKIPPED = "skipped"  # nothing to translate (numbers only, empty, page number)
    FAILED = "failed"  # engine error: left in the source language, reported


@dataclass
class Translation:
    text: str = ""
    status: TranslationStatus = TranslationStatus.PENDING
    runs: list[Run] = field(default_factory=list)  # styled spans projected on ``text``
    engine: str = ""
    reason: str = ""  # why it was skipped / failed
    edited: bool = False  # corrected by the user


@dataclass
class OcrInfo:
    """Where an OCR'd block came from and how sure the OCR was.

    ``confidence`` is Tesseract's mean word confidence (0..1), ``None`` for a block read
    from a PDF's own invisible OCR layer (render mode 3, no confidence recorded).
    ``lines`` are the line boxes (page space) that the in-place writer covers.
    """

    engine: str  # "tesseract fra", "pdf layer"
    confidence: float | None = None
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the text of each line, for a text layer
    low_words: list[str] = field(default_factory=list)  # words read with low confidence
    low_numbers: list[str] = field(default_factory=list)  # numbers read with low confidence
    line_confidences: list[float] = field(default_factory=list)  # per line of ``lines``


@dataclass
class Block:
    id: int
    kind: BlockKind
    runs: list[Run]
    locator: Locator
    level: int = 0  # heading level, list depth
    style_name: str | None = None  # paragraph style in the source
    language: str | None = None
    geometry: Geometry | None = None
    translation: Translation = field(default_factory=Translation)
    flags: list[str] = field(default_factory=list)
    ocr: OcrInfo | None = None  # set when the text was read by OCR

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def output_text(self) -> str:
        """The translation when there is one, else the source text (never dropped)."""
        if self.translation.status is TranslationStatus.TRANSLATED:
            return self.translation.text
        return self.text

    def is_uniform(self) -> bool:
        """True when every non-blank run has the same style."""
        styles = {r.style for r in self.runs if r.text.strip()}
        return len(styles) <= 1


@dataclass
class DocumentMeta:
    source_path: Path
    sha256: str
    format: str  # "docx", "pdf"
    page_count: int | None = None
    language: str | None = None
    language_confidence: float | None = None
    title: str | None = None
    output_page_count: int | None = None  # set by fixed-layout writers (in-place PDF)
    scanned_pages: list[int] = field(default_factory=list)  # 0-based, no text layer: need OCR
    unread_pages: dict[int, str] = field(default_factory=dict)  # 0-based page -> read error
    ocr_pages: list[int] = field(default_factory=list)  # 0-based, text read by OCR


@dataclass
class Document:
    meta: DocumentMeta
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    target_language: str | None = None

    def add_block(
        self, kind: BlockKind, runs: list[Run], locator: Locator, **kwargs: Any
    ) -> Block:
        block = Block(id=len(self.blocks), kind=kind, runs=runs, locator=locator, **kwargs)
        self.blocks.append(block)
        return block

    def translatable(self) -> list[Block]:
        return [b for b in self.blocks if b.text.strip()]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value
