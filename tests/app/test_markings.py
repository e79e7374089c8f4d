"""Classification marking detection: every block of every page, every format, OCR noise,
ordinary words left alone, the highest marking kept and each place listed in the report."""

from __future__ import annotations

import shutil
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pptx
import pymupdf
import pytest
from pptx.util import Inches

from app.document import BlockKind, Document, DocumentMeta, Geometry, Locator, Run, Style
from app.formats.registry import read_document
from app.formats.soffice import convert, find_soffice
from app.report.build import write_report
from app.report.markings import (
    LEVELS,
    caveats_in,
    decide,
    find_in_text,
    find_markings,
    level_of,
    spans,
)
from app.report.model import gather
from tests import pdfgen
from tests.docgen import add_textbox, french_rapport


def _doc(*blocks: tuple[BlockKind, str]) -> Document:
    doc = Document(DocumentMeta(Path("x.docx"), "0" * 64, "docx"))
    for i, (kind, text) in enumerate(blocks):
        part = {"header": "header:0", "footer": "footer:0"}.get(kind.value, "body")
        doc.add_block(kind, [Run(text)], Locator(part, (i,)))
    return doc


P, H, F = BlockKind.PARAGRAPH, BlockKind.HEADER, BlockKind.FOOTER

# (where, as written in the source, the report's label or "" for none).  Realistic cases:
# cover pages, running heads, table cells, OCR output, and body text that must NOT count.
CASES: list[tuple[BlockKind, str, str]] = [
    # OCR noise and spacing
    (P, "S E C R E T", "SECRET"),
    (P, "T O P   S E C R E T", "TOP SECRET"),
    (P, "DIFFUSION  RESTREINTE", "DIFFUSION RESTREINTE"),
    (P, "SECRE T", "SECRET"),
    (P, "C0NFIDENTIEL DÉFENSE", "CONFIDENTIEL DÉFENSE"),
    (BlockKind.TEXTBOX, "CONF1DENTIAL", "CONFIDENTIAL"),
    # NATO / OTAN / EU spellings
    (BlockKind.TABLE_CELL, "NATO RESTRICTED", "NATO RESTRICTED"),
    (BlockKind.TEXTBOX, "OTAN DIFFUSION RESTREINTE", "NATO RESTRICTED"),
    (P, "COSMIC TRÈS SECRET", "COSMIC TOP SECRET"),
    (P, "RESTREINT UE/EU RESTRICTED", "RESTREINT UE"),
    (P, "nato  secret", "NATO SECRET"),
    # caveats are carried into the label
    (H, "SECRET SPÉCIAL FRANCE", "SECRET SPÉCIAL FRANCE"),
    (P, "TOP SECRET//NOFORN", "TOP SECRET NOFORN"),
    (P, "NATO SECRET REL TO FRA USA GBR", "NATO SECRET REL TO FRA USA GBR"),
    (P, "CONFIDENTIAL - FR EYES ONLY", "CONFIDENTIAL FR EYES ONLY"),
    # markings in running heads and sentences
    (H, "Rapport annuel — Diffusion Restreinte", "DIFFUSION RESTREINTE"),
    (F, "Page 3 / 12 — CONFIDENTIEL DÉFENSE", "CONFIDENTIEL DÉFENSE"),
    (P, "Ce document est classé SECRET DÉFENSE.", "SECRET DÉFENSE"),
    (P, "Classification : Très Secret Défense", "TRÈS SECRET DÉFENSE"),
    (P, "Diffusion restreinte", "DIFFUSION RESTREINTE"),
    (BlockKind.TABLE_CELL, "UNCLASSIFIED", "UNCLASSIFIED"),
    (P, "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"),
    # ordinary words: no marking
    (P, "La secrétaire générale a signé le procès-verbal.", ""),
    (P, "Le secret de fabrication est protégé par la loi.", ""),
    (BlockKind.HEADING, "SECRET DE FABRICATION", ""),
    (P, "La diffusion restreinte aux seuls destinataires est garantie.", ""),
    (F, "Le secret professionnel s'applique à ce courrier.", ""),
    (BlockKind.HEADING, "Secret", ""),
    (P, "DECLASSIFIED", ""),
    (P, "Confidential information about the project is kept apart.", ""),
    (P, "The Official Journal of the European Union", ""),
    (P, "Secrets of the trade", ""),
    (P, "Le secret défense a été levé par le ministre.", ""),
    (P, "Secrétariat général de la défense et de la sécurité nationale", ""),
]


