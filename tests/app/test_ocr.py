"""OCR: scans and images are read, translated and written back (Tesseract, real pages).

Pages come from the shared corpus (a real French manual, rendered as a scanner would) or
are typeset here with MuPDF's fonts, then rasterised: Tesseract never saw them.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import docx as python_docx
import psutil
import pymupdf
import pytest
from PIL import Image

from app.core.errors import CorruptDocument, DocumentTooLarge, InputError, NeedsOCR
from app.document import TranslationStatus
from app.formats.ocr_engine import find_tessdata, installed_languages
from app.formats.ocr_reader import OcrOptions, ocr_pages, read_image, read_pdf_ocr
from app.formats.pdf_searchable import write_searchable_pdf
from app.formats.pdf_writer import write_pdf_inplace
from app.formats.registry import read_document, writer_for
from app.report import writers as report_writers
from engines.errors import Cancelled

ROOT = Path(__file__).resolve().parents[2]
CORPUS_PDF = ROOT.parent / "shared" / "corpus" / "real-fr" / "ch01s02.pdf"
TESSDATA = find_tessdata()
assert report_writers.SOURCES  # registers report-docx and report-pdf
pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or TESSDATA is None,
    reason="Tesseract is not installed (make test installs it as root: scripts/check_ocr_syslibs.sh)")

FRENCH = ("Le rapport annuel du service présente 12 recommandations. La commission se réunira "
          "le 14 mars 2025 à Paris pour examiner le budget de 4 850 000 euros.")


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def typeset(text: str, width: float = 420, size: float = 13, font: str = "serif",
            rtl: bool = False) -> pymupdf.Document:
    """A one-page PDF with ``text`` set by MuPDF (Noto/Tiro fonts, HarfBuzz shaping)."""
    doc = pymupdf.open()
    page = doc.new_page(width=width + 60, height=200)
    style = f"font-family: {font}; font-size: {size}px;" + (" direction: rtl;" if rtl else "")
    page.insert_htmlbox(pymupdf.Rect(30, 30, width + 30, 190), f'<p style="{style}">{text}</p>')
    return doc


def raster(doc: pymupdf.Document, pno: int = 0, dpi: int = 200) -> Image.Image:
    pix = doc[pno].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    return Image.open(io.BytesIO(pix.tobytes("png"))).convert("L")


def image_pdf(images: list[Image.Image], path: Path, dpi: int = 200) -> Path:
    """An image-only PDF, one scanned page per image (no text layer)."""
    out = pymupdf.open()
    for im in images:
        buf = io.BytesIO()
        im.save(buf, "PNG")
        page = out.new_page(width=im.width * 72 / dpi, height=im.height * 72 / dpi)
        page.insert_image(page.rect, stream=buf.getvalue())
    out.save(path)
    return path


def corpus_page(pno: int, dpi: int = 200) -> tuple[Image.Image, str]:
    if not CORPUS_PDF.exists():
        pytest.skip(f"shared corpus absent ({CORPUS_PDF})")
    src = pymupdf.open(CORPUS_PDF)
    return raster(src, pno, dpi), src[pno].get_text()


def test_scanned_french_page_end_to_end(tmp_path: Path) -> None:
    """Image-only PDF of a real page → CLI → in-place English PDF; the text is recovered."""
    image, truth = corpus_page(1)
    scan = image_pdf([image], tmp_path / "scan.pdf")
    doc = read_pdf_ocr(scan, ocr=OcrOptions(lang="fr"))
    assert doc.meta.ocr_pages == [0] and not doc.meta.scanned_pages
    assert similarity(" ".join(b.text for b in doc.blocks), truth) >= 0.95
    assert all(b.ocr is not None and 0.5 < (b.ocr.confidence or 0) <= 1 for b in doc.blocks)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "translate", str(scan), "--to", "en", "--from",
         "fr", "--engine", "pseudo", "--format", "pdf"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = pymupdf.open(tmp_path / "scan.en.pdf")
    text = out[0].get_text()
    # The pseudo engine accents letters and keeps numbers: the typeset translation is there.
    assert re.search(r"[àâéèêîôûñõ]{2}", text) and "aptitude" not in text.lower()
    assert out[0].get_images(), "the page image is kept under the translation"


def test_multipage_tiff_reads_every_frame(tmp_path: Path) -> None:
    first = raster(typeset(FRENCH))
    second = raster(typeset("Deuxième page : le dossier numéro 2024-117 est clos."))
    path = tmp_path / "fax.tiff"
    first.save(path, save_all=True, append_images=[second], compression="tiff_lzw")
    doc = read_document(path)
    assert doc.meta.format == "image" and doc.meta.page_count == 2
    pages = {b.geometry.page for b in doc.blocks if b.geometry}
    assert pages == {0, 1}
    text = " ".join(b.text for b in doc.blocks)
    assert similarity(text, FRENCH + " Deuxième page : le dossier numéro 2024-117 est clos.") > 0.9
    assert "2024-117" in text
    assert any("Tesseract, fra" in w for w in doc.warnings)  # language found: French


def test_rotated_and_skewed_scan(tmp_path: Path) -> None:
    """A page scanned sideways and 2° askew: OSD turns it, the text comes back."""
    page = raster(typeset(FRENCH + " " + FRENCH))
    tilted = page.rotate(2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    sideways = tilted.rotate(90, expand=True)
    scan = image_pdf([sideways], tmp_path / "sideways.pdf")
    doc = read_pdf_ocr(scan, ocr=OcrOptions(lang="fra"))
    assert similarity(" ".join(b.text for b in doc.blocks), FRENCH + " " + FRENCH) > 0.9
    assert any("turned" in w for w in doc.warnings)
    assert {b.geometry.rotation for b in doc.blocks if b.geometry} == {90} or \
        {b.geometry.rotation for b in doc.blocks if b.geometry} == {270}


@pytest.mark.skipif(TESSDATA is None or "ara" not in installed_languages(TESSDATA),
                    reason="Arabic language data (tesseract-ocr-ara) not installed")
def test_arabic_line_keeps_its_order(tmp_path: Path) -> None:
    arabic = "اجتمعت اللجنة في الصباح لمناقشة التقرير السنوي"
    image = raster(typeset(arabic, size=18, font="sans-serif", rtl=True), dpi=300)
    path = tmp_path / "arabic.png"
    image.save(path)
    doc = read_image(path, ocr=OcrOptions(lang="ar"))
    text = " ".join(b.text for b in doc.blocks)
    assert similarity(text, arabic) > 0.8, text
    words = text.split()  # logical (reading) order, first word first
    assert [w for w in words if w in ("اجتمعت", "الصباح", "التقرير")] == [
        "اجتمعت", "الصباح", "التقرير"], text


@pytest.mark.skipif(TESSDATA is None or "ara" not in installed_languages(TESSDATA),
                    reason="Arabic language data (tesseract-ocr-ara) not installed")
def test_arabic_scan_translation_written_in_place_right_to_left(tmp_path: Path) -> None:
    """An Arabic scan read by OCR, given an Arabic text as its translation and written in
    place: read back by OCR from the written page, the new text is there in reading order
    and the scanned line is covered."""
    source = "اجتمعت اللجنة في الصباح لمناقشة التقرير السنوي"
    target = "وافق المجلس على الميزانية الجديدة بالإجماع"
    image = raster(typeset(source, size=18, font="sans-serif", rtl=True), dpi=300)
    doc = read_pdf_ocr(image_pdf([image], tmp_path / "ar.pdf", dpi=300),
                       ocr=OcrOptions(lang="ar"))
    assert doc.blocks and similarity(" ".join(b.text for b in doc.blocks), source) > 0.8
    for b in doc.blocks:
        b.translation.text, b.translation.status = target, TranslationStatus.TRANSLATED
    doc.target_language = "ar"
    write_pdf_inplace(doc, tmp_path / "ar.out.pdf")
    assert pymupdf.open(tmp_path / "ar.out.pdf")[0].get_images(), "the page image is kept"
    (page,) = ocr_pages(tmp_path / "ar.out.pdf", "pdf", [0], OcrOptions(lang="ara"))
    seen = " ".join(b.text for b in page.blocks).split()
    assert [w for w in seen if w in ("المجلس", "الميزانية", "بالإجماع")] == [
        "المجلس", "الميزانية", "بالإجماع"], seen
    assert "اللجنة" not in seen and "التقرير" not in seen, seen


@pytest.mark.skipif(TESSDATA is None or "rus" not in installed_languages(TESSDATA),
                    reason="Russian language data (tesseract-ocr-rus) not installed")
def test_russian_scan_found_and_read(tmp_path: Path) -> None:
    russian = ("Комиссия рассмотрела годовой отчёт и утвердила бюджет на 2025 год. "
               "Следующее заседание состоится в марте.")
    path = tmp_path / "rapport.bmp"
    raster(typeset(russian, size=14), dpi=250).save(path)
    doc = read_document(path)  # no language given: OSD says Cyrillic, lingua says Russian
    assert similarity(" ".join(b.text for b in doc.blocks), russian) > 0.9
    assert any("Tesseract, rus" in w for w in doc.warnings)


def test_50_megapixel_image_is_downscaled(tmp_path: Path) -> None:
    big = Image.new("L", (8660, 5774), 255)
    big.paste(raster(typeset(FRENCH, size=40, width=1400), dpi=300), (400, 400))
    path = tmp_path / "photo.png"
    big.save(path)
    stats: dict[str, object] = {}
    pages = ocr_pages(path, "image", [0], OcrOptions(lang="fra"), stats=stats)
    assert any("downscaled" in w for w in pages[0].warnings)
    assert similarity(" ".join(b.text for b in pages[0].blocks), FRENCH) > 0.9
    assert stats["peak_rss_mb"] < 1500  # type: ignore[operator]


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_huge_or_corrupt_images_are_refused_clearly(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(40000, 40000))  # 1.6 gigapixels, 60 bytes
    with pytest.raises(DocumentTooLarge, match="megapixels"):
        read_document(bomb)
    truncated = tmp_path / "cut.jpg"
    buf = io.BytesIO()
    raster(typeset(FRENCH)).save(buf, "JPEG")
    truncated.write_bytes(buf.getvalue()[:400])
    with pytest.raises(CorruptDocument, match=r"damaged|cannot be read"):
        read_document(truncated)
    noise = tmp_path / "noise.png"
    noise.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(InputError):
        read_document(noise)


def test_cancel_stops_within_a_page(tmp_path: Path) -> None:
    image = raster(typeset(FRENCH + " " + FRENCH), dpi=300)
    scan = image_pdf([image] * 6, tmp_path / "six.pdf", dpi=300)
    cancel = threading.Event()
    started = time.time()
    seen: list[float] = []

    def progress(fraction: float, _message: str) -> None:
        seen.append(fraction)
        cancel.set()  # after the first page

    with pytest.raises(Cancelled):
        ocr_pages(scan, "pdf", list(range(6)), OcrOptions(lang="fra", workers=1),
                  progress=progress, cancel=cancel)
    assert len(seen) == 1
    mark = os.environ["PASSERELLE_DATA_DIR"]  # unique to this test session (tests/conftest.py)

    def tesseracts() -> list[psutil.Process]:
        """Tesseract processes of this test session: other sessions may be running OCR."""
        mine = []
        for p in psutil.process_iter(["name", "create_time"]):
            if p.info["name"] != "tesseract" or p.info["create_time"] < started - 1:
                continue
            try:
                if p.environ().get("PASSERELLE_DATA_DIR") == mark:
                    mine.append(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return mine

    deadline = time.monotonic() + 30  # killing takes a moment on a loaded machine: a wait,
    while tesseracts() and time.monotonic() < deadline:  # not a speed check
        time.sleep(0.05)
    assert not tesseracts(), "Tesseract kept running after the cancel"


def test_invisible_ocr_layer_used_or_redone(tmp_path: Path) -> None:
    image = raster(typeset(FRENCH))
    scan = image_pdf([image], tmp_path / "layer.pdf")
    pdf = pymupdf.open(scan)
    pdf[0].insert_text((40, 60), "Couche OCR invisible du scanner, texte de test.",
                       render_mode=3, fontsize=11)
    pdf.save(tmp_path / "with_layer.pdf")
    doc = read_pdf_ocr(tmp_path / "with_layer.pdf")
    assert doc.meta.ocr_pages == [0]
    assert [b.ocr.engine for b in doc.blocks if b.ocr] == ["pdf layer"]
    assert "Couche OCR invisible" in doc.blocks[0].text
    for b in doc.blocks:
        b.translation.text, b.translation.status = "Invisible OCR layer of the scanner.", \
            TranslationStatus.TRANSLATED
    write_pdf_inplace(doc, tmp_path / "layer.en.pdf")
    written = pymupdf.open(tmp_path / "layer.en.pdf")[0]
    assert "Couche OCR" not in written.get_text() and "Invisible OCR layer" in written.get_text()
    assert written.get_images()
    redone = read_pdf_ocr(tmp_path / "with_layer.pdf", ocr=OcrOptions(lang="fra", redo_ocr=True))
    assert similarity(" ".join(b.text for b in redone.blocks), FRENCH) > 0.9
    assert all(b.ocr and b.ocr.engine == "tesseract fra" for b in redone.blocks)


def test_searchable_pdf_has_the_ocr_text_under_the_image(tmp_path: Path) -> None:
    scan = image_pdf([raster(typeset(FRENCH))], tmp_path / "scan.pdf")
    doc = read_pdf_ocr(scan, ocr=OcrOptions(lang="fra"))
    write_searchable_pdf(doc, tmp_path / "searchable.pdf")
    out = pymupdf.open(tmp_path / "searchable.pdf")
    assert similarity(out[0].get_text(), FRENCH) > 0.9
    assert out[0].get_images()
    assert out[0].search_for("commission")


def test_the_searchable_pdf_is_named_without_a_target_language(tmp_path: Path) -> None:
    """It holds the scan's own text, not a translation: scan.ocr.pdf, not scan.en.ocr.pdf."""
    from app.core.config import JobConfig
    from app.pipeline.batch import output_for

    scan = tmp_path / "scan.pdf"
    assert writer_for("pdf-searchable", "pdf").output_path(scan, "en") == tmp_path / "scan.ocr.pdf"
    assert writer_for("pdf", "pdf").output_path(scan, "en") == tmp_path / "scan.en.pdf"
    assert writer_for("pdf-searchable", "image").output_path(
        tmp_path / "page.png", "en", tmp_path / "out") == tmp_path / "out" / "page.ocr.pdf"
    config = JobConfig(input=scan, target_lang="en", output_format="pdf-searchable")
    assert output_for(scan, tmp_path / "out", config) == tmp_path / "out" / "scan.ocr.pdf"


