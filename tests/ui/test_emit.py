"""Emitting from Python must not leak references (PySide6 6.12.0 drops one to True)."""

from __future__ import annotations

import sys

from app.ui.qt import QObject, Signal, emit


class _Source(QObject):
    progress = Signal(float, str)


def test_many_emits_keep_the_refcount_of_true() -> None:
    source = _Source()
    before = sys.getrefcount(True)
    for _ in range(20_000):
        emit(source.progress, 0.5, "x")
    assert abs(sys.getrefcount(True) - before) <= 4  # a raw emit() would lose 20 000 here
