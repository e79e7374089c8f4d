"""Summary pane: options, streamed text, key facts and unsupported numbers."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from app.core.errors import present
from app.document import Document
from app.ui import summary_adapter as adapter
from app.ui.errors import show_error
from app.ui.icons import icon
from app.ui.labels import LANGUAGE_CODES, engine_label, language_label, with_demo_badge
from app.ui.qt import (
    QComboBox,
    QEvent,
    QGridLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    emit,
)
from app.ui.table_model import Index, RowTableModel
from app.ui.workers import FunctionWorker, start
from engines.translate.base import Translator

log = logging.getLogger(__name__)


class FactsModel(RowTableModel):
    """Key facts: field and values."""

    COLUMNS = 2

    def headers(self) -> list[str]:
        return [self.tr("Fact"), self.tr("Value")]

    def set_facts(self, facts: list[adapter.KeyFact]) -> None:
        self.set_rows(facts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        f = self.row_object(index)
        if role != Qt.ItemDataRole.DisplayRole or f is None:
            return None
        return (f.label, f.value)[index.column()]


class SummaryPane(QWidget):
    """Summarizes the selected document in a worker; text streams in as it comes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.translator: Translator | None = None
        self.device, self.threads = "auto", 0
        self.llm: tuple[bool, str, bool] | None = None  # (installed, id, demo)
        self._cancel: threading.Event | None = None
        self.result: adapter.SummaryOutput | None = None
        self.language_combo = QComboBox()
        for code in LANGUAGE_CODES:
            self.language_combo.addItem(language_label(code), code)
        self.length_combo = QComboBox()
        self.style_combo = QComboBox()
        self.engine_combo = QComboBox()
        self.basis_combo = QComboBox()  # summarize the source or the translation
        self.run_button = QPushButton(icon("summary"), "")
        self.stop_button = QPushButton(icon("cancel"), "")
        self.run_button.clicked.connect(self._on_run_clicked)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self.stop_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.text = QTextBrowser()
        self.facts_model = FactsModel(self)
        self.facts = QTableView()
        self.facts.setModel(self.facts_model)
        self.facts.verticalHeader().setVisible(False)
        self.facts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.unsupported = QListWidget()
        self.unsupported.setStyleSheet("QListWidget { background: #fff4ce; }")
        self.facts_label, self.unsupported_label = QLabel(), QLabel()
        options = QGridLayout()
        self.labels = [QLabel(), QLabel(), QLabel(), QLabel(), QLabel()]
        combos: tuple[QComboBox, ...] = (self.language_combo, self.length_combo,
                                         self.style_combo, self.engine_combo, self.basis_combo)
        for i, (label, combo) in enumerate(zip(self.labels, combos)):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
            options.addWidget(label, i // 2, (i % 2) * 2)
            options.addWidget(combo, i // 2, (i % 2) * 2 + 1)
        options.setColumnStretch(4, 1)
        options.addWidget(self.run_button, 0, 5)
        options.addWidget(self.stop_button, 1, 5)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.facts_label)
        side_layout.addWidget(self.facts, 2)
        side_layout.addWidget(self.unsupported_label)
        side_layout.addWidget(self.unsupported, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.text)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self.retranslate()
        self._update_enabled()
        self._probe_llm()

    def _probe_llm(self) -> None:
        if not adapter.availability()[0]:
            return
        start(FunctionWorker(lambda _r: adapter.llm_status()), self, self._on_llm_probed,
              self._on_llm_probe_failed)

    def _on_llm_probe_failed(self, exc: BaseException) -> None:
        log.warning("LLM probe failed: %s", exc)

    def _on_llm_probed(self, status: tuple[bool, str, bool]) -> None:
        self.llm = status
        self.retranslate()

    def _engine_texts(self) -> list[str]:
        llm = self.tr("LLM")
        if self.llm is not None:
            installed, model_id, demo = self.llm
            llm = (with_demo_badge(f"{llm}: {model_id}", demo) if installed
                   else self.tr("LLM (none installed)"))
        return [self.tr("Automatic"), llm, self.tr("Extractive (quotes the document)")]

    def retranslate(self) -> None:
        length, style = self.length_combo.currentIndex(), self.style_combo.currentIndex()
        self.length_combo.clear()
        for code, text in zip(adapter.LENGTHS, (self.tr("Brief"), self.tr("Standard"),
                                                 self.tr("Detailed"))):
            self.length_combo.addItem(text, code)
        self.style_combo.clear()
        for code, text in zip(adapter.STYLES, (self.tr("Prose"), self.tr("Bullet points"))):
            self.style_combo.addItem(text, code)
        basis = self.basis_combo.currentIndex()
        self.basis_combo.clear()
        for code, text in zip(("source", "translation"), (
                self.tr("The source, then translated"), self.tr("The translation"))):
            self.basis_combo.addItem(text, code)
        self.basis_combo.setCurrentIndex(max(0, basis))
        engine = self.engine_combo.currentIndex()
        self.engine_combo.clear()
        codes = adapter.engines()
        for code, text in zip(codes, self._engine_texts() + [engine_label(c)
                                                             for c in codes[3:]]):
            self.engine_combo.addItem(text, code)
        self.length_combo.setCurrentIndex(length if length >= 0 else 1)
        self.style_combo.setCurrentIndex(max(0, style))
        self.engine_combo.setCurrentIndex(max(0, engine))
        for label, text in zip(self.labels, (self.tr("Language:"), self.tr("Length:"),
                                             self.tr("Style:"), self.tr("Engine:"),
                                             self.tr("Summarize:"))):
            label.setText(text)
        self.language_combo.setAccessibleName(self.tr("Summary language"))
        self.length_combo.setAccessibleName(self.tr("Summary length"))
        self.style_combo.setAccessibleName(self.tr("Summary style"))
        self.engine_combo.setAccessibleName(self.tr("Summary engine"))
        self.basis_combo.setAccessibleName(
            self.tr("Summarize the source document or its translation"))
        self.run_button.setText(self.tr("Summarize"))
        self.stop_button.setText(self.tr("Stop"))
        self.text.setAccessibleName(self.tr("Summary"))
        self.facts_label.setText(self.tr("Key facts"))
        self.unsupported_label.setText(
            self.tr("Not found in the source: numbers, names, links, units (check them)"))
        self.facts_model.retranslate()
        self._show_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_status(self) -> None:
        ok, reason = adapter.availability()
        if not ok:
            self.status.setText(self.tr("Summaries are unavailable: %1").replace("%1", reason))
        elif self.document is None:
            self.status.setText(self.tr("Select a translated document in the queue."))
        elif self.result is not None:
            self.status.setText(self._result_caption(self.result))
        else:
            self.status.setText(self.document.meta.source_path.name)

    def _result_caption(self, r: adapter.SummaryOutput) -> str:
        if r.extractive:
            engine = self.tr("extractive: sentences quoted from the document")
        else:
            engine = with_demo_badge(r.model_id or r.engine, r.demo)
        lines = [self.tr("Summary by %1").replace("%1", engine)]
        if r.server:
            lines.append(r.server)
        lines += r.warnings
        return "\n".join(lines)

    def _update_enabled(self) -> None:
        running = self._cancel is not None
        ok, _ = adapter.availability()
        self.run_button.setEnabled(ok and self.document is not None and not running)
        self.stop_button.setEnabled(running)

    def set_document(self, doc: Document | None, target_lang: str | None = None,
                     translator: Translator | None = None) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self.document, self.result, self.translator = doc, None, translator
        if target_lang:
            self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(target_lang)))
        self.text.clear()
        self.facts_model.set_facts([])
        self.unsupported.clear()
        self._show_status()
        self._update_enabled()

    def request(self) -> adapter.SummaryRequest:
        return adapter.SummaryRequest(language=str(self.language_combo.currentData()),
                                      length=str(self.length_combo.currentData()),
                                      style=str(self.style_combo.currentData()),
                                      engine=str(self.engine_combo.currentData()),
                                      device=self.device, threads=self.threads,
                                      basis=str(self.basis_combo.currentData() or "source"))

    def _on_run_clicked(self) -> None:
        doc = self.document
        if doc is None:
            return
        cancel = threading.Event()
        self._cancel = cancel
        request = self.request()
        self.text.clear()
        self.facts_model.set_facts([])
        self.unsupported.clear()
        self.status.setText(self.tr("Summarizing…"))
        translator = self.translator
        worker = FunctionWorker(lambda report: adapter.summarize(
            doc, request, functools.partial(emit, worker.signals.chunk), cancel, translator,
            report))
        self._update_enabled()
        start(worker, self, self._on_done, self._on_failed, context=(cancel,),
              on_progress=self._on_progress, on_chunk=self._on_chunk)

    def _on_progress(self, cancel: threading.Event, fraction: float, message: str) -> None:
        if cancel is not self._cancel:
            return  # a run that was replaced
        self.status.setText(f"{message} ({int(fraction * 100)} %)")

    def _on_stop_clicked(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _on_chunk(self, cancel: threading.Event, piece: str) -> None:
        if cancel is not self._cancel:
            return
        cursor = self.text.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(piece)
        self.text.setTextCursor(cursor)

    def _finish(self, cancel: threading.Event) -> bool:
        current = self._cancel is cancel
        if current:
            self._cancel = None
        self._update_enabled()
        return current

    def _on_done(self, cancel: threading.Event, result: adapter.SummaryOutput) -> None:
        if not self._finish(cancel):
            return
        self.result = result
        self.text.setPlainText(result.text)
        self.facts_model.set_facts(result.facts)
        self.unsupported.clear()
        self.unsupported.addItems(result.unsupported)
        self._show_status()

    def _on_failed(self, cancel: threading.Event, exc: BaseException) -> None:
        if not self._finish(cancel):
            return
        shown = present(exc)
        self.status.setText(self.tr("Stopped.") if shown.cancelled else shown.gui_message)
        if not shown.cancelled and not shown.expected:
            show_error(shown, self)
