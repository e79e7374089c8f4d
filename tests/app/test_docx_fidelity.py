"""DOCX fidelity (issue 4): every container read, translated whole, written back in place."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from app.core.config import JobConfig
from app.document import BlockKind, Document, TranslationStatus
from app.formats.docx_reader import read_docx
from app.pipeline.job import Job, run
from engines.translate.base import Translator
from engines.translate.pseudo import PseudoTranslator, pseudo_localize
from tests.docgen import add_notes, add_page_field, rich_docx, simple_docx, styled_docx


def translate(src: Path, out: Path, translator: Translator | None = None,
              source_lang: str = "en", target_lang: str = "fr") -> Job:
    job = Job(JobConfig(input=src, target_lang=target_lang, source_lang=source_lang,
                        engine="pseudo",
                        output=out, overwrite=True))
    job.translator = translator or PseudoTranslator()
    return run(job)


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Job]:
    folder = tmp_path_factory.mktemp("rich")
    src = rich_docx(folder / "rich.docx")
    out = folder / "rich.fr.docx"
    return src, out, translate(src, out)


def part_text(docx_path: Path, name: str) -> str:
    """All ``w:t`` text of one package part."""
    with zipfile.ZipFile(docx_path) as z:
        xml = z.read(name).decode("utf-8")
    return "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml))


def test_reader_reaches_every_container(tmp_path: Path) -> None:
    doc = read_docx(rich_docx(tmp_path / "r.docx"))
    kinds = {b.kind for b in doc.blocks}
    assert kinds >= {BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.LIST_ITEM,
                     BlockKind.TABLE_CELL, BlockKind.HEADER, BlockKind.FOOTER,
                     BlockKind.FOOTNOTE, BlockKind.ENDNOTE, BlockKind.CAPTION,
                     BlockKind.TEXTBOX}
    by_text = {b.text.strip(): b for b in doc.blocks}
    assert by_text["Replace worn brake pads first."].level == 1  # w:ilvl
    assert by_text["Ready for duty"].locator.path == (9, 1, 1, 1, 0, 0, 0)  # nested table
    assert by_text["Measured over the first eleven months."].locator.part == "footnotes"
    # Text boxes are their own blocks, counted once (not in the anchor, not the VML copy).
    boxes = [b.text for b in doc.blocks if b.kind is BlockKind.TEXTBOX]
    assert boxes == ["Important notice for all drivers.", "Keep your licence with you.",
                     "Old style text box content."]
    assert by_text["The paragraph that anchors a text box."].kind is BlockKind.PARAGRAPH
    headers = {b.locator.part for b in doc.blocks if b.kind is BlockKind.HEADER}
    assert headers == {"header:0", "first_page_header:0", "even_page_header:0", "header:1"}
    # Fields stay out of the text: the footer keeps only its words.
    footer = next(b for b in doc.blocks if b.kind is BlockKind.FOOTER)
    assert "1" not in footer.text and "2" not in footer.text
    link = by_text["Read the full report before the meeting on 2024-03-15."]
    assert [r.style.link for r in link.runs] == [None, "https://example.org/report-2024", None]


def test_locators_are_stable_across_reads(tmp_path: Path) -> None:
    src = rich_docx(tmp_path / "r.docx")
    first, second = read_docx(src), read_docx(src)
    assert [b.locator for b in first.blocks] == [b.locator for b in second.blocks]
    assert len({b.locator.key() for b in first.blocks}) == len(first.blocks)


def test_rich_docx_fully_translated(rich: tuple[Path, Path, Job]) -> None:
    _, _, job = rich
    report = job.fidelity
    assert report is not None
    assert report["translated"] == report["blocks"] > 20
    assert report["untranslated"] == 0 and report["numbers_lost"] == 0
    assert report["numbers_checked"] >= 4
    assert report["styled_spans_source"] == report["styled_spans_target"] == 2
    assert report["ok"], report["issues"]


def test_translation_reaches_every_part(rich: tuple[Path, Path, Job]) -> None:
    _, out, _ = rich
    expect = {
        "word/footnotes.xml": "Measured over the first eleven months.",
        "word/endnotes.xml": "Final figures will follow in the spring.",
        "word/document.xml": "Important notice for all drivers.",
    }
    for part, source in expect.items():
        text = part_text(out, part)
        assert pseudo_localize(source)[:20] in text, part
        assert source not in text, part
    with zipfile.ZipFile(out) as z:
        headers = [n for n in z.namelist() if re.match(r"word/header\d+\.xml", n)]
    header_text = "".join(part_text(out, h) for h in headers)
    for source in ("First page header of the report", "Even page header of the report",
                   "Default header of the report", "Header of the annex section"):
        assert pseudo_localize(source)[:20] in header_text
    # Both copies of the text box (DrawingML and its VML fallback) are translated.
    body = part_text(out, "word/document.xml")
    assert body.count(pseudo_localize("Important notice for all drivers.")[:20]) == 2


def test_structure_is_kept(rich: tuple[Path, Path, Job]) -> None:
    src, out, _ = rich
    before, after = docx.Document(str(src)), docx.Document(str(out))
    assert len(after.sections) == len(before.sections) == 2
    assert len(after.inline_shapes) == len(before.inline_shapes) == 1
    assert after.inline_shapes[0]._inline.graphic.graphicData.pic is not None
    assert len(after.paragraphs) == len(before.paragraphs)
    assert len(after.tables[0].cell(1, 1).tables) == 1
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    numbered = [p for p in after.paragraphs if p._p.pPr is not None
                and p._p.pPr.numPr is not None]
    assert [(p._p.pPr.numPr.ilvl.val, p._p.pPr.numPr.numId.val) for p in numbered] == [(1, 1)]
    assert after.sections[0].different_first_page_header_footer
    assert after.settings.odd_and_even_pages_header_footer
    with zipfile.ZipFile(out) as z:
        footer = z.read("word/footer1.xml").decode()
        assert any(n.startswith("word/media/") for n in z.namelist())
    assert "PAGE" in footer and 'w:instr=" NUMPAGES "' in footer  # fields untouched


def test_bold_word_and_hyperlink_survive(rich: tuple[Path, Path, Job]) -> None:
    _, out, _ = rich
    d = docx.Document(str(out))
    bold = [r.text for p in d.paragraphs for r in p.runs if r.bold]
    assert bold == [pseudo_localize("three drivers.")[1:6]]  # "thréé", alone
    link_par = d.paragraphs[2]
    links = link_par._p.findall(qn("w:hyperlink"))
    assert len(links) == 1
    rid = links[0].get(qn("r:id"))
    assert link_par.part.rels[rid].target_ref == "https://example.org/report-2024"
    assert "".join(t.text for t in links[0].iter(qn("w:t"))) == "fûll répört"
    assert link_par.text.startswith("[Réàđ thé ")


def test_styled_docx_spans(tmp_path: Path) -> None:
    src = styled_docx(tmp_path / "s.docx")
    job = translate(src, tmp_path / "s.fr.docx")
    assert job.fidelity is not None and job.fidelity["ok"], job.fidelity
    runs = docx.Document(str(tmp_path / "s.fr.docx")).paragraphs[0].runs
    assert [(r.text, bool(r.bold)) for r in runs[:2]] == [
        ("[Thé öffîçér réàđš thé ", False), ("réđ", True)]
    assert len(runs) == 3 and runs[2].text.startswith(" répört. ~") and not runs[2].bold


class FailingTranslator(PseudoTranslator):
    """Raises on one sentence, like an engine that chokes on a block."""

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        if any("brake pads" in t for t in texts):
            raise RuntimeError("engine crashed on this sentence")
        return super().translate_batch(texts, src, tgt)


def test_one_failing_block_is_reported_and_kept(tmp_path: Path) -> None:
    src = rich_docx(tmp_path / "r.docx")
    out = tmp_path / "r.fr.docx"
    job = translate(src, out, FailingTranslator())
    failed = [b for b in job.doc.blocks if b.translation.status is TranslationStatus.FAILED]
    assert [b.text for b in failed] == ["Replace worn brake pads first."]
    assert "engine crashed" in failed[0].translation.reason
    report = job.fidelity
    assert report is not None and report["untranslated"] == 1
    assert report["translated"] == report["blocks"] - 1
    assert [(i["kind"], i["text"]) for i in report["issues"]] == [
        ("untranslated", "Replace worn brake pads first.")]
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "Replace worn brake pads first." in texts  # left in the source language
    assert pseudo_localize("Check the tyres of every vehicle.") in texts


def test_output_opens_in_libreoffice(rich: tuple[Path, Path, Job], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    _, out, _ = rich
    profile = tmp_path / "profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True, timeout=120, check=False)
    pdf = tmp_path / (out.stem + ".pdf")
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    import pymupdf

    with pymupdf.open(pdf) as rendered:
        text = "".join(page.get_text() for page in rendered)
    assert "thréé" in text and "Împörtàñt" in text
    assert len(docx.Document(str(out)).paragraphs) > 10  # python-docx re-reads it too


def test_simple_docx_table_and_header(tmp_path: Path) -> None:
    src = simple_docx(tmp_path / "t.docx", ["First line of text.", "Second line."],
                      table=[["North", "South"], ["East", "West"]], header="Top secret header")
    job = translate(src, tmp_path / "t.fr.docx")
    out = docx.Document(str(tmp_path / "t.fr.docx"))
    assert [c.text for row in out.tables[0].rows for c in row.cells] == [
        pseudo_localize(t) for t in ("North", "South", "East", "West")]
    assert out.sections[0].header.paragraphs[0].text == pseudo_localize("Top secret header")
    assert job.fidelity is not None and job.fidelity["ok"]


def _corpus_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "docx").glob("*.docx")) + sorted((corpus / "real-fr").glob("*.docx"))


def test_shared_corpus_never_crashes(shared_corpus: Path, tmp_path: Path) -> None:
    files = _corpus_files(shared_corpus)
    assert len(files) >= 40
    for n, src in enumerate(files):
        out = tmp_path / f"{n}.docx"
        pair = ("fr", "en") if src.parent.name == "real-fr" else ("en", "fr")
        job = translate(src, out, source_lang=pair[0], target_lang=pair[1])
        doc: Document = job.doc
        report = job.fidelity
        assert report is not None, src.name
        statuses = {b.translation.status for b in doc.blocks}
        assert TranslationStatus.PENDING not in statuses, src.name
        assert report["translated"] + report["skipped"] + report["untranslated"] == len(
            doc.blocks), src.name
        assert report["untranslated"] == 0, (src.name, report["issues"])
        reread = read_docx(out)  # the output reopens, with as many blocks
        assert len(reread.blocks) == len(doc.blocks), src.name


def _sequence(xml: str) -> list[str]:
    """Text pieces and inline objects of a part, in document order."""
    pattern = r'<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:(footnoteReference|instrText)[^>]*?>([^<]*)'
    return [m.group(1) if m.group(1) is not None else (m.group(3) or m.group(2)).strip()
            for m in re.finditer(pattern, xml)]


def test_inline_objects_stay_between_their_words(tmp_path: Path) -> None:
    d = docx.Document()
    p = d.add_paragraph("The first sentence carries a note.")
    add_notes(d, "footnote", [(p, "The note itself.")])
    p.add_run(" The second sentence has none at all, and it is rather long.")
    footer = d.sections[0].footer.paragraphs[0]
    footer.text = "Page "
    add_page_field(footer)
    src = tmp_path / "n.docx"
    d.save(str(src))
    out = tmp_path / "n.fr.docx"
    translate(src, out)
    with zipfile.ZipFile(out) as z:
        body = _sequence(z.read("word/document.xml").decode())
        foot = _sequence(z.read("word/footer1.xml").decode())
    ref = body.index("footnoteReference")
    assert "".join(body[:ref]).startswith(pseudo_localize("The first sentence carries a note.")[:-1])
    assert "".join(body[ref + 1:]).lstrip().startswith("[Thé šéçöñđ")
    page = foot.index("PAGE")
    assert "".join(foot[:page]).strip() == "[Pàgé" and "öf" in "".join(foot[page + 1:])
