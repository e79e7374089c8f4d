"""PDF → :class:`~app.document.Document`, parsed in child processes.

PyMuPDF never runs in the application process: one or two child processes
(:mod:`app.formats.pdf_worker`, forked from a fork server that has PyMuPDF preloaded, or
spawned where there is none) open the file under a memory cap and stream pages back.
Each worker installs the offline guard (empty allow-list) before it reads anything.
The parent watches them:

* a child that dies (segfault, abort) → :class:`~app.core.errors.ParserCrashed`;
* no page finished for ``page_timeout_s`` or the whole read past its cap → the children are
  killed → :class:`~app.core.errors.ParserTimeout`;
* the memory cap hit → :class:`~app.core.errors.DocumentTooLarge`;
* a password missing or wrong → :class:`~app.core.errors.EncryptedDocument` /
  :class:`~app.core.errors.WrongPassword`.

Block geometry (``bbox``, ``rotation``) is in PyMuPDF's unrotated page space, the space of
``page.insert_htmlbox`` and redactions; the page's own ``/Rotate`` is not folded in.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from app.core.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EncryptedDocument,
    ParserCrashed,
    ParserTimeout,
    WrongPassword,
)
from app.core.hashing import sha256_file
from app.document import Document, DocumentMeta
from app.formats.pdf_layout import PageData, restore_hyphens
from app.formats.pdf_structure import add_pages
from app.formats.pdf_worker import WorkerTask, child_context, worker_main
from engines.errors import Cancelled

log = logging.getLogger(__name__)

PRESPAWN_BYTES = 1 << 20  # files at least this big start every worker at once


@dataclass(frozen=True)
class PdfReadOptions:
    page_timeout_s: float = 30.0  # fail when no page finishes for this long
    total_timeout_s: float | None = None  # None: 60 s + 1 s per page
    memory_limit_mb: int = 2048  # address-space cap of each child
    workers: int = 0  # 0: up to 2, by CPU count
    parallel_min_pages: int = 24  # fewer pages: one worker
    chunk_pages: int = 8
    detect_tables: bool = True

    def worker_count(self) -> int:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on every platform
            cpus = os.cpu_count() or 1
        return self.workers or max(1, min(2, cpus))

    def total_timeout(self, pages: int) -> float:
        return self.total_timeout_s if self.total_timeout_s is not None else 60.0 + pages


Progress = Callable[[float, str], None]


_context = child_context  # a module attribute: tests start children their own way


class _Child:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, task: WorkerTask) -> None:
        self.task = task
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=worker_main, args=(child_conn, task), daemon=True,
                                name=f"pdf-reader-{task.index}")
        self.proc.start()
        child_conn.close()
        self.last = time.monotonic()
        self.done = False

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()

    def crash_error(self) -> ParserCrashed:
        self.proc.join(timeout=5)
        code = self.proc.exitcode
        if code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit code {code}"
        return ParserCrashed(f"The PDF reader crashed on this file ({how}): it may be damaged "
                             "or crafted. The application itself is unaffected.")


class _Reader:
    """Drives the children and collects their pages."""

    def __init__(self, path: Path, password: str | None, options: PdfReadOptions,
                 progress: Progress | None, cancel: threading.Event | None) -> None:
        self.path, self.password, self.options = path, password, options
        self.progress, self.cancel = progress, cancel
        self.ctx = _context()
        self.children: list[_Child] = []
        self.info: dict[str, Any] | None = None
        self.plan = 0
        self.pages: dict[int, PageData] = {}
        self.deadline = self.limit = float("inf")
        self.stats: dict[str, float] = {"workers": 0, "cpu_s": 0.0, "peak_rss_mb": 0.0}

    def _spawn(self, index: int) -> None:
        o = self.options
        task = WorkerTask(path=str(self.path), password=self.password, index=index,
                          chunk_pages=o.chunk_pages, memory_limit_mb=o.memory_limit_mb,
                          detect_tables=o.detect_tables)
        self.children.append(_Child(self.ctx, task))

    def run(self) -> tuple[dict[str, Any], list[PageData]]:
        wanted = self.options.worker_count()
        size = self.path.stat().st_size
        start = 1 if size < PRESPAWN_BYTES else wanted
        try:
            for index in range(start):
                self._spawn(index)
            while not all(c.done for c in self.children):
                self._step()
        finally:
            for child in self.children:
                child.stop()
        assert self.info is not None
        return self.info, [self.pages[i] for i in sorted(self.pages)]

    def _step(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()
        active = [c for c in self.children if not c.done]
        ready = wait([c.conn for c in active], timeout=0.2)
        for child in active:
            if child.conn in ready:
                try:
                    message = child.conn.recv()
                except (EOFError, OSError):
                    raise child.crash_error() from None
                child.last = time.monotonic()
                self._handle(child, message)
        now = time.monotonic()
        for child in active:
            if not child.done and now - child.last > self.options.page_timeout_s:
                raise ParserTimeout(
                    f"The PDF reader stopped responding on this file (no progress for "
                    f"{self.options.page_timeout_s:.0f} s): it may be damaged or crafted.")
        if now > self.deadline:
            raise ParserTimeout("Reading this PDF took too long and was stopped "
                                f"(limit {self.limit:.0f} s for {len(self.pages)} pages read).")

    def _handle(self, child: _Child, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "open":
            if self.info is None:
                self._planned(message[1])
            try:
                child.conn.send(("plan", self.plan))
            except OSError:
                raise child.crash_error() from None
        elif kind == "pages":
            for page in message[1]:
                self.pages[page.index] = page
            self._report()
        elif kind == "done":
            child.done = True
            usage = message[1] if len(message) > 1 else {}
            self.stats["workers"] += 1
            self.stats["cpu_s"] += usage.get("cpu_s", 0.0)
            self.stats["peak_rss_mb"] = max(self.stats["peak_rss_mb"],
                                            usage.get("peak_rss_mb", 0.0))
        elif kind == "error":
            raise _error(message[1], message[2], self.options)

    def _planned(self, info: dict[str, Any]) -> None:
        self.info = info
        count = int(info["page_count"])
        wanted = self.options.worker_count()
        self.plan = wanted if count >= self.options.parallel_min_pages else 1
        self.limit = self.options.total_timeout(count)
        self.deadline = time.monotonic() + self.limit
        for index in range(len(self.children), self.plan):
            self._spawn(index)

    def _report(self) -> None:
        if self.progress is not None and self.info:
            total = max(int(self.info["page_count"]), 1)
            self.progress(len(self.pages) / total, f"Reading page {len(self.pages)}/{total}")


def _error(kind: str, message: str, options: PdfReadOptions) -> Exception:
    if kind == "encrypted":
        return EncryptedDocument("This PDF is password-protected: enter the password")
    if kind == "wrong_password":
        return WrongPassword("Wrong password for this PDF: check it and try again")
    if kind == "memory":
        return DocumentTooLarge(
            f"This PDF needs more than {options.memory_limit_mb} MB of memory to read: "
            "it is too large or crafted.")
    return CorruptDocument(message)


def read_pdf(path: Path, password: str | None = None, options: PdfReadOptions | None = None,
             progress: Progress | None = None, cancel: threading.Event | None = None,
             stats: dict[str, float] | None = None,
             ocr: Callable[[list[PageData]], list[PageData]] | None = None) -> Document:
    """Read a PDF into the document model (see the module docstring for the errors).

    ``progress(fraction, message)`` is called as pages arrive; setting ``cancel`` stops
    the children and raises :class:`~engines.errors.Cancelled`; ``stats`` (if given) gets
    the workers' count, total CPU seconds and largest peak RSS in MB.  ``ocr`` (if given)
    may replace pages before the document is built (:mod:`app.formats.ocr_reader`).
    """
    path = Path(path)
    options = options or PdfReadOptions()
    t0 = time.perf_counter()
    reader = _Reader(path, password, options, progress, cancel)
    info, pages = reader.run()
    if ocr is not None:
        pages = ocr(pages)
    if stats is not None:
        stats.update(reader.stats)
    if pages and all(p.error for p in pages):
        raise CorruptDocument(f"No page of this PDF could be read ({pages[0].error}).")
    meta = DocumentMeta(source_path=path, sha256=sha256_file(path), format="pdf",
                        page_count=int(info["page_count"]), title=info.get("title"))
    doc = Document(meta=meta, warnings=list(info["warnings"]))
    restored = restore_hyphens(pages)
    if restored:
        log.info("%d line-end hyphens kept: the document writes those words hyphenated",
                 restored)
    add_pages(doc, pages)
    if not doc.blocks and not doc.meta.scanned_pages:
        doc.warnings.append("No text was found in this PDF.")
    log.info("Read %s: %d pages, %d blocks in %.2fs", path.name, meta.page_count,
             len(doc.blocks), time.perf_counter() - t0)
    return doc
