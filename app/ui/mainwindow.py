"""The main window: drop zone and queue, review, summary, export, models and settings."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.buildinfo import about_text
from app.core.errors import Presentation
from app.ui import settings as settings_store
from app.ui.archives import batch_output_dir, is_batch_source
from app.ui.controller import JobController
from app.ui.drop_check import DropCheck
from app.ui.dropzone import SUPPORTED_SUFFIXES, DropZone, expand_paths
from app.ui.errors import show_error
from app.ui.export_dialog import ExportDialog, confirm_overwrite
from app.ui.first_run import FirstRunPanel, InstalledSummary, MissingModelBox, ModelsWatcher
from app.ui.i18n import LanguageManager
from app.ui.icons import icon
from app.ui.jobs import JobState
from app.ui.labels import LANGUAGE_CODES, engine_label, language_label
from app.ui.model_import import ImportModelsDialog
from app.ui.models_dialog import ModelManagerDialog
from app.ui.qt import (
    QAction,
    QCloseEvent,
    QComboBox,
    QEvent,
    QFileDialog,
    QKeySequence,
    QLabel,
    QMainWindow,
    QMessageBox,
    QModelIndex,
    QSplitter,
    Qt,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from app.ui.queue_view import QueueView
from app.ui.review import ReviewPane
from app.ui.settings import AppSettings, SettingsRef, apply_model_stores, fill_engines
from app.ui.settings_dialog import SettingsDialog
from app.ui.status import ExportNotice, describe_decoding, describe_device
from app.ui.summary import SummaryPane
from app.ui.workers import FunctionWorker, start

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Passerelle's window.  Everything slow runs in the controller's workers."""

    def __init__(self, settings: AppSettings | None = None,
                 languages: LanguageManager | None = None,
                 controller: JobController | None = None) -> None:
        super().__init__()
        # The controller (a child) reads the settings through this holder, not through a
        # reference to the window: a child must never keep its parent's wrapper alive.
        self._settings = SettingsRef(settings or settings_store.load())
        apply_model_stores(self.settings.model_stores)
        self.languages = languages or LanguageManager()
        self.controller = controller or JobController(self._settings.get, self)
        self.device_text, self.model_text = "", ""
        self._review_job: int | None = None
        self._dialogs: list[QWidget] = []
        self.setWindowIcon(icon("app"))
        self.models_state = ModelsWatcher(lambda: list(self._settings.value.model_stores), self)
        self.drop_check = DropCheck(self)  # the language of a dropped document, when detected
        self._build_central()
        self._build_actions()
        self._build_status()
        self._connect()
        self.retranslate()
        self._restore_geometry()
        self._probe_device()
        self.models_state.probe()  # the first-run panel shows when no model is installed

    @property
    def settings(self) -> AppSettings:
        return self._settings.value

    @settings.setter
    def settings(self, value: AppSettings) -> None:
        self._settings.value = value

    # --- construction -------------------------------------------------------------------
    def _build_central(self) -> None:
        self.drop = DropZone()
        self.queue = QueueView(self.controller.model)
        queue_page = QWidget()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.drop)
        split.addWidget(self.queue)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        self.first_run = FirstRunPanel()
        page_layout = QVBoxLayout(queue_page)
        page_layout.addWidget(self.first_run)
        page_layout.addWidget(split, 1)
        self.review = ReviewPane()
        self.summary = SummaryPane()
        self.tabs = QTabWidget()
        self.tabs.addTab(queue_page, icon("open"), "")
        self.tabs.addTab(self.review, icon("review"), "")
        self.tabs.addTab(self.summary, icon("summary"), "")
        self.setCentralWidget(self.tabs)

    def _action(self, name: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                slot: object) -> QAction:
        action = QAction(icon(name), "", self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.act_open = self._action("open", QKeySequence.StandardKey.Open,
                                     self._on_open_triggered)
        self.act_export = self._action("export", "Ctrl+E", self._on_export_triggered)
        self.act_cancel = self._action("cancel", "Ctrl+.", self._on_cancel_triggered)
        self.act_retry = self._action("retry", "Ctrl+R", self._on_retry_triggered)
        self.act_clear = self._action("clear", "Ctrl+L", self._on_clear_triggered)
        self.act_models = self._action("models", "Ctrl+M", self.open_model_manager)
        self.act_import = self._action("import", None, self.import_models)
        self.act_settings = self._action("settings", "Ctrl+,", self.open_settings)
        self.act_next_flag = self._action("review", "F8", self.review._on_next_flag_clicked)
        self.act_quit = self._action("", QKeySequence.StandardKey.Quit, self.close)
        self.act_about = self._action("", QKeySequence.StandardKey.HelpContents, self.show_about)
        self.act_tabs = [self._action("", f"Ctrl+{i + 1}", self._on_tab_action_triggered)
                         for i in range(3)]
        for i, action in enumerate(self.act_tabs):
            action.setData(i)
        self.act_lang = {code: self._action("", None, self._on_language_action_triggered)
                         for code in ("en", "fr")}
        for code, action in self.act_lang.items():
            action.setData(code)
        self.source_combo = QComboBox()
        self.source_combo.addItem("", "")
        self.target_combo = QComboBox()
        for code in LANGUAGE_CODES:
            self.source_combo.addItem(code, code)
            self.target_combo.addItem(code, code)
        self.engine_combo = QComboBox()
        for combo in (self.source_combo, self.target_combo, self.engine_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(
            self.settings.target_lang)))
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(
            self.settings.source_lang)))
        fill_engines(self.engine_combo, self.settings.engine)
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.from_label, self.to_label, self.engine_label = QLabel(), QLabel(), QLabel()
        for a in (self.act_open, self.act_export):
            self.toolbar.addAction(a)
        self.toolbar.addSeparator()
        for a in (self.act_cancel, self.act_retry, self.act_clear, self.act_models,
                  self.act_settings):
            self.toolbar.addAction(a)
        self.addToolBar(self.toolbar)
        self.addToolBarBreak()
        self.options_bar = QToolBar()
        self.options_bar.setObjectName("optionsToolbar")
        for widget in (self.from_label, self.source_combo, self.to_label, self.target_combo,
                       self.engine_label, self.engine_combo):
            self.options_bar.addWidget(widget)
        self.addToolBar(self.options_bar)
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        for a in (self.act_open, self.act_export, self.act_quit):
            self.menu_file.addAction(a)
        self.menu_jobs = bar.addMenu("")
        for a in (self.act_cancel, self.act_retry, self.act_clear, self.act_next_flag):
            self.menu_jobs.addAction(a)
        self.menu_view = bar.addMenu("")
        for a in self.act_tabs:
            self.menu_view.addAction(a)
        self.menu_tools = bar.addMenu("")
        self.menu_tools.addAction(self.act_import)
        self.menu_tools.addAction(self.act_models)
        self.menu_tools.addAction(self.act_settings)
        self.menu_lang = self.menu_tools.addMenu("")
        for a in self.act_lang.values():
            a.setCheckable(True)
            self.menu_lang.addAction(a)
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.act_about)

    def _build_status(self) -> None:
        self.device_label, self.model_label = QLabel(), QLabel()
        self.export_notice = ExportNotice()
        status = self.statusBar()
        status.addPermanentWidget(self.export_notice)
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.device_label)

    def _connect(self) -> None:
        c = self.controller
        self.drop.filesDropped.connect(self.add_files)
        self.drop.openRequested.connect(self._on_open_triggered)
        self.queue.cancelRequested.connect(c.cancel)
        self.queue.retryRequested.connect(c.retry)
        self.queue.selectionModel().currentRowChanged.connect(self._on_queue_row_changed)
        self.queue.doubleClicked.connect(self._on_queue_double_clicked)
        self.review.exportRequested.connect(self._on_export_triggered)
        c.jobReady.connect(self._on_job_ready)
        c.jobFailed.connect(self._on_job_failed)
        c.modelMissing.connect(self._on_model_missing)
        self.drop_check.accepted.connect(self._queue_files)
        self.drop_check.refused.connect(self._on_drop_check_refused)
        self.first_run.importRequested.connect(self.import_models)
        self.first_run.engineRequested.connect(self._on_engine_requested)
        self.models_state.changed.connect(self._on_models_changed)
        c.exported.connect(self._on_exported)
        c.exportFailed.connect(self._on_export_failed)
        c.batchFinished.connect(self._on_batch_finished)
        c.engineUsed.connect(self._on_engine_used)
        self.target_combo.currentIndexChanged.connect(self._on_options_changed)
        self.source_combo.currentIndexChanged.connect(self._on_options_changed)
        self.engine_combo.currentIndexChanged.connect(self._on_options_changed)

    # --- texts ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Passerelle — offline translation"))
        self.tabs.setTabText(0, self.tr("Queue"))
        self.tabs.setTabText(1, self.tr("Review"))
        self.tabs.setTabText(2, self.tr("Summary"))
        texts = {
            self.act_open: self.tr("Open…"), self.act_export: self.tr("Export…"),
            self.act_cancel: self.tr("Cancel job"), self.act_retry: self.tr("Retry"),
            self.act_clear: self.tr("Clear finished"), self.act_models: self.tr("Models…"),
            self.act_import: self.tr("Import models…"),
            self.act_settings: self.tr("Settings…"), self.act_quit: self.tr("Quit"),
            self.act_next_flag: self.tr("Next flagged block"),
            self.act_about: self.tr("About Passerelle…"),
            self.act_tabs[0]: self.tr("Queue"), self.act_tabs[1]: self.tr("Review"),
            self.act_tabs[2]: self.tr("Summary"),
            self.act_lang["en"]: "English", self.act_lang["fr"]: "Français",
        }
        for action, text in texts.items():
            action.setText(text)
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{text} ({key})" if key else text)
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_jobs.setTitle(self.tr("&Jobs"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_tools.setTitle(self.tr("&Tools"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.menu_lang.setTitle(self.tr("Interface language"))
        for code, action in self.act_lang.items():
            action.setChecked(code == self.languages.current)
        self.from_label.setText(" " + self.tr("Translate from:") + " ")
        self.to_label.setText("  " + self.tr("to:") + " ")
        self.source_combo.setItemText(0, self.tr("Detect"))
        for i in range(1, self.source_combo.count()):
            self.source_combo.setItemText(i, language_label(str(self.source_combo.itemData(i))))
        self.engine_label.setText("   " + self.tr("Engine:") + " ")
        for i in range(self.target_combo.count()):
            self.target_combo.setItemText(i, language_label(str(self.target_combo.itemData(i))))
        for i in range(self.engine_combo.count()):
            self.engine_combo.setItemText(i, engine_label(str(self.engine_combo.itemData(i))))
        self.target_combo.setAccessibleName(self.tr("Target language"))
        self.source_combo.setAccessibleName(self.tr("Source language"))
        self.engine_combo.setAccessibleName(self.tr("Translation engine"))
        self.toolbar.setWindowTitle(self.tr("Main toolbar"))
        self.options_bar.setWindowTitle(self.tr("Translation options"))
        self._update_status()
        self.controller.model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _on_tab_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.tabs.setCurrentIndex(int(action.data()))

    def _on_language_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.set_ui_language(str(action.data()))

    def set_ui_language(self, choice: str) -> str:
        """Switch the interface language now (LanguageChange retranslates every widget)."""
        code = self.languages.set_language(choice)
        if choice != self.settings.ui_language:
            self.settings.ui_language = choice
            settings_store.save(self.settings)
        self.retranslate()
        return code

    def _update_status(self) -> None:
        self.device_label.setText(self.tr("Device: %1").replace(
            "%1", self.device_text or self.tr("detecting…")))
        self.model_label.setText(self.tr("Model: %1").replace(
            "%1", self.model_text or engine_label(self.settings.engine)))

    # --- device probe ----------------------------------------------------------------------
    def _probe_device(self) -> None:
        s = self.settings
        device, threads, beam = s.device, s.threads, s.beam_size

        def probe(_report: object) -> tuple[str, bool]:
            found, gpu = describe_device()
            return f"{found} — {describe_decoding(device, threads, beam)}", gpu

        start(FunctionWorker(probe), self, self._on_device_found,
              self._on_device_probe_failed)

    def _on_device_probe_failed(self, exc: BaseException) -> None:
        log.warning("Device probe failed: %s", exc)
        self._on_device_found(("CPU", False))

    def _on_device_found(self, result: tuple[str, bool]) -> None:
        self.device_text = result[0]
        self._update_status()

    # --- adding documents ------------------------------------------------------------------
    def add_files(self, paths: list[Path]) -> list[int]:
        batches = [Path(p) for p in paths if is_batch_source(Path(p))]
        ids = []
        for source in batches:  # a folder or archive: one queue row, mirrored output tree
            out = batch_output_dir(self.settings, source)
            ids.append(self.controller.add_batch(source, out))
            self.statusBar().showMessage(self.tr("Translating the archive into %1…")
                                         .replace("%1", str(out)), 5000)
        files = expand_paths([p for p in paths if Path(p) not in batches])
        if batches and not files:
            return ids
        if not files:
            self.statusBar().showMessage(self.tr("No supported document found."), 5000)
            return []
        summary, config = self.models_state.summary, self.settings.job_config(files[0])
        refusal = summary.refusal(config) if summary else None
        if refusal is not None:  # refused now, before reading: no model for the pair
            self._show_missing_model(refusal.gui_message, None, files)
            return []
        if summary is not None and self.drop_check.check(files, config, summary):
            self.statusBar().showMessage(self.tr("Checking the documents' language…"), 4000)
            return ids  # queued (or refused) once a sample's language is known
        return ids + self._queue_files(files)

    def _queue_files(self, files: list[Path]) -> list[int]:
        ids = self.controller.add_files(files)
        self.statusBar().showMessage(self.tr("%n document(s) added", "", len(ids)), 4000)
        return ids

    def _on_drop_check_refused(self, message: str, files: list[Path]) -> None:
        self._show_missing_model(message, None, files)

    def _on_open_triggered(self) -> None:
        patterns = " ".join(f"*{s}" for s in (*SUPPORTED_SUFFIXES, ".zip"))
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Open documents"), "",
            self.tr("Documents (%1)").replace("%1", patterns))
        if names:
            self.add_files([Path(n) for n in names])

    def _on_options_changed(self) -> None:
        self.settings.target_lang = str(self.target_combo.currentData())
        self.settings.source_lang = str(self.source_combo.currentData() or "")
        self.settings.engine = str(self.engine_combo.currentData())
        settings_store.save(self.settings)
        self._update_status()

    # --- queue -------------------------------------------------------------------------------
    def _selected_or_review_job(self) -> int | None:
        return self.queue.selected_job() or self._review_job

    def _on_cancel_triggered(self) -> None:
        jid = self.queue.selected_job()
        if jid is not None:
            self.controller.cancel(jid)

    def _on_retry_triggered(self) -> None:
        jid = self.queue.selected_job()
        if jid is not None:
            self.controller.retry(jid)

    def _on_clear_triggered(self) -> None:
        if self._review_job is not None:
            item = self.controller.model.by_id(self._review_job)
            if not item.state.active:
                self.show_job(None)
        self.controller.model.remove_finished()

    def _on_queue_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            item = self.controller.model.item(current.row())
            if item.state in (JobState.READY, JobState.EXPORTED):
                self.show_job(item.id)

    def _on_queue_double_clicked(self, index: QModelIndex) -> None:
        item = self.controller.model.item(index.row())
        if item.state in (JobState.READY, JobState.EXPORTED):
            self.show_job(item.id)
            self.tabs.setCurrentWidget(self.review)
        elif item.error is not None:
            show_error(item.error, self)

    def show_job(self, job_id: int | None) -> None:
        self._review_job = job_id
        if job_id is None:
            self.review.show_document(None, None)
            self.summary.set_document(None)
            return
        item = self.controller.model.by_id(job_id)
        job = item.job
        doc = job.document if job else None
        self.review.show_document(doc, job.fidelity if job else None,
                                  editable=item.state is not JobState.EXPORTING)
        self.summary.device, self.summary.threads = self.settings.device, self.settings.threads
        self.summary.set_document(doc, item.config.target_lang, job.translator if job else None)

    def _on_batch_finished(self, job_id: int, result: object) -> None:
        self.statusBar().showMessage(self.tr("Archive translated: report in %1")
                                     .replace("%1", str(getattr(result, "report", ""))), 10000)

    def _on_job_ready(self, job_id: int) -> None:
        if self._review_job is None:
            self.show_job(job_id)

    def _on_job_failed(self, job_id: int, shown: Presentation) -> None:
        item = self.controller.model.by_id(job_id)
        self.statusBar().showMessage(f"{item.path.name}: {shown.gui_message}", 8000)
        if not shown.expected:
            show_error(shown, self)

    def _on_model_missing(self, job_id: int, message: str) -> None:
        self._show_missing_model(message, job_id)

    def _show_missing_model(self, message: str, job_id: int | None,
                            files: list[Path] | None = None) -> MissingModelBox:
        summary = self.models_state.summary
        box = MissingModelBox(message, job_id, self, files, summary.llm if summary else "")
        box.buttonClicked.connect(self._on_missing_model_button_clicked)
        self._dialogs.append(box)
        box.open()
        return box

    def _on_missing_model_button_clicked(self, button: object) -> None:
        box = self.sender()
        if not isinstance(box, MissingModelBox):
            return
        job_id = box.job_id
        engine = ("pseudo" if button is box.pseudo else
                  "llm" if box.llm is not None and button is box.llm else "")
        if engine and job_id is not None:
            self.controller.retry(job_id, engine=engine)
        elif engine:
            self.controller.add_files(box.files, engine=engine)
        elif button is box.models:
            self.import_models()
        if box in self._dialogs:
            self._dialogs.remove(box)

    def _on_engine_used(self, label: str) -> None:
        self.model_text = label
        self._update_status()

    # --- export ------------------------------------------------------------------------------
    def _on_export_triggered(self) -> None:
        jid = self._review_job or self.queue.selected_job()
        if jid is None:
            self.statusBar().showMessage(self.tr("Select a translated document first."), 5000)
            return
        item = self.controller.model.by_id(jid)
        if item.state not in (JobState.READY, JobState.EXPORTED) or item.job is None:
            self.statusBar().showMessage(self.tr("This document is not translated yet."), 5000)
            return
        doc = item.job.doc
        dialog = ExportDialog(item.path, doc.meta.format, item.config.target_lang,
                              self.settings.output_dir(), self)
        dialog.job_id = jid
        dialog.accepted.connect(self._on_export_dialog_accepted)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()

    def _on_export_dialog_accepted(self) -> None:
        dialog = self.sender()
        if isinstance(dialog, ExportDialog) and dialog.job_id is not None:
            self.start_export(dialog.job_id, *dialog.choice())

    def start_export(self, job_id: int, fmt: str, out: Path) -> bool:
        overwrite = False
        if out.exists():
            if not confirm_overwrite(self, out):
                return False
            overwrite = True
        self.controller.export(job_id, fmt, out, overwrite=overwrite)
        return True

    def _on_exported(self, job_id: int, outputs: list[Path]) -> None:
        if outputs:
            self.export_notice.show_exported(outputs[0])
            self.statusBar().showMessage(self.tr("Exported: %1").replace("%1", str(outputs[0])),
                                         8000)

    def _on_export_failed(self, job_id: int, shown: Presentation) -> None:
        show_error(shown, self)

    # --- first run and model import ----------------------------------------------------
    def _on_models_changed(self, summary: InstalledSummary) -> None:
        self.first_run.set_summary(summary)

    def _on_engine_requested(self, engine: str) -> None:
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(engine)))

    def import_models(self, folder: Path | None = None) -> ImportModelsDialog | None:
        """Import every model of a folder or a USB drive (chosen in a dialog if not given)."""
        if folder is None:
            name = QFileDialog.getExistingDirectory(
                self, self.tr("Import models from a folder or a USB drive"))
            if not name:
                return None
            folder = Path(name)
        dialog = ImportModelsDialog(folder, self)
        dialog.modelsImported.connect(self.models_state.probe)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    # --- dialogs ---------------------------------------------------------------------------
    def open_model_manager(self) -> ModelManagerDialog:
        dialog = ModelManagerDialog(self.settings.model_stores, self)
        dialog.modelsChanged.connect(self.models_state.probe)
        dialog.servers.changed.connect(self._on_servers_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.models_dialog = dialog
        dialog.open()
        return dialog

    def _on_servers_changed(self) -> None:  # the engine menus follow the servers declared
        fill_engines(self.engine_combo, str(self.engine_combo.currentData()))
        self.summary.retranslate()

    def show_about(self) -> QMessageBox:
        """Version, build and third-party licences (generated at build time)."""
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About Passerelle"),
                          about_text(), QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.device_text, self)
        dialog.accepted.connect(self._on_settings_dialog_accepted)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _on_settings_dialog_accepted(self) -> None:
        dialog = self.sender()
        if isinstance(dialog, SettingsDialog):
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        language_changed = new.ui_language != self.settings.ui_language
        self.settings = new
        apply_model_stores(new.model_stores)
        settings_store.save(new)
        self.models_state.probe()
        self._probe_device()  # the status bar shows the new threads and beam
        self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(new.target_lang)))
        if language_changed:
            self.set_ui_language(new.ui_language)
        self._update_status()

    # --- geometry and closing -------------------------------------------------------------
    def _restore_geometry(self) -> None:
        qs = settings_store.store()
        geometry = qs.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)
        state = qs.value("window/state")
        if state is not None:
            self.restoreState(state)

    def save_geometry(self) -> None:
        qs = settings_store.store()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        self.drop_check.shutdown()
        self.controller.shutdown(3000)
        super().closeEvent(event)

