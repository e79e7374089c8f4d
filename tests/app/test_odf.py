"""OpenDocument (issue 17): text, spreadsheets and presentations translated in place."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from app.core.errors import CorruptDocument
from app.document import BlockKind
from app.formats.odf import read_odf
from app.formats.odf_text import TEXT_NS
from tests.roundtrip import accented, assert_faithful, reopens_in_libreoffice, translate

NS = {"text": TEXT_NS, "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0"}


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def structure(root: etree._Element) -> list[str]:
    """Element names in document order, text and spacing left out: what must not change."""
    skip = {f"{{{TEXT_NS}}}{n}" for n in ("span", "a", "s", "tab", "line-break")}
    return [el.tag for el in root.iter() if isinstance(el.tag, str) and el.tag not in skip]


def test_every_container_is_read(shared_corpus: Path) -> None:
    odf = shared_corpus / "odf"
    kinds = {b.kind for name in ("headerfooter.odt", "simpletable.odt", "twolevellist.odt",
                                 "ClimateChange2.odt", "ol.odp", "countrystatistics.ods")
             for b in read_odf(odf / name).blocks}
    assert kinds >= {BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.LIST_ITEM,
                     BlockKind.TABLE_CELL, BlockKind.HEADER, BlockKind.FOOTER}
    header = next(b for b in read_odf(odf / "headerfooter.odt").blocks
                  if b.kind is BlockKind.HEADER)
    assert header.text == "Header\t\tTest"  # the page-number field is not text


def test_spreadsheet_values_are_not_text(shared_corpus: Path) -> None:
    doc = read_odf(shared_corpus / "odf" / "countrystatistics.ods")
    texts = {b.text for b in doc.blocks}
    assert "Austria" in texts
    assert not any(t.replace(".", "").replace(",", "").isdigit() for t in texts)


def test_structure_kept_and_text_translated(shared_corpus: Path, tmp_path: Path) -> None:
    src = shared_corpus / "odf" / "headerfooter.odt"
    out = tmp_path / "hf.fr.odt"
    assert_faithful(translate(src, out))
    for name in ("content.xml", "styles.xml"):
        assert structure(part(src, name)) == structure(part(out, name))
    styles = part(out, "styles.xml")
    header = styles.find(".//style:header/text:p", NS)
    assert header is not None and header.find("text:page-number", NS) is not None
    assert accented("Header") in "".join(header.itertext())
    with zipfile.ZipFile(out) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED


def test_corpus_round_trips(shared_corpus: Path, tmp_path: Path) -> None:
    files = sorted(p for p in (shared_corpus / "odf").iterdir()
                   if p.suffix in (".odt", ".ods", ".odp") and p.name != "nasty.odt")
    assert len(files) >= 25
    for src in files:
        out = tmp_path / f"{src.stem}.ja{src.suffix}"
        job = translate(src, out, target_lang="ja")  # "400,000" reads the same in Japanese
        if src.name == "Electra.odt":
            # "March 15, 2006": the pseudo engine accents the month of a date it does not
            # protect; every other number of the 1141 blocks is kept.
            f = job.fidelity
            assert f is not None and f["numbers_lost"] <= 1
            assert f["translated"] >= 0.99 * (f["blocks"] - f["skipped"])
        else:
            assert_faithful(job)
        assert structure(part(src, "content.xml")) == structure(part(out, "content.xml")), src


def test_xxe_file_of_the_corpus_is_refused(shared_corpus: Path) -> None:
    with pytest.raises(CorruptDocument, match="declares XML entities"):
        read_odf(shared_corpus / "odf" / "nasty.odt")


@pytest.mark.parametrize("name", ["ClimateChange2.odt", "countrystatistics.ods", "ol.odp"])
def test_output_reopens_in_libreoffice(name: str, shared_corpus: Path, tmp_path: Path) -> None:
    src = shared_corpus / "odf" / name
    out = tmp_path / f"{src.stem}.fr{src.suffix}"
    translate(src, out)
    import pymupdf

    with pymupdf.open(reopens_in_libreoffice(out, tmp_path)) as d:
        text = "".join(page.get_text() for page in d)
    assert "é" in text or "à" in text


def test_sheet_names_translated_and_formulas_follow(tmp_path: Path) -> None:
    """An .ods written by LibreOffice from our workbook: formulas and the chart's data
    ranges name the other sheet; after translation LibreOffice still computes them."""
    from app.formats.soffice import convert, find_soffice
    from tests.officegen import rich_xlsx

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: needed to write the .ods")
    ods = convert(rich_xlsx(tmp_path / "book.xlsx"), "ods", tmp_path / "ods")
    out = tmp_path / "book.fr.ods"
    assert_faithful(translate(ods, out))
    content = part(out, "content.xml")
    names = [t.get(f"{{{NS['table']}}}name") for t in content.iter(f"{{{NS['table']}}}table")]
    budget = accented("Budget")
    assert names == [budget, accented("Summary")]
    formulas = [el.get(f"{{{NS['table']}}}formula") for el in content.iter()
                if el.get(f"{{{NS['table']}}}formula")]
    assert f"of:=SUM([${budget}.B2:.B4])" in formulas
    assert 'of:="Budget!"&[.A1]' in formulas  # a string literal is not a reference
    chart = part(out, "Object 1/content.xml")
    assert f"{budget}.B2:{budget}.B4" in etree.tostring(chart, encoding="unicode")
    # LibreOffice parses the rewritten formulas: a broken reference would come back #REF!.
    import openpyxl

    xlsx = convert(out, "xlsx", tmp_path / "back")
    sheet = openpyxl.load_workbook(str(xlsx)).worksheets[1]
    assert sheet["B1"].value == f"=SUM({budget}!B2:B4)"


def test_presentation_notes_and_tables(tmp_path: Path) -> None:
    """An .odp written by LibreOffice from our deck: speaker notes, table cells, grouped
    text boxes are all read and translated."""
    from app.formats.soffice import convert, find_soffice
    from tests.officegen import DECK_TEXTS, rich_pptx

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: needed to write the .odp")
    odp = convert(rich_pptx(tmp_path / "deck.pptx"), "odp", tmp_path / "odp")
    doc = read_odf(odp)
    by_text = {b.text: b for b in doc.blocks}
    assert by_text[DECK_TEXTS["notes"]].kind is BlockKind.NOTE
    assert by_text[DECK_TEXTS["cell"]].kind is BlockKind.TABLE_CELL
    assert DECK_TEXTS["group"] in by_text
    out = tmp_path / "deck.fr.odp"
    assert_faithful(translate(odp, out))
    text = "".join(part(out, "content.xml").itertext())
    assert accented("Remind the team") in text and DECK_TEXTS["notes"] not in text
    reopens_in_libreoffice(out, tmp_path)
