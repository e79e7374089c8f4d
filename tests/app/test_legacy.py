"""Legacy .doc/.ppt/.xls/.rtf (issue 17): converted by LibreOffice in a capped child, then
translated like their modern siblings; without LibreOffice, a message names the program."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import ParserTimeout, UnsupportedDocument
from app.formats import soffice
from app.formats.sniff import detect_format
from tests.docgen import simple_docx
from tests.officegen import rich_pptx, rich_xlsx
from tests.roundtrip import assert_faithful, translate


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real legacy files written by LibreOffice from our own modern ones."""
    if soffice.find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: " + soffice.INSTALL_HINT)
    folder = tmp_path_factory.mktemp("legacy")
    word = simple_docx(folder / "memo.docx", ["The convoy leaves at dawn.",
                                              "Bring two radios and the maps."])
    return {"doc": soffice.convert(word, "doc", folder / "old"),
            "rtf": soffice.convert(word, "rtf", folder / "old"),
            "ppt": soffice.convert(rich_pptx(folder / "deck.pptx"), "ppt", folder / "old"),
            "xls": soffice.convert(rich_xlsx(folder / "book.xlsx"), "xls", folder / "old")}


@pytest.mark.parametrize(("ext", "out_suffix"), [("doc", ".docx"), ("rtf", ".docx"),
                                                 ("ppt", ".pptx"), ("xls", ".xlsx")])
def test_legacy_converted_then_translated(ext: str, out_suffix: str, legacy: dict[str, Path],
                                          tmp_path: Path) -> None:
    src = legacy[ext]
    assert detect_format(src) == "legacy"
    out = tmp_path / f"{src.stem}.fr{out_suffix}"
    job = translate(src, out)
    assert_faithful(job)
    assert job.fidelity is not None and job.fidelity["translated"] >= 2
    assert any("converted to" in w and "LibreOffice" in w for w in job.doc.warnings)
    assert out.is_file() and src.is_file()


def test_timeout_kills_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv(soffice.SOFFICE_ENV, str(slow))
    doc = tmp_path / "a.doc"
    doc.write_bytes(b"x")
    with pytest.raises(ParserTimeout, match=r"did not convert a\.doc within 1 s"):
        soffice.convert(doc, "docx", tmp_path / "out", timeout=1)


def test_missing_program_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(soffice.SOFFICE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(UnsupportedDocument, match=r"'soffice' was not found.*apt-get install"):
        soffice.convert(tmp_path / "a.ppt", "pptx", tmp_path)