def test_missing_language_data_names_the_package(tmp_path: Path) -> None:
    assert TESSDATA is not None
    if "spa" in installed_languages(TESSDATA):
        pytest.skip("Spanish language data is installed here")
    scan = image_pdf([raster(typeset(FRENCH))], tmp_path / "scan.pdf")
    with pytest.raises(NeedsOCR, match="tesseract-ocr-spa"):
        read_pdf_ocr(scan, ocr=OcrOptions(lang="es"))


def test_bilingual_docx_and_report_from_a_scan(tmp_path: Path) -> None:
    scan = tmp_path / "scan.jpg"
    raster(typeset(FRENCH)).save(scan, quality=80)
    doc = read_document(scan, ocr=OcrOptions(lang="fra"))
    for b in doc.blocks:
        b.translation.text = "The annual report of the service presents 12 recommendations."
        b.translation.status = TranslationStatus.TRANSLATED
    doc.target_language, doc.meta.language = "en", "fr"
    for name in ("pdf-bilingual", "docx", "report-pdf"):
        spec = writer_for(name, doc.meta.format)
        out = tmp_path / f"scan{spec.suffix}"
        spec.write(doc, out)
        assert out.stat().st_size > 0
    bilingual = pymupdf.open(tmp_path / "scan.bilingual.pdf")[0]
    assert bilingual.get_images() and "annual report" in bilingual.get_text()
    body = " ".join(p.text for p in python_docx.Document(str(tmp_path / "scan.docx")).paragraphs)
    assert "annual report" in body
    report = pymupdf.open(tmp_path / "scan.report.pdf")
    assert "annual report" in " ".join(page.get_text() for page in report.pages())


