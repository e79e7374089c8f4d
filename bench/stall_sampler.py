"""Find what stalls the GUI thread: a heartbeat on the event loop, and a watchdog thread
that samples the main thread's Python stack (``sys._current_frames()``) while the loop has
not ticked for more than ``threshold_ms``.

Each stall is recorded with its length, the phase of the benchmark and its cause: the
deepest frame of our own code on the GUI thread's stack (and the deepest frame overall),
plus what the other threads were running then (a worker holding the GIL shows up there),
and the garbage collections that overlapped it (a full collection holds the GIL for as long
as it walks every tracked object: no Python stack shows it).
"""

from __future__ import annotations

import collections
import gc
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OURS = (str(ROOT / "app"), str(ROOT / "engines"))
HEARTBEAT_MS = 4


@dataclass
class Stall:
    start: float
    phase: str
    ms: float = 0.0
    main: list[str] = field(default_factory=list)  # one cause line per sample
    others: list[str] = field(default_factory=list)
    collections: list[tuple[int, float]] = field(default_factory=list)  # (generation, ms)

    def cause(self) -> str:
        text = "no sample of the GUI thread (the GIL was held until the loop ticked)"
        if self.main:
            top, n = collections.Counter(self.main).most_common(1)[0]
            text = f"{top} ({n}/{len(self.main)} samples)"
        if self.others:
            busy, m = collections.Counter(self.others).most_common(1)[0]
            text += f"; meanwhile in workers: {busy} ({m}x)"
        if self.collections:
            gen, ms = max(self.collections, key=lambda c: c[1])
            text += (f"; garbage collection: {len(self.collections)} pass(es), the longest "
                     f"generation {gen} for {ms:.1f} ms")
        return text


def _short(frame: traceback.FrameSummary) -> str:
    name = frame.filename
    for root in (str(ROOT) + os.sep, "site-packages" + os.sep):
        if root in name:
            name = name.split(root, 1)[1]
    return f"{name}:{frame.lineno} {frame.name}"


def describe(stack: traceback.StackSummary) -> str:
    """The deepest frame of our code (app/, engines/), then the deepest frame overall."""
    ours = [f for f in stack if f.filename.startswith(OURS)]
    deepest = stack[-1] if stack else None
    parts = []
    if ours:
        parts.append(_short(ours[-1]))
    if deepest is not None and (not ours or deepest is not ours[-1]):
        parts.append("→ " + _short(deepest))
    return " ".join(parts) or "?"


class StallSampler:
    """Call :meth:`install` on the GUI thread once a QApplication exists."""

    def __init__(self, threshold_ms: float = 16.0, period_ms: float = 2.0) -> None:
        self.threshold = threshold_ms / 1000.0
        self.period = period_ms / 1000.0
        self.main_id = threading.get_ident()
        self.phase = ""
        self.gaps: dict[str, list[float]] = collections.defaultdict(list)  # ms late per tick
        self.stalls: list[Stall] = []
        self._last = time.perf_counter()
        self._open: Stall | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)
        self._gc_start = 0.0
        self.gc_passes: list[tuple[float, float, int]] = []  # (start, end, generation)

    def install(self) -> None:
        from app.ui.qt import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._on_tick)
        self._last = time.perf_counter()
        self.timer.start()
        self._thread.start()
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, event: str, info: dict[str, int]) -> None:
        # Runs with the GIL held inside the collector: no locks, no allocation to speak of.
        if event == "start":
            self._gc_start = time.perf_counter()
        elif info.get("generation", 0) >= 1 or time.perf_counter() - self._gc_start > 0.002:
            self.gc_passes.append((self._gc_start, time.perf_counter(), info["generation"]))

    def set_phase(self, phase: str) -> None:
        with self._lock:
            self.phase = phase
            self._last = time.perf_counter()  # a phase starts with a fresh heartbeat
            self._open = None

    def stop(self) -> None:
        self._stop.set()
        self.timer.stop()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._thread.join(1.0)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        with self._lock:
            gap = now - self._last
            self.gaps[self.phase].append(max(0.0, gap * 1000.0 - HEARTBEAT_MS))
            if self._open is None and gap > self.threshold:
                # The watchdog never ran during it (the GIL was held throughout, or the
                # tick won the race): record it anyway, with what the workers run now.
                self._open = Stall(self._last, self.phase)
                self._open.others = self._worker_stacks()
            if self._open is not None:
                stall = self._open
                stall.ms = gap * 1000.0 - HEARTBEAT_MS
                stall.collections = [(g, (end - start) * 1000.0)
                                     for start, end, g in list(self.gc_passes)
                                     if end > stall.start and start < now]
                self.stalls.append(stall)
                self._open = None
            self._last = now

    def _watch(self) -> None:
        while not self._stop.wait(self.period):
            now = time.perf_counter()
            with self._lock:
                if now - self._last < self.threshold:
                    continue
                if self._open is None:
                    self._open = Stall(self._last, self.phase)
                stall = self._open
            frames = sys._current_frames()
            main = frames.get(self.main_id)
            if main is not None:
                stall.main.append(describe(traceback.extract_stack(main)))
            stall.others += self._worker_stacks(frames)

    def _worker_stacks(self, frames: dict[int, Any] | None = None) -> list[str]:
        """What the other threads run, idle ones left out."""
        out = []
        for ident, frame in (frames or sys._current_frames()).items():
            if ident in (self.main_id, self._thread.ident):
                continue
            stack = traceback.extract_stack(frame)
            if stack and stack[-1].name not in ("wait", "_wait_for_tstate_lock", "select",
                                                "_worker", "get", "sleep"):
                out.append(describe(stack))
        return out

    def worst(self, n: int = 3) -> list[Stall]:
        return sorted(self.stalls, key=lambda s: s.ms, reverse=True)[:n]
