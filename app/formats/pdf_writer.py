"""Write an in-place translated PDF: same pages, same images and drawings, new text.

For every translated block the original text is removed with a redaction that keeps
images and vector graphics, and the translation is typeset into the block's box by
MuPDF's HTML engine (a ``pymupdf.Story``: HarfBuzz shaping, right-to-left, fallback
fonts).  A longer translation is first shrunk a little (:data:`MILD_SCALE`), then may
grow into the free space beside or below its box, then shrinks down to
:data:`SCALE_LOW`.  If it still does not fit, it is set smaller still in that free space
(never over other content, never cut) and the block gets an ``overflow: …`` flag, which
the fidelity report lists.  A block that cannot be typeset at all keeps its original
text and gets a ``typeset failed: …`` flag.

All stories of a document are drawn on the pages of one overlay PDF, so every font is
embedded once, then each overlay page is stamped on its source page.  Fonts are subset
before saving.  Untranslated, skipped and failed blocks keep their original text.
"""

from __future__ import annotations

import html
import io
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymupdf

from app.core.errors import CorruptDocument, EncryptedDocument
from app.document import Block, Document, Run, Style, TranslationStatus
from app.formats.fonts import FontBook, base_family, is_rtl, split_scripts
from app.formats.pdf_ocr import cover_ocr_lines, open_source_pdf

log = logging.getLogger(__name__)

SCALE_LOW = 0.6  # smallest font scale before a block is reported as overflowing
MILD_SCALE = 0.85  # shrink this much before growing into the free space around a box
TINY_SCALE = 0.02  # an overflowing translation is shrunk at most this far, else not set
DEFAULT_SIZE = 10.0
ZWSP = "\u200b"
_LONG_WORD = re.compile(r"\S{12,}")
_FIT_DELTA = 0.01


@dataclass
class Placement:
    """Where and how big a block's translation was drawn."""

    block: Block
    scale: float
    overflow: str | None = None


def write_pdf_inplace(doc: Document, out: Path) -> None:
    pdf = translate_pdf(doc)
    try:
        save_compact(pdf, out)
    finally:
        pdf.close()


def open_source(doc: Document) -> pymupdf.Document:
    try:
        pdf = open_source_pdf(doc)  # image files: as an image-only PDF
    except (pymupdf.FileDataError, RuntimeError) as exc:
        raise CorruptDocument(f"Cannot reopen {doc.meta.source_path.name}: {exc}") from exc
    if pdf.needs_pass:
        pdf.close()
        raise EncryptedDocument(
            f"{doc.meta.source_path.name} is encrypted: the translated PDF cannot be "
            "rebuilt from it. Choose the DOCX output instead.")
    return pdf


def translate_pdf(doc: Document) -> pymupdf.Document:
    """The source PDF, in memory, with every translated block re-typeset."""
    pdf = open_source(doc)
    by_page = _blocks_by_page(doc, pdf.page_count)
    book = FontBook()
    overlay, placements = _draw_overlay(pdf, by_page, book)
    for index, pno in enumerate(sorted(by_page)):
        page = pdf[pno]
        drawn = [p.block for p in placements.get(pno, [])]
        if not drawn:
            continue
        _redact(page, drawn)
        cover_ocr_lines(page, drawn)  # scanned text: painted over with its background
        _stamp(page, overlay, index)
    overlay.close()
    _record(doc, placements, pdf.page_count)
    return pdf


def unrotated_rect(page: pymupdf.Page) -> pymupdf.Rect:
    """The page's box before its ``/Rotate``: the space of extracted text and redactions."""
    return pymupdf.Rect(0, 0, page.cropbox.width, page.cropbox.height)


def _stamp(page: pymupdf.Page, overlay: pymupdf.Document, index: int) -> None:
    """Put overlay page ``index`` on ``page``, in unrotated page space."""
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        page.show_pdf_page(page.rect, overlay, index)
    finally:
        if rotation:
            page.set_rotation(rotation)


