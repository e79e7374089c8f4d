"""Decoding defaults: measured values shown in the status bar; an IT team pins device,
threads and beam for a whole unit with a read-only file, shown locked in Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ui import settings as settings_store
from app.ui.i18n import LanguageManager
from app.ui.mainwindow import MainWindow
from app.ui.settings import AppSettings
from app.ui.settings_dialog import SettingsDialog
from engines.device import resolve_translation
from engines.translate.ct2 import DecodeOptions


@pytest.fixture
def unit_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "etc" / "settings.ini"
    monkeypatch.setenv(settings_store.UNIT_SETTINGS_ENV, str(path))
    return path


def test_status_bar_shows_the_measured_defaults(qtbot, unit_file: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(AppSettings(engine="pseudo"), LanguageManager())
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "beam" in window.device_label.text(), timeout=20_000)
    threads = resolve_translation("auto", 0).intra_threads
    text = window.device_label.text()
    assert f"beam {DecodeOptions().beam_size}" in text and f"{threads} thread(s)" in text
    new = AppSettings(engine="pseudo", threads=1, beam_size=5)
    window.apply_settings(new)
    qtbot.waitUntil(lambda: "beam 5" in window.device_label.text(), timeout=20_000)
    assert "1 thread(s)" in window.device_label.text()
    window.controller.shutdown(5000)


def test_unit_file_pins_device_threads_and_beam(qtbot, unit_file: Path) -> None:  # type: ignore[no-untyped-def]
    settings_store.save(AppSettings(device="auto", threads=8, beam_size=1))
    assert settings_store.load().threads == 8  # no unit file yet: the user's values
    unit_file.parent.mkdir(parents=True)
    unit_file.write_text("[pinned]\ndevice=cpu\nthreads=1\nbeam_size=4\n", encoding="utf-8")
    loaded = settings_store.load()
    assert (loaded.device, loaded.threads, loaded.beam_size) == ("cpu", 1, 4)
    assert loaded.job_config(Path("a.docx")).beam_size == 4
    dialog = SettingsDialog(loaded)
    qtbot.addWidget(dialog)
    assert not dialog.threads.isEnabled() and not dialog.beam.isEnabled()
    assert not dialog.device.isEnabled() and dialog.target.isEnabled()
    assert str(unit_file) in dialog.beam.toolTip()
    dialog.threads.setValue(6)  # even if changed programmatically, the pin holds
    assert dialog.result_settings().threads == 1


def test_invalid_pins_are_ignored(unit_file: Path) -> None:
    unit_file.parent.mkdir(parents=True)
    unit_file.write_text("[pinned]\ndevice=tpu\nthreads=many\nbeam_size=3\n", encoding="utf-8")
    assert settings_store.pinned() == {"beam_size": 3}


def test_no_unit_file_nothing_locked(qtbot, unit_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    assert dialog.threads.isEnabled() and dialog.beam.isEnabled() and dialog.device.isEnabled()
    assert AppSettings().job_config(Path("a.docx")).beam_size == DecodeOptions().beam_size
