"""The one error presenter, the crash log, settings persistence and the .qm catalogue."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.core.config import data_dir
from app.core.errors import OutputExists
from app.ui import errors as ui_errors
from app.ui import settings as settings_store
from app.ui.errors import ErrorDialog, excepthook, show_error
from app.ui.i18n import I18N_DIR, LanguageManager
from app.ui.mainwindow import MainWindow
from app.ui.qt import QApplication, QCoreApplication, Qt, QTranslator
from app.ui.settings import AppSettings
from engines.errors import Cancelled

ROOT = Path(__file__).resolve().parents[2]


def test_expected_error_shows_message_and_details_toggle(qtbot) -> None:
    dialog = show_error(OutputExists("memo.en.docx already exists."))
    assert isinstance(dialog, ErrorDialog)
    qtbot.addWidget(dialog)
    assert dialog.message.text() == "memo.en.docx already exists."
    assert dialog.windowTitle() == "Cannot write the output"
    assert not dialog.details.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.toggle, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisibleTo(dialog)
    assert "OutputExists" in dialog.details.toPlainText()
    assert not (data_dir() / "logs").exists(), "expected errors write no crash log"
    assert show_error(Cancelled()) is None, "cancellations are ignored quietly"


def test_unexpected_error_writes_a_crash_log(qtbot) -> None:
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        excepthook(type(exc), exc, exc.__traceback__)
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, ErrorDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.addWidget(dialog)
    assert dialog.log_file is not None and dialog.log_file.parent == data_dir() / "logs"
    log_text = dialog.log_file.read_text(encoding="utf-8")
    assert "ZeroDivisionError: boom" in log_text and "Traceback" in log_text
    assert str(dialog.log_file) in dialog.intro.text()


def test_install_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    ui_errors.install_excepthook()
    assert sys.excepthook is excepthook


def test_settings_round_trip_through_qsettings() -> None:
    s = AppSettings(device="cpu", threads=4, model_stores=["/mnt/share/models", "/srv/m"],
                    target_lang="de", glossary="/tmp/g.csv", output_folder="/tmp/out",
                    classification="DIFFUSION RESTREINTE", ui_language="fr")
    settings_store.save(s)
    assert settings_store.load() == s
    config = s.job_config(Path("/tmp/x.docx"), engine="pseudo")
    assert (config.target_lang, config.device, config.threads, config.engine) == (
        "de", "cpu", 4, "pseudo")
    assert config.extra["classification"] == "DIFFUSION RESTREINTE"


def test_settings_dialog_applies_language_and_target(qtbot) -> None:
    window = MainWindow(AppSettings(engine="pseudo"), LanguageManager())
    qtbot.addWidget(window)
    dialog = window.open_settings()
    dialog.ui_language.setCurrentIndex(dialog.ui_language.findData("fr"))
    dialog.target.setCurrentIndex(dialog.target.findData("de"))
    dialog.accept()
    assert window.settings.ui_language == "fr" and window.settings.target_lang == "de"
    assert window.tabs.tabText(1) == "Relecture"
    assert window.target_combo.currentData() == "de"
    assert settings_store.load().ui_language == "fr"
    window.set_ui_language("en")
    window.controller.shutdown()


def test_the_french_catalogue_is_complete_and_compiled() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import update_translations
    finally:
        sys.path.pop(0)
    ts = I18N_DIR / "passerelle_fr.ts"
    assert update_translations.unfinished(ts) == []
    translator = QTranslator()
    assert translator.load(str(I18N_DIR / "passerelle_fr.qm"))
    assert translator.translate("MainWindow", "Queue") == "File d'attente"
    assert QCoreApplication.translate("MainWindow", "Queue") == "Queue"  # not installed


def test_settings_stay_in_the_test_folder(isolated_settings: Path) -> None:
    settings_store.save(AppSettings(target_lang="it"))
    path = Path(settings_store.store().fileName())
    assert path.is_relative_to(isolated_settings) and path.is_file()