def strip_active_content(pdf: pymupdf.Document) -> None:
    """Never pass on active content: document scripts and embedded files are removed."""
    for name in pdf.embfile_names():
        pdf.embfile_del(name)
    catalog = pdf.pdf_catalog()
    for key in ("OpenAction", "AA", "AF", "Names/JavaScript", "Names/EmbeddedFiles"):
        if pdf.xref_get_key(catalog, key)[0] != "null":
            pdf.xref_set_key(catalog, key, "null")
    pdf.scrub(attached_files=True, clean_pages=False, embedded_files=True, hidden_text=False,
              javascript=True, metadata=False, redactions=False, remove_links=False,
              reset_fields=False, reset_responses=False, thumbnails=False, xml_metadata=False)


def save_compact(pdf: pymupdf.Document, out: Path) -> None:
    """Deduplicate, subset the fonts and compress, then write ``out``."""
    data = pdf.tobytes(garbage=3, deflate=True)
    compact = pymupdf.open("pdf", data)
    try:
        strip_active_content(compact)
        compact.subset_fonts()
        compact.ez_save(str(out), garbage=3, deflate=True)
    finally:
        compact.close()


def _blocks_by_page(doc: Document, page_count: int) -> dict[int, list[Block]]:
    by_page: dict[int, list[Block]] = {}
    for b in doc.blocks:
        g = b.geometry
        if (b.translation.status is not TranslationStatus.TRANSLATED or g is None
                or not b.translation.text.strip()):
            continue
        if not 0 <= g.page < page_count:
            log.warning("Block %d points at page %d of %d", b.id, g.page + 1, page_count)
            _add_flag(b, f"typeset failed: page {g.page + 1} is not in the source")
            continue
        by_page.setdefault(g.page, []).append(b)
    return by_page


def _draw_overlay(pdf: pymupdf.Document, by_page: dict[int, list[Block]], book: FontBook
                  ) -> tuple[pymupdf.Document, dict[int, list[Placement]]]:
    """One overlay page per source page with blocks; fonts are shared by all pages."""
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    placements: dict[int, list[Placement]] = {}
    for pno in sorted(by_page):
        page = pdf[pno]
        room = Room(unrotated_rect(page), _obstacles(page, by_page[pno]))
        device = writer.begin_page(unrotated_rect(page))
        for block in by_page[pno]:
            try:
                placements.setdefault(pno, []).append(_draw_block(device, block, book, room))
            except Exception as exc:  # one bad block stays in the source language
                log.warning("Block %d could not be typeset: %s", block.id, exc)
                _add_flag(block, f"typeset failed: {exc}; original text kept")
        writer.end_page()
    writer.close()
    return pymupdf.open("pdf", buffer.getvalue()), placements


Box = tuple[float, float, float, float]


def _obstacles(page: pymupdf.Page, blocks: list[Block]) -> list[Box]:
    """Boxes a translation must not grow into: text lines, images, ruling lines."""
    boxes: list[Box] = [tuple(info["bbox"]) for info in page.get_image_info()]
    for drawing in page.get_drawings():  # ruling lines: table borders, separators
        r = drawing["rect"]
        if min(r.width, r.height) < 3:
            boxes.append((r.x0, r.y0, r.x1, r.y1))
    for b in page.get_text("dict", flags=0)["blocks"]:
        boxes.extend(tuple(line["bbox"]) for line in b.get("lines", ()))
    boxes.extend(b.geometry.bbox for b in blocks if b.geometry is not None)
    return boxes


