"""The child-process side of the PDF reader: PyMuPDF runs here, never in the app.

:func:`worker_main` is the target of a child process started by
:mod:`app.formats.pdf_reader` (forked from a fork server, or spawned).  It caps its own
address space, opens the PDF, and streams :class:`~app.formats.pdf_layout.PageData` back
through a pipe in small chunks.  Every message is a tuple whose first item names it:

* ``("open", info)`` – the document opened; ``info`` is a dict (page_count, warnings…);
* ``("pages", [PageData, ...])`` – pages done, sent at least every ``FLUSH_S`` seconds;
* ``("done", stats)`` – this worker's pages are finished; stats: CPU seconds, peak RSS;
* ``("error", kind, message)`` – kind is encrypted, wrong_password, corrupt, memory, empty.

After "open", a worker started without a plan waits for ``("plan", workers)``.
Worker ``k`` of ``W`` reads the chunks of pages ``c`` with ``c % W == k``.  Embedded
files and JavaScript are never touched (only counted).

The worker installs the offline guard with an empty allow-list before anything else: it
parses untrusted files and never needs the network, so not even the intranet servers of the
allow-list are reachable from it.  There is no fault-injection hook in this module: the
tests replace its functions inside the child (``tests/app/pdf_child_hooks.py``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from app.core.childproc import lower_priority
from app.document import OcrInfo
from app.formats.pdf_layout import PageData, page_blocks
from app.formats.pdf_tables import TableGrid, ruling_area, text_grids
from engines import offline

log = logging.getLogger(__name__)

FLUSH_S = 0.3
MAX_CONTENT_BYTES = 4 * 1024 * 1024  # larger content streams skip vector analysis
SCANNED_MAX_CHARS = 20
OCR_AREA_MIN = 0.15  # an image on a text page covering this share of it is OCR'd
OCR_AREAS_MAX = 4  # at most this many images per page
MAX_PAGE_PT = 14400  # the PDF 1.7 page size limit (Annex C); far larger pages lose text
TEXT_FLAGS = 2 | 64 | 128  # PRESERVE_WHITESPACE | MEDIABOX_CLIP | CID_FOR_UNKNOWN_UNICODE


@dataclass
class WorkerTask:
    path: str
    password: str | None = None
    index: int = 0
    workers: int | None = None  # None: wait for the parent's plan after "open"
    chunk_pages: int = 8
    memory_limit_mb: int = 2048
    detect_tables: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class _Fail(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform
        log.warning("Could not cap the PDF reader's memory: %s", exc)


def import_pymupdf() -> Any:
    # PyMuPDF imports its optional ONNX layout analyser and pymupdf4llm on start-up when
    # they are installed (1 s, 100 MB); the reader uses neither (find_tables is called with
    # use_layout=False), so each child blocks them.
    os.environ["PYMUPDF_SUGGEST_LAYOUT_ANALYZER"] = "0"
    for optional in ("pymupdf.layout", "pymupdf4llm"):
        sys.modules.setdefault(optional, None)  # type: ignore[arg-type]
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return pymupdf


def _has_javascript(doc: Any) -> bool:
    try:
        cat = doc.pdf_catalog()
        names = doc.xref_get_key(cat, "Names/JavaScript")[0] != "null"
        action = doc.xref_get_key(cat, "OpenAction")
        return names or "JavaScript" in str(action[1]) or "/JS" in str(action[1])
    except Exception:
        return False


def open_document(pymupdf: Any, task: WorkerTask) -> tuple[Any, dict[str, Any]]:
    with open(task.path, "rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise _Fail("corrupt", "The file is not a valid PDF (no %PDF header).")
    try:
        doc = pymupdf.open(task.path, filetype="pdf")
    except MemoryError:
        raise
    except Exception as exc:
        raise _Fail("corrupt", f"The file is not a valid PDF ({_short(exc)}).") from exc
    if not doc.is_pdf:
        raise _Fail("corrupt", "The file is not a valid PDF.")
    if doc.needs_pass:
        if not task.password:
            raise _Fail("encrypted", "This PDF is password-protected: enter the password.")
        if not doc.authenticate(task.password):
            raise _Fail("wrong_password", "Wrong password for this PDF: check it and retry.")
    if doc.page_count == 0:
        raise _Fail("empty", "This PDF has no pages.")
    warnings: list[str] = []
    if _has_javascript(doc):
        warnings.append("The PDF contains JavaScript: it was ignored (never run).")
    try:
        if doc.embfile_count():
            warnings.append(f"The PDF has {doc.embfile_count()} embedded file(s): ignored.")
    except Exception:
        pass
    if getattr(doc, "is_repaired", False):
        warnings.append("The PDF was damaged and has been repaired: check the result.")
    meta = doc.metadata or {}
    info = {"page_count": doc.page_count, "warnings": warnings,
            "title": (meta.get("title") or "").strip() or None,
            "encrypted": bool(doc.is_encrypted or task.password)}
    return doc, info


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def find_tables(page: Any, text: dict) -> list[TableGrid]:  # type: ignore[type-arg]
    """Ruled tables (``find_tables`` inside the rulings' box), else grid-aligned text."""
    clip = ruling_area(page.get_cdrawings())
    if clip is None:
        return text_grids(text)
    try:
        found = page.find_tables(clip=clip, use_layout=False)
    except TypeError:  # PyMuPDF before 2.0 has no use_layout
        found = page.find_tables(clip=clip)
    grids = []
    for table in found.tables:
        cells = tuple((r, c, tuple(box)) for r, row in enumerate(table.rows)
                      for c, box in enumerate(row.cells) if box is not None)
        if len(cells) >= 2:
            grids.append(TableGrid(bbox=tuple(table.bbox), cells=cells))
    return grids


def extract_page(doc: Any, index: int, task: WorkerTask) -> PageData:
    page = doc.load_page(index)
    rect = page.rect if page.rotation == 0 else page.mediabox
    data = PageData(index=index, width=float(rect.width), height=float(rect.height),
                    rotation=int(page.rotation))
    text = page.get_text("dict", flags=TEXT_FLAGS)
    tables: list[TableGrid] = []
    chars = sum(len(s["text"].strip()) for b in text.get("blocks", ()) for ln in b.get("lines", ())
                for s in ln["spans"])
    if task.detect_tables and chars:
        if _content_size(page) > MAX_CONTENT_BYTES:
            data.warnings.append(f"page {index + 1}: too many drawing operations, "
                                 "table detection skipped")
        else:
            tables = find_tables(page, text)
    if chars < SCANNED_MAX_CHARS:
        data.scanned = _is_image_page(page)
    elif _is_image_page(page) and _invisible_share(page) >= 0.8:
        data.ocr = "layer"  # a scan with an invisible OCR layer (text render mode 3)
    else:
        data.ocr_areas = _textless_images(page, text)
    if not chars and max(rect.width, rect.height) > MAX_PAGE_PT and page.get_text().strip():
        data.warnings.append(f"page {index + 1}: the page is {rect.width:.3g} x {rect.height:.3g} "
                             "pt, far beyond the PDF size limit: its text could not be read")
    data = page_blocks(text, tables, data)
    if data.ocr == "layer":
        for block in data.blocks:
            block.ocr = OcrInfo(engine="pdf layer", lines=[block.bbox])
    return data


def _textless_images(page: Any, text: dict) -> list[tuple[float, float, float, float]]:  # type: ignore[type-arg]
    """Large images (unrotated page space) with no text over them: a scan pasted into a
    text page, read by OCR (:mod:`app.formats.ocr_reader`)."""
    try:
        images = page.get_image_info()
    except Exception:
        return []
    area = abs(page.rect)
    spans = [(s["bbox"], len(s["text"].strip())) for b in text.get("blocks", ())
             for ln in b.get("lines", ()) for s in ln["spans"]]
    found: list[tuple[float, float, float, float]] = []
    for info in images:
        box = (page.rect & tuple(info["bbox"])) * page.derotation_matrix
        if abs(box) < OCR_AREA_MIN * area or len(found) >= OCR_AREAS_MAX:
            continue
        inside = sum(n for bbox, n in spans
                     if box.contains(((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)))
        if inside < SCANNED_MAX_CHARS:
            found.append((box.x0, box.y0, box.x1, box.y1))
    return found


def _invisible_share(page: Any) -> float:
    """The share of the page's characters drawn invisibly (render mode 3)."""
    try:
        trace = page.get_texttrace()
    except Exception:
        return 0.0
    total = sum(len(span["chars"]) for span in trace)
    hidden = sum(len(span["chars"]) for span in trace if span.get("type") == 3)
    return hidden / total if total else 0.0


def _content_size(page: Any) -> int:
    try:
        return len(page.read_contents() or b"")  # decompressed: what the interpreter runs
    except Exception:
        return 0


def _is_image_page(page: Any) -> bool:
    area = abs(page.rect)
    try:
        images = page.get_image_info()
    except Exception:
        return False
    covered = sum(abs(page.rect & tuple(im["bbox"])) for im in images)
    return bool(images) and covered >= 0.3 * area


def _my_pages(page_count: int, index: int, workers: int, chunk: int) -> list[int]:
    return [p for p in range(page_count) if (p // chunk) % workers == index]


def _run(conn: Connection, task: WorkerTask) -> None:
    pymupdf = import_pymupdf()
    doc, info = open_document(pymupdf, task)
    conn.send(("open", info))
    workers = task.workers
    if workers is None:
        plan = conn.recv()
        if plan[0] != "plan":
            return
        workers = int(plan[1])
    batch: list[PageData] = []
    last = time.monotonic()
    for index in _my_pages(doc.page_count, task.index, workers, task.chunk_pages):
        try:
            batch.append(extract_page(doc, index, task))
        except MemoryError:
            raise
        except Exception as exc:  # one unreadable page does not sink the document
            batch.append(PageData(index=index, width=0, height=0, error=_short(exc)))
        now = time.monotonic()
        if len(batch) >= task.chunk_pages or now - last >= FLUSH_S:
            conn.send(("pages", batch))
            batch, last = [], now
    if batch:
        conn.send(("pages", batch))
    conn.send(("done", _usage()))


def _usage() -> dict[str, float]:
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
    except ImportError:
        return {}
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def worker_main(conn: Connection, task: WorkerTask) -> None:
    """Entry point of the child process."""
    run_child(conn, task.memory_limit_mb, lambda: _run(conn, task))


def child_context() -> Any:
    """How parsing children start: from a fork server that has PyMuPDF preloaded where the
    platform has one, else spawned.  Both start children from a clean, single-threaded
    process: never a fork of the app itself (Qt and engine threads).  The fork server also
    never re-imports ``__main__``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["app.formats.pdf_preload"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_child(conn: Connection, memory_limit_mb: int, body: Callable[[], None]) -> None:
    """A capped child's frame (PDF reader and OCR): the offline guard first (a spawned child
    has no guard, a forked one may not), the memory cap, then ``body``; every failure goes
    back to the parent as ``("error", kind, message)``."""
    offline.install(())
    lower_priority()
    _limit_memory(memory_limit_mb)
    try:
        body()
    except _Fail as exc:
        conn.send(("error", exc.kind, str(exc)))
    except MemoryError:
        conn.send(("error", "memory", "out of memory"))
    except Exception as exc:
        kind = "memory" if "malloc" in str(exc) or "out of memory" in str(exc) else "corrupt"
        conn.send(("error", kind, _short(exc)))
    finally:
        conn.close()
