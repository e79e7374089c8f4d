"""GIL-heavy stages run in the persistent child process, and can be cancelled there."""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.document import Document, DocumentMeta
from app.pipeline.job import Job
from app.ui import isolation
from app.ui.isolation import ChildStage, isolate
from engines import offline
from engines.errors import Cancelled
from tests import offline_probe


@dataclass
class RecordPidStage:
    """Stamps the process id of whoever runs it into the document's warnings."""

    name: str = "detect"
    weight: float = 1.0
    wait_for: Path | None = None  # block until this file exists (the test creates it)

    def process(self, job: Job) -> None:
        deadline = time.monotonic() + 120  # never outlive a failed test by long
        while self.wait_for is not None and not self.wait_for.exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        job.doc.warnings.append(str(os.getpid()))
        job.outputs.append(Path("/nonexistent/out.docx"))


@dataclass
class ProbeStage:
    """Probes the network from the child; the answers go back in the document's warnings."""

    name: str = "detect"
    weight: float = 1.0

    def process(self, job: Job) -> None:
        job.doc.warnings.append(json.dumps(offline_probe.probe()))


def _job(tmp_path: Path) -> Job:
    doc = Document(meta=DocumentMeta(source_path=tmp_path / "a.docx", sha256="0", format="docx"))
    return Job(config=JobConfig(input=tmp_path / "a.docx", target_lang="en"), document=doc)


def test_the_stage_runs_in_another_process(tmp_path: Path) -> None:
    job = _job(tmp_path)
    ChildStage(RecordPidStage()).process(job)
    (pid,) = job.doc.warnings
    assert int(pid) != os.getpid()
    assert job.outputs == [Path("/nonexistent/out.docx")]


def test_cancel_while_the_child_works(tmp_path: Path) -> None:
    job = _job(tmp_path)
    job.cancel.set()
    go = tmp_path / "go"
    try:
        with pytest.raises(Cancelled):  # the child is still blocked: cancel did not wait
            ChildStage(RecordPidStage(wait_for=go)).process(job)
    finally:
        go.touch()  # let the child finish, free for the next test
    assert job.doc.warnings == []


def test_isolate_keeps_names_weights_and_order() -> None:
    from app.pipeline.stages import TRANSLATE_STAGES

    stages = isolate(list(TRANSLATE_STAGES))
    assert [s.name for s in stages] == [s.name for s in TRANSLATE_STAGES]
    assert [s.weight for s in stages] == [s.weight for s in TRANSLATE_STAGES]
    assert {s.name for s in stages if isinstance(s, ChildStage)} == {"detect", "write"}


@pytest.fixture
def fresh_child(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A new child whose real initializer runs with sentinels underneath its guard."""
    isolation.shutdown()
    monkeypatch.setattr(isolation, "_child_init",
                        functools.partial(offline_probe.armed, "app.ui.isolation:_child_init"))
    offline.install(allow=[("intranet.example", 8080)])
    try:
        yield
    finally:
        offline.install()
        isolation.shutdown()


@pytest.mark.usefixtures("fresh_child")
def test_the_offline_guard_is_active_in_the_child(tmp_path: Path) -> None:
    """The child installs the guard itself, with the parent's allow-list, and it refuses
    a non-loopback connect and every lookup there (nothing is sent: sentinels underneath)."""
    job = _job(tmp_path)
    ChildStage(ProbeStage()).process(job)
    results = json.loads(job.doc.warnings[0])
    offline_probe.assert_all_blocked(results)
    assert results["allowed"] == [["intranet.example", 8080]]


_ORPHAN_SCRIPT = """
import os, sys
from app.ui import isolation
pid = isolation.executor().submit(os.getpid).result(timeout=120)
open(sys.argv[1], "w").write(str(pid))
os._exit(0)  # no atexit: as a crash, a kill or PASSERELLE_EXIT_AFTER_SHOW leaves
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def test_the_child_ends_when_the_application_dies(tmp_path: Path) -> None:
    """The spawn child holds both ends of its call queue, so without its watcher it waits
    for work forever once the application is gone (seen: orphans left by the bundle's
    start-up measurement, which then hung on their inherited stderr)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    pid_file = tmp_path / "child.pid"
    # no pipes: an orphan would hold them open
    subprocess.run([sys.executable, "-c", _ORPHAN_SCRIPT, str(pid_file)], cwd=root,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
                   check=True, env=dict(os.environ, PASSERELLE_DATA_DIR=str(tmp_path)))
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 60  # a bound on the wait, not a measured figure
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = _alive(child)
    if alive:
        os.kill(child, 9)
    assert not alive, "the isolation child outlived the application"
