"""PDF writers: in-place translated PDF, bilingual PDF and DOCX reflowed from a PDF.

The end-to-end tests run the real pipeline with the pseudo engine over a generated PDF
with two columns, a running header and footer, a ruled table, a bold word mid-sentence,
Cyrillic and Arabic blocks and an image, then reopen every output.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pymupdf
import pytest

from app.core.config import JobConfig
from app.document import BlockKind, Document, Translation, TranslationStatus
from app.formats.docx_from_pdf import write_docx_from_pdf
from app.formats.pdf_bilingual import GUTTER, write_pdf_bilingual
from app.formats.pdf_reader import read_pdf
from app.formats.pdf_writer import write_pdf_inplace
from app.pipeline.engine_select import translator_factory
from app.pipeline.fidelity import check
from app.pipeline.job import Job, run
from app.pipeline.stages import WriteStage
from engines.translate.pseudo import pseudo_localize
from tests import pdfgen

NUMBER = re.compile(r"\d+")


# -- the test document ----------------------------------------------------------------------

COLUMN_PAGES = 3  # the reader wants a header on 3 pages to call it a running header
STYLED, TABLE, MULTI = COLUMN_PAGES, COLUMN_PAGES + 1, COLUMN_PAGES + 2
PAGES = COLUMN_PAGES + 3
IMAGE_RECT = pymupdf.Rect(pdfgen.MARGIN, 640, pdfgen.MARGIN + 120, 740)


def _image(page: pymupdf.Page) -> None:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 30), False)
    pix.set_rect(pix.irect, (200, 40, 40))
    page.insert_image(IMAGE_RECT, pixmap=pix)


def mixed_pdf(folder: Path) -> Path:
    """Pages 1-3: two columns, running header and footer, an image on page 1.  Then a page
    of styled text with a bold word, one with a ruled table, one in English, Cyrillic and
    Arabic."""
    parts = [pdfgen.two_column_pdf(folder / "cols.pdf", pages=COLUMN_PAGES, paragraphs=2,
                                   words=45),
             pdfgen.styled_pdf(folder / "styled.pdf"), pdfgen.table_pdf(folder / "table.pdf"),
             pdfgen.multilingual_pdf(folder / "multi.pdf")]
    out = pymupdf.open()
    for part in parts:
        with pymupdf.open(part) as src:
            out.insert_pdf(src)
    _image(out[0])
    path = folder / "mixed.pdf"
    out.save(path, garbage=1, deflate=True)
    out.close()
    return path


@dataclass
class Outputs:
    source: Path
    doc: Document
    paths: dict[str, Path]
    fidelity: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """The whole pipeline once (read, detect, translate, project styles, verify, write the
    in-place PDF), then the write stage alone for the two other formats."""
    folder = tmp_path_factory.mktemp("pdfw")
    source = mixed_pdf(folder)
    paths, fidelity = {}, {}
    job = None
    for fmt, suffix in (("pdf", ".pdf"), ("pdf-bilingual", ".bilingual.pdf"),
                        ("docx", ".docx")):
        config = JobConfig(input=source, target_lang="fr", source_lang="en", engine="pseudo",
                           output=folder / f"out{suffix}", output_format=fmt)
        if job is None:
            job = run(Job(config=config, translator_factory=translator_factory))
        else:
            job = run(Job(config=config, document=job.doc, fidelity=job.fidelity),
                      stages=[WriteStage()])
        paths[fmt] = job.outputs[0]
        assert job.outputs[1].name == job.outputs[0].name + ".fidelity.json"
        assert job.fidelity is not None
        fidelity[fmt] = job.fidelity
    assert job is not None
    return Outputs(source, job.doc, paths, fidelity)


TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP  # ligatures split


def _page_text(path: Path, pno: int, clip: pymupdf.Rect | None = None) -> str:
    with pymupdf.open(path) as pdf:
        return str(pdf[pno].get_text("text", clip=clip, flags=TEXT_FLAGS))


def _spans(path: Path, pno: int) -> list[dict[str, Any]]:
    with pymupdf.open(path) as pdf:
        blocks = pdf[pno].get_text("dict", flags=TEXT_FLAGS)["blocks"]
    return [s for b in blocks for line in b.get("lines", ()) for s in line["spans"]]


# -- end to end -----------------------------------------------------------------------------

def test_every_block_is_translated(outputs: Outputs) -> None:
    for fmt, report in outputs.fidelity.items():
        assert report["untranslated"] == 0, (fmt, report["issues"])
        assert report["translated"] + report["skipped"] == report["blocks"]
        assert report["translated"] >= 15
        assert not [i for i in report["issues"] if i["kind"] in ("overflow", "typeset failed")]
    skipped = [b for b in outputs.doc.blocks if b.translation.status is TranslationStatus.SKIPPED]
    # Only blocks without words, or page numbers ("Page 3"), are kept as they are.
    assert all(not re.search(r"[^\W\d_]", b.text) or "page_number" in b.flags
               for b in skipped), [b.text for b in skipped]
    assert any("page_number" in b.flags for b in skipped)


def test_inplace_pdf_keeps_pages_images_and_drawings(outputs: Outputs) -> None:
    out = outputs.paths["pdf"]
    with pymupdf.open(outputs.source) as src, pymupdf.open(out) as dst:
        assert dst.page_count == src.page_count == PAGES
        for a, b in zip(src, dst, strict=True):
            assert a.rect == b.rect
            assert len(b.get_images()) == len(a.get_images())
            assert len(b.get_drawings()) >= len(a.get_drawings())
        assert len(dst[0].get_images()) == 1
        assert len(dst[TABLE].get_drawings()) >= 1  # the table's ruling lines
    report = outputs.fidelity["pdf"]
    assert report["page_count_output"] == report["page_count_source"] == PAGES


def test_numbers_survive_in_the_inplace_pdf(outputs: Outputs) -> None:
    out = outputs.paths["pdf"]
    for pno in range(PAGES):
        source_numbers = NUMBER.findall(_page_text(outputs.source, pno))
        output_numbers = NUMBER.findall(_page_text(out, pno))
        missing = [n for n in source_numbers if n not in output_numbers]
        assert not missing, (pno, missing)
    assert outputs.fidelity["pdf"]["numbers_lost"] == 0
    assert outputs.fidelity["pdf"]["numbers_checked"] >= 5


def test_original_text_is_gone_from_translated_boxes(outputs: Outputs) -> None:
    out = outputs.paths["pdf"]
    checked = 0
    for b in outputs.doc.blocks:
        if (b.translation.status is not TranslationStatus.TRANSLATED or len(b.text) < 20
                or b.text[:20] in b.translation.text):  # pseudo leaves Cyrillic as is
            continue
        assert b.geometry is not None
        page_text = " ".join(_page_text(out, b.geometry.page).split())
        assert b.text[:20] not in page_text, b.text
        assert b.translation.text[:12] in page_text or b.geometry.rotation, b.translation.text
        checked += 1
    assert checked >= 10


def test_bold_word_stays_bold(outputs: Outputs) -> None:
    spans = _spans(outputs.paths["pdf"], STYLED)
    red = pseudo_localize("red")[1:-1].strip()  # the accented word, without brackets
    bold = [s for s in spans if s["text"].strip(" []~") == red]
    assert bold and all("bold" in s["font"].lower() for s in bold), bold
    plain = [s for s in spans if "öffîçér" in s["text"]]
    assert plain and not any("bold" in s["font"].lower() for s in plain)
    italic = [s for s in spans if "đàîlý" in s["text"]]
    assert italic and all("italic" in s["font"].lower() for s in italic)
    assert outputs.fidelity["pdf"]["styled_spans_target"] == \
        outputs.fidelity["pdf"]["styled_spans_source"]


def test_scripts_get_their_fonts(outputs: Outputs) -> None:
    spans = _spans(outputs.paths["pdf"], MULTI)
    cyrillic = [s for s in spans if re.search("[а-яё]", s["text"])]
    arabic = [s for s in spans if re.search("[\u0600-\u06ff\ufb50-\ufeff]", s["text"])]
    assert cyrillic and all(s["font"].startswith(("Noto Sans", "Nimbus")) for s in cyrillic)
    assert arabic and any("Naskh" in s["font"] for s in arabic)
    text = _page_text(outputs.paths["pdf"], MULTI)
    assert text.count("Отчёт") == 1 and "[Отчёт" in text  # pseudo keeps Cyrillic letters


def test_bilingual_pdf_sets_pages_side_by_side(outputs: Outputs) -> None:
    out = outputs.paths["pdf-bilingual"]
    with pymupdf.open(outputs.source) as src, pymupdf.open(out) as dst:
        assert dst.page_count == src.page_count
        width = src[0].rect.width
        assert dst[0].rect.width == pytest.approx(2 * width + GUTTER)
        left = pymupdf.Rect(0, 0, width, src[0].rect.height)
        right = pymupdf.Rect(width + GUTTER, 0, 2 * width + GUTTER, src[0].rect.height)
        styled_left = dst[STYLED].get_text("text", clip=left, flags=TEXT_FLAGS)
        styled_right = dst[STYLED].get_text("text", clip=right, flags=TEXT_FLAGS)
        assert "reads the red report" in styled_left
        assert "reads the" not in styled_right
        assert "öffîçér" in styled_right
        assert len(dst[0].get_images()) == 2  # the image on both sides


def test_docx_from_pdf_reflows_structure(outputs: Outputs) -> None:
    d = docx.Document(str(outputs.paths["docx"]))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "öffîçér" in text and "reads the red" not in text
    assert len(d.tables) == 1
    table = d.tables[0]
    assert (len(table.rows), len(table.columns)) == (4, 3)
    assert "1337" in table.cell(2, 1).text
    assert "Börđér Àgéñçý" in d.sections[0].header.paragraphs[0].text
    footer_xml = d.sections[0].footer._element.xml
    assert "PAGE" in footer_xml
    bold = [r.text for p in d.paragraphs for r in p.runs if r.bold]
    assert any("réđ" in t for t in bold)
    styles = {p.style.name for p in d.paragraphs if p.style is not None}
    assert {"Heading 1", "List Bullet", "Caption"} <= styles
    bullets = [p.text for p in d.paragraphs if p.style is not None
               and p.style.name == "List Bullet"]
    assert len(bullets) == 2 and not any("·" in t or "•" in t for t in bullets)
    assert outputs.fidelity["docx"]["page_count_output"] is None


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_from_pdf_opens_in_libreoffice(outputs: Outputs, tmp_path: Path) -> None:
    """Headless conversion to PDF; the footer's PAGE field numbers every page."""
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(outputs.paths["docx"])], check=True, timeout=120, capture_output=True)
    with pymupdf.open(tmp_path / (outputs.paths["docx"].stem + ".pdf")) as pdf:
        assert pdf.page_count >= 2
        texts = [page.get_text(flags=TEXT_FLAGS) for page in pdf]
    assert all(f"Page {n}" in t for n, t in enumerate(texts, start=1))  # page numbers kept
    assert "Börđér Àgéñçý" in texts[0] and "1337" in "".join(texts)


