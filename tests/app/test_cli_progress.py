"""The CLI progress bar (tqdm): plain lines on a non-terminal stderr, one redrawn line on a
terminal."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import struct
import termios

from app.cli.progress import MESSAGE_WIDTH, ProgressBar

LINE = re.compile(r"^ *(\d{1,3})%\|[^|\r]*\| \d\d:\d\d (.*)$")


def _drive(bar: ProgressBar) -> None:
    for i in range(2001):  # 0.05 % steps, twice each
        bar(i / 2000, f"stage {i // 500}")
        bar(i / 2000, f"stage {i // 500}")
    bar.close()


def test_non_terminal_gets_one_plain_line_per_percent() -> None:
    stream = io.StringIO()
    _drive(ProgressBar(stream))
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text and text.endswith("\n")
    lines = text.splitlines()
    percents = []
    for line in lines:
        match = LINE.match(line)
        assert match, line
        percents.append(int(match.group(1)))
    assert percents == list(range(101))  # every percent once, in order, 100 % last
    assert LINE.match(lines[50]).group(2) == "stage 2"  # type: ignore[union-attr]
    assert lines[-1].startswith("100%|" + "█" * 30 + "|") and lines[-1].endswith("stage 4")


def test_long_messages_are_cut_and_out_of_range_fractions_clamped() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(-0.5, "x" * 500)
    bar(1.7, "done")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("  0%") and lines[0].endswith("x" * MESSAGE_WIDTH)
    assert "x" * (MESSAGE_WIDTH + 1) not in lines[0]
    assert lines[1].startswith("100%") and len(lines) == 2


def _read_all(fd: int) -> bytes:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def test_terminal_redraws_one_line() -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    with open(slave, "w", encoding="utf-8", closefd=True) as stream:
        bar = ProgressBar(stream)
        assert bar.tty
        _drive(bar)
        bar(0.5, "after close")  # ignored: the line is finished
        stream.flush()
        data = _read_all(master).decode("utf-8")
    os.close(master)
    assert data.count("\n") == 1 and data.endswith("\n")  # one line, ended once
    assert data.count("\r") > 2  # redrawn in place
    last = data.rstrip("\r\n").split("\r")[-1]
    assert last.startswith("100%|") and last.rstrip().endswith("stage 4")
    assert "after close" not in data
