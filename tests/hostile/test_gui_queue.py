"""In the GUI, a hostile file fails its own job and the next job still runs (offscreen)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ui.controller import JobController
from app.ui.jobs import JobState
from app.ui.qt import QCoreApplication, QSettings
from app.ui.settings import AppSettings
from tests.hostile import corpus, ole2
from tests.hostile.helpers import sha256

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
               ) -> Iterator[JobController]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "qsettings"))
    QCoreApplication.setOrganizationName("PasserelleTests")
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    settings = AppSettings(engine="pseudo", target_lang="en")
    c = JobController(lambda: settings)
    yield c
    assert c.shutdown(20_000), "a worker is still running"


def test_bad_files_fail_their_job_and_the_next_job_runs(qtbot, controller, valid,  # type: ignore[no-untyped-def]
                                                         tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = {
        corpus.ratio_bomb_docx(valid["docx"], inbox / "bombe.docx"): "expands more than 100:1",
        ole2.encrypted_word(inbox / "protege.docx"): "This Word file is encrypted",
        inbox / "photo.pdf": "it is a JPEG image",
    }
    (inbox / "photo.pdf").write_bytes(corpus.jpeg_bytes())
    good = Path(shutil.copy(valid["docx"], inbox / "bon.docx"))
    digests = {p: sha256(p) for p in [*bad, good]}
    failed: list[int] = []
    controller.jobFailed.connect(lambda jid, _p: failed.append(jid))
    with qtbot.waitSignal(controller.jobReady, timeout=60_000) as ready:
        ids = controller.add_files([*bad, good], source_lang="fr")
    qtbot.waitUntil(lambda: len(failed) == len(bad), timeout=30_000)
    *bad_ids, good_id = ids
    assert ready.args == [good_id]
    assert sorted(failed) == sorted(bad_ids)
    for jid, expected in zip(bad_ids, bad.values(), strict=True):
        item = controller.model.by_id(jid)
        assert item.state is JobState.FAILED
        assert item.error is not None and item.error.expected
        assert expected in item.error.message and "\n" not in item.error.message
    assert controller.model.by_id(good_id).state is JobState.READY
    assert {p: sha256(p) for p in digests} == digests
    assert sorted(p.name for p in inbox.iterdir()) == sorted(p.name for p in digests), \
        "nothing is written before export"