@dataclass
class Room:
    """Free space on a page, for translations that need more room than their box."""

    page: pymupdf.Rect
    obstacles: list[Box]
    gap: float = 4.0

    def _others(self, rect: pymupdf.Rect) -> list[Box]:
        """Obstacles that are not the block's own lines."""
        x0, y0, x1, y1 = rect.x0 - 1, rect.y0 - 1, rect.x1 + 1, rect.y1 + 1
        return [o for o in self.obstacles
                if not (o[0] >= x0 and o[1] >= y0 and o[2] <= x1 and o[3] <= y1)]

    def sideways(self, rect: pymupdf.Rect, rtl: bool) -> pymupdf.Rect:
        """``rect`` widened to the right (left for right-to-left text) up to the next text."""
        band = [o for o in self._others(rect) if o[1] < rect.y1 - 2 and o[3] > rect.y0 + 2]
        if rtl:
            left = max([o[2] for o in band if o[2] <= rect.x0 + 1] + [self.page.x0 + 18])
            return pymupdf.Rect(min(rect.x0, left + self.gap), rect.y0, rect.x1, rect.y1)
        right = min([o[0] for o in band if o[0] >= rect.x1 - 1] + [self.page.x1 - 18])
        return pymupdf.Rect(rect.x0, rect.y0, max(rect.x1, right - self.gap), rect.y1)

    def below(self, rect: pymupdf.Rect) -> pymupdf.Rect:
        """``rect`` grown downwards up to the next text or image under it."""
        tops = [o[1] for o in self._others(rect)
                if o[0] < rect.x1 - 2 and o[2] > rect.x0 + 2 and o[1] >= rect.y1 - 1]
        bottom = min(tops + [self.page.y1 - 18])
        return pymupdf.Rect(rect.x0, rect.y0, rect.x1, max(rect.y1, bottom - self.gap / 2))

    def claim(self, rect: pymupdf.Rect) -> None:
        """Space now used by a translation: no other block may grow into it."""
        self.obstacles.append((rect.x0, rect.y0, rect.x1, rect.y1))


def _rotation(block: Block) -> int:
    assert block.geometry is not None
    return round((block.geometry.rotation or 0) / 90.0) % 4 * 90


def _draw_block(device: Any, block: Block, book: FontBook, room: Room
                ) -> Placement:
    assert block.geometry is not None
    rotate = _rotation(block)
    rect = _usable(pymupdf.Rect(block.geometry.bbox), block.geometry.size or DEFAULT_SIZE)
    body = block_html(block, book)
    story = pymupdf.Story(html=body, user_css=book.css + block_css(block),
                          archive=book.archive)
    rtl = is_rtl(block.translation.text)
    candidates = [rect]
    if rotate == 0:
        if block.geometry.lines <= 1:
            candidates = [room.sideways(rect, rtl)]
        candidates.append(room.below(candidates[0]))
    for low, target in [(MILD_SCALE, c) for c in candidates] + [(SCALE_LOW, candidates[-1])]:
        fitted = _fit(story, target, rotate, low)
        if fitted is not None:
            scale, box = fitted
            story.draw(device, _matrix(target, box, scale, rotate))
            room.claim(target)
            return Placement(block, scale)
    # Too long even at SCALE_LOW: set it smaller still in the largest free box, so that
    # nothing is cut nor drawn over its neighbours, and report it.
    target = candidates[-1]
    fitted = _fit(story, target, rotate, TINY_SCALE)
    if fitted is None:
        raise RuntimeError(f"the translation does not fit even at {TINY_SCALE:.0%} size")
    scale, box = fitted
    overflow = (f"overflow: page {block.geometry.page + 1}: the translation did not fit its "
                f"box at {int(SCALE_LOW * 100)} % size; set at {scale * 100:.0f} %")
    log.info("Block %d overflows its box (set at %.0f %%)", block.id, scale * 100)
    story.draw(device, _matrix(target, box, scale, rotate))
    room.claim(target)
    _add_flag(block, overflow)
    return Placement(block, scale, overflow)


def _usable(rect: pymupdf.Rect, size: float) -> pymupdf.Rect:
    """``rect``, at least one character wide and one line high (degenerate boxes)."""
    rect = pymupdf.Rect(rect).normalize()
    corners = (rect.x0, rect.y0, rect.x1, rect.y1)
    if not all(math.isfinite(v) and abs(v) < 1e6 for v in corners):
        raise ValueError(f"unusable box {corners}")
    return pymupdf.Rect(rect.x0, rect.y0, max(rect.x1, rect.x0 + size),
                        max(rect.y1, rect.y0 + size * 1.2))


def _extent(rect: pymupdf.Rect, rotate: int) -> tuple[float, float]:
    """Width and height of ``rect`` in the text's own direction."""
    return (rect.height, rect.width) if rotate in (90, 270) else (rect.width, rect.height)


