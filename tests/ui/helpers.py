"""Helpers for the GUI tests: simulated drops and small documents."""

from __future__ import annotations

from pathlib import Path

from app.ui.qt import QDropEvent, QMimeData, QPointF, Qt, QUrl, QWidget

SHORT_FR = ["Le rapport du 3 mars 2024.", "La commission examine.", "Trois délégations."]


def drop_paths(widget: QWidget, paths: list[Path]) -> None:
    """Deliver a real QDropEvent carrying file URLs, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)  # type: ignore[attr-defined]
