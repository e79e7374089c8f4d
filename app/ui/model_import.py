"""Import every model of a folder or a USB drive: scan, then one file at a time, each
with its progress and its SHA-256 verification.  All the work runs in workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import present
from app.ui.models_dialog import human_size, open_store
from app.ui.qt import (
    QAbstractItemView,
    QColor,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)
from app.ui.table_model import Index, RowTableModel
from app.ui.workers import FunctionWorker, start
from engines.importers import ImportOptions, import_model
from engines.model_scan import FoundModel, find_models

log = logging.getLogger(__name__)

KIND_NAMES = {"argos": "Argos package", "bundle": "Model bundle", "gguf": "GGUF LLM",
              "ct2-generator": "CTranslate2 LLM", "ct2-opus-mt": "CTranslate2 (opus-mt)",
              "ct2-nllb": "CTranslate2 (NLLB-200)", "ct2-m2m": "CTranslate2 (M2M-100)",
              "store-folder": "Passerelle model folder"}


@dataclass
class ImportRow:
    found: FoundModel
    state: str = "waiting"  # waiting, importing, verified, failed
    progress: float = 0.0
    message: str = ""


class ImportListModel(RowTableModel):
    """The models found: file, kind, size, progress and verification."""

    FILE, KIND, SIZE, STATUS = range(4)
    COLUMNS = 4

    def headers(self) -> list[str]:
        return [self.tr("File"), self.tr("Kind"), self.tr("Size"),
                self.tr("Progress and verification")]

    def row(self, i: int) -> ImportRow:
        return self._rows[i]  # type: ignore[no-any-return]

    def rows(self) -> list[ImportRow]:
        return list(self._rows)

    def changed(self, i: int) -> None:
        emit(self.dataChanged, self.index(i, 0), self.index(i, self.COLUMNS - 1))

    def status_text(self, row: ImportRow) -> str:
        if row.state == "waiting":
            return self.tr("Waiting")
        if row.state == "importing":
            return f"{round(row.progress * 100)} %  {row.message}"
        if row.state == "verified":
            return self.tr("Verified (SHA-256): %1").replace("%1", row.message)
        return self.tr("Failed: %1").replace("%1", row.message)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = self.row_object(index), index.column()
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.FILE:
                return row.found.path.name
            if col == self.KIND:
                return self.tr(KIND_NAMES.get(row.found.kind, row.found.kind))
            if col == self.SIZE:
                return human_size(row.found.size)
            return self.status_text(row)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.FILE:
            return str(row.found.path)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATUS:
            if row.state == "verified":
                return QColor("#1b6e20")
            if row.state == "failed":
                return QColor("#b00020")
        return None


class ImportModelsDialog(QDialog):
    """Scans ``folder``, then imports each model found, one after the other.

    Signals:
        modelsImported(): at least one model was imported (emitted when all are done).
        allDone(int, int): imported and failed counts, when the last one is done.
    """

    modelsImported = Signal()
    allDone = Signal(int, int)

    def __init__(self, folder: Path, parent: QWidget | None = None,
                 store_factory: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self._store_factory = store_factory or open_store
        self.model = ImportListModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.setWindowTitle(self.tr("Import models"))
        self.view.setAccessibleName(self.tr("Models found"))
        self.resize(760, 360)
        self._current = -1
        self.imported = self.failed = 0
        self.message.setText(self.tr("Looking for models in %1…").replace("%1", str(folder)))
        folder_path = self.folder
        start(FunctionWorker(lambda _r: find_models(folder_path)), self, self._on_scanned,
              self._on_scan_failed)

    def is_busy(self) -> bool:
        return 0 <= self._current < self.model.rowCount()

    def _on_scanned(self, found: list[FoundModel]) -> None:
        self.model.set_rows([ImportRow(f) for f in found])
        if not found:
            self.message.setText(self.tr(
                "No model found in %1. Models are .argosmodel or .gguf files, or folders "
                "holding a model.bin file.").replace("%1", str(self.folder)))
            emit(self.allDone, 0, 0)
            return
        self.message.setText(self.tr("%n model(s) found; importing and verifying each.", "",
                                     len(found)))
        self._next()

    def _on_scan_failed(self, exc: BaseException) -> None:
        self.message.setText(present(exc).gui_message)
        emit(self.allDone, 0, 0)

    def _next(self) -> None:
        self._current += 1
        if self._current >= self.model.rowCount():
            self.message.setText(self.tr("Done: %1 imported, %2 failed.")
                                 .replace("%1", str(self.imported))
                                 .replace("%2", str(self.failed)))
            if self.imported:
                emit(self.modelsImported)
            emit(self.allDone, self.imported, self.failed)
            return
        i = self._current
        row = self.model.row(i)
        row.state = "importing"
        self.model.changed(i)
        factory, path = self._store_factory, row.found.path

        def work(report: Callable[[float, str], None]) -> Any:
            return import_model(factory(), path, ImportOptions(), report)

        start(FunctionWorker(work), self, self._on_imported, self._on_import_failed,
              context=(i,), on_progress=self._on_progress)

    def _on_progress(self, i: int, fraction: float, message: str) -> None:
        row = self.model.row(i)
        row.progress, row.message = fraction, message
        self.model.changed(i)

    def _on_imported(self, i: int, models: list[Any]) -> None:
        row = self.model.row(i)
        files = sum(len(m.manifest.files) for m in models)
        row.state, row.progress = "verified", 1.0
        row.message = self.tr("%1, %2 files match").replace(
            "%1", ", ".join(m.id for m in models)).replace("%2", str(files))
        self.imported += 1
        self.model.changed(i)
        self._next()

    def _on_import_failed(self, i: int, exc: BaseException) -> None:
        row = self.model.row(i)
        row.state, row.message = "failed", present(exc).gui_message
        self.failed += 1
        self.model.changed(i)
        self._next()
