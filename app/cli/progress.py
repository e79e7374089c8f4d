"""The command-line progress bar on stderr."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, stream=None, width: int = 30) -> None:  # type: ignore[no-untyped-def]
        self.stream, self.width = stream or sys.stderr, width
        self.tty = self.stream.isatty()
        self._last = -1.0
        self._start = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if not self.tty and pct == int(self._last * 100) and fraction < 1.0:
            return
        if self.tty and fraction - self._last < 0.005 and fraction < 1.0:
            return
        self._last = fraction
        filled = int(self.width * fraction)
        bar = "█" * filled + "░" * (self.width - filled)
        elapsed = time.monotonic() - self._start
        line = f"[{bar}] {pct:3d}% {elapsed:5.1f}s {message[:60]}"
        if self.tty:
            self.stream.write("\r" + line.ljust(110))
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._last < 1.0:
            self.stream.write("\n")
