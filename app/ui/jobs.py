"""The job queue: one :class:`JobItem` per dropped document, shown by :class:`JobQueueModel`."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.config import JobConfig
from app.core.errors import Presentation
from app.pipeline.job import Job
from app.ui.labels import DEMO_ENGINES, engine_label, with_demo_badge
from app.ui.qt import QColor, QModelIndex, Qt, emit
from app.ui.table_model import Index, RowTableModel


class JobState(enum.StrEnum):
    QUEUED = "queued"
    READING = "reading"
    WAITING = "waiting"  # for the model, used by another job
    TRANSLATING = "translating"
    READY = "ready"  # translated, ready to review and export
    EXPORTING = "exporting"
    EXPORTED = "exported"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (JobState.QUEUED, JobState.READING, JobState.WAITING,
                        JobState.TRANSLATING, JobState.EXPORTING)

    @property
    def retryable(self) -> bool:
        return self in (JobState.FAILED, JobState.CANCELLED)


@dataclass
class JobItem:
    id: int
    config: JobConfig
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    message: str = ""
    started: float | None = None
    finished: float | None = None
    job: Job | None = None
    error: Presentation | None = None
    engine_label: str = ""
    demo: bool = False  # the engine is demo quality (the small LLM)
    outputs: list[Path] = field(default_factory=list)
    batch_out: Path | None = None  # a folder or archive: its mirrored output folder

    @property
    def path(self) -> Path:
        return self.config.input

    @property
    def pages(self) -> int | None:
        doc = self.job.document if self.job else None
        return doc.meta.page_count if doc else None

    @property
    def source_lang(self) -> str | None:
        doc = self.job.document if self.job else None
        return (doc.meta.language if doc else None) or self.config.source_lang

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left, from the progress rate so far (None until it is meaningful)."""
        if self.state not in (JobState.READING, JobState.TRANSLATING) or self.started is None:
            return None
        if self.progress < 0.05:
            return None
        elapsed = (now or time.monotonic()) - self.started
        return max(0.0, elapsed / self.progress * (1.0 - self.progress))


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s} s"


class JobQueueModel(RowTableModel):
    """The queue as a table: file, pages, languages, engine, status, progress, ETA, and an
    (empty) actions column where the view puts the Cancel and Retry buttons.

    ``Qt.UserRole`` on any column returns the :class:`JobItem`.
    """

    FILE, PAGES, LANGS, ENGINE, STATUS, PROGRESS, ETA, ACTIONS = range(8)
    COLUMNS = 8
    ItemRole = Qt.ItemDataRole.UserRole
    ProgressRole = Qt.ItemDataRole.UserRole + 1

    # --- Qt model interface -------------------------------------------------------------
    def headers(self) -> list[str]:
        return [self.tr("File"), self.tr("Pages"), self.tr("Languages"), self.tr("Engine"),
                self.tr("Status"), self.tr("Progress"), self.tr("Time left"),
                self.tr("Actions")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        col = index.column()
        if role == self.ItemRole:
            return item
        if role == self.ProgressRole:
            return round(item.progress * 100)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.FILE:
                return str(item.path)
            if col == self.STATUS:
                return item.error.gui_message if item.error else item.message
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATUS:
            if item.state is JobState.FAILED:
                return QColor("#b00020")
            if item.state in (JobState.READY, JobState.EXPORTED):
                return QColor("#1b6e20")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.PAGES, self.ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, item: JobItem, col: int) -> str:
        if col == self.FILE:
            return item.path.name
        if col == self.PAGES:
            return "" if item.pages is None else str(item.pages)
        if col == self.LANGS:
            return f"{item.source_lang or '?'} → {item.config.target_lang}"
        if col == self.ENGINE:
            return self.engine_text(item)
        if col == self.STATUS:
            return self.state_text(item.state)
        if col == self.PROGRESS:
            return f"{round(item.progress * 100)} %"
        if col == self.ETA:
            return format_eta(item.eta())
        return ""

    def engine_text(self, item: JobItem) -> str:
        label = item.engine_label or engine_label(item.config.engine)
        return with_demo_badge(label, item.demo or item.config.engine in DEMO_ENGINES)

    def state_text(self, state: JobState) -> str:
        return {
            JobState.QUEUED: self.tr("Queued"),
            JobState.READING: self.tr("Reading"),
            JobState.WAITING: self.tr("Waiting for the model"),
            JobState.TRANSLATING: self.tr("Translating"),
            JobState.READY: self.tr("Ready to review"),
            JobState.EXPORTING: self.tr("Exporting"),
            JobState.EXPORTED: self.tr("Exported"),
            JobState.FAILED: self.tr("Failed"),
            JobState.CANCELLED: self.tr("Cancelled"),
        }[state]

    # --- queue operations ---------------------------------------------------------------
    def add(self, item: JobItem) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(item)
        self.endInsertRows()
        return row

    def item(self, row: int) -> JobItem:
        return self._rows[row]

    def items(self) -> list[JobItem]:
        return list(self._rows)

    def row_of(self, job_id: int) -> int:
        for row, item in enumerate(self._rows):
            if item.id == job_id:
                return row
        raise KeyError(job_id)

    def by_id(self, job_id: int) -> JobItem:
        return self._rows[self.row_of(job_id)]

    def changed(self, job_id: int) -> None:
        row = self.row_of(job_id)
        emit(self.dataChanged, self.index(row, 0), self.index(row, self.COLUMNS - 1))

    def remove_finished(self) -> int:
        keep = [i for i in self._rows if i.state.active]
        removed = len(self._rows) - len(keep)
        if removed:
            self.beginResetModel()
            self._rows = keep
            self.endResetModel()
        return removed

    def retranslate(self) -> None:
        super().retranslate()
        if self._rows:
            emit(self.dataChanged, self.index(0, 0),
                                  self.index(len(self._rows) - 1, self.COLUMNS - 1))