@pytest.mark.parametrize(("kind", "written", "label"), CASES,
                         ids=[f"{k.value}:{w[:30]}" for k, w, _ in CASES])
def test_realistic_markings_and_ordinary_words(kind: BlockKind, written: str,
                                               label: str) -> None:
    decision = decide(_doc((P, "Le texte du rapport suit."), (kind, written)))
    assert decision.label == label
    assert decision.source == ("detected" if label else "none")


def test_the_case_table_has_both_kinds() -> None:
    assert len(CASES) >= 20
    assert sum(1 for *_, label in CASES if label) >= 10
    assert sum(1 for *_, label in CASES if not label) >= 10


@pytest.mark.parametrize(("written", "label"), [
    ("DIFFUSION RESTREINTE", "DIFFUSION RESTREINTE"),
    ("Diffusion restreinte", "DIFFUSION RESTREINTE"),
    ("CONFIDENTIEL DÉFENSE", "CONFIDENTIEL DÉFENSE"),
    ("confidentiel defense", "CONFIDENTIEL DÉFENSE"),
    ("SECRET DÉFENSE", "SECRET DÉFENSE"),
    ("S E C R E T   D É F E N S E", "SECRET DÉFENSE"),
    ("TRÈS SECRET DÉFENSE", "TRÈS SECRET DÉFENSE"),
    ("Tres Secret", "TRÈS SECRET"),
    ("NON PROTÉGÉ", "NON PROTÉGÉ"),
    ("non-protege", "NON PROTÉGÉ"),
    ("NATO RESTRICTED", "NATO RESTRICTED"),
    ("nato  confidential", "NATO CONFIDENTIAL"),
    ("NATO SECRET", "NATO SECRET"),
    ("OTAN SECRET", "NATO SECRET"),
    ("COSMIC TOP SECRET", "COSMIC TOP SECRET"),
    ("NATO UNCLASSIFIED", "NATO UNCLASSIFIED"),
    ("UNCLASSIFIED", "UNCLASSIFIED"),
    ("OFFICIAL", "OFFICIAL"),
    ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"),
    ("Official Sensitive", "OFFICIAL-SENSITIVE"),
    ("RESTRICTED", "RESTRICTED"),
    ("CONFIDENTIAL", "CONFIDENTIAL"),
    ("SECRET", "SECRET"),
    ("TOP  SECRET", "TOP SECRET"),
])
@pytest.mark.parametrize("kind", [H, F, P, BlockKind.TABLE_CELL, BlockKind.TEXTBOX])
def test_each_spelling_in_every_kind_of_block(written: str, label: str,
                                              kind: BlockKind) -> None:
    doc = _doc((P, "Le texte du rapport."), (kind, f"{written} — page 1"))
    found = find_markings(doc)
    assert [(f.level.label, f.where, f.block) for f in found] == [(label, kind.value, 1)]
    assert decide(doc).label == label


def test_longest_marking_wins_over_the_words_it_contains() -> None:
    hits = find_in_text("Classification : TOP SECRET / NATO SECRET")
    assert [h[0].label for h in hits] == ["TOP SECRET", "NATO SECRET"]
    assert "UNCLASSIFIED" not in [h[0].label for h in find_in_text("DECLASSIFIED")]
    assert caveats_in("SECRET — SPECIALE FRANCE") == ["SPÉCIAL FRANCE"]


