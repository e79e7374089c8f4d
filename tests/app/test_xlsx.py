"""Excel (issue 17): text translated, numbers, dates, formulas and cell types untouched."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.document import BlockKind
from app.formats.soffice import convert, find_soffice
from app.formats.xlsx_package import rename_in_formula, valid_sheet_names
from app.formats.xlsx_reader import read_xlsx
from engines.translate.pseudo import pseudo_localize
from tests.officegen import BOOK_TEXTS, rich_xlsx
from tests.roundtrip import accented, assert_faithful, reopens_in_libreoffice, translate


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rich_xlsx(tmp_path_factory.mktemp("book") / "book.xlsx")


def cells(path: Path) -> list[list[tuple[object, str]]]:
    wb = openpyxl.load_workbook(str(path))
    return [[(c.value, c.data_type) for row in ws.iter_rows() for c in row] for ws in wb]


def test_reader_reaches_every_text(book: Path) -> None:
    doc = read_xlsx(book)
    kinds = {b.kind for b in doc.blocks}
    assert kinds >= {BlockKind.LABEL, BlockKind.TABLE_CELL, BlockKind.COMMENT,
                     BlockKind.HEADER, BlockKind.FOOTER, BlockKind.CAPTION}
    texts = [b.text for b in doc.blocks]
    assert BOOK_TEXTS["chart_title"] in texts and BOOK_TEXTS["comment"] in texts
    assert next(b for b in doc.blocks if b.text == BOOK_TEXTS["chart_alt"]).kind is \
        BlockKind.ALT_TEXT
    assert not any(t.startswith("=") or t in ("120.5", "80") for t in texts)  # formulas, numbers
    # "Page &P of &N" is one sentence; the page-number codes are inline objects.
    assert [b.text for b in doc.blocks if b.kind is BlockKind.FOOTER] == ["Page  of"]
    rich = next(b for b in doc.blocks if BOOK_TEXTS["rich_bold"] in b.text)
    assert any(r.style.bold and r.text == BOOK_TEXTS["rich_bold"] for r in rich.runs)


def test_translated_in_place_numbers_dates_formulas_kept(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.fr.xlsx"
    job = translate(book, out)
    assert_faithful(job)
    before, after = cells(book), cells(out)
    for sheet_before, sheet_after in zip(before, after, strict=True):
        assert len(sheet_before) == len(sheet_after)
        for (v1, t1), (v2, t2) in zip(sheet_before, sheet_after, strict=True):
            assert t1 == t2  # cell types never change
            if t1 in ("n", "d"):
                assert v1 == v2
    wb = openpyxl.load_workbook(str(out))
    budget = accented(BOOK_TEXTS["sheet"])
    assert wb.sheetnames == [budget, accented(BOOK_TEXTS["summary"])]
    summary = wb.worksheets[1]
    assert summary["B1"].value == f"=SUM({budget}!B2:B4)"  # follows the renamed sheet
    assert summary["B2"].value == f"={budget}!B2*2"
    assert summary["B3"].value == '="Budget!"&A1'  # a string literal is not a reference
    sheet = wb.worksheets[0]
    assert sheet["A2"].value == pseudo_localize(BOOK_TEXTS["repeated"])
    assert sheet["D2"].value == "1 250"
    assert sheet["A2"].comment is not None and accented("quartermaster") in sheet["A2"].comment.text
    assert accented(BOOK_TEXTS["header"]) in sheet.oddHeader.center.text
    footer = sheet.oddFooter.right.text
    assert footer.index("&P") < footer.index("&N") and footer.startswith("[Pàgé")
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert accented("Spending per quarter") in chart and budget in chart  # title, series ref
    with zipfile.ZipFile(out) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    assert f'descr="{pseudo_localize(BOOK_TEXTS["chart_alt"])}"' in drawing
    rich = openpyxl.load_workbook(str(out), rich_text=True).worksheets[0]["A6"].value
    assert any(getattr(part, "font", None) is not None and part.font.b
               and accented(BOOK_TEXTS["rich_bold"]) in part.text for part in rich)


def test_bilingual_adds_a_translated_copy_after_each_sheet(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.fr.bilingual.xlsx"
    translate(book, out, output_format="xlsx-bilingual")
    wb = openpyxl.load_workbook(str(out))
    budget, summary = BOOK_TEXTS["sheet"], BOOK_TEXTS["summary"]
    assert wb.sheetnames == [budget, accented(budget), summary, accented(summary)]
    original, copy = wb.worksheets[0], wb.worksheets[1]
    assert original["A2"].value == BOOK_TEXTS["repeated"]  # the source sheet is untouched
    assert copy["A2"].value == pseudo_localize(BOOK_TEXTS["repeated"])
    assert [c.value for c in original["B"]][1:] == [c.value for c in copy["B"]][1:]  # numbers
    assert wb.worksheets[3]["B1"].value == f"=SUM({budget}!B2:B4)"


@pytest.fixture(scope="module")
def calc_books(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The corpus spreadsheets written as .xlsx by a third-party writer (LibreOffice)."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: needed to make .xlsx from .ods")
    folder = tmp_path_factory.mktemp("calc")
    return [convert(ods, "xlsx", folder) for ods in sorted((shared_corpus / "odf").glob("*.ods"))]


def test_corpus_workbooks_round_trip(calc_books: list[Path], tmp_path: Path) -> None:
    for book in calc_books:
        out = tmp_path / f"{book.stem}.fr.xlsx"
        job = translate(book, out)
        assert_faithful(job)
        for s1, s2 in zip(cells(book), cells(out), strict=True):
            assert [v for v, t in s1 if t in ("n", "d", "f")] == \
                   [v for v, t in s2 if t in ("n", "d", "f")]
    stats = next(b for b in calc_books if b.stem == "countrystatistics")
    with zipfile.ZipFile(stats) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
    doc = read_xlsx(stats)
    shared = [b for b in doc.blocks if b.locator.part == "sst"]
    assert 'uniqueCount="69"' in sst and 'count="97"' in sst  # 97 uses of 69 strings
    assert len(shared) == 69  # each translated once


def test_corpus_output_reopens_in_libreoffice(calc_books: list[Path], tmp_path: Path) -> None:
    book = next(b for b in calc_books if b.stem == "countrystatistics")
    for fmt in ("xlsx", "xlsx-bilingual"):
        out = tmp_path / f"{book.stem}.{fmt}.xlsx"
        translate(book, out, output_format=fmt)
        reopens_in_libreoffice(out, tmp_path / fmt)


def test_sheet_names_stay_valid_and_unique() -> None:
    names = valid_sheet_names(["Q1/Q2: [draft]", "q1 q2 draft", "x" * 40, "History", "'A'"],
                              ["s1", "s2", "s3", "s4", "s5"])
    assert names == ["Q1 Q2 draft", "q1 q2 draft (2)", "x" * 31, "s4", "A"]
    assert rename_in_formula("SUM('My data'!A1,Data!B2,\"Data!\")",
                             {"My data": "Données", "Data": "Mes données"}) == \
        "SUM(Données!A1,'Mes données'!B2,\"Data!\")"
