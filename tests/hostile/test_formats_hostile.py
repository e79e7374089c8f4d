"""Hostile PowerPoint, Excel and OpenDocument files (issue 17) through the real CLI: zip
bombs, XXE, broken XML and macro-enabled files, and a million-cell sheet in bounded memory."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

from app.core.errors import CorruptDocument, DocumentTooLarge
from app.formats.xlsx_reader import read_xlsx
from tests.hostile.corpus import XXE_DTD, member, rewrite_zip
from tests.hostile.helpers import PeakRss, refuse, translate
from tests.officegen import huge_xlsx, macro_enabled, rich_pptx, rich_xlsx

SLIDE = "ppt/slides/slide1.xml"
SST_FREE_SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("office")
    odt = folder / "base.odt"
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office='
            '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:'
            'tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>The convoy '
            'leaves at dawn.</text:p></office:text></office:body></office:document-content>'))
        z.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:'
            'oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'))
    return {"pptx": rich_pptx(folder / "base.pptx"), "xlsx": rich_xlsx(folder / "base.xlsx"),
            "odt": odt}


PARTS = {"pptx": SLIDE, "xlsx": SST_FREE_SHEET, "odt": "content.xml"}


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "odt"])
def test_zip_bomb_refused(fmt: str, office: dict[str, Path], inbox: Path,
                          capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = rewrite_zip(office[fmt], inbox / f"bomb.{fmt}", add={"filler.bin": b"\0" * (50 << 20)})
    refuse(bomb, capsys, monkeypatch, DocumentTooLarge, r"expands more than 100:1 \(possible zip bomb\)")


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "odt"])
def test_xxe_refused(fmt: str, office: dict[str, Path], inbox: Path,
                     capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    part = PARTS[fmt]
    xml = member(office[fmt], part).decode()
    head, _, body = xml.partition("?>")
    evil = rewrite_zip(office[fmt], inbox / f"xxe.{fmt}",
                       {part: (head + "?>" + XXE_DTD + body).encode()})
    refuse(evil, capsys, monkeypatch, CorruptDocument,
           rf"^Document rejected: part {part} declares XML entities \(a DTD\)")


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "odt"])
def test_broken_xml_refused(fmt: str, office: dict[str, Path], inbox: Path,
                            capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    part = PARTS[fmt]
    cut = member(office[fmt], part)[:-40]
    broken = rewrite_zip(office[fmt], inbox / f"broken.{fmt}", {part: cut})
    refuse(broken, capsys, monkeypatch, CorruptDocument,
           rf"^The file is not a valid .+ \(part {part} is damaged: ")


@pytest.mark.parametrize(("fmt", "main_type", "main_part"), [
    ("pptm", "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
     "ppt/presentation.xml"),
    ("xlsm", "application/vnd.ms-excel.sheet.macroEnabled.main+xml", "xl/workbook.xml"),
])
def test_macros_dropped_and_said_so(fmt: str, main_type: str, main_part: str,
                                    office: dict[str, Path], inbox: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    source = office["pptx" if fmt == "pptm" else "xlsx"]
    macro = macro_enabled(source, inbox / f"macro.{fmt}", main_type, main_part)
    result = translate(macro, capsys, monkeypatch)
    assert result.rc == 0, result.err
    assert "Macros in this" in result.err and "dropped (never run)" in result.err
    out = inbox / f"macro.en.{fmt[:3]}x"
    with zipfile.ZipFile(out) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        types = zf.read("[Content_Types].xml")
        assert b"macroEnabled" not in types and b"vbaProject" not in types


@pytest.fixture(scope="module")
def huge_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 000 rows × 10 columns: a million cells (written once for the module)."""
    return huge_xlsx(tmp_path_factory.mktemp("huge") / "huge.xlsx", rows=100_000, cols=10)


def test_million_cells_bounded_memory_with_progress(huge_book: Path) -> None:
    """Read in streamed memory, with progress and cancel."""
    book = huge_book
    seen: list[str] = []
    with PeakRss() as peak:
        doc = read_xlsx(book, progress=lambda _f, msg: seen.append(msg))
    assert len([b for b in doc.blocks if b.locator.part == "sst"]) == 500  # strings, once
    assert any("100000 rows" in m for m in seen)
    assert peak.growth < 150, f"{peak.growth:.0f} MB"  # a tree of 1 M cells takes > 1 GB
    cancel = threading.Event()
    cancel.set()
    from engines.errors import Cancelled

    with pytest.raises(Cancelled):
        read_xlsx(book, cancel=cancel)


def test_million_cells_written_in_bounded_memory(huge_book: Path, tmp_path: Path) -> None:
    from tests.roundtrip import translate as pseudo

    book = huge_book
    with PeakRss() as peak:
        job = pseudo(book, tmp_path / "huge.fr.xlsx")
    assert job.fidelity is not None and job.fidelity["translated"] == 501  # + the sheet name
    assert peak.growth < 250, f"{peak.growth:.0f} MB"
    with zipfile.ZipFile(tmp_path / "huge.fr.xlsx") as z, z.open(SST_FREE_SHEET) as fh:
        head = fh.read(4000).decode()
    assert '<c r="B1"><v>1.5</v></c>' in head  # numbers untouched
