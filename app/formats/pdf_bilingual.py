"""Write a bilingual PDF: each original page on the left, its translation on the right."""

from __future__ import annotations

import logging
from pathlib import Path

import pymupdf

from app.document import Document
from app.formats.pdf_writer import open_source, save_compact, translate_pdf

log = logging.getLogger(__name__)

GUTTER = 12.0  # points between the two halves
_RULE_GREY = (0.75, 0.75, 0.75)


def write_pdf_bilingual(doc: Document, out: Path) -> None:
    source = open_source(doc)
    translated = translate_pdf(doc)
    for pdf in (source, translated):
        _upright(pdf)
    result = pymupdf.open()
    try:
        for pno in range(source.page_count):
            _add_spread(result, source, translated, pno)
        result.set_metadata({**(source.metadata or {}), "producer": "Passerelle",
                             "creationDate": "", "modDate": ""})
        save_compact(result, out)
        log.info("Bilingual PDF: %d spreads", result.page_count)
    finally:
        for pdf in (result, translated, source):
            pdf.close()


def _upright(pdf: pymupdf.Document) -> None:
    """Turn rotated pages' content instead (``show_pdf_page`` ignores ``/Rotate``)."""
    for pno in range(pdf.page_count):
        if pdf[pno].rotation:
            pdf[pno].remove_rotation()


def _add_spread(result: pymupdf.Document, source: pymupdf.Document,
                translated: pymupdf.Document, pno: int) -> None:
    width, height = source[pno].rect.width, source[pno].rect.height
    spread = result.new_page(width=2 * width + GUTTER, height=height)
    spread.show_pdf_page(pymupdf.Rect(0, 0, width, height), source, pno)
    spread.show_pdf_page(pymupdf.Rect(width + GUTTER, 0, 2 * width + GUTTER, height),
                         translated, pno)
    middle = width + GUTTER / 2
    spread.draw_line((middle, 18), (middle, height - 18), color=_RULE_GREY, width=0.5)
