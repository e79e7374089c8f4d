"""The job controller runs real pipeline jobs in workers (pseudo engine)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from app.ui.controller import JobController
from app.ui.jobs import JobState
from app.ui.settings import AppSettings
from tests.docgen import simple_docx

FR = ["Le rapport annuel du ministère est publié le 3 mars 2024.",
      "La commission examine les propositions des délégations."]


@pytest.fixture
def controller(qtbot, app_settings: AppSettings):  # type: ignore[no-untyped-def]
    c = JobController(lambda: app_settings)
    yield c
    assert c.shutdown(10_000)


def test_job_runs_to_ready_and_exports(qtbot, controller: JobController, tmp_path: Path) -> None:
    src = simple_docx(tmp_path / "note.docx", FR, table=[["Nom", "Valeur 12"]])
    with qtbot.waitSignal(controller.jobReady, timeout=20_000):
        (jid,) = controller.add_files([src], source_lang="fr")
    item = controller.model.by_id(jid)
    assert item.state is JobState.READY
    assert item.job is not None and item.job.fidelity is not None
    assert not any(src.parent.glob("note.en.*")), "nothing written before export"
    out = tmp_path / "note.en.docx"
    with qtbot.waitSignal(controller.exported, timeout=20_000) as blocker:
        controller.export(jid, "docx", out)
    assert blocker.args[1][0] == out
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "[Lé ràppört" in text
    assert controller.model.by_id(jid).state is JobState.EXPORTED
