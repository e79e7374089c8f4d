"""Review pane: source and translation side by side, flagged blocks, in-place corrections."""

from __future__ import annotations

import logging
import time
from typing import Any

from app.document import Block, Document, TranslationStatus
from app.pipeline.checks import check_pair
from app.pipeline.fidelity import NOT_TRANSLATED_KINDS
from app.ui.icons import icon
from app.ui.labels import kind_label
from app.ui.memory_adapter import record_correction
from app.ui.preview import PagePreview
from app.ui.qt import (
    QAbstractItemView,
    QColor,
    QCoreApplication,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)
from app.ui.table_model import Index, RowTableModel

log = logging.getLogger(__name__)

UNTRANSLATED = QColor("#fde2e1")
FLAGGED = QColor("#fff4ce")
EDITED = QColor("#e3f4e1")
AUTO_RESIZE_LIMIT = 5000  # rows: beyond this, row heights stay fixed (speed)
RESIZE_BUDGET_S = 0.004  # row sizing per event-loop turn: long wrapped rows take ~1 ms each
EDIT_CHECKS = ("numbers", "markup")  # checks run again on a reviewer's correction


def issues_by_block(fidelity: dict[str, Any] | None) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for issue in (fidelity or {}).get("issues", []):
        out.setdefault(int(issue["block"]), []).append(issue)
    return out


class ReviewModel(RowTableModel):
    """Two columns, source and translation, one row per block with text.

    Signals:
        edited(int, str): block id and its corrected translation.
    """

    edited = Signal(int, str)
    SOURCE, TRANSLATION = 0, 1
    COLUMNS = 2
    BlockRole = Qt.ItemDataRole.UserRole
    ReasonRole = Qt.ItemDataRole.UserRole + 1  # why the block is flagged (text)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self._issues: dict[int, list[dict[str, Any]]] = {}
        self.editable = True

    def set_document(self, doc: Document | None, fidelity: dict[str, Any] | None) -> None:
        self.beginResetModel()
        self.document = doc
        self._rows = [b for b in doc.blocks if b.text.strip()] if doc else []
        self._issues = issues_by_block(fidelity)
        self.endResetModel()

    def block(self, row: int) -> Block:
        return self._rows[row]

    def row_of_block(self, block_id: int) -> int:
        for row, b in enumerate(self._rows):
            if b.id == block_id:
                return row
        raise KeyError(block_id)

    def flagged_rows(self) -> list[int]:
        return [r for r, b in enumerate(self._rows) if self._flag_kind(b)]

    def headers(self) -> list[str]:
        src = self.document.meta.language if self.document else None
        tgt = self.document.target_language if self.document else None
        return [self.tr("Source") + (f" ({src})" if src else ""),
                self.tr("Translation") + (f" ({tgt})" if tgt else "")]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1) if 0 <= section < len(self._rows) else None
        return super().headerData(section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.TRANSLATION and self.editable:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def _flag_kind(self, b: Block) -> str | None:
        if b.translation.status in (TranslationStatus.FAILED, TranslationStatus.PENDING):
            return "untranslated"
        kinds = {i["kind"] for i in self._issues.get(b.id, [])}
        if kinds & NOT_TRANSLATED_KINDS:
            return "untranslated"
        return sorted(kinds)[0] if kinds else None

    def reason(self, row: int) -> str:
        """Why the block of ``row`` is flagged, one line per issue ("" when it is not)."""
        b = self._rows[row]
        lines = [f"{kind_label(i['kind'])}: {i['detail']}"
                 for i in self._issues.get(b.id, [])]
        if not lines and b.translation.status is TranslationStatus.FAILED:
            lines.append(self.tr("Not translated: %1").replace("%1", b.translation.reason))
        return "\n".join(lines)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        b, col = self._rows[index.row()], index.column()
        t = b.translation
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.SOURCE:
                return b.text
            if role == Qt.ItemDataRole.EditRole:
                return t.text if t.status is TranslationStatus.TRANSLATED else b.text
            return t.text if t.status is TranslationStatus.TRANSLATED else ""
        if role == self.BlockRole:
            return b
        if role == self.ReasonRole:
            return self.reason(index.row())
        if role == Qt.ItemDataRole.BackgroundRole:
            kind = self._flag_kind(b)
            if kind == "untranslated":
                return UNTRANSLATED
            if kind:
                return FLAGGED
            if t.edited and col == self.TRANSLATION:
                return EDITED
            return None
        if role == Qt.ItemDataRole.ForegroundRole and t.status is TranslationStatus.SKIPPED:
            return QColor("#6b7280")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(b)
        return None

    def _tooltip(self, b: Block) -> str | None:
        lines = [f"{kind_label(i['kind'])}: {i['detail']}"
                 for i in self._issues.get(b.id, [])]
        t = b.translation
        if t.status is TranslationStatus.SKIPPED:
            lines.append(self.tr("Kept as is: %1").replace("%1", t.reason))
        elif t.status is TranslationStatus.FAILED:
            lines.append(self.tr("Not translated: %1").replace("%1", t.reason))
        if t.edited:
            lines.append(self.tr("Corrected by the reviewer"))
        return "\n".join(lines) or None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.EditRole or not index.isValid()
                or index.column() != self.TRANSLATION or not self.editable):
            return False
        text = str(value)
        b = self._rows[index.row()]
        if text == b.translation.text and b.translation.status is TranslationStatus.TRANSLATED:
            return False
        self.apply_edit(b, text)
        emit(self.dataChanged, self.index(index.row(), 0), self.index(index.row(), 1))
        emit(self.edited, b.id, text)
        return True

    def apply_edit(self, b: Block, text: str) -> None:
        t = b.translation
        t.text, t.status, t.edited, t.reason = text, TranslationStatus.TRANSLATED, True, ""
        t.runs = []  # the styled spans were projected on the old text
        doc = self.document
        src = b.language or (doc.meta.language if doc else None) or ""
        tgt = (doc.target_language if doc else None) or ""
        # The correction is checked again for what is objective (numbers, debris); its
        # length or wording is the reviewer's choice.
        issues = [i for i in self._issues.get(b.id, []) if i["kind"] in ("styles", "overflow")]
        issues += [{"block": b.id, "kind": f.kind, "detail": f.detail}
                   for f in check_pair(b.text, text, src or "en", tgt or "en")
                   if f.kind in EDIT_CHECKS]
        self._issues[b.id] = issues
        record_correction(b.text, text, src, tgt)

    def retranslate(self) -> None:
        emit(self.headerDataChanged, Qt.Orientation.Horizontal, 0, 1)


