"""GUI test fixtures: offscreen Qt, isolated settings and data folder, Qt warnings fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.ui.i18n import LanguageManager
from app.ui.mainwindow import MainWindow
from app.ui.qt import (
    QCoreApplication,
    QSettings,
    QtCore,
    qInstallMessageHandler,
)
from app.ui.settings import AppSettings

pytestmark = pytest.mark.gui

# Harmless messages of the offscreen platform itself, not of our code.
_IGNORED = ("This plugin does not support", "QFont::", "propagateSizeHints",
            "Populating font family aliases")


@pytest.fixture(autouse=True)
def qt_warnings_fail() -> Iterator[list[str]]:
    """Any Qt warning, critical or fatal message emitted during a test fails it."""
    seen: list[str] = []

    def handler(mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext, msg: str) -> None:
        if mode in (QtCore.QtMsgType.QtDebugMsg, QtCore.QtMsgType.QtInfoMsg):
            return
        if any(s in msg for s in _IGNORED):
            return
        seen.append(f"{mode.name}: {msg}")

    previous = qInstallMessageHandler(handler)
    yield seen
    qInstallMessageHandler(previous)
    assert not seen, "Qt emitted warnings:\n" + "\n".join(seen)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """QSettings and the data folder live in a temporary folder."""
    root = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root))
    QCoreApplication.setOrganizationName("PasserelleTests")
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(root / "data"))
    return root


@pytest.fixture
def app_settings(tmp_path: Path) -> AppSettings:
    return AppSettings(engine="pseudo", target_lang="en")


@pytest.fixture
def window(qtbot, app_settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The main window, shown; its job controller must shut down cleanly afterwards."""
    w = MainWindow(app_settings, LanguageManager())
    qtbot.addWidget(w)
    w.show()
    yield w
    assert w.controller.shutdown(10_000)
