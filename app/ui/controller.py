"""Runs the job queue: starts workers, follows their signals, cancels, retries, exports."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import present
from app.pipeline.job import Job, Stage, run
from app.ui.archives import BatchWorker
from app.ui.jobs import JobItem, JobQueueModel, JobState
from app.ui.labels import DEMO_ENGINES
from app.ui.qt import QObject, QThreadPool, QTimer, Signal, emit
from app.ui.settings import AppSettings
from app.ui.workers import (
    FunctionWorker,
    ModelGate,
    TranslateWorker,
    TranslatorCache,
    export_stages,
    start,
)
from engines.errors import Cancelled, ModelNotFound
from engines.translate.base import Translator

if TYPE_CHECKING:
    from app.pipeline.batch import BatchResult

log = logging.getLogger(__name__)


def _default_stages() -> list[Stage]:
    from app.pipeline.stages import TRANSLATE_STAGES
    from app.ui.isolation import isolate

    return isolate(list(TRANSLATE_STAGES))


def _default_factory(job: Job) -> Translator:
    from app.pipeline.engine_select import translator_factory

    return translator_factory(job)


def _copy_flags(done: Job, source: Job) -> None:
    """Writer flags (overflow…) from a copy made in the child process back to the job's
    own document, which the review pane keeps editing."""
    if done.document is None or source.document is None or done.document is source.document:
        return
    for new, old in zip(done.document.blocks, source.document.blocks, strict=False):
        if new.id == old.id:
            old.flags = list(new.flags)


class JobController(QObject):
    """Owns the queue model and the worker pool.

    Signals:
        jobReady(int): a job is translated and ready to review (job id).
        jobFailed(int, object): job id and the :class:`app.core.errors.Presentation`.
        modelMissing(int, str): a job needs a model that is not installed (id, message).
        exported(int, object): job id and the list of written paths.
        exportFailed(int, object): job id and the Presentation.
        batchFinished(int, object): job id and the
            :class:`~app.pipeline.batch.BatchResult` of a folder or archive.
        engineUsed(str): the engine or model that served the last job, for the status bar.
    """

    jobReady = Signal(int)
    jobFailed = Signal(int, object)
    modelMissing = Signal(int, str)
    exported = Signal(int, object)
    exportFailed = Signal(int, object)
    batchFinished = Signal(int, object)
    engineUsed = Signal(str)

    def __init__(self, settings: Callable[[], AppSettings], parent: QObject | None = None,
                 stages: list[Stage] | None = None,
                 factory: Callable[[Job], Translator] | None = None,
                 max_threads: int = 3) -> None:
        super().__init__(parent)
        self.settings = settings
        self.model = JobQueueModel(self)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, max_threads))
        self.gate = ModelGate()
        self.cache = TranslatorCache(factory or _default_factory)
        # The pipeline's stages import every reader and writer (PyMuPDF, lxml, numpy…,
        # 0.6-2 s): imported on the first job, after the window shows (preload() has
        # usually imported them by then, in its thread), not while the window is built.
        self._stages = stages
        self._ids = itertools.count(1)
        self._eta_timer = QTimer(self)
        self._eta_timer.setInterval(1000)
        self._eta_timer.timeout.connect(self._on_eta_tick)
        self._eta_timer.start()

    @property
    def stages(self) -> list[Stage]:
        if self._stages is None:
            self._stages = _default_stages()
        return self._stages

    # --- adding and running -------------------------------------------------------------
    def add_files(self, paths: Iterable[Path], **overrides: Any) -> list[int]:
        ids = []
        s = self.settings()
        for path in paths:
            item = JobItem(id=next(self._ids), config=s.job_config(Path(path), **overrides))
            self.model.add(item)
            self._start(item)
            ids.append(item.id)
        return ids

    def add_batch(self, source: Path, out_dir: Path, **overrides: Any) -> int:
        """A folder or ``.zip`` translated into the mirrored ``out_dir``: one queue row."""
        item = JobItem(id=next(self._ids),
                       config=self.settings().job_config(Path(source), **overrides),
                       batch_out=Path(out_dir))
        self.model.add(item)
        self._start(item)
        return item.id

    def _start(self, item: JobItem) -> None:
        if item.batch_out is not None:
            self._start_batch(item, item.batch_out)
            return
        job = Job(config=item.config, translator_factory=self.cache.get)
        item.job, item.error, item.outputs = job, None, []
        item.state, item.progress, item.message = JobState.QUEUED, 0.0, ""
        item.started, item.finished = time.monotonic(), None
        item.demo = item.config.engine in DEMO_ENGINES
        worker = TranslateWorker(job, self.stages, self.gate, ticket=item.id)
        jid = item.id
        self.model.changed(jid)
        start(worker, self, self._on_finished, self._on_failed, context=(jid,),
              pool=self.pool, on_progress=self._on_progress, on_state=self._on_state)

    def _start_batch(self, item: JobItem, out_dir: Path) -> None:
        job = Job(config=item.config)  # holds the cancel event; each file gets its own job
        item.job, item.error, item.outputs = job, None, []
        item.state, item.progress, item.message = JobState.QUEUED, 0.0, ""
        item.started, item.finished = time.monotonic(), None
        worker = BatchWorker(job, out_dir, self.gate, item.id, self.cache.get)
        self.model.changed(item.id)
        start(worker, self, self._on_batch_done, self._on_failed, context=(item.id,),
              pool=self.pool, on_progress=self._on_progress, on_state=self._on_state)

    def cancel(self, job_id: int) -> bool:
        item = self.model.by_id(job_id)
        if not item.state.active or item.job is None:
            return False
        item.job.cancel.set()
        item.message = self.tr("Cancelling…")
        self.model.changed(job_id)
        return True

    def retry(self, job_id: int, **overrides: Any) -> bool:
        item = self.model.by_id(job_id)
        if item.state.active:
            return False
        if overrides:
            item.config = dataclasses.replace(item.config, **overrides)
        item.engine_label = ""
        self._start(item)
        return True

    def cancel_all(self) -> None:
        for item in self.model.items():
            if item.state.active and item.job is not None:
                item.job.cancel.set()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the workers (at exit, and in tests)."""
        self.cancel_all()
        self._eta_timer.stop()
        done = bool(self.pool.waitForDone(timeout_ms))
        self.cache.clear()
        return done

    # --- export -------------------------------------------------------------------------
    def export(self, job_id: int, fmt: str, out: Path, overwrite: bool = False) -> None:
        """Write the (possibly edited) translation; runs the write stage in a worker."""
        item = self.model.by_id(job_id)
        if item.job is None or item.job.document is None:
            raise RuntimeError("Nothing to export: the job has not been translated")
        source = item.job
        config = dataclasses.replace(source.config, output=Path(out), output_format=fmt,
                                     overwrite=overwrite)
        export_job = Job(config=config, document=source.document, fidelity=source.fidelity,
                         translator=source.translator, cancel=threading.Event())
        stages = export_stages(self.stages)

        def work(report: Callable[[float, str], None]) -> list[Path]:
            export_job.progress = report
            run(export_job, stages)
            source.fidelity = export_job.fidelity
            _copy_flags(export_job, source)
            return list(export_job.outputs)

        item.state, item.message = JobState.EXPORTING, ""
        self.model.changed(job_id)
        start(FunctionWorker(work), self, self._on_exported, self._on_export_failed,
              context=(job_id,), pool=self.pool)

    # --- worker signals (GUI thread) ----------------------------------------------------
    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        item = self.model.by_id(job_id)
        if not item.state.active:
            return
        item.progress, item.message = fraction, message
        self.model.changed(job_id)

    def _on_state(self, job_id: int, state: str) -> None:
        item = self.model.by_id(job_id)
        if item.state.active:
            item.state = JobState(state)
            self.model.changed(job_id)

    def _on_finished(self, job_id: int, job: Job) -> None:
        item = self.model.by_id(job_id)
        item.state, item.progress, item.finished = JobState.READY, 1.0, time.monotonic()
        item.message = self.tr("Translated; review it, then export")
        if job.translator is not None:
            info = job.translator.info
            item.demo = item.demo or info.demo
            item.engine_label = info.model_id if info.engine != "pseudo" else ""
            emit(self.engineUsed, self.model.engine_text(item))
        self.model.changed(job_id)
        emit(self.jobReady, job_id)

    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        item = self.model.by_id(job_id)
        item.finished = time.monotonic()
        if isinstance(exc, Cancelled):
            item.state, item.message = JobState.CANCELLED, ""
            self.model.changed(job_id)
            return
        item.state, item.error = JobState.FAILED, present(exc)
        self.model.changed(job_id)
        if isinstance(exc, ModelNotFound):
            emit(self.modelMissing, job_id, str(exc))
        else:
            emit(self.jobFailed, job_id, item.error)

    def _on_batch_done(self, job_id: int, result: BatchResult) -> None:
        item = self.model.by_id(job_id)
        item.state, item.progress, item.finished = JobState.EXPORTED, 1.0, time.monotonic()
        item.outputs = [Path(result.out_dir), Path(result.report)]
        item.message = self.tr("%1 translated, %2 already done, %3 failed; report: %4") \
            .replace("%1", str(result.count("translated"))) \
            .replace("%2", str(result.count("skipped"))) \
            .replace("%3", str(result.count("failed"))).replace("%4", Path(result.report).name)
        self.model.changed(job_id)
        emit(self.batchFinished, job_id, result)

    def _on_exported(self, job_id: int, outputs: list[Path]) -> None:
        item = self.model.by_id(job_id)
        item.state, item.outputs = JobState.EXPORTED, list(outputs)
        item.message = ", ".join(p.name for p in outputs)
        self.model.changed(job_id)
        emit(self.exported, job_id, list(outputs))

    def _on_export_failed(self, job_id: int, exc: BaseException) -> None:
        item = self.model.by_id(job_id)
        item.state = JobState.READY
        self.model.changed(job_id)
        if not isinstance(exc, Cancelled):
            emit(self.exportFailed, job_id, present(exc))

    def _on_eta_tick(self) -> None:
        for item in self.model.items():
            if item.state in (JobState.READING, JobState.TRANSLATING):
                self.model.changed(item.id)
