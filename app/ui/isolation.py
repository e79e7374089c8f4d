"""Stages that must not share the GUI's interpreter run in a persistent child process.

Language detection (lingua) holds the GIL for the whole time it loads its models (about
12 s on two cores) and on every call, and the writers spend long stretches inside C code
that keeps the GIL (lxml serialization, PyMuPDF drawing); in a worker thread that still
freezes the event loop.  :class:`ChildStage` runs such a stage in a ``spawn`` child that
lives as long as the application, so the models load once, off the GUI's interpreter, and
can be warmed up at start-up.  The stage itself is the pipeline's own: the document goes
to the child and comes back annotated.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

from app.core.childproc import exit_with_parent, lower_priority
from app.document import Document
from app.pipeline.job import Job, Stage
from engines import offline
from engines.errors import Cancelled
from engines.langdetect import Detection, detect

log = logging.getLogger(__name__)

ISOLATED_STAGES = ("detect", "write")
POLL_S = 0.1

_lock = threading.Lock()
_executor: concurrent.futures.ProcessPoolExecutor | None = None


def _child_init(allow: tuple[tuple[str, int], ...]) -> None:
    """First thing in the child: the offline guard with the parent's allow-list, and an end
    when the application ends, however it ends."""
    offline.install(allow)
    exit_with_parent()
    lower_priority()
    import app.report  # noqa: F401 - the report writers (the write stage may need them)


ChildResult = tuple[Document, list[Path], dict[str, Any] | None]


def _child_run(stage: Stage, config: Any, document: Document,
               fidelity: dict[str, Any] | None) -> ChildResult:
    job = Job(config=config, document=document, fidelity=fidelity)
    stage.process(job)
    return job.doc, job.outputs, job.fidelity


def _child_warm_up() -> bool:
    return detect("Le rapport annuel est publié aujourd'hui par la commission.").language == "fr"


def executor() -> concurrent.futures.ProcessPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            context = multiprocessing.get_context("spawn")
            _install, initargs = offline.child_initializer()  # the allow-list of now
            _executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=_child_init, initargs=initargs)
            atexit.register(shutdown)
        return _executor


def warm_up() -> concurrent.futures.Future[bool]:
    """Start the child and load the detector now, before the first document arrives."""
    return executor().submit(_child_warm_up)


def detect_language(text: str, cancel: threading.Event | None = None,
                    timeout_s: float = 30.0) -> Detection | None:
    """The language of ``text``, detected in the child (lingua never loads here); None when
    the child gives no answer within ``timeout_s`` (busy writing, still loading the
    detector) or ``cancel`` is set.  Blocks: call it in a worker."""
    try:
        future = executor().submit(detect, text)
    except RuntimeError:  # the executor was shut down (application closing)
        return None
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return future.result(timeout=POLL_S)
        except concurrent.futures.TimeoutError:
            if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                future.cancel()
                return None
        except concurrent.futures.process.BrokenProcessPool:
            shutdown()
            log.warning("The language detection child process died")
            return None


def shutdown() -> None:
    global _executor
    with _lock:
        if _executor is not None:
            _executor.shutdown(wait=False, cancel_futures=True)
            _executor = None


class ChildStage:
    """Runs ``inner.process`` in the child process; same name and weight as ``inner``."""

    def __init__(self, inner: Stage) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.weight: float = inner.weight

    def process(self, job: Job) -> None:
        try:
            future = executor().submit(_child_run, self.inner, job.config, job.doc,
                                       job.fidelity)
        except RuntimeError:  # the executor was shut down (application closing)
            raise Cancelled() from None
        while True:
            try:
                job.document, outputs, job.fidelity = future.result(timeout=POLL_S)
                job.outputs.extend(outputs)
                return
            except concurrent.futures.TimeoutError:
                if job.cancel.is_set():
                    future.cancel()
                    raise Cancelled() from None
            except concurrent.futures.process.BrokenProcessPool:
                shutdown()
                log.warning("The %s child process died; running the stage here", self.name)
                self.inner.process(job)
                return


def isolate(stages: list[Stage]) -> list[Stage]:
    """The same stages, with the GIL-heavy ones moved to the child process."""
    out: list[Stage] = []
    for s in stages:
        out.append(ChildStage(s) if s.name in ISOLATED_STAGES else s)
    return out
