"""The base of the GUI's flat tables (queue, review, key facts, models): the row and
column counts and the horizontal headers, written once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, emit

Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """A table with one Python object per row (``self._rows``) and ``COLUMNS`` columns.

    Subclasses set ``COLUMNS``, return their column titles from :meth:`headers` (called
    each time, so ``self.tr`` follows a change of UI language) and implement ``data``.
    """

    COLUMNS = 0

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def headers(self) -> list[str]:
        raise NotImplementedError

    def set_rows(self, rows: Iterable[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_object(self, index: Index) -> Any:
        """The object of ``index``'s row, or None for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        names = self.headers()
        return names[section] if 0 <= section < len(names) else None

    def retranslate(self) -> None:
        """Tell the views that the titles changed (after a change of UI language)."""
        emit(self.headerDataChanged, Qt.Orientation.Horizontal, 0, self.COLUMNS - 1)
