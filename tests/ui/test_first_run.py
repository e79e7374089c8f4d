"""First run: no model installed → the window says so before any drop; a dropped document
is refused at drop time (no reading); importing a folder (a "USB drive") shows each
file's progress and verification; then the same document translates with the real model."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ui.first_run import FirstRunPanel, InstalledSummary, MissingModelBox
from app.ui.i18n import LanguageManager
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from app.ui.qt import QApplication, Qt
from app.ui.settings import AppSettings
from engines.model_scan import find_models
from tests.docgen import simple_docx
from tests.modelgen import plain_folder
from tests.ui.helpers import drop_paths

# LibreOffice-help sentences: the lohelp model's own domain.
HELP_FR = ["Choisissez Fichier - Enregistrer sous.", "Cliquez sur OK pour fermer la boîte "
           "de dialogue.", "Sélectionnez le texte que vous voulez mettre en forme."]


@pytest.fixture
def no_prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No demo LLM prepared beside the application, no shared store: a bare first run."""
    monkeypatch.setenv("PASSERELLE_PREPARED_MODELS", str(tmp_path / "prepared"))
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    monkeypatch.delenv("PASSERELLE_MODELS", raising=False)


@pytest.fixture
def window(qtbot, no_prepared: None) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(AppSettings(engine="auto", target_lang="en"), LanguageManager())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.models_state.summary is not None, timeout=10_000)
    yield w
    w.controller.shutdown(10_000)


def _boxes() -> list[MissingModelBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MissingModelBox) and w.isVisible()]


def _usb(tmp_path: Path, model: Path | None = None) -> Path:
    usb = tmp_path / "usb"
    (usb / "models" / "broken").mkdir(parents=True)
    (usb / "models" / "broken" / "tiny.gguf").write_bytes(b"GGUF not really")
    (usb / "holiday.jpg").write_bytes(b"\xff\xd8")
    if model is not None:
        shutil.copytree(model, usb / "models" / "fr-en-lohelp-small")
    else:
        plain_folder(usb / "models" / "opus-mt-fr-en", "hello world")
    return usb


def test_no_model_panel_shows_before_any_drop(window: MainWindow) -> None:
    panel = window.first_run
    assert panel.isVisible() and not window.controller.model.items()
    assert "No translation model" in panel.title.text()
    assert panel.import_button.isVisible() and panel.pseudo_button.isVisible()
    assert "Pseudo preview" in panel.pseudo_button.text()
    assert not panel.llm_button.isVisible()  # no LLM prepared in this test


def test_drop_is_refused_before_reading(qtbot, window: MainWindow, tmp_path: Path) -> None:
    src = simple_docx(tmp_path / "aide.docx", HELP_FR)
    drop_paths(window.drop, [src])
    assert window.controller.model.items() == []  # no job: nothing was read
    (box,) = _boxes()
    text = box.text() + box.informativeText() + " ".join(b.text() for b in box.buttons())
    assert "into en" in box.text()
    assert "main.py" not in text and "--" not in text
    qtbot.mouseClick(box.pseudo, Qt.MouseButton.LeftButton)  # the preview, labelled
    (item,) = window.controller.model.items()
    assert item.config.engine == "pseudo"
    qtbot.waitUntil(lambda: item.state is JobState.READY, timeout=30_000)


def test_chosen_source_language_is_checked_at_drop(qtbot, window: MainWindow,
                                                   tmp_path: Path) -> None:
    window.source_combo.setCurrentIndex(window.source_combo.findData("de"))
    drop_paths(window.drop, [simple_docx(tmp_path / "a.docx", HELP_FR)])
    (box,) = _boxes()
    assert "de→en" in box.text()


def test_scan_finds_models_and_skips_the_rest(tmp_path: Path) -> None:
    found = find_models(_usb(tmp_path))
    assert [(f.path.name, f.kind) for f in found] == [("tiny.gguf", "gguf"),
                                                      ("opus-mt-fr-en", "ct2-opus-mt")]
    assert all(f.size > 0 for f in found)


def test_import_then_translate(qtbot, window: MainWindow, tmp_path: Path,
                               lohelp_model: Path) -> None:
    """The whole first run with the real fr→en lohelp model."""
    dialog = window.import_models(_usb(tmp_path, lohelp_model))
    assert dialog is not None
    seen: list[str] = []
    dialog.model.dataChanged.connect(
        lambda a, b: seen.append(dialog.model.status_text(dialog.model.row(a.row()))))
    with qtbot.waitSignal(dialog.allDone, timeout=60_000) as done:
        pass
    assert done.args == [1, 1]  # the real model imported; the fake .gguf failed
    rows = {r.found.path.name: r for r in dialog.model.rows()}
    assert rows["fr-en-lohelp-small"].state == "verified"
    assert "files match" in dialog.model.status_text(rows["fr-en-lohelp-small"])
    assert rows["tiny.gguf"].state == "failed"
    assert "main.py" not in rows["tiny.gguf"].message
    assert any(" %  " in s for s in seen)  # live progress of each file
    qtbot.waitUntil(lambda: not window.first_run.isVisible(), timeout=10_000)
    src = simple_docx(tmp_path / "aide.docx", HELP_FR)
    drop_paths(window.drop, [src])
    # queued once the drop-time check found French, which the imported model serves
    qtbot.waitUntil(lambda: bool(window.controller.model.items()), timeout=60_000)
    assert not _boxes()
    (item,) = window.controller.model.items()
    qtbot.waitUntil(lambda: item.state is JobState.READY, timeout=120_000)
    assert item.job is not None and item.job.translator is not None
    assert item.job.translator.info.model_id == "fr-en-lohelp-small"
    text = " ".join(b.translation.text for b in item.job.doc.blocks).lower()
    # English from the real model, in words both int8 kernel paths give: with AVX2-only
    # kernels the model drops the "OK" that VNNI keeps (tests/int8_path.py).
    assert {"file", "dialog", "text"} <= set(re.findall(r"[a-z]+", text)), text
    assert not {"cliquez", "fermer", "fichier"} & set(re.findall(r"[a-zé]+", text)), text


def test_demo_llm_is_offered_with_its_label(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = FirstRunPanel()
    qtbot.addWidget(panel)
    panel.set_summary(InstalledSummary((), "smollm2-135m-instruct-demo", True))
    assert not panel.isHidden() and not panel.llm_button.isHidden()
    assert "demo quality" in panel.llm_button.text().lower()
    assert "smollm2" in panel.llm_button.text()
    with qtbot.waitSignal(panel.engineRequested) as asked:
        qtbot.mouseClick(panel.llm_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["llm"]