def _fit(story: pymupdf.Story, rect: pymupdf.Rect, rotate: int, scale_low: float
         ) -> tuple[float, pymupdf.Rect] | None:
    """(scale, layout box) when the story fits ``rect`` at a scale ≥ ``scale_low``
    (0: any scale)."""
    width, height = _extent(rect, rotate)
    fit = story.fit_scale(pymupdf.Rect(0, 0, width, height), scale_min=1,
                          scale_max=1 / scale_low if scale_low else None, delta=_FIT_DELTA,
                          flags=pymupdf.mupdf.FZ_PLACE_STORY_FLAG_NO_OVERFLOW)
    if not fit.big_enough:
        return None
    return 1 / fit.parameter, pymupdf.Rect(fit.rect)


def _matrix(rect: pymupdf.Rect, box: pymupdf.Rect, scale: float, rotate: int
            ) -> pymupdf.Matrix:
    """Map the story's layout ``box`` (origin top-left), scaled, onto the top-left of
    ``rect`` as seen in the text's direction."""
    w, h = box.width * scale, box.height * scale
    if rotate == 90:  # reading upwards: the text top is the left edge
        target = pymupdf.Rect(rect.x0, rect.y1 - w, rect.x0 + h, rect.y1)
    elif rotate == 180:
        target = pymupdf.Rect(rect.x1 - w, rect.y1 - h, rect.x1, rect.y1)
    elif rotate == 270:  # reading downwards: the text top is the right edge
        target = pymupdf.Rect(rect.x1 - h, rect.y0, rect.x1, rect.y0 + w)
    else:
        target = pymupdf.Rect(rect.x0, rect.y0, rect.x0 + w, rect.y0 + h)
    centre = (box.tl + box.br) / 2 * scale
    dest = (target.tl + target.br) / 2
    return (pymupdf.Matrix(scale, 0, 0, scale, -centre.x, -centre.y)
            * pymupdf.Matrix(-rotate) * pymupdf.Matrix(1, 0, 0, 1, dest.x, dest.y))


def _redact(page: pymupdf.Page, blocks: list[Block]) -> None:
    """Remove the original text of ``blocks``; images and drawings stay."""
    for block in blocks:
        rect = _redaction_rect(block)
        if rect.is_valid and not rect.is_empty:
            page.add_redact_annot(rect, cross_out=False)
    page.apply_redactions(images=pymupdf.mupdf.PDF_REDACT_IMAGE_NONE,
                          graphics=pymupdf.mupdf.PDF_REDACT_LINE_ART_NONE,
                          text=pymupdf.mupdf.PDF_REDACT_TEXT_REMOVE)


def _redaction_rect(block: Block) -> pymupdf.Rect:
    """The block's box, trimmed across its lines so that tightly set neighbours survive.

    Line boxes include the font's full ascent and descent, so they overlap the lines
    above and below when the leading is tight.
    """
    assert block.geometry is not None
    rect = pymupdf.Rect(block.geometry.bbox)
    size = block.geometry.size or DEFAULT_SIZE
    if _rotation(block) in (90, 270):
        inset = min(size * 0.25, rect.width / 4)
        return pymupdf.Rect(rect.x0 + inset, rect.y0, rect.x1 - inset, rect.y1)
    inset = min(size * 0.25, rect.height / 4)
    return pymupdf.Rect(rect.x0, rect.y0 + inset, rect.x1, rect.y1 - inset)


def _record(doc: Document, placements: dict[int, list[Placement]], pages: int) -> None:
    doc.meta.output_page_count = pages
    drawn = sum(len(p) for p in placements.values())
    shrunk = sum(1 for ps in placements.values() for p in ps if p.scale < 0.999)
    over = sum(1 for ps in placements.values() for p in ps if p.overflow)
    log.info("PDF writer: %d blocks typeset, %d shrunk, %d overflowing", drawn, shrunk, over)


