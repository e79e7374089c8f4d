"""The drop zone takes every format a reader takes (issue 17)."""

from __future__ import annotations

from pathlib import Path

from app.formats.sniff import EXTENSIONS
from app.ui.dropzone import SUPPORTED_SUFFIXES, expand_paths


def test_every_reader_format_is_accepted(tmp_path: Path) -> None:
    for fmt in ("pptx", "xlsx", "odt", "ods", "odp", "txt", "md", "html", "eml", "legacy"):
        assert EXTENSIONS[fmt] <= set(SUPPORTED_SUFFIXES), fmt
    names = ["a.pptx", "b.XLSX", "c.odt", "d.md", "e.eml", "f.doc", "g.exe", ".h.txt",
             "~$i.docx"]
    (tmp_path / "sub").mkdir()
    for n in names:
        (tmp_path / "sub" / n).write_bytes(b"x")
    found = {p.name for p in expand_paths([tmp_path])}
    assert found == {"a.pptx", "b.XLSX", "c.odt", "d.md", "e.eml", "f.doc"}
