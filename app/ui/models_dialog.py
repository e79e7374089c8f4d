"""Model manager: installed models, import with progress, SHA-256 verification, removal.

The store (``engines.store``) and importers (``engines.importers``) do the work, always in
a worker; this dialog only lists and reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.errors import present
from app.ui.errors import show_error
from app.ui.icons import icon
from app.ui.qt import (
    QAbstractItemView,
    QColor,
    QDialog,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)
from app.ui.servers_view import ServersPanel
from app.ui.table_model import Index, RowTableModel
from app.ui.workers import FunctionWorker, start

log = logging.getLogger(__name__)


def store_available() -> bool:
    try:
        import engines.importers
        import engines.store  # noqa: F401
    except ImportError:
        return False
    return True


def open_store(extra_shared: list[str] | None = None) -> Any:
    """The user's store plus the shared stores named in the settings."""
    from app.pipeline.model_store import open_store as core_open_store

    store = core_open_store()
    for p in extra_shared or []:
        if Path(p) not in store.shared:
            store.shared.append(Path(p))
    return store


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class ModelListModel(RowTableModel):
    """Installed models (engines.store.InstalledModel): id, kind, languages, size,
    licence, origin, verification."""

    ID, KIND, LANGS, SIZE, STATUS, LICENCE, ORIGIN = range(7)
    COLUMNS = 7
    ModelRole = Qt.ItemDataRole.UserRole

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._status: dict[str, tuple[bool, str]] = {}  # id -> (ok, message)

    def headers(self) -> list[str]:
        return [self.tr("Model"), self.tr("Kind"), self.tr("Languages"), self.tr("Size"),
                self.tr("Integrity (SHA-256)"), self.tr("Licence"), self.tr("Origin")]

    def set_models(self, models: list[Any]) -> None:
        self.set_rows(models)

    def model_at(self, row: int) -> Any:
        return self._rows[row]

    def ids(self) -> list[str]:
        return [m.id for m in self._rows]

    def set_status(self, model_id: str, ok: bool, message: str) -> None:
        self._status[model_id] = (ok, message)
        for row, m in enumerate(self._rows):
            if m.id == model_id:
                emit(self.dataChanged, self.index(row, self.STATUS), self.index(row, self.STATUS))

    def status(self, model_id: str) -> tuple[bool, str] | None:
        return self._status.get(model_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        m, col = self.row_object(index), index.column()
        if m is None:
            return None
        man = m.manifest
        if role == self.ModelRole:
            return m
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.ID:
                badge = "  [" + self.tr("DEMO QUALITY") + "]" if man.demo else ""
                shared = "  (" + self.tr("shared, read-only") + ")" if m.shared else ""
                return f"{m.id}{badge}{shared}"
            if col == self.KIND:
                return self.tr("Translation") if man.kind == "translation" else self.tr("LLM")
            if col == self.LANGS:
                return man.describe_languages()
            if col == self.SIZE:
                return human_size(sum(man.sizes.values()))
            if col == self.LICENCE:
                return man.licence
            if col == self.ORIGIN:
                return man.origin
            if col == self.STATUS:
                st = self._status.get(m.id)
                if st is None:
                    return self.tr("Not checked")
                return (self.tr("Verified") if st[0] else self.tr("FAILED")) + f": {st[1]}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.ID and man.demo:
                return QColor("#a15c00")
            st = self._status.get(m.id)
            if col == self.STATUS and st is not None:
                return QColor("#1b6e20") if st[0] else QColor("#b00020")
        if role == Qt.ItemDataRole.ToolTipRole and col == self.ID:
            return str(m.path)
        return None


class ModelManagerDialog(QDialog):
    """Lists, imports, verifies and removes models.

    Signals:
        modelsChanged(): a model was imported or removed.
        busyChanged(bool): a background task started or ended.
    """

    modelsChanged = Signal()
    busyChanged = Signal(bool)

    def __init__(self, shared_stores: list[str] | None = None,
                 parent: QWidget | None = None,
                 store_factory: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.available = store_available()
        self._store_factory = store_factory or (lambda: open_store(shared_stores))
        self.model = ModelListModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.message = QLabel()
        self.import_file = QPushButton(icon("import"), "")
        self.import_folder = QPushButton(icon("folder"), "")
        self.verify = QPushButton(icon("verify"), "")
        self.remove = QPushButton(icon("remove"), "")
        self.close_button = QPushButton()
        self.import_file.clicked.connect(self._on_import_file_clicked)
        self.import_folder.clicked.connect(self._on_import_folder_clicked)
        self.verify.clicked.connect(self._on_verify_clicked)
        self.remove.clicked.connect(self._on_remove_clicked)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (self.import_file, self.import_folder, self.verify, self.remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.servers = ServersPanel(self)  # intranet servers: reachable, models, latency
        layout.addWidget(self.servers)
        self._busy = False
        self.resize(860, 520)
        self.retranslate()
        self._set_busy(False)
        if self.available:
            self.refresh()

    # --- texts ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Models"))
        self.import_file.setText(self.tr("Import file…"))
        self.import_file.setToolTip(self.tr("Import an .argosmodel package, a model bundle "
                                            "or a .gguf file"))
        self.import_folder.setText(self.tr("Import folder…"))
        self.import_folder.setToolTip(self.tr("Import a CTranslate2 model folder"))
        self.verify.setText(self.tr("Verify"))
        self.verify.setToolTip(self.tr("Check every file against its SHA-256"))
        self.remove.setText(self.tr("Remove"))
        self.close_button.setText(self.tr("Close"))
        self.view.setAccessibleName(self.tr("Installed models"))
        if self.available:
            self.info.setText(self.tr(
                "Models are verified with SHA-256 before use. Models marked DEMO QUALITY are "
                "small and for trying the tool only."))
        else:
            self.info.setText(self.tr("The model store is not available in this build."))
        self.model.retranslate()
        self.servers.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- background tasks ----------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        enabled = self.available and not busy
        for b in (self.import_file, self.import_folder, self.verify, self.remove):
            b.setEnabled(enabled)
        self.progress.setVisible(busy)
        emit(self.busyChanged, busy)

    def is_busy(self) -> bool:
        return self._busy

    def _run(self, fn: Callable[[Callable[[float, str], None]], Any],
             done: Callable[..., None], failed: Callable[..., None], *context: Any) -> None:
        """Run ``fn`` in a worker; then ``done(*context, result)`` or
        ``failed(*context, exc)``, two methods of this dialog."""
        self._set_busy(True)
        self.progress.setValue(0)
        start(FunctionWorker(fn), self, self._on_task_finished, self._on_task_error,
              context=(done.__name__, failed.__name__, context),
              on_progress=self._on_worker_progress)

    def _on_task_finished(self, done: str, failed: str, context: tuple[Any, ...],
                          result: Any) -> None:
        self._set_busy(False)
        getattr(self, done)(*context, result)

    def _on_task_error(self, done: str, failed: str, context: tuple[Any, ...],
                       exc: BaseException) -> None:
        self._set_busy(False)
        getattr(self, failed)(*context, exc)

    def _on_worker_progress(self, done: str, failed: str, context: tuple[Any, ...],
                            fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.message.setText(message)

    def refresh(self) -> None:
        factory = self._store_factory
        self._run(lambda _r: factory().installed(), self._on_listed, self._on_task_failed)

    def _on_listed(self, models: list[Any]) -> None:
        self.model.set_models(models)

    def _on_task_failed(self, exc: BaseException) -> None:
        shown = present(exc)
        self.message.setText(shown.gui_message)
        show_error(shown, self)

    # --- actions -----------------------------------------------------------------------------
    def import_path(self, path: Path) -> None:
        from engines.importers import ImportOptions, import_model

        factory = self._store_factory
        self.message.setText(self.tr("Importing %1…").replace("%1", Path(path).name))
        self._run(lambda report: import_model(factory(), Path(path), ImportOptions(), report),
                  self._on_imported, self._on_task_failed)

    def _on_imported(self, models: list[Any]) -> None:
        names = ", ".join(m.id for m in models)
        self.message.setText(self.tr("Imported and verified: %1").replace("%1", names))
        for m in models:
            self.model.set_status(m.id, True, self.tr("checked at import"))
        emit(self.modelsChanged)
        self.refresh()

    def verify_model(self, model_id: str) -> None:
        factory = self._store_factory

        def work(report: Callable[[float, str], None]) -> Any:
            return factory().verify(model_id, lambda rel: report(0.5, rel))

        self._run(work, self._on_verified, self._on_verify_failed, model_id)

    def _on_verify_failed(self, model_id: str, exc: BaseException) -> None:
        self.model.set_status(model_id, False, str(exc))
        self.message.setText(present(exc).gui_message)

    def _on_verified(self, model_id: str, model: Any) -> None:
        n = len(model.manifest.files)
        self.model.set_status(model_id, True,
                              self.tr("%1 files match their SHA-256").replace("%1", str(n)))
        self.message.setText(self.tr("%1 verified").replace("%1", model_id))

    def remove_model(self, model_id: str) -> None:
        factory = self._store_factory
        self._run(lambda _r: factory().remove(model_id), self._on_removed,
                  self._on_remove_failed, model_id)

    def _on_remove_failed(self, model_id: str, exc: BaseException) -> None:
        self._on_task_failed(exc)

    def _on_removed(self, model_id: str, _result: object) -> None:
        self.message.setText(self.tr("Removed %1").replace("%1", model_id))
        emit(self.modelsChanged)
        self.refresh()

    def _selected_id(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.model_at(index.row()).id if index.isValid() else None

    def _on_import_file_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import a model"), "",
            self.tr("Models (*.argosmodel *.gguf *.zip);;All files (*)"))
        if name:
            self.import_path(Path(name))

    def _on_import_folder_clicked(self) -> None:
        name = QFileDialog.getExistingDirectory(self, self.tr("Import a model folder"))
        if name:
            self.import_path(Path(name))

    def _on_verify_clicked(self) -> None:
        model_id = self._selected_id()
        if model_id:
            self.verify_model(model_id)

    def _on_remove_clicked(self) -> None:
        model_id = self._selected_id()
        if not model_id:
            return
        answer = QMessageBox.question(
            self, self.tr("Remove the model?"),
            self.tr("Remove %1 from this computer?").replace("%1", model_id),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_model(model_id)
