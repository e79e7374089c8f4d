"""The translation pipeline, declared as a list of weighted stages.

Each stage has ``process(job)``; :func:`run` drives them, reports overall progress and
checks for cancellation between stages (and the stages check inside their loops).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.core.config import JobConfig
from app.document import Document, TranslationStatus
from engines.errors import Cancelled
from engines.translate.base import Translator

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]  # (overall fraction 0..1, message)


@dataclass
class Job:
    config: JobConfig
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: ProgressCallback | None = None
    document: Document | None = None
    translator: Translator | None = None
    translator_factory: Callable[[Job], Translator] | None = None
    outputs: list[Path] = field(default_factory=list)
    fidelity: dict | None = None  # type: ignore[type-arg]
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)  # for the audit: models, warnings…
    _stage_start: float = 0.0
    _stage_weight: float = 0.0

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def report(self, fraction: float, message: str = "") -> None:
        """Progress inside the current stage (0..1)."""
        if self.progress is not None:
            overall = self._stage_start + self._stage_weight * max(0.0, min(1.0, fraction))
            self.progress(min(overall, 1.0), message)

    @property
    def doc(self) -> Document:
        if self.document is None:
            raise RuntimeError("The document has not been read yet")
        return self.document


class Stage(Protocol):
    name: str
    weight: float

    def process(self, job: Job) -> None: ...


_CURRENT: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)


def current_job() -> Job | None:
    """The job whose stages run in this thread (writers that need its provenance)."""
    return _CURRENT.get()


def run(job: Job, stages: list[Stage] | None = None) -> Job:
    """Run the stages, then write the job's audit line (ok, failed or cancelled)."""
    from app.core.audit import record_job

    started, t0 = time.time(), time.perf_counter()
    token = _CURRENT.set(job)
    status, error = "failed", ""
    try:
        _run_stages(job, stages)
        status = "ok"
    except (Cancelled, KeyboardInterrupt):
        status = "cancelled"
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:
        _CURRENT.reset(token)
        record_job(job, status, started, time.perf_counter() - t0, error)
    return job


def _run_stages(job: Job, stages: list[Stage] | None) -> None:
    from app.pipeline.stages import TRANSLATE_STAGES

    stages = stages if stages is not None else TRANSLATE_STAGES
    total = sum(s.weight for s in stages)
    done = 0.0
    for stage in stages:
        job.check_cancel()
        job._stage_start, job._stage_weight = done / total, stage.weight / total
        job.report(0.0, stage.name)
        t0 = time.perf_counter()
        stage.process(job)
        job.timings[stage.name] = time.perf_counter() - t0
        done += stage.weight
        job.report(1.0, stage.name)
        if job.config.debug_dump is not None and job.document is not None:
            job.config.debug_dump.mkdir(parents=True, exist_ok=True)
            (job.config.debug_dump / f"{stage.name}.json").write_text(
                job.document.to_json(), encoding="utf-8")
    if job.document is not None:
        n = sum(1 for b in job.document.blocks
                if b.translation.status is TranslationStatus.TRANSLATED)
        log.info("Job done: %d/%d blocks translated in %.1fs", n, len(job.document.blocks),
                 sum(job.timings.values()))