def test_ranks_follow_the_scale() -> None:
    rank = {lv.label: lv.rank for lv in LEVELS}
    order = ["UNCLASSIFIED", "OFFICIAL", "OFFICIAL-SENSITIVE", "RESTRICTED", "CONFIDENTIAL",
             "SECRET", "TOP SECRET"]
    assert [rank[x] for x in order] == sorted(rank[x] for x in order)
    assert len({rank[x] for x in order}) == len(order)
    assert rank["DIFFUSION RESTREINTE"] == rank["NATO RESTRICTED"] == rank["RESTRICTED"]
    assert rank["SECRET DÉFENSE"] == rank["NATO SECRET"] < rank["COSMIC TOP SECRET"]
    assert rank["RESTREINT UE"] == rank["RESTRICTED"] and rank["SECRET UE"] == rank["SECRET"]


def _paged(*blocks: tuple[int, str]) -> Document:
    doc = Document(DocumentMeta(Path("x.pdf"), "0" * 64, "pdf", page_count=5))
    for i, (page, text) in enumerate(blocks):
        doc.add_block(P, [Run(text)], Locator("page", (page, i), page),
                      geometry=Geometry(page, (72, 72 + 20 * i, 300, 90 + 20 * i)))
    return doc


def test_a_higher_marking_on_a_later_page_wins() -> None:
    """Replaces the old first-page-only behaviour: page 3's SECRET beats page 1's DR."""
    doc = _paged((0, "DIFFUSION RESTREINTE"), (0, "Rapport de situation."),
                 (1, "Le convoi est parti."), (2, "SECRET"), (2, "Annexe technique."))
    decision = decide(doc)
    assert decision.label == "SECRET" and decision.conflict
    assert [(p["label"], p["pages"], p["blocks"]) for p in decision.places()] == [
        ("DIFFUSION RESTREINTE", [1], [0]), ("SECRET", [3], [3])]
    assert decision.to_dict()["places"] == decision.places()


def test_a_running_header_is_one_place_with_every_page() -> None:
    doc = Document(DocumentMeta(Path("x.pdf"), "0" * 64, "pdf", page_count=40))
    for page in range(40):
        if page != 20:
            doc.add_block(H, [Run("DIFFUSION RESTREINTE")], Locator("page", (page, 0), page))
        doc.add_block(P, [Run("Texte.")], Locator("page", (page, 1), page))
    (place,) = decide(doc).grouped()
    assert place.where() == "pages 1–20, 22–40, header" and len(place.blocks) == 39
    assert spans([3]) == "3" and spans([5, 1, 2]) == "1–2, 5"


def test_a_styled_marking_run_before_a_title_in_capitals() -> None:
    doc = Document(DocumentMeta(Path("x.pdf"), "0" * 64, "pdf", page_count=1))
    doc.add_block(BlockKind.HEADING, [Run("SECRET ", Style(bold=True, color="FF0000")),
                                      Run("NOTE DE SERVICE", Style(bold=True))],
                  Locator("page", (0, 0), 0))
    doc.add_block(BlockKind.HEADING, [Run("LE SECRET ", Style(bold=True)),
                                      Run("DE FABRICATION", Style(bold=True))],
                  Locator("page", (0, 1), 0))  # same style throughout: one segment
    assert [(f.level.label, f.block) for f in find_markings(doc)] == [("SECRET", 0)]


def test_conflict_keeps_the_highest_and_warns() -> None:
    doc = _doc((H, "DIFFUSION RESTREINTE"), (P, "Texte."), (F, "SECRET DÉFENSE"))
    decision = decide(doc)
    assert decision.label == "SECRET DÉFENSE"
    assert decision.conflict and decision.source == "detected"
    assert any("DIFFUSION RESTREINTE" in w and "SECRET DÉFENSE" in w for w in decision.warnings)


def test_same_marking_twice_is_no_conflict() -> None:
    doc = _doc((H, "NATO RESTRICTED"), (F, "nato restricted"))
    decision = decide(doc)
    assert decision.label == "NATO RESTRICTED" and not decision.conflict
    assert decision.warnings == [] and len(decision.found) == 2


def test_user_override_wins_and_is_normalised() -> None:
    doc = _doc((H, "DIFFUSION RESTREINTE"))
    decision = decide(doc, "nato  secret")
    assert decision.label == "NATO SECRET" and decision.source == "user"
    assert any("DIFFUSION RESTREINTE" in w for w in decision.warnings)
    free = decide(_doc((P, "Texte.")), "SPÉCIAL FRANCE  EXERCICE")
    assert free.label == "SPÉCIAL FRANCE EXERCICE" and free.rank is None
    assert level_of("Secret  Défense") is not None


