"""PowerPoint (issue 17): every text container read, translated whole, written back."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pptx
import pytest

from app.document import BlockKind, TranslationStatus
from app.formats.pptx_reader import read_pptx
from app.formats.pptx_walk import XmlParts, walk
from app.formats.sniff import detect_format
from engines.translate.pseudo import pseudo_localize
from tests.officegen import DECK_TEXTS, rich_pptx
from tests.roundtrip import accented, assert_faithful, reopens_in_libreoffice, translate


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rich_pptx(tmp_path_factory.mktemp("deck") / "deck.pptx")


def test_reader_reaches_every_container(deck: Path) -> None:
    doc = read_pptx(deck)
    assert detect_format(deck) == "pptx"
    by_text = {b.text: b for b in doc.blocks}
    t = DECK_TEXTS
    assert by_text[t["title"]].kind is BlockKind.HEADING
    assert by_text[t["group"]].locator.path[:3] == (2, 0, 0)  # group → group → text box
    assert by_text[t["cell"]].kind is BlockKind.TABLE_CELL
    assert by_text[t["chart_title"]].kind is BlockKind.CAPTION
    assert by_text[t["axis_title"]].locator.part == "slide:0:chart"
    assert by_text[t["data_label"]].locator.part == "slide:0:chart"
    assert by_text[t["notes"]].kind is BlockKind.NOTE
    assert by_text[t["alt"]].kind is BlockKind.ALT_TEXT
    assert by_text[t["alt_title"]].kind is BlockKind.ALT_TEXT
    body = next(b for b in doc.blocks if b.text.startswith(t["body"]))
    # One sentence-level block, the slide-number field left out, bold and link kept.
    assert body.text.endswith("guide.") and "1" not in body.text.replace("12", "")
    assert any(r.style.bold and r.text == t["bold"] for r in body.runs)
    assert any(r.style.link == "https://example.org/guide" for r in body.runs)


def test_round_trip_translates_every_container(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.fr.pptx"
    job = translate(deck, out)
    assert_faithful(job)
    prs = pptx.Presentation(str(out))
    slide = prs.slides[0]
    texts = [p.element.get(p.attr) or "" if p.attr else "".join(
        r.text for r in p.element.iter("{*}t")) for p in walk(prs, XmlParts())]
    joined = "\n".join(texts)
    for key, source in DECK_TEXTS.items():
        if key != "number_cell":
            assert source not in joined, key  # every container rewritten
    assert "1 250" in joined  # a number-only cell is kept as is
    assert slide.shapes.title.text == pseudo_localize(DECK_TEXTS["title"])
    body = slide.placeholders[1].text_frame.paragraphs[0]
    assert body._p.find("{*}fld") is not None  # the slide-number field stays
    assert any(r.font.bold and accented("critical") in r.text for r in body.runs)
    assert any(r.hyperlink.address == "https://example.org/guide" for r in body.runs)
    assert accented("Remind") in slide.notes_slide.notes_text_frame.text


def test_masters_and_layouts_untouched(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.fr.pptx"
    translate(deck, out)
    with zipfile.ZipFile(deck) as a, zipfile.ZipFile(out) as b:
        for name in a.namelist():
            if name.startswith(("ppt/slideMasters/", "ppt/slideLayouts/")) and name.endswith(
                    ".xml"):
                assert a.read(name) == b.read(name), name


def test_overflow_shrinks_text_boxes_and_reports_tables(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.fr.pptx"
    job = translate(deck, out)
    prs = pptx.Presentation(str(out))
    box = next(s for s in prs.slides[0].shapes if s.has_text_frame
               and accented("sentence") in s.text_frame.text)
    fit = box.text_frame._txBody.bodyPr.find("{*}normAutofit")
    assert fit is not None and 50_000 <= int(fit.get("fontScale")) < 100_000
    cell = next(b for b in job.doc.blocks if b.text == DECK_TEXTS["cell"])
    assert any(f.startswith("overflow") and "table cell" in f for f in cell.flags)
    axis = next(b for b in job.doc.blocks if b.text == DECK_TEXTS["axis_title"])
    assert not any("table" in f for f in axis.flags)  # each text body judged on its own
    assert any(i["kind"] == "overflow" for i in job.fidelity["issues"])  # type: ignore[index]


def test_smartart_text_and_its_drawing(shared_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "smart.fr.pptx"
    job = translate(shared_corpus / "pptx" / "shp-shapes.pptx", out)
    smart = [b for b in job.doc.blocks if b.locator.part.endswith(":smartart")]
    assert smart and all(b.translation.status is TranslationStatus.TRANSLATED for b in smart)
    with zipfile.ZipFile(out) as z:
        drawing = z.read("ppt/diagrams/drawing1.xml").decode()
        data = z.read("ppt/diagrams/data1.xml").decode()
    smart_art = accented("Smart Art")
    assert smart_art in data and smart_art in drawing  # LibreOffice draws the cache
    assert ">shapes[5]<" not in drawing


CORPUS_SAMPLE = ("test_slides.pptx", "shp-shapes.pptx", "cht-axis-props.pptx",
                 "txt-font-props.pptx", "ph-populated-placeholders.pptx")


def test_whole_corpus_round_trips(shared_corpus: Path, tmp_path: Path) -> None:
    decks = sorted((shared_corpus / "pptx").glob("*.pptx"))
    assert len(decks) >= 60
    total = 0
    for deck in decks:
        job = translate(deck, tmp_path / f"{deck.stem}.fr.pptx")
        assert_faithful(job)
        total += job.fidelity["translated"]  # type: ignore[index]
        pptx.Presentation(str(tmp_path / f"{deck.stem}.fr.pptx"))  # python-pptx reopens it
    assert total >= 130  # 139 text blocks in the 64 decks when written


@pytest.mark.parametrize("name", CORPUS_SAMPLE)
def test_corpus_output_reopens_in_libreoffice(name: str, shared_corpus: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / name.replace(".pptx", ".fr.pptx")
    translate(shared_corpus / "pptx" / name, out)
    pdf = reopens_in_libreoffice(out, tmp_path)
    import pymupdf

    with pymupdf.open(pdf) as d:
        text = "".join(page.get_text() for page in d)
    assert "à" in text or "é" in text  # the translated text is what LibreOffice shows


def test_report_for_a_presentation(deck: Path, tmp_path: Path) -> None:
    import pymupdf

    import app.report  # noqa: F401 - registers the report writers

    out = tmp_path / "deck.report.pdf"
    translate(deck, out, output_format="report-pdf")
    with pymupdf.open(out) as d:
        assert d.page_count >= 1
        assert "deck.pptx" in "".join(page.get_text() for page in d)  # its provenance
