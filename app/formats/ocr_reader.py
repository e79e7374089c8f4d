"""OCR of scanned pages and image files, in capped child processes.

:func:`ocr_pages` reads pages with Tesseract in one or two child processes
(:mod:`app.formats.ocr_worker`, started like the PDF reader's).  The parent watches them:

* a child that dies → :class:`~app.core.errors.ParserCrashed`;
* no page finished for ``page_timeout_s`` → the children are killed →
  :class:`~app.core.errors.ParserTimeout`;
* ``cancel`` set → the children (and their Tesseract) are killed at once →
  :class:`~engines.errors.Cancelled`, so a cancel never waits for the page to finish;
* Tesseract or its language data missing → :class:`~app.core.errors.NeedsOCR` with the
  command that installs it.

When no language is given, the first page is read with the languages of the script that
OSD finds (Latin: French, English, German), the language of that text is detected, and
every page is then read with that language alone.

:func:`read_pdf_ocr` is the PDF reader with OCR: pages without a text layer, and pages
whose text is unreadable (broken font encodings), are OCR'd; pages with an invisible OCR
layer keep it unless ``redo_ocr``.  :func:`read_image` reads PNG, JPEG, TIFF, BMP, WebP.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from app.core.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EncryptedDocument,
    InputError,
    NeedsOCR,
    ParserCrashed,
    ParserTimeout,
)
from app.core.hashing import sha256_file
from app.document import Document, DocumentMeta
from app.formats.ocr_engine import ISO_LANGS, find_tessdata, installed_languages, tesseract_lang
from app.formats.ocr_images import image_header
from app.formats.ocr_worker import OcrTask, worker_main
from app.formats.pdf_layout import PageData, RawBlock
from app.formats.pdf_reader import read_pdf
from app.formats.pdf_structure import add_pages
from app.formats.pdf_worker import child_context
from engines.errors import Cancelled
from engines.langdetect import detect

log = logging.getLogger(__name__)

DETECT_DPI = 150  # the language-finding first pass reads page one at this resolution
UNREADABLE_SHARE = 0.5  # a page whose text is mostly unreadable is OCR'd


@dataclass(frozen=True)
class OcrOptions:
    lang: str | None = None  # "fr", "fra", "fra+eng"; None: detected
    dpi: int = 300
    max_pixels: int = 20_000_000  # larger pages are downscaled for OCR
    workers: int = 0  # 0: up to 2, by CPU count
    page_timeout_s: float = 120.0
    memory_limit_mb: int = 2048
    tessdata: str | None = None  # the settings' folder; PASSERELLE_TESSDATA wins
    redo_ocr: bool = False  # OCR pages that carry an invisible OCR layer again

    def worker_count(self, pages: int) -> int:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:
            cpus = os.cpu_count() or 1
        return max(1, min(self.workers or min(2, cpus), pages))


Progress = Callable[[float, str], None]


@dataclass
class _Child:
    proc: Any
    conn: Any
    last: float = field(default_factory=time.monotonic)
    done: bool = False

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


def _error(kind: str, message: str, options: OcrOptions) -> Exception:
    if kind == "encrypted":
        return EncryptedDocument(message)
    if kind == "unavailable":
        return NeedsOCR(message)
    if kind == "memory":
        return DocumentTooLarge(f"OCR needed more than {options.memory_limit_mb} MB of memory "
                                "on this file: it is too large or crafted.")
    if kind == "too_large":
        return DocumentTooLarge(message)
    return CorruptDocument(message)


def _run_children(tasks: list[OcrTask], options: OcrOptions,
                  on_page: Callable[[PageData, dict[str, Any]], None],
                  cancel: threading.Event | None, stats: dict[str, float]) -> None:
    ctx = child_context()
    children: list[_Child] = []
    try:
        for n, task in enumerate(tasks):
            conn, child_conn = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=worker_main, args=(child_conn, task), daemon=True,
                               name=f"ocr-{n}")
            proc.start()
            child_conn.close()
            children.append(_Child(proc, conn))
        while not all(c.done for c in children):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            active = [c for c in children if not c.done]
            ready = wait([c.conn for c in active], timeout=0.1)
            for child in active:
                if child.conn not in ready:
                    continue
                try:
                    message = child.conn.recv()
                except (EOFError, OSError):
                    child.proc.join(timeout=5)
                    raise ParserCrashed(
                        f"The OCR process crashed on this file (exit code {child.proc.exitcode})"
                        ": it may be damaged or crafted. The application is unaffected."
                    ) from None
                child.last = time.monotonic()
                if message[0] == "page":
                    on_page(message[1], message[2])
                elif message[0] == "done":
                    child.done = True
                    stats["cpu_s"] = stats.get("cpu_s", 0.0) + message[1].get("cpu_s", 0.0)
                    for key in ("peak_rss_mb", "tesseract_peak_rss_mb"):
                        stats[key] = max(stats.get(key, 0.0), message[1].get(key, 0.0))
                elif message[0] == "error":
                    raise _error(message[1], message[2], options)
            now = time.monotonic()
            for child in active:
                if not child.done and now - child.last > options.page_timeout_s:
                    raise ParserTimeout(f"OCR stopped responding on this file (no page read "
                                        f"for {options.page_timeout_s:.0f} s).")
    finally:
        for child in children:
            child.stop()


def _task(path: Path, fmt: str, pages: list[int], lang: str | None, password: str | None,
          options: OcrOptions, areas: dict[int, list[Any]] | None = None) -> OcrTask:
    return OcrTask(path=str(path), fmt=fmt, pages=pages, lang=lang, password=password,
                   areas={p: areas[p] for p in pages if p in areas} if areas else {},
                   dpi=options.dpi, max_pixels=options.max_pixels,
                   memory_limit_mb=options.memory_limit_mb, tessdata=options.tessdata,
                   page_timeout_s=options.page_timeout_s / 3)  # per Tesseract run


def _detected_lang(page: PageData, fallback: str) -> str:
    """The one Tesseract language of the first page's text, if installed, else the
    first-pass languages."""
    found = detect(" ".join(b.text for b in page.blocks))
    tessdata = find_tessdata()
    name = tesseract_lang(found.language) if found.language else None
    if name and found.confidence >= 0.5 and tessdata and name in installed_languages(tessdata):
        return name
    return fallback


def ocr_pages(path: Path, fmt: str, pages: list[int], options: OcrOptions | None = None,
              password: str | None = None, progress: Progress | None = None,
              cancel: threading.Event | None = None,
              stats: dict[str, Any] | None = None,
              areas: dict[int, list[Any]] | None = None) -> list[PageData]:
    """OCR ``pages`` (0-based) of a PDF or image file; pages sorted by index.  For a page
    in ``areas`` only those boxes (unrotated page space) are read."""
    options = options or OcrOptions()
    stats = stats if stats is not None else {}
    done: dict[int, PageData] = {}
    infos: dict[int, dict[str, Any]] = {}
    total = max(len(pages), 1)

    def on_page(page: PageData, info: dict[str, Any]) -> None:
        done[page.index] = page
        infos[page.index] = info
        if progress is not None:
            progress(len(done) / total, f"OCR page {len(done)}/{len(pages)}")

    lang = tesseract_lang(options.lang) if options.lang else None
    todo = list(pages)
    if lang is None and todo:  # a quick first pass (150 dpi) to find the language
        _run_children([_task(path, fmt, todo[:1], None, password,
                             replace(options, dpi=DETECT_DPI))], options, on_page, cancel, stats)
        first = done.pop(todo[0], None)
        guess = infos.pop(todo[0], {}).get("lang", "eng")
        lang = _detected_lang(first, guess) if first is not None else guess
        stats["detected_lang"] = ISO_LANGS.get(lang, lang)
    workers = options.worker_count(len(todo))
    if todo:
        tasks = [_task(path, fmt, todo[k::workers], lang, password, options, areas)
                 for k in range(workers)]
        _run_children(tasks, options, on_page, cancel, stats)
    stats["lang"] = lang
    stats["pages"] = len(done)
    stats["page_info"] = infos
    return [done[i] for i in sorted(done)]


def needs_ocr(page: PageData, redo_ocr: bool) -> bool:
    """A page without a text layer, with mostly unreadable text, or (``redo_ocr``) with an
    invisible OCR layer."""
    if page.scanned or (redo_ocr and page.ocr == "layer"):
        return True
    chars = sum(len(b.text.strip()) for b in page.blocks)
    bad = sum(len(b.text.strip()) for b in page.blocks if "unreadable" in b.flags)
    return bool(chars) and bad >= UNREADABLE_SHARE * chars


def read_pdf_ocr(path: Path, password: str | None = None, progress: Progress | None = None,
                 cancel: threading.Event | None = None,
                 ocr: OcrOptions | None = None) -> Document:
    """The PDF reader, with OCR for the pages that need it (module docstring)."""
    options = ocr or OcrOptions()
    ocr_stats: dict[str, Any] = {}

    def ocr_hook(pages: list[PageData]) -> list[PageData]:
        wanted = [p.index for p in pages if needs_ocr(p, options.redo_ocr)]
        if not wanted:
            return _read_areas(path, pages, options, password, progress, cancel, ocr_stats)
        try:
            found = ocr_pages(path, "pdf", wanted, options, password, progress, cancel,
                              ocr_stats)
        except NeedsOCR as exc:  # no Tesseract: the pages with text are still translated
            if len(wanted) == len(pages):
                raise
            ocr_stats["unavailable"] = str(exc)
            return pages
        read = {p.index: p for p in found}
        pages = [_merge(p, read[p.index]) if p.index in read else p for p in pages]
        return _read_areas(path, pages, options, password, progress, cancel, ocr_stats)

    doc = read_pdf(path, password=password, progress=progress, cancel=cancel, ocr=ocr_hook)
    _note(doc, ocr_stats)
    return doc


def _read_areas(path: Path, pages: list[PageData], options: OcrOptions, password: str | None,
                progress: Progress | None, cancel: threading.Event | None,
                stats: dict[str, Any]) -> list[PageData]:
    """Large images on text pages read by OCR; their blocks take their place in the page's
    reading order.  A failure here costs only a warning: the page's text is read already."""
    areas = {p.index: list(p.ocr_areas) for p in pages if p.ocr_areas and not p.ocr}
    if not areas:
        return pages
    lang = options.lang
    if lang is None:  # the language of the text around them
        found = detect(" ".join(b.text for p in pages for b in p.blocks)[:4000])
        lang = found.language if found.language else None
    area_stats: dict[str, Any] = {}
    try:
        read = ocr_pages(path, "pdf", sorted(areas), replace(options, lang=lang), password,
                         progress, cancel, area_stats, areas=areas)
    except (NeedsOCR, InputError) as exc:
        stats["areas_failed"] = str(exc)
        return pages
    by_index = {p.index: p for p in read if not p.error}
    for page in pages:
        extra = by_index.get(page.index)
        if extra is not None and extra.blocks:
            for block in extra.blocks:
                _place(page.blocks, block)
            stats["area_blocks"] = stats.get("area_blocks", 0) + len(extra.blocks)
    return pages


