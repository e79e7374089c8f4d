"""Local summaries run in a child process of their own, off the GUI's interpreter.

Loading the LLM's tokenizer (HF ``tokenizers``, Rust) keeps the GIL for about 70 ms, and
the summary's own Python work (ranking the sentences of 100 pages, token counts, one
callback per generated token) shares the interpreter with the event loop: run in a GUI
worker thread, it stalled the window (``bench/gui_latency.py``).  CTranslate2's generation
callbacks also need a Python thread state that Qt's pool threads do not keep.

The child is started on the first summary and lives as long as the application, so the LLM
stays loaded between summaries.  It streams text and progress back on a queue, and asks the
parent to translate: the job's translator (its model, memory and glossary) stays in the
GUI's process and nothing is loaded twice.  The child never needs the network: its guard
allows nothing (intranet summaries run in the parent).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.childproc import exit_with_parent, lower_priority
from app.core.errors import AppError
from app.document import Document
from engines import offline
from engines.errors import Cancelled
from engines.translate.base import EngineInfo, Translator

log = logging.getLogger(__name__)

POLL_S = 0.05
LOST_REPLY_S = 10.0  # the child's function ended but its last message never came
# The settings the child must share with the window: where models and data live.
ENV_PREFIXES = ("PASSERELLE_", "XDG_")
ENV_KEYS = ("HOME",)
TRANSLATOR_CALLS = frozenset({"supports", "translate_batch", "corrections_for"})

Summarize = Callable[..., Any]  # (doc, request, on_text, cancel, translator, progress)


class SummaryProcessDied(AppError):
    title = "Summary stopped"

    def __init__(self) -> None:
        super().__init__("The summary's process stopped unexpectedly (out of memory, or the "
                         "model crashed). The window is unaffected: try again, or choose the "
                         "extractive summary.")


# --- the child's side -------------------------------------------------------------------
_child: dict[str, Any] = {}


def _child_init(allow: tuple[tuple[str, int], ...], events: Any, replies: Any,
                cancel: Any) -> None:
    offline.install(allow)
    exit_with_parent()
    lower_priority()
    _child.update(events=events, replies=replies, cancel=cancel)


def _ask_parent(name: str, *args: Any) -> Any:
    _child["events"].put(("call", name, args))
    kind, value = _child["replies"].get()
    if kind == "error":
        raise value
    return value


class ParentTranslator(Translator):
    """The parent's translator seen from the child: each call is a request to the parent."""

    def __init__(self, info: EngineInfo, paragraphs: bool) -> None:
        self._info, self._paragraphs = info, paragraphs

    @property
    def info(self) -> EngineInfo:
        return self._info

    def whole_paragraphs(self) -> bool:
        return self._paragraphs

    def supports(self, src: str, tgt: str) -> bool:
        return bool(_ask_parent("supports", src, tgt))

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return list(_ask_parent("translate_batch", list(texts), src, tgt))

    def corrections_for(self, texts: Sequence[str], src: str, tgt: str) -> dict[str, str]:
        return dict(_ask_parent("corrections_for", list(texts), src, tgt))


def _apply_env(env: dict[str, str]) -> None:
    for key in [k for k in os.environ if k.startswith(ENV_PREFIXES) or k in ENV_KEYS]:
        if key not in env:
            del os.environ[key]
    os.environ.update(env)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # an exception that cannot cross: its text does
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _child_run(fn: Summarize, doc: Document, request: Any,
               translator: tuple[EngineInfo, bool] | None, env: dict[str, str]) -> None:
    events, cancel = _child["events"], _child["cancel"]
    _apply_env(env)
    try:
        out = fn(doc, request, lambda text: events.put(("text", text)), cancel,
                 ParentTranslator(*translator) if translator is not None else None,
                 lambda fraction, message: events.put(("progress", fraction, message)))
        events.put(("done", out))
    except BaseException as exc:  # every failure goes back to the parent
        events.put(("failed", _picklable(exc)))


# --- the parent's side ------------------------------------------------------------------
@dataclass
class _Channel:
    executor: concurrent.futures.ProcessPoolExecutor
    events: Any
    replies: Any
    cancel: Any


_lock = threading.Lock()  # one summary at a time in the child
_channel: _Channel | None = None


def _open() -> _Channel:
    global _channel
    if _channel is None:
        context = multiprocessing.get_context("spawn")
        events, replies, cancel = context.Queue(), context.Queue(), context.Event()
        _install, (allow,) = offline.child_initializer(())
        _channel = _Channel(concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_child_init,
            initargs=(allow, events, replies, cancel)), events, replies, cancel)
        atexit.register(shutdown)
    return _channel


def shutdown() -> None:
    """Stop the child (the application is closing, or the child died)."""
    global _channel
    channel, _channel = _channel, None
    if channel is not None:
        channel.executor.shutdown(wait=False, cancel_futures=True)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) or k in ENV_KEYS}


def _serve(translator: Translator | None, name: str, args: tuple[Any, ...],
           cancel: threading.Event) -> tuple[str, Any]:
    try:
        if translator is None or name not in TRANSLATOR_CALLS:
            raise RuntimeError(f"The summary asked for an unknown translator call {name!r}.")
        if cancel.is_set():
            raise Cancelled()
        method = getattr(translator, name, None)
        if method is None:  # corrections_for: only memories answer it
            return "ok", {}
        return "ok", method(*args)
    except Exception as exc:  # raised again in the child
        return "error", _picklable(exc)


def _drain(q: Any) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def run(fn: Summarize, doc: Document, request: Any, on_text: Callable[[str], None],
        cancel: threading.Event, translator: Translator | None = None,
        progress: Callable[[float, str], None] | None = None) -> Any:
    """``fn(doc, request, on_text, cancel, translator, progress)`` in the child; waits for
    it (call from a worker), passing its text and progress on and serving its
    translations.  ``fn`` must be a module-level function (it is sent by name)."""
    with _lock:
        channel = _open()
        channel.cancel.clear()
        _drain(channel.events)
        facts = (translator.info, translator.whole_paragraphs()) if translator else None
        try:
            future = channel.executor.submit(_child_run, fn, doc, request, facts, _env())
        except RuntimeError:  # shut down (the application is closing)
            raise Cancelled() from None
        lost: float | None = None
        while True:
            if cancel.is_set():
                channel.cancel.set()
            try:
                message = channel.events.get(timeout=POLL_S)
            except queue.Empty:
                if not future.done():
                    continue
                if future.exception() is not None:  # the child died
                    log.error("The summary process died: %s", future.exception())
                    shutdown()
                    raise SummaryProcessDied() from future.exception()
                lost = (lost or 0.0) + POLL_S
                if lost > LOST_REPLY_S:
                    shutdown()
                    raise SummaryProcessDied() from None
                continue
            kind = message[0]
            if kind == "text":
                on_text(message[1])
            elif kind == "progress":
                if progress is not None:
                    progress(message[1], message[2])
            elif kind == "call":
                channel.replies.put(_serve(translator, message[1], message[2], cancel))
            elif kind == "done":
                return message[1]
            elif kind == "failed":
                raise message[1]
