"""Page layout analysis for PDF text: spans → runs, lines → paragraphs, reading order.

Pure functions over PyMuPDF's ``page.get_text("dict")`` output (plain dicts), so they run
in the reader's child process and are testable without a PDF.  Coordinates are PyMuPDF's
unrotated page space (the space of ``insert_htmlbox`` and redactions).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.document import OcrInfo, Run, Style
from app.formats.pdf_tables import TableGrid

Rect = tuple[float, float, float, float]

BULLET_RE = re.compile(
    r"^\s*(?:[•·◦▪▫‣⁃●○■□➢➤►✓✔–—*-]\s+|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,5})[.)]\s+)")
CAPTION_RE = re.compile(
    r"^\s*(?:Figure|Fig\.|Table|Tableau|Image|Chart|Photo|Рис\.|Рисунок|Таблица|Abbildung|"
    r"Tabelle|Tabla|Figura)\s*[\dIVX]+[.:)]?\s", re.IGNORECASE)
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi|[-,]bd", re.IGNORECASE)
_ITALIC_RE = re.compile(r"italic|oblique|[-,]it$|[-,]bdit|[-,]i$", re.IGNORECASE)
_SENTENCE_END = ".!?:;。！？»”\""
_HYPHENS = "-\u2010\u00ad"
_WORD_END = re.compile(r"\w+$")
_WORD_START = re.compile(r"^\w+")
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")
# Presentation forms (Arabic shaping, Latin ligatures) are folded back to plain letters.
_COMPAT_RE = re.compile("[\ufb00-\ufdff\ufe70-\ufeff]+")
_RTL_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_GARBAGE_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")
_ODD_SPACE_RE = re.compile("[\t\n\r\x0b\x0c\u2028\u2029]")


@dataclass
class Line:
    """One text line: its box, direction angle and styled spans."""

    bbox: Rect
    angle: int
    runs: list[Run]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class RawBlock:
    """A paragraph-like unit found on a page, before document-level classification."""

    runs: list[Run]
    bbox: Rect
    lines: int = 1
    rotation: int = 0
    font: str | None = None
    size: float | None = None
    color: str | None = None
    hint: str = "paragraph"  # paragraph | list_item | caption | table_cell
    cell: tuple[int, int, int] | None = None  # (table on this page, row, col)
    column: int = 0  # -1: spans several columns
    flags: list[str] = field(default_factory=list)  # "unreadable": no usable encoding
    ocr: OcrInfo | None = None  # text read by OCR, or from an invisible OCR layer
    # Words joined across a line-end hyphen, as (joined, hyphenated): "sousrépertoires",
    # "sous-répertoires"; :func:`restore_hyphens` puts back the hyphens the document
    # writes elsewhere.
    joins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class PageData:
    """What the child process sends back for one page."""

    index: int
    width: float
    height: float
    rotation: int = 0
    blocks: list[RawBlock] = field(default_factory=list)
    columns: int = 1
    scanned: bool = False
    ocr: str | None = None  # "tesseract fra": read by OCR; "layer": an invisible OCR layer
    ocr_areas: list[Rect] = field(default_factory=list)  # large images with no text over them
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


# -- spans and runs ---------------------------------------------------------------------

def normalize_text(text: str) -> str:
    """Fold presentation forms (ﬁ, shaped Arabic letters) into plain characters, and line
    or paragraph separators inside a span into spaces."""
    text = _ODD_SPACE_RE.sub(" ", text)
    if not _COMPAT_RE.search(text):
        return text
    return _COMPAT_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def clean_font(name: str | None) -> str | None:
    """Drop the subset prefix ("ABCDEF+Times-Bold" → "Times-Bold")."""
    if not name:
        return None
    return name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name


def span_style(span: dict) -> Style:  # type: ignore[type-arg]
    font = clean_font(span.get("font")) or ""
    flags = int(span.get("flags", 0))
    return Style(
        bold=bool(flags & 16) or bool(_BOLD_RE.search(font)),
        italic=bool(flags & 2) or bool(_ITALIC_RE.search(font)),
        size=round(float(span.get("size", 0.0)) * 2) / 2,
        color=f"{int(span.get('color', 0)) & 0xFFFFFF:06X}",
        font=font or None,
    )


def merge_runs(runs: Iterable[Run]) -> list[Run]:
    """Join neighbouring runs of equal style; blank runs join their left neighbour."""
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and (out[-1].style == run.style or not run.text.strip()):
            out[-1] = Run(out[-1].text + run.text, out[-1].style)
        elif out and not out[-1].text.strip():
            out[-1] = Run(out[-1].text + run.text, run.style)
        else:
            out.append(Run(run.text, run.style))
    return out


def line_angle(direction: Sequence[float]) -> int:
    """Text direction as a counter-clockwise angle in degrees (0: left to right)."""
    cos, sin = float(direction[0]), -float(direction[1])
    return round(math.degrees(math.atan2(sin, cos))) % 360


def dict_lines(text_dict: dict) -> list[Line]:  # type: ignore[type-arg]
    """All text lines of a ``get_text("dict")`` result, block by block."""
    lines: list[Line] = []
    for block in text_dict.get("blocks", ()):
        if block.get("type", 0) != 0:
            continue
        for raw in block.get("lines", ()):
            runs = [Run(normalize_text(s["text"]), span_style(s)) for s in raw["spans"]]
            runs = merge_runs(runs)
            if any(r.text.strip() for r in runs):
                lines.append(Line(tuple(raw["bbox"]), line_angle(raw.get("dir", (1, 0))), runs))
    return lines


def block_lines(text_dict: dict) -> list[list[Line]]:  # type: ignore[type-arg]
    """Lines grouped as PyMuPDF grouped them into blocks."""
    groups: list[list[Line]] = []
    for block in text_dict.get("blocks", ()):
        if block.get("type", 0) == 0:
            group = dict_lines({"blocks": [block]})
            if group:
                groups.append(group)
    return groups


# -- joining lines ----------------------------------------------------------------------

def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


def join_lines(lines: Sequence[Line], joins: list[tuple[str, str]] | None = None
               ) -> list[Run]:
    """Runs of a paragraph: lines joined by spaces, hyphenation at line ends undone (each
    word so joined is added to ``joins`` as ``(joined, hyphenated)``)."""
    runs: list[Run] = []
    for line in lines:
        current = [Run(r.text, r.style) for r in line.runs]
        if runs and current:
            prev = runs[-1]
            head = current[0].text.lstrip()
            tail = prev.text.rstrip()
            if not head:
                continue
            current[0] = Run(head, current[0].style)
            if (len(tail) >= 2 and tail[-1] in _HYPHENS and tail[-2].isalpha()
                    and head[0].islower()):
                runs[-1] = Run(tail[:-1], prev.style)
                before, after = _WORD_END.search(tail[:-1]), _WORD_START.match(head)
                if joins is not None and before and after:
                    joins.append((before.group() + after.group(),
                                  before.group() + "-" + after.group()))
            elif tail and (_is_cjk(tail[-1]) and _is_cjk(head[0])):
                runs[-1] = Run(tail, prev.style)
            else:
                runs[-1] = Run(tail, prev.style)
                current[0] = Run(" " + head, current[0].style)
        runs.extend(current)
    merged = merge_runs(runs)
    if merged:
        merged[0] = Run(merged[0].text.lstrip(), merged[0].style)
        merged[-1] = Run(merged[-1].text.rstrip(), merged[-1].style)
    return [r for r in merged if r.text]


# -- paragraphs -------------------------------------------------------------------------

def _line_size(line: Line) -> float:
    sizes = [(len(r.text), r.style.size or 0.0) for r in line.runs if r.text.strip()]
    return max(sizes)[1] if sizes else 0.0


def split_paragraphs(lines: Sequence[Line]) -> list[list[Line]]:
    """Split a PyMuPDF block into paragraphs at gaps, bullets, size changes and short
    last lines."""
    if not lines:
        return []
    pitches = [b.bbox[1] - a.bbox[1] for a, b in itertools.pairwise(lines)
               if b.bbox[1] - a.bbox[1] > 0.5]
    pitch = sorted(pitches)[len(pitches) // 2] if pitches else 0.0
    right = max(ln.bbox[2] for ln in lines)
    left = min(ln.bbox[0] for ln in lines)
    width = max(right - left, 1.0)
    paragraphs: list[list[Line]] = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        gap = line.bbox[1] - prev.bbox[3]
        size_prev, size = _line_size(prev), _line_size(line)
        prev_text = prev.text.rstrip()
        new = (
            (pitch and line.bbox[1] - prev.bbox[1] > 1.45 * pitch and gap > 0.3 * size)
            or gap > max(size, size_prev) * 1.2
            or bool(BULLET_RE.match(line.text))
            or (size and size_prev and abs(size - size_prev) > 0.15 * max(size, size_prev))
            or (prev_text.endswith(tuple(_SENTENCE_END))
                and prev.bbox[2] < left + 0.75 * width
                and line.bbox[1] >= prev.bbox[3] - 1)
            or line.angle != prev.angle
        )
        if new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return paragraphs


def _union(boxes: Iterable[Rect]) -> Rect:
    xs0, ys0, xs1, ys1 = zip(*boxes)
    return (min(xs0), min(ys0), max(xs1), max(ys1))


def make_block(lines: Sequence[Line], hint: str | None = None) -> RawBlock | None:
    joins: list[tuple[str, str]] = []
    runs = join_lines(lines, joins)
    if not runs or not "".join(r.text for r in runs).strip():
        return None
    weights: dict[Style, int] = {}
    for r in runs:
        weights[r.style] = weights.get(r.style, 0) + len(r.text.strip())
    main = max(weights, key=lambda s: weights[s])
    text = "".join(r.text for r in runs)
    visible = len(text) - text.count(" ")
    flags = ["unreadable"] if len(_GARBAGE_RE.findall(text)) > 0.3 * visible else []
    if hint is None:
        hint = ("list_item" if BULLET_RE.match(text)
                else "caption" if CAPTION_RE.match(text) else "paragraph")
    return RawBlock(runs=runs, bbox=_union(ln.bbox for ln in lines), lines=len(lines),
                    rotation=lines[0].angle, font=main.font, size=main.size,
                    color=main.color, hint=hint, flags=flags, joins=joins)


# -- reading order ----------------------------------------------------------------------

def find_gutters(boxes: Sequence[Rect], width: float,
                 lines: Sequence[int] | None = None) -> list[tuple[float, float]]:
    """Vertical white strips separating text columns, as (x0, x1) intervals.

    Coverage is the text height over each x of the multi-line blocks narrower than 60 % of
    the text area (all narrow blocks when too few have several lines); a gutter is a strip
    of near-zero coverage with enough text on both sides.  Single-line blocks that cross
    it (centred affiliations, short titles) become spanning blocks.
    """
    if len(boxes) < 2:
        return []
    left = max(0.0, min(b[0] for b in boxes))
    right = min(width, max(b[2] for b in boxes))
    span = right - left
    if span < 50:
        return []
    lines = lines or [1] * len(boxes)
    narrow = [b for b, n in zip(boxes, lines) if b[2] - b[0] < 0.6 * span and n > 1]
    if len(narrow) < 4:
        narrow = [b for b in boxes if b[2] - b[0] < 0.6 * span]
    if len(narrow) < 2:
        return []
    events = sorted([(b[0], max(b[3] - b[1], 1.0)) for b in narrow]
                    + [(b[2], -max(b[3] - b[1], 1.0)) for b in narrow])
    segments: list[tuple[float, float, float]] = [(left, events[0][0], 0.0)]
    cover = 0.0
    for (x, delta), (nxt, _) in itertools.pairwise(events):
        cover += delta
        if nxt > x:
            segments.append((x, nxt, max(cover, 0.0)))
    segments.append((events[-1][0], right, 0.0))
    total = sum((b[3] - b[1]) for b in narrow)
    limit = 0.04 * max(c for _, _, c in segments)
    gutters: list[tuple[float, float]] = []
    start: float | None = None
    end = left
    for x0, x1, c in segments:
        if c <= limit:
            start = x0 if start is None else start
            end = x1
        elif start is not None:
            if end - start >= 4:
                gutters.append((start, end))
            start = None
    kept: list[tuple[float, float]] = []
    for g in gutters:
        mid = (g[0] + g[1]) / 2
        lmass = sum(b[3] - b[1] for b in narrow if b[2] <= mid)
        rmass = sum(b[3] - b[1] for b in narrow if b[0] >= mid)
        if lmass >= 0.12 * total and rmass >= 0.12 * total:
            kept.append(g)
    return kept


def reading_order(boxes: Sequence[Rect], width: float, rtl: bool = False,
                  lines: Sequence[int] | None = None) -> tuple[list[int], list[int], int]:
    """Order boxes column by column, top to bottom, across spanning blocks.

    Returns (order as indices into ``boxes``, column of each box (-1 = spanning),
    number of columns).
    """
    gutters = find_gutters(boxes, width, lines)
    bounds = [-math.inf] + [(g[0] + g[1]) / 2 for g in gutters] + [math.inf]
    ncols = len(bounds) - 1
    columns: list[int] = []
    for x0, _, x1, _ in boxes:
        col = -1
        for c in range(ncols):
            if x0 >= bounds[c] - 2 and x1 <= bounds[c + 1] + 2:
                col = c
                break
        columns.append(col if ncols > 1 else 0)
    if ncols == 1:
        order = sorted(range(len(boxes)), key=lambda i: (round(boxes[i][1] / 3), boxes[i][0]))
        return order, columns, 1
    spanning = sorted((i for i, c in enumerate(columns) if c < 0), key=lambda i: boxes[i][1])
    rank = {i: r + 1 for r, i in enumerate(spanning)}

    def key(i: int) -> tuple[float, float, float]:
        if columns[i] < 0:
            return (rank[i], -1, boxes[i][1])
        band = sum(1 for s in spanning if boxes[s][3] <= boxes[i][1] + 2)
        col = ncols - 1 - columns[i] if rtl else columns[i]
        return (band, col, boxes[i][1])

    return sorted(range(len(boxes)), key=key), columns, ncols


def is_rtl(text: str) -> bool:
    """True when most letters are from right-to-left scripts."""
    rtl = len(_RTL_RE.findall(text))
    return rtl > 0 and rtl > len(_LETTER_RE.findall(text)) / 2


# -- tables -----------------------------------------------------------------------------

def _center(box: Rect) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _inside(point: tuple[float, float], box: Rect, pad: float = 1.0) -> bool:
    return box[0] - pad <= point[0] <= box[2] + pad and box[1] - pad <= point[1] <= box[3] + pad


def table_blocks(grid: TableGrid, table: int, lines: Sequence[Line]) -> list[RawBlock]:
    """One TABLE_CELL block per non-empty cell, in row-major order."""
    by_cell: dict[tuple[int, int], list[Line]] = {}
    for line in lines:
        for row, col, box in grid.cells:
            if _inside(_center(line.bbox), box, 0.5):
                by_cell.setdefault((row, col), []).append(line)
                break
    blocks = []
    for row, col, _box in sorted(grid.cells):
        cell_lines = by_cell.get((row, col))
        block = make_block(cell_lines, hint="table_cell") if cell_lines else None
        if block is not None:
            block.cell = (table, row, col)
            blocks.append(block)
    return blocks


# -- a whole page -----------------------------------------------------------------------

def page_blocks(text_dict: dict, tables: Sequence[TableGrid],  # type: ignore[type-arg]
                page: PageData) -> PageData:
    """Fill ``page`` with its blocks in reading order (tables as units in the flow)."""
    groups = block_lines(text_dict)
    table_lines: list[list[Line]] = [[] for _ in tables]
    units: list[list[RawBlock]] = []
    boxes: list[Rect] = []
    for group in groups:
        free: list[Line] = []
        for line in group:
            owner = next((t for t, g in enumerate(tables)
                          if _inside(_center(line.bbox), g.bbox)), None)
            if owner is None:
                free.append(line)
            else:
                table_lines[owner].append(line)
        for para in split_paragraphs(free):
            block = make_block(para)
            if block is not None:
                units.append([block])
                boxes.append(block.bbox)
    kept = 0
    for t, grid in enumerate(tables):
        cells = table_blocks(grid, kept, table_lines[t])
        if len(cells) >= 2:
            units.append(cells)
            boxes.append(grid.bbox)
            kept += 1
        else:  # a figure inside a frame, not a table: its text stays in the flow
            for para in split_paragraphs(sorted(table_lines[t], key=lambda ln: ln.bbox[1])):
                block = make_block(para)
                if block is not None:
                    units.append([block])
                    boxes.append(block.bbox)
    rtl = is_rtl("".join(b.text for unit in units for b in unit))
    lines = [unit[0].lines if len(unit) == 1 else 2 for unit in units]
    order, columns, page.columns = reading_order(boxes, page.width, rtl, lines)
    for i in order:
        for block in units[i]:
            block.column = columns[i]
            if len(units[i]) == 1 and page.blocks and _continues(page.blocks[-1], block):
                page.blocks[-1] = _merge(page.blocks[-1], block)
            else:
                page.blocks.append(block)
    return page


def _continues(a: RawBlock, b: RawBlock) -> bool:
    """True when ``b`` is the next line(s) of ``a`` that PyMuPDF put in another block."""
    size = a.size or 0.0
    overlap = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
    return (a.cell is None and b.cell is None and a.column == b.column
            and a.rotation == b.rotation == 0 and size > 0
            and (a.font, a.size, a.color) == (b.font, b.size, b.color)
            and -1 <= b.bbox[1] - a.bbox[3] <= 0.5 * size and overlap > 0
            and b.hint == "paragraph" and a.hint != "caption"
            and not a.text.rstrip().endswith(tuple(_SENTENCE_END)))


def _merge(a: RawBlock, b: RawBlock) -> RawBlock:
    joins = a.joins + b.joins
    runs = join_lines([Line(a.bbox, 0, a.runs), Line(b.bbox, 0, b.runs)], joins)
    return RawBlock(runs=runs, bbox=_union((a.bbox, b.bbox)), lines=a.lines + b.lines,
                    rotation=a.rotation, font=a.font, size=a.size, color=a.color,
                    hint=a.hint, column=a.column, flags=sorted({*a.flags, *b.flags}),
                    joins=joins)


def restore_hyphens(pages: Sequence[PageData]) -> int:
    """Put back the hyphen of words joined at a line end when the document writes the
    hyphenated form elsewhere ("apt-get", "sous-répertoires": a real hyphen that fell at a
    line end); others stay joined (typesetting's syllable breaks).  Returns the count."""
    hyphenated = {w.casefold() for page in pages for block in page.blocks
                  for w in _HYPHENATED.findall(block.text)}
    restored = 0
    for page in pages:
        for block in page.blocks:
            for joined, hyphen in block.joins:
                if hyphen.casefold() not in hyphenated:
                    continue
                word = re.compile(rf"(?<!\w){re.escape(joined)}(?!\w)")
                for i, run in enumerate(block.runs):
                    if found := word.search(run.text):
                        start, end = found.span()
                        block.runs[i] = Run(run.text[:start] + hyphen + run.text[end:],
                                            run.style)
                        restored += 1
                        break
    return restored