def _add_flag(block: Block, flag: str) -> None:
    kind = flag.split(":", 1)[0]
    block.flags[:] = [f for f in block.flags if not f.startswith(kind)] + [flag]


# -- HTML for one block ---------------------------------------------------------------------

def dominant_style(block: Block) -> Style:
    weights: dict[Style, int] = {}
    for run in block.runs:
        if run.text.strip():
            weights[run.style] = weights.get(run.style, 0) + len(run.text)
    return max(weights, key=lambda s: weights[s]) if weights else Style()


def _output_runs(block: Block) -> list[Run]:
    t = block.translation
    return t.runs if t.runs else [Run(t.text, dominant_style(block))]


def block_css(block: Block) -> str:
    g = block.geometry
    assert g is not None
    base = dominant_style(block)
    size = g.size or base.size or DEFAULT_SIZE
    color = g.color or base.color or "000000"
    rect = pymupdf.Rect(g.bbox)
    extent = rect.width if _rotation(block) in (90, 270) else rect.height
    pitch = extent / max(g.lines, 1)
    line_height = min(max(pitch / size, 1.0), 1.3) if g.lines > 1 else 1.15
    # MuPDF mirrors text-align in right-to-left paragraphs: their default is the right edge.
    align = "" if is_rtl(block.translation.text) else " text-align: left;"
    return (f"p {{margin: 0; padding: 0;}} body {{margin: 0; padding: 0; "
            f"font-size: {size:.2f}pt; color: #{color}; line-height: {line_height:.2f};{align}}}")


def block_html(block: Block, book: FontBook) -> str:
    g = block.geometry
    assert g is not None
    base = dominant_style(block)
    family = base_family(g.font or base.font)
    body_size = g.size or base.size or DEFAULT_SIZE
    width = _extent(pymupdf.Rect(g.bbox), _rotation(block))[0]
    spans: list[str] = []
    for run in _output_runs(block):
        css = _run_css(run.style, base, body_size)
        text = breakable(run.text, width, run.style.size or body_size)
        zwsp_font = book.family("sans") if ZWSP in text else ""
        for piece, script in split_scripts(text):
            font = book.for_script(script, family)
            text = html.escape(piece).replace("\n", "<br/>")
            if ZWSP in text:  # few fonts have the zero-width space: take Noto Sans's
                text = text.replace(ZWSP, f'<span style="font-family: {zwsp_font};">'
                                          f'{ZWSP}</span>')
            spans.append(f'<span style="font-family: {font};{css}">{text}</span>')
    direction = ' dir="rtl"' if is_rtl(block.translation.text) else ""
    return f"<p{direction}>{''.join(spans)}</p>"


def breakable(text: str, width: float, size: float) -> str:
    """Give words too wide for ``width`` even at SCALE_LOW break opportunities (U+200B).

    MuPDF breaks lines at spaces only, and a word that cannot fit would force the whole
    block down to an unreadable size (long URLs, codes, pseudo-translation padding).
    """
    limit = width / SCALE_LOW * 0.9

    def cut(m: re.Match[str]) -> str:
        word = m.group(0)
        wide = _text_width(word, size)
        if wide <= limit:
            return word
        step = max(4, int(len(word) * limit / wide * 0.8))
        return ZWSP.join(word[i:i + step] for i in range(0, len(word), step))

    return _LONG_WORD.sub(cut, text)


def _text_width(text: str, size: float) -> float:
    """A quick estimate of the width of ``text`` (an average glyph is about 0.55 em)."""
    return len(text) * size * 0.55


def _run_css(style: Style, base: Style, body_size: float) -> str:
    def pick(value: object, default: object) -> object:
        return default if value is None else value

    parts = []
    if pick(style.bold, base.bold):
        parts.append("font-weight: bold;")
    if pick(style.italic, base.italic):
        parts.append("font-style: italic;")
    if pick(style.underline, base.underline):
        parts.append("text-decoration: underline;")
    color = pick(style.color, None)
    if color:
        parts.append(f"color: #{color};")
    if style.size and abs(style.size - body_size) > 0.5:
        parts.append(f"font-size: {style.size:.2f}pt;")
    return " ".join(parts)