# -- every supported format, read by the real readers -------------------------------

def _labels_and_places(path: Path) -> tuple[str, set[tuple[str, object]]]:
    decision = decide(read_document(path))
    return decision.label, {(f.level.label, f.page or f.where) for f in decision.found}


def test_docx_table_cell_text_box_and_second_section_header(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Rapport de situation logistique.")
    d.sections[0].header.paragraphs[0].text = "DIFFUSION RESTREINTE"
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Niveau"
    table.cell(1, 1).text = "CONFIDENTIEL DÉFENSE"
    add_textbox(d.add_paragraph("Encadré :"), ["NATO SECRET"])
    second = d.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "TRÈS SECRET DÉFENSE"
    d.add_paragraph("La secrétaire a relu le secret de fabrication.")
    d.save(str(tmp_path / "m.docx"))
    label, places = _labels_and_places(tmp_path / "m.docx")
    assert label == "TRÈS SECRET DÉFENSE"
    assert places == {("DIFFUSION RESTREINTE", "header"), ("CONFIDENTIEL DÉFENSE", "table_cell"),
                      ("NATO SECRET", "textbox"), ("TRÈS SECRET DÉFENSE", "header")}


def test_pdf_every_page_and_table_cells(tmp_path: Path) -> None:
    pdf = pymupdf.open()
    for n in range(4):
        page = pdf.new_page(width=pdfgen.WIDTH, height=pdfgen.HEIGHT)
        pdfgen.running_header_footer(page, "DIFFUSION RESTREINTE" if n == 0 else None,
                                     "Page {n}", n + 1)
        pdfgen.write_paragraph(page, 72, 120, 400, pdfgen.lorem(40, seed=n))
    pdfgen.ruled_table(pdf[1], pymupdf.Rect(72, 400, 472, 460),
                       [["Objet", "Niveau"], ["Plan de transport", "CONFIDENTIEL DÉFENSE"]])
    pdfgen.write_paragraph(pdf[2], 72, 500, 400, "S E C R E T")
    pdf.save(str(tmp_path / "m.pdf"))
    pdf.close()
    label, places = _labels_and_places(tmp_path / "m.pdf")
    assert label == "SECRET"
    assert places == {("DIFFUSION RESTREINTE", 1), ("CONFIDENTIEL DÉFENSE", 2), ("SECRET", 3)}


def test_pptx_table_cell_and_notes_on_a_later_slide(tmp_path: Path) -> None:
    deck = pptx.Presentation()
    blank = deck.slide_layouts[6]
    deck.slides.add_slide(blank).shapes.add_textbox(Inches(1), Inches(1), Inches(4),
                                                    Inches(1)).text_frame.text = "Diffusion restreinte"
    deck.slides.add_slide(blank)
    third = deck.slides.add_slide(blank)
    table = third.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(6), Inches(2)).table
    table.cell(1, 1).text = "NATO CONFIDENTIAL"
    third.notes_slide.notes_text_frame.text = "Le secret de fabrication reste interne."
    deck.save(str(tmp_path / "m.pptx"))
    label, places = _labels_and_places(tmp_path / "m.pptx")
    assert label == "NATO CONFIDENTIAL"
    assert {lv for lv, _ in places} == {"DIFFUSION RESTREINTE", "NATO CONFIDENTIAL"}
    assert ("NATO CONFIDENTIAL", "table_cell") in places


