"""The job queue view: a progress-bar delegate and per-row Cancel / Retry buttons."""

from __future__ import annotations

from typing import Any

from app.ui.icons import icon
from app.ui.jobs import JobItem, JobQueueModel, JobState
from app.ui.qt import (
    QAbstractItemView,
    QApplication,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QSize,
    QStyledItemDelegate,
    QTableView,
    QtWidgets,
    QWidget,
    Signal,
    emit,
)


class ProgressDelegate(QStyledItemDelegate):
    """Paints the progress column as a progress bar."""

    def paint(self, painter: Any, option: Any,
              index: QModelIndex | QPersistentModelIndex) -> None:
        value = index.data(JobQueueModel.ProgressRole)
        if value is None:
            super().paint(painter, option, index)
            return
        bar = QtWidgets.QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 6, -4, -6)
        bar.minimum, bar.maximum, bar.progress = 0, 100, int(value)
        bar.text, bar.textVisible = f"{int(value)} %", True
        bar.state = option.state | QtWidgets.QStyle.StateFlag.State_Horizontal
        style = (option.widget.style() if option.widget is not None
                 else QApplication.style())
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ProgressBar, bar, painter)


class RowActions(QWidget):
    """Cancel and Retry buttons of one job.

    Signals:
        cancelClicked(int): job id.
        retryClicked(int): job id.
    """

    cancelClicked = Signal(int)
    retryClicked = Signal(int)

    def __init__(self, job_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.cancel = QPushButton(icon("cancel"), "")
        self.retry = QPushButton(icon("retry"), "")
        for b in (self.cancel, self.retry):
            b.setIconSize(QSize(16, 16))
            b.setFlat(True)
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.retry.clicked.connect(self._on_retry_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.addWidget(self.cancel)
        layout.addWidget(self.retry)
        self.retranslate()

    def _on_cancel_clicked(self) -> None:
        emit(self.cancelClicked, self.job_id)

    def _on_retry_clicked(self) -> None:
        emit(self.retryClicked, self.job_id)

    def retranslate(self) -> None:
        self.cancel.setToolTip(self.tr("Cancel this job"))
        self.cancel.setAccessibleName(self.tr("Cancel"))
        self.retry.setToolTip(self.tr("Run this job again"))
        self.retry.setAccessibleName(self.tr("Retry"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def update_state(self, item: JobItem) -> None:
        self.cancel.setEnabled(item.state.active and item.state is not JobState.EXPORTING)
        self.retry.setEnabled(item.state.retryable)


class QueueView(QTableView):
    """Shows a :class:`JobQueueModel`; keeps a :class:`RowActions` widget on each row.

    Signals:
        cancelRequested(int): job id.
        retryRequested(int): job id.
    """

    cancelRequested = Signal(int)
    retryRequested = Signal(int)

    def __init__(self, model: JobQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.queue = model
        self.setItemDelegateForColumn(JobQueueModel.PROGRESS, ProgressDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(JobQueueModel.FILE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(JobQueueModel.PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(JobQueueModel.PROGRESS, 140)
        self._actions: dict[int, RowActions] = {}
        model.rowsInserted.connect(self._on_rows_inserted)
        model.modelReset.connect(self._on_model_reset)
        model.dataChanged.connect(self._on_data_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Job queue"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def actions_for(self, job_id: int) -> RowActions:
        return self._actions[job_id]

    def _install(self, row: int) -> None:
        item = self.queue.item(row)
        widget = RowActions(item.id)
        widget.cancelClicked.connect(self.cancelRequested)
        widget.retryClicked.connect(self.retryRequested)
        widget.update_state(item)
        self._actions[item.id] = widget
        self.setIndexWidget(self.queue.index(row, JobQueueModel.ACTIONS), widget)

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self._install(row)

    def _on_model_reset(self) -> None:
        self._actions.clear()
        for row in range(self.queue.rowCount()):
            self._install(row)

    def _on_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: Any = ()) -> None:
        for row in range(top.row(), bottom.row() + 1):
            item = self.queue.item(row)
            widget = self._actions.get(item.id)
            if widget is not None:
                widget.update_state(item)

    def selected_job(self) -> int | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        return self.queue.item(index.row()).id
