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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.pipeline.job import Job
from app.ui.qt import emit
from app.ui.settings import AppSettings
from app.ui.workers import READ_KEY, GatedWorker, ModelGate, gate_key
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


class BatchWorker(GatedWorker):
    """Runs one batch in the pool: waits for the model (and the reader) like a job, then
    translates file after file.  Emits the same signals as
    :class:`~app.ui.workers.TranslateWorker` (``finished`` with the
    :class:`~app.pipeline.batch.BatchResult`)."""

    what = "Batch"

    def __init__(self, job: Job, out_dir: Path, gate: ModelGate, ticket: int,
                 translator_factory: Callable[[Job], Translator]) -> None:
        super().__init__(job, gate, ticket)
        self.out_dir = out_dir
        self.translator_factory = translator_factory

    def work(self) -> BatchResult:
        emit(self.signals.state, "waiting")
        # The model first, then the reader: a translating job never holds the reader,
        # so neither waits on the other.
        with self._turn(gate_key(self.job)), self._turn(READ_KEY):
            emit(self.signals.state, "translating")
            return self._run()

    def _run(self) -> BatchResult:
        # GUI start-up: the batch runner imports every reader and writer (loaded by
        # preload(), or here on first use).
        from app.pipeline.batch import run_batch

        source = self.job.config.input
        log.info("Batch %s: translating into %s", source.name, self.out_dir)
        return run_batch(source, self.out_dir, self.job.config, self.translator_factory,
                         progress=self._progress(0.0, 1.0), cancel=self.job.cancel)
