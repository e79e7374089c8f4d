"""Worker plumbing: one job at a time per model, and no partial output on a failed write."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.output import write_atomic
from app.pipeline.job import Job
from app.pipeline.stages import TRANSLATE_STAGES
from app.ui.controller import JobController
from app.ui.jobs import JobState
from app.ui.settings import AppSettings
from app.ui.workers import ModelGate, split_stages
from engines.errors import Cancelled
from tests.docgen import simple_docx
from tests.ui.helpers import SHORT_FR


def test_model_gate_serves_one_job_at_a_time_in_order() -> None:
    gate = ModelGate()
    order: list[int] = []
    inside: list[int] = []
    cancel = threading.Event()
    gate.enter("m", 1, cancel)

    def second() -> None:
        gate.enter("m", 2, cancel)
        order.append(2)
        inside.append(len(inside))
        gate.leave("m", 2)

    t = threading.Thread(target=second)
    t.start()
    deadline = time.monotonic() + 30  # wait for job 2 to queue, however slow the machine
    while gate.waiting("m") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert order == [] and gate.waiting("m") == 2, "job 2 waits while job 1 holds the model"
    gate.enter("other-model", 3, cancel)  # another model is not blocked
    gate.leave("other-model", 3)
    order.append(1)
    gate.leave("m", 1)
    t.join(5)
    assert order == [1, 2]


def test_model_gate_wait_is_cancellable() -> None:
    gate = ModelGate()
    gate.enter("m", 1, threading.Event())
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        gate.enter("m", 2, cancel)
    assert gate.waiting("m") == 1


def test_split_stages_keeps_write_for_the_export() -> None:
    prepare, model, export = split_stages(list(TRANSLATE_STAGES))
    assert [s.name for s in prepare] == ["extract", "detect"]
    assert model[0].name == "translate" and model[-1].name == "verify"
    assert [s.name for s in export] == ["write"]


@dataclass
class HalfWrite:
    """A writer that dies half-way through its temporary file."""

    name: str = "write"
    weight: float = 1.0

    def process(self, job: Job) -> None:
        out = job.config.output
        assert out is not None

        def write(tmp: Path) -> None:
            tmp.write_bytes(b"PK\x03\x04 half a document")
            raise OSError(28, "No space left on device")

        write_atomic(out, write, source=job.config.input)
        job.outputs.append(out)


@pytest.fixture
def half_write_controller(qtbot, app_settings: AppSettings  # type: ignore[no-untyped-def]
                          ) -> Iterator[JobController]:
    # A fixture, not a local: the controller must outlive the test's signal blockers.
    stages = [s for s in TRANSLATE_STAGES if s.name != "write"] + [HalfWrite()]
    controller = JobController(lambda: app_settings, stages=stages)
    yield controller
    assert controller.shutdown(10_000)


def test_a_failed_export_leaves_no_partial_file(qtbot, half_write_controller: JobController,
                                                tmp_path: Path) -> None:
    controller = half_write_controller
    src = simple_docx(tmp_path / "memo.docx", SHORT_FR)
    with qtbot.waitSignal(controller.jobReady, timeout=30_000):
        (jid,) = controller.add_files([src], source_lang="fr")
    with qtbot.waitSignal(controller.exportFailed, timeout=30_000) as failed:
        controller.export(jid, "docx", tmp_path / "memo.en.docx")
    assert "No space left on device" in failed.args[1].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.docx"]
    assert controller.model.by_id(jid).state is JobState.READY, "export can be retried"