def fidelity_summary(fidelity: dict[str, Any] | None) -> str:
    if not fidelity:
        return ""

    parts = [QCoreApplication.translate("Review", "%1/%2 blocks translated")
             .replace("%1", str(fidelity["translated"])).replace("%2", str(fidelity["blocks"]))]
    if fidelity.get("untranslated"):
        parts.append(QCoreApplication.translate("Review", "%1 NOT translated")
                     .replace("%1", str(fidelity["untranslated"])))
    if fidelity.get("damaged"):
        parts.append(QCoreApplication.translate("Review", "%1 damaged")
                     .replace("%1", str(fidelity["damaged"])))
    checked = fidelity.get("numbers_checked", 0)
    kept = checked - fidelity.get("numbers_lost", 0)
    parts.append(QCoreApplication.translate("Review", "numbers kept %1/%2")
                 .replace("%1", str(kept)).replace("%2", str(checked)))
    kinds = fidelity.get("issue_kinds") or {}
    if kinds:
        parts.append(", ".join(f"{n} {kind_label(k)}" for k, n in kinds.items()))
    return ", ".join(parts)


class ReviewPane(QWidget):
    """The review table, a fidelity summary, a page preview for PDFs and an Export button.

    Signals:
        exportRequested(): the user wants to export the reviewed job.
    """

    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReviewModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.model.edited.connect(self._on_model_edited)
        self.title = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.export_button = QPushButton(icon("export"), "")
        self.export_button.clicked.connect(self.exportRequested)
        self.export_button.setEnabled(False)
        self.next_flag = QPushButton()
        self.next_flag.clicked.connect(self._on_next_flag_clicked)
        self.preview = PagePreview()
        self.preview.setVisible(False)
        self.reason = QLabel()  # why the current block is flagged
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(f"background: {FLAGGED.name()}; padding: 4px;")
        self.reason.setVisible(False)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.next_flag)
        top.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.reason)
        self._fidelity: dict[str, Any] | None = None
        self._resize_next = 0
        self._resize_timer = QTimer(self)  # word-wrapped row heights, a few rows per tick
        self._resize_timer.setInterval(0)
        self._resize_timer.timeout.connect(self._on_resize_timer_timeout)
        self.retranslate()

    def retranslate(self) -> None:
        self.export_button.setText(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Write the translated document (Ctrl+E)"))
        self.next_flag.setText(self.tr("Next flagged block"))
        self.next_flag.setToolTip(self.tr("Go to the next untranslated or flagged block (F8)"))
        self.view.setAccessibleName(self.tr("Source and translation, block by block"))
        self.view.setToolTip(self.tr("Double-click a translation to correct it"))
        if self.model.document is None:
            self.title.setText(self.tr("Select a translated document in the queue to review it."))
        self.summary.setText(fidelity_summary(self._fidelity))
        self.model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_document(self, doc: Document | None, fidelity: dict[str, Any] | None,
                      editable: bool = True) -> None:
        self._fidelity = fidelity
        self.model.editable = editable
        self.model.set_document(doc, fidelity)
        self.export_button.setEnabled(doc is not None)
        self.title.setText(doc.meta.source_path.name if doc else "")
        self.summary.setText(fidelity_summary(fidelity))
        self._resize_next = 0
        if doc is not None:
            self._resize_timer.start()
        is_pdf = doc is not None and doc.meta.format == "pdf"
        self.preview.setVisible(is_pdf)
        if is_pdf and doc is not None:
            self.preview.set_source(doc.meta.source_path)
            self.preview.show_page(0)
        if doc is None:
            self.retranslate()

    def _on_resize_timer_timeout(self) -> None:
        rows = min(self.model.rowCount(), AUTO_RESIZE_LIMIT)
        deadline = time.perf_counter() + RESIZE_BUDGET_S
        end = self._resize_next
        while end < rows and (end == self._resize_next or time.perf_counter() < deadline):
            self.view.resizeRowToContents(end)
            end += 1
        self._resize_next = end
        if end >= rows or end >= AUTO_RESIZE_LIMIT:
            self._resize_timer.stop()

    def rows_sized(self) -> bool:
        return not self._resize_timer.isActive()

    def _on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show_reason(current.row() if current.isValid() else -1)
        if not current.isValid() or not self.preview.isVisible():
            return
        b = self.model.block(current.row())
        page = b.geometry.page if b.geometry else b.locator.page
        if page is not None:
            self.preview.show_page(page)

    def _on_model_edited(self, block_id: int, text: str) -> None:
        row = self.model.row_of_block(block_id)
        self.view.resizeRowToContents(row)
        if self.view.currentIndex().row() == row:
            self._show_reason(row)

    def _show_reason(self, row: int) -> None:
        """The reasons of the current block under the table (hidden when it has none)."""
        text = self.model.reason(row) if 0 <= row < self.model.rowCount() else ""
        self.reason.setText(text)
        self.reason.setVisible(bool(text))

    def _on_next_flag_clicked(self) -> None:
        rows = self.model.flagged_rows()
        if not rows:
            return
        current = self.view.currentIndex().row()
        nxt = next((r for r in rows if r > current), rows[0])
        self.view.setCurrentIndex(self.model.index(nxt, ReviewModel.TRANSLATION))
        self.view.scrollTo(self.model.index(nxt, 0))