def _place(blocks: list[RawBlock], block: RawBlock) -> None:
    """Insert an image's OCR block where it stands in the page's reading order: before
    the first block of its column that starts below it (never inside a table), else
    after the last block of its column."""
    x0, top, x1, _ = block.bbox
    column = [i for i, b in enumerate(blocks) if min(x1, b.bbox[2]) - max(x0, b.bbox[0]) > 0]
    at = next((i for i in column if blocks[i].bbox[1] >= top), None)
    if at is None:
        at = column[-1] + 1 if column else len(blocks)
    while 0 < at < len(blocks) and _same_table(blocks[at - 1], blocks[at]):
        at += 1  # the rest of a table: after it
    if 0 < at <= len(blocks):
        block.column = blocks[at - 1].column
    blocks.insert(at, block)


def _same_table(a: RawBlock, b: RawBlock) -> bool:
    return a.cell is not None and b.cell is not None and a.cell[0] == b.cell[0]


def _merge(old: PageData, new: PageData) -> PageData:
    """The OCR'd page; the old one (still flagged scanned) when OCR failed or found no text."""
    if new.error:
        old.warnings.append(f"page {old.index + 1}: OCR failed: {new.error}")
        return old
    if not new.blocks and old.scanned:
        old.warnings.append(f"page {old.index + 1}: OCR found no text on this scanned page")
        return old
    new.warnings = [*old.warnings, *new.warnings]
    new.width, new.height, new.rotation = old.width, old.height, old.rotation
    return new


