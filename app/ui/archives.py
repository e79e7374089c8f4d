"""A dropped folder or ``.zip``: every supported file inside translated into a mirrored tree.

The batch (:func:`app.pipeline.batch.run_batch`: the same zip-bomb and path checks as
model archives, one engine per source language, resumable, one summary report) is one
row of the job queue, with its progress and its Cancel button.  It takes its turn at the
queue's :class:`~app.ui.workers.ModelGate` like any job and borrows the queue's loaded
translators (:class:`~app.ui.workers.TranslatorCache`): a batch never loads a second copy
of a model beside the queued documents, nor reads while another job reads.  Its output
folder is the settings' output folder, else ``NAME.LANG`` beside the folder or archive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.pipeline.job import Job
from app.ui.qt import emit
from app.ui.settings import AppSettings
from app.ui.workers import PROGRESS_INTERVAL_S, READ_KEY, ModelGate, WorkerSignals, gate_key
from engines.errors import Cancelled
from engines.translate.base import Translator

if TYPE_CHECKING:
    from app.pipeline.batch import BatchResult

log = logging.getLogger(__name__)


def is_batch_source(path: Path) -> bool:
    """A folder, or a ``.zip`` archive: translated whole, as one batch."""
    path = Path(path)
    return path.is_dir() or (path.suffix.lower() == ".zip" and path.is_file())


def batch_output_dir(settings: AppSettings, source: Path) -> Path:
    folder = settings.output_dir() or source.parent
    return folder / f"{source.stem if source.is_file() else source.name}.{settings.target_lang}"


class BatchWorker:
    """Runs one batch in the pool: waits for the model (and the reader) like a job, then
    translates file after file.  Emits the same signals as
    :class:`~app.ui.workers.TranslateWorker` (``finished`` with the
    :class:`~app.pipeline.batch.BatchResult`)."""

    def __init__(self, job: Job, out_dir: Path, gate: ModelGate, ticket: int,
                 translator_factory: Callable[[Job], Translator]) -> None:
        self.job, self.out_dir, self.gate, self.ticket = job, out_dir, gate, ticket
        self.translator_factory = translator_factory
        self.signals = WorkerSignals()
        self.done = threading.Event()
        self._last_emit = 0.0

    def _report(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_emit < PROGRESS_INTERVAL_S:
            return
        self._last_emit = now
        emit(self.signals.progress, fraction, message)

    def run(self) -> None:
        job, key = self.job, gate_key(self.job)
        try:
            emit(self.signals.state, "waiting")
            # The model first, then the reader: a translating job never holds the reader,
            # so neither waits on the other.
            self.gate.enter(key, self.ticket, job.cancel)
            try:
                self.gate.enter(READ_KEY, self.ticket, job.cancel)
                try:
                    emit(self.signals.state, "translating")
                    result = self._run()
                finally:
                    self.gate.leave(READ_KEY, self.ticket)
            finally:
                self.gate.leave(key, self.ticket)
        except BaseException as exc:
            if not isinstance(exc, Cancelled):
                log.info("Batch %s failed: %s", job.config.input.name, exc)
            emit(self.signals.failed, exc)
        else:
            emit(self.signals.finished, result)
        finally:
            self.done.set()

    def _run(self) -> BatchResult:
        # GUI start-up: the batch runner imports every reader and writer (loaded by
        # preload(), or here on first use).
        from app.pipeline.batch import run_batch

        source = self.job.config.input
        log.info("Batch %s: translating into %s", source.name, self.out_dir)
        return run_batch(source, self.out_dir, self.job.config, self.translator_factory,
                         progress=self._report, cancel=self.job.cancel)
