"""Background work: every long task runs in a ``QRunnable`` that never touches widgets.

Each worker owns a :class:`WorkerSignals` holder; results reach the GUI thread through
its queued signals.  Jobs sharing one loaded model pass one at a time through a
:class:`ModelGate`, so extraction of the next file overlaps the current translation.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from app.pipeline import Job, Stage, run
from app.ui.qt import QObject, QRunnable, Signal
from engines.errors import Cancelled
from engines.translate.base import Translator

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # throttle progress signals to about 20 per second


class WorkerSignals(QObject):
    """Signals of one worker.

    Signals:
        progress(float, str): overall fraction 0..1 and a message.
        state(str): a phase name ("reading", "waiting", "translating", "exporting").
        finished(object): the result.
        failed(object): the exception (``Cancelled`` included; the GUI ignores it quietly).
    """

    progress = Signal(float, str)
    state = Signal(str)
    finished = Signal(object)
    failed = Signal(object)


class FunctionWorker(QRunnable):
    """Run ``fn(report)`` in the pool; ``report(fraction, message)`` emits progress."""

    def __init__(self, fn: Callable[[Callable[[float, str], None]], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.fn = fn
        self.signals = WorkerSignals()

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except BaseException as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


def split_stages(stages: list[Stage]) -> tuple[list[Stage], list[Stage], list[Stage]]:
    """(prepare, model, export): before ``translate``, up to ``write``, from ``write`` on."""
    names = [s.name for s in stages]
    t = names.index("translate") if "translate" in names else 0
    w = names.index("write") if "write" in names else len(stages)
    return stages[:t], stages[t:w], stages[w:]


def export_stages(stages: list[Stage]) -> list[Stage]:
    """The fidelity check again (edits may fix issues) then writing."""
    _, model, export = split_stages(stages)
    return [s for s in model if s.name == "verify"] + export


class ModelGate:
    """First come, first served access to a loaded model, one job at a time per key."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, collections.deque[int]] = collections.defaultdict(
            collections.deque)

    def enter(self, key: str, ticket: int, cancel: threading.Event) -> None:
        with self._cond:
            queue = self._queues[key]
            queue.append(ticket)
            try:
                while queue[0] != ticket:
                    if cancel.is_set():
                        raise Cancelled()
                    self._cond.wait(0.1)
            except BaseException:
                queue.remove(ticket)
                self._cond.notify_all()
                raise

    def leave(self, key: str, ticket: int) -> None:
        with self._cond:
            queue = self._queues[key]
            if ticket in queue:
                queue.remove(ticket)
            self._cond.notify_all()

    def waiting(self, key: str) -> int:
        with self._cond:
            return len(self._queues[key])


class TranslatorCache:
    """Keeps loaded translators so that the next job on the same model skips loading."""

    def __init__(self, factory: Callable[[Job], Translator], keep: int = 2) -> None:
        self.factory = factory
        self.keep = keep
        self._lock = threading.Lock()
        self._items: collections.OrderedDict[tuple[Any, ...], Translator] = (
            collections.OrderedDict())

    @staticmethod
    def key(job: Job) -> tuple[Any, ...]:
        c = job.config
        src = job.doc.meta.language or c.source_lang
        return (c.engine, c.model, c.device, c.threads, c.beam_size, src, c.target_lang)

    def get(self, job: Job) -> Translator:
        key = self.key(job)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        translator = self.factory(job)  # loads the model: in the worker, never the GUI
        with self._lock:
            self._items[key] = translator
            while len(self._items) > self.keep:
                _, old = self._items.popitem(last=False)
                old.close()
        return translator

    def clear(self) -> None:
        with self._lock:
            for t in self._items.values():
                t.close()
            self._items.clear()


def gate_key(job: Job) -> str:
    return f"{job.config.engine}:{job.config.model or ''}"


class TranslateWorker(QRunnable):
    """Reads and translates one document, stopping before the export.

    The prepare stages (extract, detect) run freely; the model stages (translate, verify)
    run inside the :class:`ModelGate` for this job's model.
    """

    def __init__(self, job: Job, stages: list[Stage], gate: ModelGate, ticket: int) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.job, self.gate, self.ticket = job, gate, ticket
        self.prepare, self.model, _ = split_stages(stages)
        self.signals = WorkerSignals()
        self._last_emit = 0.0

    def _progress(self, offset: float, scale: float) -> Callable[[float, str], None]:
        def report(fraction: float, message: str) -> None:
            now = time.monotonic()
            if fraction < 1.0 and now - self._last_emit < PROGRESS_INTERVAL_S:
                return
            self._last_emit = now
            self.signals.progress.emit(offset + scale * fraction, message)
        return report

    def run(self) -> None:
        job = self.job
        w_prep = sum(s.weight for s in self.prepare)
        w_model = sum(s.weight for s in self.model)
        share = w_prep / ((w_prep + w_model) or 1.0)
        try:
            self.signals.state.emit("reading")
            job.progress = self._progress(0.0, share)
            run(job, self.prepare)
            self.signals.state.emit("waiting")
            key = gate_key(job)
            self.gate.enter(key, self.ticket, job.cancel)
            try:
                self.signals.state.emit("translating")
                job.progress = self._progress(share, 1.0 - share)
                run(job, self.model)
            finally:
                self.gate.leave(key, self.ticket)
        except BaseException as exc:
            if not isinstance(exc, Cancelled):
                log.info("Job %s failed: %s", job.config.input.name, exc)
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(job)
        finally:
            job.progress = None
