"""installer/licenses.py: the third-party licence list bundled with the app."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from installer import licenses


def _names(dists: list[metadata.Distribution]) -> set[str]:
    return {str(d.metadata["Name"]).lower().replace("_", "-") for d in dists}


def test_runtime_dependencies_are_found_recursively() -> None:
    names = _names(licenses.runtime_distributions())
    assert {"ctranslate2", "pyside6-essentials", "python-docx", "pymupdf-fonts"} <= names
    assert "shiboken6" in names  # a dependency of a dependency
    assert not names & {"pytest", "pyinstaller", "hypothesis", "passerelle"}


def test_modules_map_to_their_distributions() -> None:
    names = _names(licenses.distributions_for_modules(["docx", "lxml.etree", "app", "os"]))
    assert names == {"python-docx", "lxml"}  # the app itself and the stdlib are not listed


def test_licence_fields_and_texts() -> None:
    docx = metadata.distribution("python-docx")
    assert licenses.licence_of(docx) == "MIT"
    pyside = metadata.distribution("PySide6_Essentials")
    assert "LGPL" in licenses.licence_of(pyside)
    texts = licenses.licence_texts(metadata.distribution("pymupdf-fonts"))
    assert any("SIL OPEN FONT LICENSE" in t.upper() for t in texts.values())


def test_fonts_are_listed_with_their_own_licences() -> None:
    fonts = {e.name.split(" ")[0]: e for e in licenses.font_entries()}
    assert fonts["NotoSans"].licence == "OFL-1.1" and fonts["NotoSans"].kind == "font"
    assert fonts["Ubuntu"].licence == "LicenseRef-Ubuntu-Font-1.0"
    assert fonts["NotoSans"].texts and not fonts["Ubuntu"].texts


def test_written_files(tmp_path: Path) -> None:
    items = licenses.entries(licenses.distributions_for_modules(["docx", "pymupdf_fonts"]))
    text, index = licenses.write_licences(tmp_path / "licenses", items)
    body = text.read_text(encoding="utf-8")
    assert "python-docx" in body and "NotoSans (font, pymupdf-fonts)" in body
    assert body.count("SIL OPEN FONT LICENSE") == 1  # the OFL text once, not per font
    entries = json.loads(index.read_text(encoding="utf-8"))
    assert {"name": "python-docx", "version": metadata.version("python-docx"),
            "licence": "MIT", "kind": "package"} in entries
    assert all(set(e) == {"name", "version", "licence", "kind"} for e in entries)


def test_command_line(tmp_path: Path) -> None:
    assert licenses.main(["--out", str(tmp_path), "--modules", "docx"]) == 0
    assert (tmp_path / licenses.TEXT_NAME).is_file()