def _note(doc: Document, stats: dict[str, Any]) -> None:
    if stats.get("unavailable"):
        doc.warnings.append(f"Scanned pages were not read: {stats['unavailable']}")
    if stats.get("areas_failed"):
        doc.warnings.append(f"Images with text were not read: {stats['areas_failed']}")
    if stats.get("area_blocks"):
        doc.warnings.append(f"{stats['area_blocks']} block(s) read by OCR from images: "
                            "check names and numbers against the original")
    if not stats.get("pages"):
        return
    lang = stats.get("lang") or "?"
    doc.warnings.append(f"{stats['pages']} page(s) read by OCR (Tesseract, {lang}): "
                        "check names and numbers against the original")


def read_image(path: Path, password: str | None = None, progress: Progress | None = None,
               cancel: threading.Event | None = None,
               ocr: OcrOptions | None = None) -> Document:
    """An image file (every frame of a TIFF) read by OCR."""
    path = Path(path)
    try:
        _fmt, _w, _h, frames = image_header(str(path))
    except ValueError as exc:
        if "megapixels" in str(exc):
            raise DocumentTooLarge(str(exc)) from exc
        raise CorruptDocument(str(exc)) from exc
    stats: dict[str, Any] = {}
    pages = ocr_pages(path, "image", list(range(frames)), ocr, None, progress, cancel, stats)
    meta = DocumentMeta(source_path=path, sha256=sha256_file(path), format="image",
                        page_count=frames)
    doc = Document(meta=meta)
    add_pages(doc, pages)
    _note(doc, stats)
    if not doc.blocks:
        raise NeedsOCR("OCR found no text in this image: is it blank, faint or too small? "
                       "(Scan at 300 dpi.)")
    return doc