def test_list_items_and_headings_in_docx(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Annual Review", BlockKind.HEADING),
                          ("• Check the passport of every traveller.", BlockKind.LIST_ITEM),
                          ("2. Record the plate.", BlockKind.LIST_ITEM)])
    doc.blocks[0].level = 1
    _translate(doc)
    out = tmp_path / "o.docx"
    write_docx_from_pdf(doc, out)
    paras = [(p.style.name if p.style else "", p.text)
             for p in docx.Document(str(out)).paragraphs]
    assert paras[0] == ("Heading 1", pseudo_localize("Annual Review"))
    assert paras[1][0] == "List Bullet" and "•" not in paras[1][1] and "Çhéçk" in paras[1][1]
    assert paras[2][0] == "List Number" and not paras[2][1].lstrip("[").startswith("2.")


# -- writer details on small hand-made documents --------------------------------------------

def _doc(folder: Path, texts: list[tuple[str, BlockKind]], size: float = 11.0) -> Document:
    """A one-page PDF with one line per text, and its document."""
    path = folder / "small.pdf"
    pdf = pymupdf.open()
    page = pdf.new_page(width=pdfgen.WIDTH, height=pdfgen.HEIGHT)
    for n, (text, _) in enumerate(texts):
        page.insert_text((pdfgen.MARGIN, 100 + 40 * n), text, fontsize=size, fontname="helv")
    pdf.save(path)
    pdf.close()
    doc = read_pdf(path)
    for block, (_, kind) in zip(doc.blocks, texts, strict=True):
        block.kind = kind
    return doc


