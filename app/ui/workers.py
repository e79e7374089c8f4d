"""Background work: every long task runs in the thread pool and never touches widgets.

Each worker owns a :class:`WorkerSignals` holder; results reach the GUI thread through
its queued signals.  Jobs sharing one loaded model pass one at a time through a
:class:`ModelGate`, so extraction of the next file overlaps the current translation.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from app.core.childproc import lower_thread_priority
from app.pipeline.job import Job, Stage, run
from app.ui.qt import QCoreApplication, QObject, QThreadPool, QTimer, Signal, Slot, emit
from engines.errors import Cancelled
from engines.translate.base import Translator

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # throttle progress signals to about 20 per second
READ_KEY = "\0read"  # ModelGate key of the reading stages (not a model)


class WorkerSignals(QObject):
    """Signals of one worker.

    Signals:
        progress(float, str): overall fraction 0..1 and a message.
        state(str): a phase name ("reading", "waiting", "translating", "exporting").
        chunk(str): a piece of streamed text (summaries).
        finished(object): the result.
        failed(object): the exception (``Cancelled`` included; the GUI ignores it quietly).
    """

    progress = Signal(float, str)
    state = Signal(str)
    chunk = Signal(str)
    finished = Signal(object)
    failed = Signal(object)


class FunctionWorker:
    """Run ``fn(report)`` in the pool; ``report(fraction, message)`` emits progress.

    Workers are plain Python objects whose ``run`` the pool calls (``QThreadPool.start``
    with a callable): no Python ``QRunnable`` whose C++ side the pool would delete.
    """

    def __init__(self, fn: Callable[[Callable[[float, str], None]], Any]) -> None:
        self.fn = fn
        self.signals = WorkerSignals()
        self.done = threading.Event()  # set once run() will not touch the signals again

    def run(self) -> None:
        lower_thread_priority()
        try:
            try:
                result = self.fn(functools.partial(emit, self.signals.progress))
            except BaseException as exc:  # handed to the GUI's presenter
                emit(self.signals.failed, exc)
            else:
                emit(self.signals.finished, result)
        except RuntimeError:  # the receiver went away (window closed, interpreter exiting)
            log.debug("Worker result dropped: its receiver is gone")
        finally:
            self.done.set()


Callback = Callable[..., None]


class Relay(QObject):
    """Receives one worker's signals for ``parent`` and dies with it.

    A worker may finish after the widget that started it was closed; because the
    connections end at this child object, a late result is dropped instead of reaching a
    deleted widget.  The callbacks are methods of ``parent``, held through weak
    references: a child that kept its parent's Python wrapper alive would free that
    wrapper in the middle of the parent's C++ destructor.  ``context`` values are passed
    first to every callback.  After ``finished`` or ``failed`` the relay deletes itself
    and the signals object, once the worker is done with them.
    """

    def __init__(self, parent: QObject, signals: WorkerSignals, done: threading.Event,
                 callbacks: dict[str, Callback], context: tuple[Any, ...]) -> None:
        super().__init__(parent)
        self.signals = signals
        self._worker_done = done
        self._context = context
        self._callbacks = {name: _weak(cb) for name, cb in callbacks.items()}
        signals.finished.connect(self._on_finished)
        signals.failed.connect(self._on_failed)
        signals.progress.connect(self._on_progress)
        signals.state.connect(self._on_state)
        signals.chunk.connect(self._on_chunk)

    def _call(self, name: str, *args: Any) -> None:
        ref = self._callbacks.get(name)
        callback = ref() if ref is not None else None
        if callback is not None:
            callback(*self._context, *args)

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self._call("progress", fraction, message)

    @Slot(str)
    def _on_state(self, state: str) -> None:
        self._call("state", state)

    @Slot(str)
    def _on_chunk(self, text: str) -> None:
        self._call("chunk", text)

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        try:
            self._call("done", result)
        finally:
            self._release()

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        try:
            self._call("failed", exc)
        finally:
            self._release()

    @Slot()
    def _release(self) -> None:
        """Delete the relay and the signals once the worker's last ``emit`` has returned:
        deleting a sender while another thread is inside its emit would crash."""
        if self._worker_done.is_set():
            self.signals.deleteLater()
            self.deleteLater()
        else:
            QTimer.singleShot(5, self._release)


def _weak(callback: Callback) -> Callable[[], Callback | None]:
    if inspect.ismethod(callback):
        return weakref.WeakMethod(callback)
    return lambda: callback


class Worker(Protocol):
    """What :func:`start` runs: a ``run`` for the pool, its signals, and ``done``."""

    signals: WorkerSignals
    done: threading.Event

    def run(self) -> None: ...


def start(worker: Worker, parent: QObject, on_done: Callback,
          on_failed: Callback, *, context: tuple[Any, ...] = (),
          pool: QThreadPool | None = None, on_progress: Callback | None = None,
          on_state: Callback | None = None, on_chunk: Callback | None = None) -> Relay:
    """Start ``worker`` in ``pool`` (the global one by default), reporting to methods of
    ``parent`` (never lambdas that capture it: see :class:`Relay`)."""
    callbacks = {"done": on_done, "failed": on_failed}
    for name, cb in (("progress", on_progress), ("state", on_state), ("chunk", on_chunk)):
        if cb is not None:
            callbacks[name] = cb
    relay = Relay(parent, worker.signals, worker.done, callbacks, context)
    # The application owns the signals object until the relay deletes it: a closed window
    # never deletes it under a running worker, and it always dies on the GUI thread.
    worker.signals.setParent(QCoreApplication.instance())
    (pool or QThreadPool.globalInstance()).start(worker.run)
    return relay


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


class GatedWorker:
    """Base of the workers that take their turns at a :class:`ModelGate`.

    A subclass supplies :meth:`work`, which returns the result; :meth:`run` emits it as
    ``finished``, or any exception as ``failed`` (logged unless it is ``Cancelled``, by the
    subclass module's logger), then calls :meth:`after` and sets ``done``.  ``what`` names
    the work in that log line.
    """

    what = "Job"

    def __init__(self, job: Job, gate: ModelGate, ticket: int) -> None:
        self.job, self.gate, self.ticket = job, gate, ticket
        self.signals = WorkerSignals()
        self.done = threading.Event()
        self._last_emit = 0.0

    def _progress(self, offset: float, scale: float) -> Callable[[float, str], None]:
        """A throttled ``report(fraction, message)`` mapping 0..1 onto offset..offset+scale."""
        def report(fraction: float, message: str) -> None:
            now = time.monotonic()
            if fraction < 1.0 and now - self._last_emit < PROGRESS_INTERVAL_S:
                return
            self._last_emit = now
            emit(self.signals.progress, offset + scale * fraction, message)
        return report

    @contextlib.contextmanager
    def _turn(self, key: str) -> Iterator[None]:
        """Holds the gate's ``key`` for this worker's ticket (cancellable while waiting)."""
        self.gate.enter(key, self.ticket, self.job.cancel)
        try:
            yield
        finally:
            self.gate.leave(key, self.ticket)

    def work(self) -> object:
        raise NotImplementedError

    def after(self) -> None:
        """Called once the result or the error is emitted, before ``done`` is set."""

    def run(self) -> None:
        lower_thread_priority()
        try:
            result = self.work()
        except BaseException as exc:
            if not isinstance(exc, Cancelled):
                logging.getLogger(type(self).__module__).info(  # the subclass's logger
                    "%s %s failed: %s", self.what, self.job.config.input.name, exc)
            emit(self.signals.failed, exc)
        else:
            emit(self.signals.finished, result)
        finally:
            self.after()
            self.done.set()


class TranslateWorker(GatedWorker):
    """Reads and translates one document, stopping before the export.

    The prepare stages (extract, detect) pass one job at a time through the gate's
    reading key, the model stages (translate, verify) through the key of this job's
    model: reading the next document overlaps the translation of the current one.
    """

    def __init__(self, job: Job, stages: list[Stage], gate: ModelGate, ticket: int) -> None:
        super().__init__(job, gate, ticket)
        self.prepare, self.model, _ = split_stages(stages)

    def work(self) -> Job:
        job = self.job
        w_prep = sum(s.weight for s in self.prepare)
        w_model = sum(s.weight for s in self.model)
        share = w_prep / ((w_prep + w_model) or 1.0)
        emit(self.signals.state, "reading")
        job.progress = self._progress(0.0, share)
        # One document is read at a time: python-docx parses with one module-level
        # lxml parser, which must not be used by two threads at once.
        with self._turn(READ_KEY):
            run(job, self.prepare)
        emit(self.signals.state, "waiting")
        with self._turn(gate_key(job)):
            emit(self.signals.state, "translating")
            job.progress = self._progress(share, 1.0 - share)
            run(job, self.model)
        return job

    def after(self) -> None:
        self.job.progress = None
