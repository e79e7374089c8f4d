"""PDF output for OCR'd pages: covering the scanned text, and a searchable copy.

* :func:`cover_ocr_lines` paints each OCR line's box with the page's local background
  colour (the median of a thin ring of pixels around the line), so the translation that
  the in-place writer then typesets does not sit on the scanned words.  The page image
  itself stays; only the text lines are covered.
* :func:`open_source_pdf` opens the source of a document as a PDF: image files become an
  image-only PDF, the same one the OCR children read, so the boxes match.
"""

from __future__ import annotations

import logging

import numpy as np
import pymupdf

from app.core.errors import CorruptDocument
from app.document import Block, Document
from app.formats.ocr_images import open_as_pdf

log = logging.getLogger(__name__)

RING_PT = 2.5  # width of the ring sampled around a line box
SAMPLE_DPI = 72


def open_source_pdf(doc: Document) -> pymupdf.Document:
    """The source as a PDF document (image files converted, in memory)."""
    if doc.meta.format != "image":
        return pymupdf.open(str(doc.meta.source_path), filetype="pdf")
    try:
        return open_as_pdf(pymupdf, str(doc.meta.source_path))
    except ValueError as exc:
        raise CorruptDocument(str(exc)) from exc


def background(page: pymupdf.Page, box: pymupdf.Rect) -> tuple[float, float, float]:
    """Median colour of a thin ring just outside ``box`` (displayed page space), 0..1."""
    outer = pymupdf.Rect(box.x0 - RING_PT, box.y0 - RING_PT, box.x1 + RING_PT,
                         box.y1 + RING_PT) & page.rect
    if outer.is_empty:
        return (1.0, 1.0, 1.0)
    pix = page.get_pixmap(clip=outer, dpi=SAMPLE_DPI, colorspace=pymupdf.csRGB, alpha=False)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)
    scale = SAMPLE_DPI / 72.0
    ix0, iy0 = int((box.x0 - outer.x0) * scale), int((box.y0 - outer.y0) * scale)
    ix1, iy1 = int((box.x1 - outer.x0) * scale) + 1, int((box.y1 - outer.y0) * scale) + 1
    mask = np.ones(arr.shape[:2], dtype=bool)
    mask[max(iy0, 0):iy1, max(ix0, 0):ix1] = False
    ring = arr[mask] if mask.any() else arr.reshape(-1, 3)
    if ring.size == 0:
        return (1.0, 1.0, 1.0)
    med = np.median(ring, axis=0)
    return (float(med[0]) / 255, float(med[1]) / 255, float(med[2]) / 255)


def _line_boxes(block: Block) -> list[pymupdf.Rect]:
    assert block.ocr is not None
    boxes = block.ocr.lines or ([block.geometry.bbox] if block.geometry else [])
    return [pymupdf.Rect(b) for b in boxes]


def cover_ocr_lines(page: pymupdf.Page, blocks: list[Block]) -> int:
    """Paint over the scanned lines of the OCR'd ``blocks`` on ``page``; lines covered.

    Boxes are in unrotated page space, so the page's ``/Rotate`` is lifted meanwhile (as
    the writer's stamp does); colours are sampled before anything is painted, so that one
    cover never decides the colour of the next.
    """
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        covers: list[tuple[pymupdf.Rect, tuple[float, float, float]]] = []
        for block in blocks:
            if block.ocr is None:
                continue
            for box in _line_boxes(block):
                box &= page.rect
                if not box.is_empty:
                    covers.append((box, background(page, box)))
        for box, colour in covers:
            page.draw_rect(box + (-0.5, -0.5, 0.5, 0.5), color=None, fill=colour, overlay=True)
    finally:
        if rotation:
            page.set_rotation(rotation)
    return len(covers)