def _translate(doc: Document, text: Callable[[str], str] = pseudo_localize) -> None:
    for b in doc.blocks:
        b.translation = Translation(text(b.text), TranslationStatus.TRANSLATED, engine="test")


def test_overflow_is_reported_not_truncated(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Hi 5", BlockKind.TABLE_CELL), ("Below", BlockKind.PARAGRAPH)])
    long = " ".join(f"word{n}" for n in range(400)) + " LASTWORD"
    doc.blocks[0].translation = Translation(long, TranslationStatus.TRANSLATED)
    doc.blocks[1].translation = Translation("Dessous", TranslationStatus.TRANSLATED)
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    assert [f for f in doc.blocks[0].flags if f.startswith("overflow")]
    assert not doc.blocks[1].flags
    issues = [i for i in check(doc).issues if i.kind == "overflow"]
    assert [i.block for i in issues] == [0]
    text = _page_text(out, 0)
    assert "LASTWORD" in text and "word399" in text and "Dessous" in text


def test_untranslated_and_failed_blocks_keep_their_text(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Keep me as I am 12", BlockKind.PARAGRAPH),
                          ("Translate me please", BlockKind.PARAGRAPH)])
    doc.blocks[0].translation = Translation("", TranslationStatus.FAILED, reason="boom")
    doc.blocks[1].translation = Translation("Traduis-moi", TranslationStatus.TRANSLATED)
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    text = _page_text(out, 0)
    assert "Keep me as I am 12" in text and "Traduis-moi" in text
    assert "Translate me" not in text


