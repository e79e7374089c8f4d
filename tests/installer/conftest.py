"""Shared paths of the installer tests (installer/ is imported as a namespace package)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
