"""SVG icons from ``resources/icons`` (sharp at any DPI)."""

from __future__ import annotations

import functools
from pathlib import Path

from app.ui.qt import QIcon

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"


@functools.cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