def test_rotated_text_stays_rotated(tmp_path: Path) -> None:
    path = tmp_path / "rot.pdf"
    pdf = pymupdf.open()
    page = pdf.new_page()
    page.insert_text((300, 500), "Rotated label 77", fontsize=12, rotate=90)
    pdf.save(path)
    pdf.close()
    doc = read_pdf(path)
    assert doc.blocks[0].geometry is not None and doc.blocks[0].geometry.rotation == 90
    _translate(doc)
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    with pymupdf.open(out) as res:
        lines = [line for b in res[0].get_text("dict")["blocks"] for line in b["lines"]]
    assert len(lines) == 1 and "77" in lines[0]["spans"][0]["text"]
    assert lines[0]["dir"] == pytest.approx((0.0, -1.0), abs=1e-3)
    assert pymupdf.Rect(doc.blocks[0].geometry.bbox).intersects(lines[0]["bbox"])


def test_cjk_font_is_subset(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Annual border report 2024", BlockKind.PARAGRAPH)])
    _translate(doc, lambda _: "年度边境报告 2024")
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    spans = _spans(out, 0)
    assert any("年度边境报告" in s["text"] for s in spans)
    assert out.stat().st_size < 150_000  # the 3.5 MB CJK font, subset


def test_arabic_translation_is_right_to_left(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("The border office report number 42", BlockKind.PARAGRAPH)])
    _translate(doc, lambda _: "تقرير مكتب الحدود رقم 42")
    block_box = pymupdf.Rect(doc.blocks[0].geometry.bbox)  # type: ignore[union-attr]
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    spans = [s for s in _spans(out, 0) if s["text"].strip()]
    assert any("Naskh" in s["font"] for s in spans)
    right = max(s["bbox"][2] for s in spans)
    assert right == pytest.approx(block_box.x1, abs=3)  # aligned on the right edge
    assert "42" in _page_text(out, 0)


def test_rotated_page_keeps_text_in_place(tmp_path: Path) -> None:
    """A page with /Rotate 90: the translation lands where the original text was."""
    path = tmp_path / "rotated.pdf"
    pdf = pymupdf.open()
    page = pdf.new_page(width=pdfgen.WIDTH, height=pdfgen.HEIGHT)
    page.insert_text((72, 100), "Top line of the page 11", fontsize=12)
    page.insert_text((72, 700), "Bottom line of the page 22", fontsize=12)
    page.set_rotation(90)
    pdf.save(path)
    pdf.close()
    doc = read_pdf(path)
    _translate(doc)
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    with pymupdf.open(out) as res:
        assert res[0].rotation == 90
        lines = {line["spans"][0]["text"]: pymupdf.Rect(line["bbox"])
                 for b in res[0].get_text("dict", flags=TEXT_FLAGS)["blocks"]
                 for line in b["lines"]}
    for block in doc.blocks:
        assert block.geometry is not None
        box = lines[block.translation.text]
        assert abs(box.x0 - block.geometry.bbox[0]) < 2 and abs(box.y0 - block.geometry.bbox[1]) < 4
    bilingual = tmp_path / "o.bilingual.pdf"
    write_pdf_bilingual(doc, bilingual)
    with pymupdf.open(bilingual) as res:
        assert res[0].rect.height == pytest.approx(pdfgen.WIDTH)  # shown as the reader sees it
        assert "[Böttöm" in res[0].get_text(flags=TEXT_FLAGS)


def test_a_block_that_cannot_be_set_is_reported_and_the_rest_written(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Broken geometry here", BlockKind.PARAGRAPH),
                          ("Fine block 33", BlockKind.PARAGRAPH)])
    _translate(doc)
    assert doc.blocks[0].geometry is not None
    doc.blocks[0].geometry.bbox = (float("nan"), 0.0, 10.0, 10.0)
    out = tmp_path / "o.pdf"
    write_pdf_inplace(doc, out)
    text = _page_text(out, 0)
    assert "Broken geometry here" in text  # left in the source language, not lost
    assert doc.blocks[1].translation.text in text and "Fine block" not in text
    kinds = {(i.block, i.kind) for i in check(doc).issues}
    assert kinds == {(0, "typeset failed")}


def test_page_count_difference_is_a_fidelity_issue(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [("Only one page", BlockKind.PARAGRAPH)])
    _translate(doc)
    write_pdf_inplace(doc, tmp_path / "o.pdf")
    report = check(doc)
    assert (report.page_count_source, report.page_count_output) == (1, 1) and report.ok
    doc.meta.output_page_count = 2
    assert [i.kind for i in check(doc).issues] == ["pages"]
