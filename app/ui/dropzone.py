"""The large drop zone of the main window, and folder expansion."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.formats.sniff import SUPPORTED
from app.ui.archives import is_batch_source
from app.ui.icons import icon
from app.ui.qt import (
    QDragEnterEvent,
    QDropEvent,
    QEvent,
    QFrame,
    QLabel,
    QPushButton,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)

# Every extension a reader takes (Word, PDF, PowerPoint, Excel, OpenDocument, text,
# Markdown, HTML, e-mail, legacy Office through LibreOffice, scanned images).
SUPPORTED_SUFFIXES = tuple(SUPPORTED)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given (supported ones) and folders expanded, recursively, in name order."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        p = Path(p)
        candidates = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in candidates:
            if f.suffix.lower() not in SUPPORTED_SUFFIXES or f.name.startswith((".", "~$")):
                continue
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


class DropZone(QFrame):
    """Accepts files and folders dropped from the file manager, and has an Open… button.

    Signals:
        filesDropped(list): the supported files, folders and ``.zip`` archives (a folder
            or an archive is translated whole, as one batch).
        openRequested(): the Open… button was clicked.
    """

    filesDropped = Signal(list)
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("dropZone")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(150)
        self._set_highlight(False)
        self.picture = QLabel()
        self.picture.setPixmap(icon("drop").pixmap(QSize(48, 48)))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton(icon("open"), "")
        self.open_button.clicked.connect(self.openRequested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.picture)
        layout.addWidget(self.label)
        layout.addWidget(self.hint)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(self.tr("Drop documents or folders here"))
        self.hint.setText(self.tr("Word, PDF, PowerPoint, Excel, OpenDocument, text, HTML and "
                                  "e-mail files. Nothing leaves this computer."))
        self.open_button.setText(self.tr("Open…"))
        self.open_button.setToolTip(self.tr("Choose documents to translate (Ctrl+O)"))
        self.setAccessibleName(self.tr("Drop zone for documents"))
        self.open_button.setAccessibleName(self.tr("Open documents"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _set_highlight(self, on: bool) -> None:
        colour = "#2a6fdb" if on else "#9aa5b1"
        self.setStyleSheet(f"#dropZone {{ border: 2px dashed {colour}; border-radius: 10px; }}")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            self._set_highlight(True)
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QEvent) -> None:
        self._set_highlight(False)
        super().dragLeaveEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_highlight(False)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        batches = [p for p in paths if is_batch_source(p)]  # each runs whole, as one batch
        files = batches + expand_paths([p for p in paths if p not in batches])
        event.acceptProposedAction()
        if files:
            emit(self.filesDropped, files)
