"""What every hostile case asserts: a typed error with a one-line message, a source left
byte-identical, no partial output, no reader child left behind, and bounded memory."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

import app.cli
from app.core.errors import present

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
PSEUDO = ("--to", "en", "--engine", "pseudo", "--quiet")
TRACEBACK = re.compile(r"Traceback|File \"|\bline \d+, in\b")


def examples(ci: int, fuzz_factor: int = 20) -> int:
    """Hypothesis examples for one test: ``ci`` in ``make test``, many more in ``make fuzz``."""
    return ci * fuzz_factor if FUZZ else ci


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@dataclass
class Watch:
    """The source's hash and the folders' contents before a job."""

    source: Path
    folders: Sequence[Path]
    digest: str = ""
    before: dict[Path, set[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.digest = sha256(self.source)
        self.before = {f: tree(f) for f in self.folders}

    def new_files(self) -> set[Path]:
        return {p for f in self.folders for p in tree(f) - self.before[f]}

    def assert_source_intact(self) -> None:
        assert sha256(self.source) == self.digest, f"{self.source.name} was modified"

    def assert_nothing_written(self) -> None:
        self.assert_source_intact()
        assert not self.new_files(), f"files left behind: {sorted(self.new_files())}"

    def assert_no_partial(self) -> None:
        partial = [p for f in self.folders for p in tree(f) if p.name.endswith(".part")]
        assert not partial, f"partial output left: {partial}"


@dataclass
class CliResult:
    rc: int
    out: str
    err: str
    exc: BaseException | None

    @property
    def message(self) -> str:
        assert self.exc is not None, f"no error was raised (rc={self.rc}, stderr={self.err!r})"
        return present(self.exc).message


def run_cli(args: Sequence[str], capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> CliResult:
    """``app.cli.main(args)`` in this process, recording the exception it presents."""
    seen: list[BaseException] = []

    def recording_present(exc: BaseException):  # type: ignore[no-untyped-def]
        seen.append(exc)
        return present(exc)

    monkeypatch.setattr(app.cli, "present", recording_present)
    capsys.readouterr()
    rc = app.cli.main(list(args))
    captured = capsys.readouterr()
    return CliResult(rc, captured.out, captured.err, seen[-1] if seen else None)


def translate(source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              *extra: str) -> CliResult:
    return run_cli(["translate", str(source), *PSEUDO, *extra], capsys, monkeypatch)


def assert_refused(result: CliResult, error: type[BaseException], match: str) -> str:
    """Exit code 1, the typed error, and one ``error:`` line on stderr (after the document's
    warnings, if it was read)."""
    assert result.exc is not None, f"no error (rc={result.rc}, stderr={result.err!r})"
    assert isinstance(result.exc, error), f"{type(result.exc).__name__}: {result.exc}"
    message = result.message
    assert re.search(match, message), message
    assert result.rc == 1, (result.rc, result.err)
    lines = [ln for ln in result.err.splitlines() if ln.strip()]
    assert lines[-1:] == [f"error: {message}"], lines
    assert all(ln.startswith("warning: ") for ln in lines[:-1]), lines
    assert "\n" not in message and len(message) < 300 and not TRACEBACK.search(message)
    assert not result.out.strip(), "no output path is printed for a failed job"
    assert no_reader_children()
    return message


def no_reader_children() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name.startswith("pdf-reader")]


def refuse(source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           error: type[BaseException], match: str, *extra: str) -> str:
    """Run the CLI on a hostile file and assert everything a refusal must guarantee."""
    watch = Watch(source, [source.parent])
    message = assert_refused(translate(source, capsys, monkeypatch, *extra), error, match)
    watch.assert_nothing_written()
    return message


class PeakRss:
    """Samples the resident memory of this process and all its descendants (MB)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_total = self.peak_child = 0.0
        self.base = self._tree_rss()[0] / 2**20  # children already alive count in the base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_rss() -> tuple[float, float]:
        """(RSS of this process and its descendants, largest child RSS) in bytes."""
        me = psutil.Process()
        total = child_peak = 0.0
        try:
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                child_peak = max(child_peak, rss)
        except psutil.Error:
            pass
        return total, child_peak

    def _run(self) -> None:
        while not self._stop.is_set():
            total, child_peak = self._tree_rss()
            self.peak_total = max(self.peak_total, total / 2**20)
            self.peak_child = max(self.peak_child, child_peak / 2**20)
            time.sleep(self.interval)

    @property
    def growth(self) -> float:
        """Peak of the whole tree above this process's memory at the start (MB)."""
        return self.peak_total - self.base

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def timed(label: str, record: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    record[label] = time.perf_counter() - start