def test_xlsx_cell_on_a_second_sheet_and_sheet_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    first["A1"] = "Budget 2024"
    first.oddHeader.center.text = "DIFFUSION RESTREINTE"
    second = book.create_sheet("Annexe")
    second["B7"] = "SECRET"
    second["A1"] = "Secrétariat"
    book.save(str(tmp_path / "m.xlsx"))
    label, places = _labels_and_places(tmp_path / "m.xlsx")
    assert label == "SECRET"
    assert {lv for lv, _ in places} == {"DIFFUSION RESTREINTE", "SECRET"}


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_scanned_page_read_by_ocr(tmp_path: Path) -> None:
    pdf = pymupdf.open()
    page = pdf.new_page(width=pdfgen.WIDTH, height=pdfgen.HEIGHT)
    page.insert_text((200, 90), "S E C R E T", fontsize=22, fontname="hebo")
    page.insert_text((72, 200), "Le convoi est parti du dépôt ce matin.", fontsize=14)
    pix = page.get_pixmap(dpi=200)
    scan = pymupdf.open()
    scan.new_page(width=pdfgen.WIDTH, height=pdfgen.HEIGHT).insert_image(
        scan[0].rect, pixmap=pix)
    scan.save(str(tmp_path / "scan.pdf"))
    label, places = _labels_and_places(tmp_path / "scan.pdf")
    assert label == "SECRET" and ("SECRET", 1) in places


@pytest.mark.parametrize(("name", "content", "label"), [
    ("note.txt", "Rapport de situation.\n\nLe secret de fabrication reste interne.\n\n"
                 "NATO SECRET\n", "NATO SECRET"),
    ("note.md", "# Rapport\n\nTexte du rapport.\n\n**CONFIDENTIEL DÉFENSE**\n",
     "CONFIDENTIEL DÉFENSE"),
    ("note.html", "<html><body><p>Texte du rapport.</p><table><tr><td>Niveau</td>"
                  "<td>DIFFUSION RESTREINTE</td></tr></table></body></html>",
     "DIFFUSION RESTREINTE"),
])
def test_text_formats(tmp_path: Path, name: str, content: str, label: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert _labels_and_places(path)[0] == label


def test_email_body(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Rapport"
    msg.set_content("Bonjour,\n\nTexte du rapport.\n\nSECRET SPÉCIAL FRANCE\n")
    path = tmp_path / "note.eml"
    path.write_bytes(msg.as_bytes())
    assert _labels_and_places(path)[0] == "SECRET SPÉCIAL FRANCE"


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_odt_header_and_table_cell(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Rapport de situation.")
    d.sections[0].header.paragraphs[0].text = "DIFFUSION RESTREINTE"
    d.add_table(rows=1, cols=2).cell(0, 1).text = "TRÈS SECRET"
    d.save(str(tmp_path / "m.docx"))
    odt = convert(tmp_path / "m.docx", "odt", tmp_path / "odt")
    label, places = _labels_and_places(odt)
    assert label == "TRÈS SECRET"
    assert {lv for lv, _ in places} == {"DIFFUSION RESTREINTE", "TRÈS SECRET"}


# -- the report lists where each marking was found -----------------------------------

@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_report_lists_each_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 suffix: str) -> None:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    doc = _paged((0, "DIFFUSION RESTREINTE"), (0, "Rapport."), (2, "NATO SECRET"),
                 (2, "Annexe."))
    out = tmp_path / f"report{suffix}"
    write_report(gather(doc), out)
    if suffix == ".pdf":
        with pymupdf.open(out) as pdf:
            text = " ".join(" ".join(p.get_text().split()) for p in pdf)
    else:
        d = docx.Document(str(out))
        text = " ".join([p.text for p in d.paragraphs]
                        + [c.text for t in d.tables for row in t.rows for c in row.cells])
    assert "Markings found in the source" in text
    assert "page 1, paragraph" in text and "page 3, paragraph" in text
    assert "Block" in text
    assert "NATO SECRET" in text and "DIFFUSION RESTREINTE" in text


def test_docx_header_of_the_generated_rapport(tmp_path: Path) -> None:
    src = french_rapport(tmp_path / "rapport.docx", footer_marking="CONFIDENTIEL DÉFENSE",
                         body_marking="NON PROTÉGÉ")
    doc = read_document(src)
    found = {(f.level.label, f.where) for f in find_markings(doc)}
    assert found == {("DIFFUSION RESTREINTE", "header"), ("CONFIDENTIEL DÉFENSE", "footer"),
                     ("NON PROTÉGÉ", "paragraph")}
    decision = decide(doc)
    assert decision.label == "CONFIDENTIEL DÉFENSE" and decision.conflict