def test_page_with_rotate_flag_is_covered_and_translated_upright(tmp_path: Path) -> None:
    """A scanner's /Rotate 90 page: the scanned lines are painted over, the translation
    reads upright (read back by OCR from the written page)."""
    image = raster(typeset(FRENCH), dpi=200).rotate(90, expand=True)
    scan = image_pdf([image], tmp_path / "turned.pdf")
    pdf = pymupdf.open(scan)
    pdf[0].set_rotation(90)
    pdf.save(tmp_path / "rotate90.pdf")
    doc = read_pdf_ocr(tmp_path / "rotate90.pdf", ocr=OcrOptions(lang="fra"))
    assert similarity(" ".join(b.text for b in doc.blocks), FRENCH) > 0.9
    for b in doc.blocks:
        b.translation.text = "The annual report of the service presents twelve recommendations."
        b.translation.status = TranslationStatus.TRANSLATED
    write_pdf_inplace(doc, tmp_path / "rotate90.en.pdf")
    (page,) = ocr_pages(tmp_path / "rotate90.en.pdf", "pdf", [0], OcrOptions(lang="eng"))
    seen = " ".join(b.text for b in page.blocks)
    assert "annual report" in seen and "commission" not in seen, seen


def _pasted_scan(path: Path, below: str = "") -> Path:
    """A text page with a pasted scan (a large image, no text over it), and ``below`` it
    a paragraph when given."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_htmlbox(pymupdf.Rect(50, 40, 545, 120),
                        "<p>Le présent courrier accompagne la lettre reproduite ci-dessous.</p>")
    buf = io.BytesIO()
    raster(typeset(FRENCH), dpi=200).save(buf, "PNG")
    page.insert_image(pymupdf.Rect(50, 150, 545, 356), stream=buf.getvalue())
    if below:
        page.insert_htmlbox(pymupdf.Rect(50, 400, 545, 480), f"<p>{below}</p>")
    pdf.save(path)
    return path


def test_scanned_image_inside_a_text_page_is_read(tmp_path: Path) -> None:
    """The page's text stays as it is, and the pasted scan's text is read by OCR."""
    doc = read_pdf_ocr(_pasted_scan(tmp_path / "mixed.pdf"), ocr=OcrOptions(lang="fra"))
    assert doc.blocks[0].ocr is None and "courrier" in doc.blocks[0].text
    scanned = [b for b in doc.blocks if b.ocr is not None]
    assert scanned and similarity(" ".join(b.text for b in scanned), FRENCH) > 0.9
    assert all(b.geometry and b.geometry.bbox[1] >= 149 for b in scanned)  # inside the image


def test_a_scanned_image_takes_its_place_in_the_reading_order(tmp_path: Path) -> None:
    """Text above the pasted scan, the scan's text, then the text below it: the OCR'd
    blocks are not appended after the page's text."""
    src = _pasted_scan(tmp_path / "sandwich.pdf",
                       "Merci de confirmer la réception de cette lettre avant vendredi.")
    doc = read_pdf_ocr(src, ocr=OcrOptions(lang="fra"))
    kinds = ["ocr" if b.ocr is not None else b.text.split()[0] for b in doc.blocks]
    assert kinds[0] == "Le" and kinds[-1] == "Merci", kinds
    assert set(kinds[1:-1]) == {"ocr"}, kinds


