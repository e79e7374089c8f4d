"""Document-level PDF analysis: running headers/footers, page numbers, headings.

Works on the :class:`~app.formats.pdf_layout.PageData` the child processes sent back, and
builds the :class:`~app.document.Document` (in the parent process, without PyMuPDF).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.document import BlockKind, Document, Geometry, Locator
from app.formats.pdf_layout import PageData, RawBlock

ZONE = 0.13  # top and bottom fraction of the page where running lines live
PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:page|p\.|pg\.|seite|стр\.?|страница|صفحة)?\s*[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})"
    r"\s*(?:(?:/|of|de|sur|von|из)\s*\d{1,4})?\s*[-–—]?\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
FLAG_PAGE_NUMBER = "page_number"
FLAG_RUNNING = "running"

Key = tuple[int, int]  # (page index, block index on the page)


def _zone(block: RawBlock, page: PageData) -> str | None:
    if block.cell is not None or not page.height or block.lines > 3 or len(block.text) > 150:
        return None
    if block.bbox[3] <= ZONE * page.height:
        return "header"
    if block.bbox[1] >= (1 - ZONE) * page.height:
        return "footer"
    return None


def _norm(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


def running_blocks(pages: Sequence[PageData]) -> dict[Key, tuple[str, list[str]]]:
    """Blocks repeated at the top or bottom of several pages, and page numbers.

    Returns {(page, block): (zone, flags)} with zone "header" or "footer".
    """
    with_text = sum(1 for p in pages if p.blocks)
    min_repeat = 2 if with_text <= 3 else 3
    groups: dict[tuple[str, str], list[tuple[Key, float]]] = {}
    found: dict[Key, tuple[str, list[str]]] = {}
    for page in pages:
        for i, block in enumerate(page.blocks):
            zone = _zone(block, page)
            if zone is None:
                continue
            centre = (block.bbox[1] + block.bbox[3]) / 2 / page.height
            groups.setdefault((zone, _norm(block.text)), []).append(((page.index, i), centre))
            if PAGE_NUMBER_RE.match(block.text):
                found[(page.index, i)] = (zone, [FLAG_PAGE_NUMBER])
    for (zone, _text), hits in groups.items():
        if len({k[0] for k, _ in hits}) < min_repeat:
            continue
        centres = sorted(c for _, c in hits)
        median = centres[len(centres) // 2]
        for key, centre in hits:
            if abs(centre - median) <= 0.04:
                flags = found.get(key, (zone, []))[1]
                found[key] = (zone, [*flags, FLAG_RUNNING])
    return found


def body_size(pages: Sequence[PageData], skip: Mapping[Key, object]) -> float:
    """The character-weighted median font size of the body text."""
    weights: dict[float, int] = {}
    for page in pages:
        for i, block in enumerate(page.blocks):
            if (page.index, i) in skip or block.cell is not None or not block.size:
                continue
            weights[block.size] = weights.get(block.size, 0) + len(block.text)
    if not weights:
        return 0.0
    half, acc = sum(weights.values()) / 2, 0
    for size in sorted(weights):
        acc += weights[size]
        if acc >= half:
            return size
    return max(weights)


def _is_bold_heading(block: RawBlock, body: float) -> bool:
    text = block.text.strip()
    return (block.lines == 1 and 2 <= len(text) <= 100 and len(text.split()) <= 12
            and all(r.style.bold for r in block.runs if r.text.strip())
            and not text.endswith((".", ",", ";", ":"))
            and (block.size or 0) >= 0.95 * body and not text[:1].islower())


def heading_levels(pages: Sequence[PageData], skip: Mapping[Key, object],
                   body: float) -> dict[Key, int]:
    """Blocks that are headings, with their level (1 = largest font)."""
    by_size: dict[Key, float] = {}
    bold: list[Key] = []
    for page in pages:
        for i, block in enumerate(page.blocks):
            key = (page.index, i)
            numbered = block.hint == "list_item" and block.text.lstrip()[:1].isdigit()
            if key in skip or not (block.hint == "paragraph" or numbered) or not body:
                continue
            text = block.text.strip()
            if (block.size or 0) >= 1.18 * body and len(text) <= 200 and block.lines <= 4:
                by_size[key] = block.size or 0.0
            elif _is_bold_heading(block, body):
                bold.append(key)
    sizes = sorted({round(s) for s in by_size.values()}, reverse=True)
    levels = {k: min(6, sizes.index(round(s)) + 1) for k, s in by_size.items()}
    for key in bold:
        levels[key] = min(6, len(sizes) + 1)
    return levels


_HINT_KIND = {"paragraph": BlockKind.PARAGRAPH, "list_item": BlockKind.LIST_ITEM,
              "caption": BlockKind.CAPTION, "table_cell": BlockKind.TABLE_CELL}


def add_pages(doc: Document, pages: Sequence[PageData]) -> None:
    """Append the blocks of ``pages`` (sorted by index) to ``doc`` and note the problems."""
    pages = sorted(pages, key=lambda p: p.index)
    running = running_blocks(pages)
    body = body_size(pages, running)
    headings = heading_levels(pages, running, body)
    table_base = 0
    for page in pages:
        if page.error:
            doc.warnings.append(f"page {page.index + 1} could not be read: {page.error}")
            doc.meta.unread_pages[page.index] = page.error
        if page.scanned:
            doc.warnings.append(f"page {page.index + 1}: scanned, needs OCR")
            doc.meta.scanned_pages.append(page.index)
        if page.ocr:
            doc.meta.ocr_pages.append(page.index)
        doc.warnings.extend(page.warnings)
        if any(b.flags for b in page.blocks):
            doc.warnings.append(f"page {page.index + 1}: some text has no usable character "
                                "encoding (it reads as garbage): it needs OCR")
        tables = 0
        for i, block in enumerate(page.blocks):
            key = (page.index, i)
            kind, level = _HINT_KIND[block.hint], 0
            flags: list[str] = []
            if key in running:
                zone, flags = running[key]
                kind = BlockKind.HEADER if zone == "header" else BlockKind.FOOTER
            elif key in headings:
                kind, level = BlockKind.HEADING, headings[key]
            if block.cell is not None:
                t, row, col = block.cell
                tables = max(tables, t + 1)
                locator = Locator("table", (table_base + t, row, col), page=page.index)
            else:
                locator = Locator("page", (page.index, i), page=page.index)
            geometry = Geometry(page=page.index, bbox=block.bbox, rotation=block.rotation,
                                font=block.font, size=block.size, color=block.color,
                                lines=block.lines, columns=page.columns)
            doc.add_block(kind, block.runs, locator, level=level, geometry=geometry,
                          flags=[*block.flags, *flags], ocr=block.ocr)
        table_base += tables
