"""With the source language left to detection, a dropped document whose language no
installed model serves is refused at drop time, from a quick sample, before any job reads
it (issue 20); a document in a served language, or whose sample is too short to tell,
goes on to the queue as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymupdf
import pytest

from app.ui import drop_check
from app.ui.first_run import InstalledSummary, MissingModelBox
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from app.ui.qt import QApplication
from app.ui.settings import AppSettings
from engines import langdetect
from engines.store import Manifest
from engines.translate.pseudo import PseudoTranslator
from tests.docgen import simple_docx
from tests.ui.helpers import drop_paths

GERMAN = ["Der Jahresbericht der Kommission wurde heute veröffentlicht.",
          "Die Delegationen prüfen den Entwurf und antworten bis Ende des Monats.",
          "Die nächste Sitzung findet im Frühjahr in Brüssel statt."]
FRENCH = ["Le rapport annuel de la commission a été publié aujourd'hui.",
          "Les délégations examinent le projet et répondent avant la fin du mois.",
          "La prochaine réunion aura lieu au printemps à Bruxelles."]
ENGLISH = ["The annual report of the commission was published today.",
           "The delegations are reviewing the draft and will answer by the end of the month.",
           "The next meeting will take place in Brussels in the spring."]


def _model(src: str, tgt: str) -> Manifest:
    return Manifest(id=f"opus-mt-{src}-{tgt}", kind="translation", format="ct2-opus-mt",
                    pairs=[(src, tgt)])


@pytest.fixture
def app_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppSettings:
    monkeypatch.setenv("PASSERELLE_PREPARED_MODELS", str(tmp_path / "prepared"))
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    return AppSettings(engine="auto", target_lang="en")  # source: detect


def _installed(qtbot, window: MainWindow, *models: Manifest) -> None:  # type: ignore[no-untyped-def]
    """The store holds ``models`` (as the window knows it); jobs translate with the pseudo
    engine, so that an accepted document runs to the end without a real model."""
    qtbot.waitUntil(lambda: window.models_state.summary is not None, timeout=10_000)
    window.models_state.summary = InstalledSummary(models, "", False)
    window.controller.cache.factory = lambda job: PseudoTranslator()


def _boxes() -> list[MissingModelBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MissingModelBox) and w.isVisible()]


def _english_pdf(path: Path, pages: int = 40) -> Path:
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(50, 50, 550, 800), f"Page {n + 1}. " + " ".join(ENGLISH))
    doc.save(str(path))
    return path


def test_german_document_is_refused_at_drop_naming_its_language(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _installed(qtbot, window, _model("fr", "en"))
    judged: list[Path] = []
    judge = drop_check.judge

    def spy(path: Path, *args: Any) -> drop_check.Verdict:
        judged.append(path)
        return judge(path, *args)

    monkeypatch.setattr(drop_check, "judge", spy)
    # lingua holds the GIL for seconds: it must only ever run in the isolation child
    monkeypatch.setattr(langdetect, "_detector", lambda: pytest.fail("lingua in the GUI"))
    src = simple_docx(tmp_path / "bericht.docx", GERMAN)
    drop_paths(window.drop, [src])
    assert window.controller.model.items() == [] and not _boxes()  # checked in a worker
    qtbot.waitUntil(lambda: bool(_boxes()), timeout=60_000)
    (box,) = _boxes()
    assert box.windowTitle() == "Translation model needed"
    assert "bericht.docx is written in German" in box.text()
    assert "de→en" in box.text() and "main.py" not in box.text()
    assert box.files == [src] and box.job_id is None
    assert judged == [src]
    qtbot.wait(200)
    assert window.controller.model.items() == []  # no job: the document was not read
    box.close()


def test_english_pdf_is_refused_from_its_first_pages(qtbot, window: MainWindow,
                                                     tmp_path: Path) -> None:
    window.target_combo.setCurrentIndex(window.target_combo.findData("de"))
    _installed(qtbot, window, _model("fr", "de"))  # into German, but only from French
    drop_paths(window.drop, [_english_pdf(tmp_path / "report.pdf")])
    qtbot.waitUntil(lambda: bool(_boxes()), timeout=60_000)
    (box,) = _boxes()
    assert "report.pdf is written in English" in box.text() and "en→de" in box.text()
    assert window.controller.model.items() == []
    box.close()


def test_a_mixed_drop_queues_what_is_served_and_refuses_the_rest(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    _installed(qtbot, window, _model("fr", "en"))
    files = [simple_docx(tmp_path / "bericht.docx", GERMAN),
             simple_docx(tmp_path / "rapport.docx", FRENCH),
             simple_docx(tmp_path / "protokoll.docx", GERMAN[::-1])]
    drop_paths(window.drop, files)
    qtbot.waitUntil(lambda: bool(_boxes()), timeout=60_000)
    (box,) = _boxes()  # one message for both German documents
    assert "These documents are written in German (de): bericht.docx, protokoll.docx." in box.text()
    assert box.files == [files[0], files[2]]
    assert [item.path for item in window.controller.model.items()] == [files[1]]
    box.close()


def test_french_document_is_accepted(qtbot, window: MainWindow, tmp_path: Path) -> None:
    _installed(qtbot, window, _model("fr", "en"))
    drop_paths(window.drop, [simple_docx(tmp_path / "rapport.docx", FRENCH)])
    qtbot.waitUntil(lambda: bool(window.controller.model.items()), timeout=60_000)
    (item,) = window.controller.model.items()
    qtbot.waitUntil(lambda: item.state is JobState.READY, timeout=60_000)
    assert item.job is not None and item.job.doc.meta.language == "fr"
    assert not _boxes()


@pytest.mark.parametrize("case", ["short", "unsampled"])
def test_uncertain_sample_lets_the_document_through(qtbot, window: MainWindow, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    case: str) -> None:
    """A German sample too short to be sure of, or none at all (sampling off: this is
    also what the refusal above would do without its sample), goes on to the queue."""
    _installed(qtbot, window, _model("fr", "en"))
    paragraphs = ["Anhang 3: Tabelle"] if case == "short" else GERMAN
    if case == "unsampled":
        monkeypatch.setattr(drop_check, "sample_text", lambda *a, **k: None)
    drop_paths(window.drop, [simple_docx(tmp_path / "kurz.docx", paragraphs)])
    qtbot.waitUntil(lambda: bool(window.controller.model.items()), timeout=60_000)
    assert not _boxes()
    (item,) = window.controller.model.items()
    qtbot.waitUntil(lambda: not item.state.active, timeout=60_000)


def test_no_sample_when_every_language_is_served(qtbot, window: MainWindow, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A multilingual model serves whatever the language: queued at once, unread."""
    nllb = Manifest(id="nllb", kind="translation", format="ct2-nllb",
                    languages=list(drop_check.SUPPORTED))
    _installed(qtbot, window, nllb)
    monkeypatch.setattr(drop_check, "judge", lambda *a: pytest.fail("sampled"))
    (jid,) = window.add_files([simple_docx(tmp_path / "bericht.docx", GERMAN)])
    assert window.controller.model.by_id(jid).state.active
