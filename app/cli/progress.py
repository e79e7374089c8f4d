"""The command-line progress bar on stderr, drawn by tqdm.

On a terminal, tqdm redraws one line.  Elsewhere (a pipe, a log file, CI) each whole
percent is one plain line, without carriage returns, so that the log stays readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

BAR_FORMAT = "{percentage:3.0f}%|{bar:30}| {elapsed} {desc}"
MESSAGE_WIDTH = 60
STEPS = 1000  # the terminal bar's resolution (0.1 %)


class ProgressBar:
    """A job's progress callback, ``bar(fraction, message)``; ``close()`` when done."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_pct = -1
        self._start = time.monotonic()
        self._bar: tqdm | None = None  # type: ignore[type-arg]
        self._done = False
        if self.tty:
            self._bar = tqdm(total=STEPS, file=self.stream, bar_format=BAR_FORMAT,
                             dynamic_ncols=True, leave=True, mininterval=0.1)

    def __call__(self, fraction: float, message: str) -> None:
        fraction = max(0.0, min(1.0, fraction))
        if self._done:
            return
        if self._bar is not None:
            self._bar.set_description_str(message[:MESSAGE_WIDTH], refresh=False)
            self._bar.update(int(fraction * STEPS) - self._bar.n)
            if fraction >= 1.0:
                self.close()
            return
        pct = int(fraction * 100)
        if pct == self._last_pct:
            return
        self._last_pct = pct
        line = tqdm.format_meter(pct, 100, time.monotonic() - self._start,
                                 bar_format=BAR_FORMAT, prefix=message[:MESSAGE_WIDTH])
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the terminal line (tqdm's newline); nothing is drawn after this."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._done = self.tty
