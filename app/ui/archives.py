"""A dropped ``.zip``: every supported file inside translated into a mirrored folder.

The archive runs as one background batch (:func:`app.pipeline.batch.run_batch`: the
same zip-bomb and path checks as model archives, one engine per source language, a
summary report), never in the GUI thread.  Its output folder is the settings' output
folder, else ``NAME.LANG`` beside the archive.

Signals:
    finished(object): the :class:`~app.pipeline.batch.BatchResult`.
    failed(object): the exception, for the error presenter.
    progress(float, str): overall fraction and message.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from app.ui.qt import QObject, Signal, emit
from app.ui.settings import AppSettings
from app.ui.workers import FunctionWorker, start

log = logging.getLogger(__name__)


class ArchiveBatches(QObject):
    """Runs dropped archives one worker each (see the module docstring)."""

    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(float, str)

    def __init__(self, settings: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings  # a callable returning the current AppSettings
        self.cancel = threading.Event()
        self.running = 0

    def output_for(self, archive: Path) -> Path:
        settings: AppSettings = self._settings()
        folder = settings.output_dir() or archive.parent
        return folder / f"{archive.stem}.{settings.target_lang}"

    def start(self, archive: Path) -> Path:
        settings: AppSettings = self._settings()
        config = settings.job_config(archive)
        out_dir = self.output_for(archive)
        cancel = self.cancel

        def work(report: Any) -> Any:
            from app.pipeline.batch import run_batch
            from app.pipeline.engine_select import translator_factory

            return run_batch(archive, out_dir, config, translator_factory, progress=report,
                             cancel=cancel)

        self.running += 1
        start(FunctionWorker(work), self, self._on_done, self._on_failed,
              on_progress=self._on_progress)
        log.info("Archive %s: translating into %s", archive.name, out_dir)
        return out_dir

    def _on_done(self, result: object) -> None:
        self.running -= 1
        emit(self.finished, result)

    def _on_failed(self, exc: object) -> None:
        self.running -= 1
        emit(self.failed, exc)

    def _on_progress(self, fraction: float, message: str) -> None:
        emit(self.progress, fraction, message)
