"""Background work runs below the GUI thread: the GUI's worker threads (and the threads they
start, such as CTranslate2's) at nice 5, child processes at nice 10 more than their parent."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading

import pytest

from app.core.childproc import BACKGROUND_NICE, WORKER_NICE, lower_priority, lower_thread_priority

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="a nice value per thread is Linux's")


def _nice_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_worker_thread_and_the_threads_it_starts_run_below_the_gui_thread() -> None:
    seen: dict[str, int] = {}

    def worker() -> None:
        lower_thread_priority()
        seen["worker"] = _nice_of_this_thread()
        child = threading.Thread(target=lambda: seen.update(child=_nice_of_this_thread()))
        child.start()
        child.join()
        lower_thread_priority()  # a pool thread runs many tasks: the value does not grow
        seen["again"] = _nice_of_this_thread()

    before = _nice_of_this_thread()
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"worker": max(before, WORKER_NICE), "child": max(before, WORKER_NICE),
                    "again": max(before, WORKER_NICE)}
    assert _nice_of_this_thread() == before, "the calling (GUI) thread keeps its priority"


def _child_nice(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    before = os.nice(0)
    lower_priority()
    queue.put((before, os.nice(0)))


def test_a_child_process_lowers_its_own_priority() -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child_nice, args=(queue,))
    proc.start()
    before, after = queue.get(timeout=60)
    proc.join(60)
    assert after == min(19, before + BACKGROUND_NICE)
    assert os.nice(0) == before, "the parent keeps its priority"
