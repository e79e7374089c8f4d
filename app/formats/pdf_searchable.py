"""Export the OCR'd source as a searchable PDF: the scan unchanged, its text underneath.

The OCR text of each line is set in an invisible layer (text render mode 3) in the line's
box, stretched to its width, so the page looks the same while its text can be searched,
selected and copied.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pymupdf

from app.document import Block, Document
from app.formats.pdf_ocr import open_source_pdf
from app.formats.pdf_writer import save_compact

log = logging.getLogger(__name__)

_INVISIBLE = 3  # PDF text render mode "neither fill nor stroke"


def add_text_layer(page: pymupdf.Page, blocks: list[Block], font: pymupdf.Font) -> int:
    """Invisible text under each OCR line (its box, stretched to the line's width)."""
    writer = pymupdf.TextWriter(page.rect)
    count = 0
    derotate = page.derotation_matrix
    for block in blocks:
        if block.ocr is None:
            continue
        for box, text in zip(block.ocr.lines, block.ocr.texts, strict=False):
            rect = pymupdf.Rect(box)
            if not text.strip() or rect.is_empty:
                continue
            size = max(rect.height * 0.8, 1.0)
            width = font.text_length(text, fontsize=size) or 1.0
            origin = pymupdf.Point(rect.x0, rect.y1 - rect.height * 0.2) * ~derotate
            writer.append(origin, text, font=font, fontsize=size, right_to_left=False)
            stretch = pymupdf.Matrix(rect.width / width, 1)
            writer.write_text(page, render_mode=_INVISIBLE, morph=(origin, stretch))
            writer = pymupdf.TextWriter(page.rect)
            count += 1
    return count


def write_searchable_pdf(doc: Document, out: Path) -> None:
    """The source pages unchanged, with the OCR text as an invisible, searchable layer."""
    pdf = open_source_pdf(doc)
    font = pymupdf.Font("notos") if _has_notos() else pymupdf.Font("helv")
    try:
        by_page: dict[int, list[Block]] = {}
        for block in doc.blocks:
            if block.ocr is not None and block.geometry is not None:
                by_page.setdefault(block.geometry.page, []).append(block)
        lines = sum(add_text_layer(pdf[pno], blocks, font) for pno, blocks in by_page.items()
                    if 0 <= pno < pdf.page_count)
        log.info("Searchable PDF: %d OCR lines on %d pages", lines, len(by_page))
        save_compact(pdf, out)
    finally:
        pdf.close()


def _has_notos() -> bool:
    try:
        pymupdf.Font("notos")
    except (RuntimeError, ValueError):
        return False
    return True