def _ocr_doc(line_confidences: list[float], mean: float) -> object:
    from app.document import BlockKind, DocumentMeta, Locator, OcrInfo, Run
    from app.document import Document as Doc

    doc = Doc(meta=DocumentMeta(source_path=Path("scan.pdf"), sha256="0" * 64, format="pdf",
                                language="fr"))
    lines = ["Le convoi part à l'aube.", "Il transporte du carburant."]
    block = doc.add_block(BlockKind.PARAGRAPH, [Run(" ".join(lines))], Locator("page", (0,)))
    block.ocr = OcrInfo(engine="tesseract fra", confidence=mean, texts=lines,
                        lines=[(0, 0, 100, 10), (0, 12, 100, 22)],
                        line_confidences=line_confidences)
    block.translation.text = "The convoy leaves at dawn. It carries fuel."
    block.translation.status = TranslationStatus.TRANSLATED
    doc.target_language = "en"
    return doc


def test_one_unsure_line_in_a_sure_block_is_flagged() -> None:
    """The block's mean confidence hides a stained line: the report names that line."""
    from app.pipeline.fidelity import check

    issues = [i for i in check(_ocr_doc([0.97, 0.55], 0.86)).issues  # type: ignore[arg-type]
              if i.kind == "ocr"]
    assert len(issues) == 1 and "line 2 read by OCR with 55% confidence" in issues[0].detail
    assert "Il transporte du carburant." in issues[0].detail
    clean = check(_ocr_doc([0.97, 0.91], 0.94))  # type: ignore[arg-type]
    assert not [i for i in clean.issues if i.kind == "ocr"]


def test_ocr_blocks_carry_a_confidence_per_line(tmp_path: Path) -> None:
    doc = read_pdf_ocr(image_pdf([raster(typeset(FRENCH))], tmp_path / "lines.pdf"),
                       ocr=OcrOptions(lang="fra"))
    for b in doc.blocks:
        assert b.ocr is not None and len(b.ocr.line_confidences) == len(b.ocr.lines) >= 1
        assert all(0.0 <= c <= 1.0 for c in b.ocr.line_confidences)
