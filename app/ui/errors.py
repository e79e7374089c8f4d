"""Showing errors: one dialog for every presentation, and a crash handler with a log file.

Every exception shown to the user goes through :func:`app.core.errors.present`; this module
only renders the resulting :class:`~app.core.errors.Presentation`.
"""

from __future__ import annotations

import datetime
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from app import __version__
from app.core.config import data_dir
from app.core.errors import Presentation, present
from app.ui.qt import (
    QApplication,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)
_open_dialogs: set[QDialog] = set()


class ErrorDialog(QDialog):
    """A friendly message, with the technical details behind a "Details" toggle."""

    def __init__(self, shown: Presentation, parent: QWidget | None = None,
                 log_file: Path | None = None) -> None:
        super().__init__(parent)
        self.presentation, self.log_file = shown, log_file
        self.setWindowTitle(shown.title)
        self.setAccessibleName(self.tr("Error"))
        self.message = QLabel(shown.gui_message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(shown.details)
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details.setAccessibleName(self.tr("Technical details"))
        self.toggle = QPushButton(self.tr("Details"))
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.finished.connect(self._on_finished)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.toggle)
        if log_file is not None:
            self.open_log = QPushButton(self.tr("Open the log folder"))
            self.open_log.clicked.connect(self._on_open_log_clicked)
            row.addWidget(self.open_log)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        if not shown.expected:
            intro = self.tr("Passerelle hit an unexpected problem. Your documents are safe; "
                            "the details below help the support team.")
            if log_file is not None:
                intro += " " + self.tr("A log was written to %1.").replace("%1", str(log_file))
            self.intro = QLabel(intro)
            self.intro.setWordWrap(True)
            layout.addWidget(self.intro)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addLayout(row)
        self.resize(520, 160)

    def _on_finished(self, result: int) -> None:
        _open_dialogs.discard(self)

    def _on_toggle_toggled(self, checked: bool) -> None:
        self.details.setVisible(checked)
        self.resize(self.width(), 420 if checked else 160)

    def _on_open_log_clicked(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))


def show_error(exc_or_presentation: BaseException | Presentation,
               parent: QWidget | None = None) -> ErrorDialog | None:
    """The GUI's one way to show an error (cancellations are ignored quietly)."""
    shown = (exc_or_presentation if isinstance(exc_or_presentation, Presentation)
             else present(exc_or_presentation))
    if shown.cancelled:
        return None
    log_file = None if shown.expected else write_crash_log(shown.details)
    dialog = ErrorDialog(shown, parent, log_file)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_dialogs.add(dialog)  # a parentless dialog must outlive this call
    dialog.open()
    return dialog


def write_crash_log(details: str, folder: Path | None = None) -> Path | None:
    folder = folder or data_dir() / "logs"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Passerelle {__version__}, Python {sys.version}\n\n{details}",
                        encoding="utf-8")
    except OSError:
        log.exception("Could not write the crash log to %s", path)
        return None
    log.error("Unexpected error; log written to %s", path)
    return path


def excepthook(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
    """``sys.excepthook`` for the GUI: log, write a crash log and show the dialog."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.error("Unhandled exception:\n%s",
              "".join(traceback.format_exception(exc_type, exc, tb)))
    if QApplication.instance() is None:
        return
    show_error(exc.with_traceback(tb), QApplication.activeWindow())


def install_excepthook() -> None:
    sys.excepthook = excepthook
