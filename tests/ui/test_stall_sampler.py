"""The latency bench's stall sampler names the call that blocked the GUI thread, and the
worker that held the GIL meanwhile (the checker is tested on stalls made on purpose)."""

from __future__ import annotations

import gc
import threading
import time

from app.ui.qt import QTimer
from bench.stall_sampler import StallSampler


def _blocking_slot() -> None:
    time.sleep(0.2)  # sleeps in the GUI thread: a stall made on purpose


def _gil_hog(done: threading.Event) -> None:
    while not done.is_set():
        sum(range(3_000_000))  # one C call: keeps the GIL for its whole duration


def test_sampler_names_the_blocking_slot(qtbot) -> None:  # type: ignore[no-untyped-def]
    sampler = StallSampler()
    sampler.install()
    sampler.set_phase("blocking")
    QTimer.singleShot(20, _blocking_slot)
    qtbot.wait(600)
    sampler.stop()
    causes = [s.cause() for s in sampler.stalls if s.phase == "blocking"]
    assert any("_blocking_slot" in c for c in causes), causes
    assert sampler.gaps["blocking"], "the heartbeat ticked"
    assert sampler.worst(1)[0].ms == max(s.ms for s in sampler.stalls)


def test_sampler_names_the_worker_holding_the_gil(qtbot) -> None:  # type: ignore[no-untyped-def]
    sampler = StallSampler()
    sampler.install()
    sampler.set_phase("gil")
    done = threading.Event()
    worker = threading.Thread(target=_gil_hog, args=(done,))
    worker.start()
    try:
        qtbot.wait(800)
    finally:
        done.set()
        worker.join()
    sampler.stop()
    causes = [s.cause() for s in sampler.stalls if s.phase == "gil"]
    assert any("_gil_hog" in c for c in causes), causes


def _full_collection_in_worker(done: threading.Event) -> None:
    garbage = [[i] for i in range(1_500_000)]  # tracked objects for a long full pass
    gc.collect()  # walks them all with the GIL held: no Python stack shows the collector
    del garbage
    done.set()


def test_sampler_names_a_garbage_collection(qtbot) -> None:  # type: ignore[no-untyped-def]
    sampler = StallSampler()
    sampler.install()
    sampler.set_phase("gc")
    done = threading.Event()
    worker = threading.Thread(target=_full_collection_in_worker, args=(done,))
    worker.start()
    qtbot.waitUntil(done.is_set, timeout=20_000)
    qtbot.wait(100)
    worker.join()
    sampler.stop()
    assert gc.callbacks.count(sampler._on_gc) == 0, "stop() removes its collector hook"
    causes = [s.cause() for s in sampler.stalls if s.phase == "gc"]
    assert any("garbage collection" in c and "generation 2" in c for c in causes), causes
