"""Helpers shared by the installer tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_fake_licences(root: Path) -> Path:
    """A licences folder as the spec writes it, with two entries."""
    folder = root / "licenses"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "THIRD_PARTY_LICENSES.txt").write_text("texts\n", encoding="utf-8")
    entries = [{"name": "ctranslate2", "version": "4.5.0", "licence": "MIT", "kind": "package"},
               {"name": "NotoSans (font, pymupdf-fonts)", "version": "1.0.5",
                "licence": "OFL-1.1", "kind": "font"}]
    (folder / "third_party_licenses.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder
