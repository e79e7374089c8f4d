"""What every stage sees: the :class:`Job` (configuration, document, progress, cancel) and
the :class:`Stage` protocol.  :func:`app.pipeline.job.run` drives the stages."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.core.config import JobConfig
from app.document import Document
from engines.errors import Cancelled
from engines.translate.base import Translator

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


CURRENT_JOB: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)


def current_job() -> Job | None:
    """The job whose stages run in this thread (writers that need its provenance)."""
    return CURRENT_JOB.get()
