"""Translated reports: provenance, markings on every page, bilingual order, numbers kept."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import docx
import pymupdf
import pytest

from app.cli import main
from app.core.config import JobConfig
from app.document import TranslationStatus
from app.formats.registry import output_formats
from app.pipeline.engine_select import translator_factory
from app.pipeline.job import Job, run
from app.pipeline.stages import TRANSLATE_STAGES
from app.report.build import write_report
from app.report.markings import find_markings
from app.report.model import ReportData, gather
from app.summarize.types import SummaryResult, Unsupported
from engines.protect import NUMERIC_KINDS, find_spans
from engines.translate.base import EngineInfo, Translator
from engines.translate.chain import build_chain
from engines.translate.glossary import Glossary, Term
from engines.translate.pseudo import PseudoTranslator
from tests.docgen import RAPPORT_NUMBERS, french_rapport, simple_docx

MARKING = "DIFFUSION RESTREINTE"
BAND = 70.0  # points at the top and bottom of a page where the marking must be


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PASSERELLE_AUDIT", raising=False)  # on, even if the suite turns it off
    return tmp_path / "data"


def _translated(source: Path, translator: Translator | None = None) -> Job:
    """Read, detect (given), translate and verify: every stage but the writer."""
    config = JobConfig(input=source, target_lang="en", source_lang="fr", engine="pseudo")
    job = Job(config=config, translator=translator, translator_factory=translator_factory)
    return run(job, [s for s in TRANSLATE_STAGES if s.name != "write"])


def _render(job: Job, out: Path, **kwargs: object) -> ReportData:
    kwargs.setdefault("fidelity", job.fidelity)
    data = gather(job.doc, translator=job.translator, **kwargs)  # type: ignore[arg-type]
    write_report(data, out)
    return data


def _pdf_text(path: Path) -> str:
    with pymupdf.open(path) as pdf:
        return "\n".join(page.get_text() for page in pdf)


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts: list[str] = []
    for item in d.iter_inner_content():  # body paragraphs and tables in reading order
        if isinstance(item, docx.table.Table):
            parts += [c.text for row in item.rows for c in row.cells]
        else:
            parts.append(item.text)
    for s in d.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return "\n".join(parts)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture
def rapport(tmp_path: Path) -> Path:
    return french_rapport(tmp_path / "rapport.docx")


@pytest.fixture
def long_source(tmp_path: Path) -> Path:
    paragraphs = [f"Paragraphe numéro {i} du compte rendu : le peloton {i} a parcouru "
                  f"{i * 7} kilomètres avant la halte." for i in range(70)]
    return simple_docx(tmp_path / "long.docx", paragraphs, heading="Compte rendu de marche",
                       header="NATO RESTRICTED", table=[["Unité", "Effectif"], ["A", "31"]])


def _source_numbers(path: Path) -> list[str]:
    from app.formats.registry import read_document

    doc = read_document(path)
    return [s.text for b in doc.blocks for s in find_spans(b.text) if s.kind in NUMERIC_KINDS]


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_done_when_rapport_report_reopens_with_every_number(
        rapport: Path, tmp_path: Path, data_dir: Path, suffix: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"report{suffix}"
    assert main(["report", str(rapport), "--to", "en", "--engine", "pseudo",
                 "--summary-engine", "extractive", "--quiet", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    text = _pdf_text(out) if suffix == ".pdf" else _docx_text(out)
    numbers = _source_numbers(rapport)
    assert set(RAPPORT_NUMBERS) <= set(numbers)
    squashed = _squash(text)
    assert [n for n in numbers if _squash(n) not in squashed] == []
    assert MARKING in text and hashlib.sha256(rapport.read_bytes()).hexdigest() in text
    assert "French (fr), confidence" in text  # detected, with its confidence
    record = json.loads((data_dir / "audit.jsonl").read_text().splitlines()[-1])
    assert record["kind"] == "report" and record["status"] == "ok"
    assert record["outputs"][0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert record["marking"]["label"] == MARKING
    assert [m["role"] for m in record["models"]] == ["translation", "summary"]
    assert "convoi" not in json.dumps(record)


def test_pdf_marking_on_top_and_bottom_of_every_page(long_source: Path, tmp_path: Path) -> None:
    job = _translated(long_source)
    out = tmp_path / "long.pdf"
    _render(job, out, bilingual=True)
    with pymupdf.open(out) as pdf:
        assert pdf.page_count >= 5
        for page in pdf:
            r = page.rect
            top = page.get_text(clip=pymupdf.Rect(0, 0, r.width, BAND))
            bottom = page.get_text(clip=pymupdf.Rect(0, r.height - BAND, r.width, r.height))
            assert "NATO RESTRICTED" in top, page.number
            assert "NATO RESTRICTED" in bottom, page.number
            assert f"{page.number + 1} / {pdf.page_count}" in bottom


def test_docx_marking_in_every_section_header_and_footer(long_source: Path,
                                                         tmp_path: Path) -> None:
    job = _translated(long_source)
    out = tmp_path / "long.docx"
    _render(job, out, marking="nato confidential")
    d = docx.Document(str(out))
    assert d.sections
    for section in d.sections:
        assert not section.different_first_page_header_footer
        assert not section.header.is_linked_to_previous
        assert "NATO CONFIDENTIAL" in [p.text for p in section.header.paragraphs]
        assert "NATO CONFIDENTIAL" in [p.text for p in section.footer.paragraphs]
        assert 'PAGE' in section.footer._element.xml  # the page number field
    assert not d.settings.odd_and_even_pages_header_footer


def test_provenance_cover(rapport: Path, tmp_path: Path) -> None:
    job = _translated(rapport)
    expected = hashlib.sha256(rapport.read_bytes()).hexdigest()
    for suffix in (".pdf", ".docx"):
        out = tmp_path / f"cover{suffix}"
        data = _render(job, out)
        text = _pdf_text(out) if suffix == ".pdf" else _docx_text(out)
        assert data.source.sha256 == expected
        cover = text.split("Summary")[0]
        for needle in (expected, "rapport.docx", "DOCX", "French (fr)", "English (en)",
                       "pseudo", socket.gethostname(), data.user, MARKING,
                       "This is a machine translation", "Ceci est une traduction automatique"):
            assert needle in cover, (suffix, needle)


class _DemoEngine(Translator):
    @property
    def info(self) -> EngineInfo:
        return EngineInfo("ct2", "opus-mt-fr-en-demo", "4.5", "ab" * 32, demo=True)

    def translate_batch(self, texts: object, src: str, tgt: str) -> list[str]:
        return [f"EN {t}" for t in texts]  # type: ignore[attr-defined]


def test_models_with_checksum_and_demo_mark(rapport: Path, tmp_path: Path) -> None:
    job = _translated(rapport, translator=_DemoEngine())
    out = tmp_path / "demo.pdf"
    data = _render(job, out)
    assert data.models[0].checksum == "ab" * 32 and data.models[0].demo
    text = _pdf_text(out)
    assert "opus-mt-fr-en-demo — DEMO-QUALITY MODEL" in text
    assert "ab" * 32 in text and "DEMO-quality model was used" in text


def test_bilingual_table_keeps_block_order(long_source: Path, tmp_path: Path) -> None:
    job = _translated(long_source)
    out = tmp_path / "bi.docx"
    data = _render(job, out, bilingual=True)
    prefix = {"header": "Header: ", "footer": "Footer: "}
    expected = [(prefix.get(r.kind, "") + r.source, prefix.get(r.kind, "") + r.target)
                for r in data.rows]
    blocks = [b for b in job.doc.blocks if b.text.strip()]
    assert [r.block for r in data.rows] == [b.id for b in blocks]
    d = docx.Document(str(out))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "Source")
    rows = [(r.cells[0].text, r.cells[1].text) for r in table.rows[1:]]
    assert rows == expected and len(rows) == len(blocks) > 70
    heading = table.rows[1].cells
    style = heading[0].paragraphs[0].style
    assert style is not None and style.name.startswith("Heading")
    assert heading[1].text.startswith("[Çömpté")
    pdf_out = tmp_path / "bi.pdf"
    write_report(data, pdf_out)
    squashed = _squash(_pdf_text(pdf_out))
    squashed = squashed[squashed.find("SourceTranslation"):]
    pos = 0
    for s, t in expected:  # each row's source then its translation, after the previous row
        pos = squashed.find(_squash(s), pos)
        assert pos >= 0, s
        pos = squashed.find(_squash(t), pos)
        assert pos >= 0, t


def test_mono_keeps_headings_and_rebuilds_tables(rapport: Path, tmp_path: Path) -> None:
    job = _translated(rapport)
    out = tmp_path / "mono.docx"
    _render(job, out)
    d = docx.Document(str(out))
    headings = [p.text for p in d.paragraphs if p.style and p.style.name.startswith("Heading")]
    assert any(h.startswith("[Ràppört") for h in headings)
    assert any(h.startswith("[Möýéñš") for h in headings)
    grid = next(t for t in d.tables if "12" in [c.text for c in t.columns[1].cells])
    assert [[c.text for c in r.cells] for r in grid.rows][1:] == [
        ["[Çàmîöñš löûrđš ~~]", "12"], ["[Gröûpéš éléçtrögèñéš ~~~]", "8"]]


def test_summary_key_facts_and_unsupported_numbers(rapport: Path, tmp_path: Path) -> None:
    job = _translated(rapport)
    summary = SummaryResult(text="The convoy of 14 trucks left with 99 drivers.", engine="llm",
                            language="en", model_id="tiny-llm", demo=True,
                            key_facts={"who": ["convoy"], "when": ["2024-03-15"]},
                            unsupported=[Unsupported("99", "left with 99 drivers")])
    for suffix in (".pdf", ".docx"):
        out = tmp_path / f"summary{suffix}"
        _render(job, out, summary=summary)
        text = _pdf_text(out) if suffix == ".pdf" else _docx_text(out)
        assert "The convoy of 14 trucks left with 99 drivers." in text
        assert "2024-03-15" in text and "Key facts" in text
        assert "Not found in the source" in text
        assert "number: 99 — “left with 99 drivers”" in text
        assert "tiny-llm" in text


def test_appendix_lists_fidelity_issues_and_glossary(rapport: Path, tmp_path: Path) -> None:
    chain = build_chain(PseudoTranslator(), glossary=Glossary([Term("convoi", "convoy")]))
    job = _translated(rapport, translator=chain)
    failed = next(b for b in job.doc.blocks if "consommation" in b.text)
    failed.translation.status, failed.translation.reason = (TranslationStatus.FAILED,
                                                            "engine error: out of memory")
    lost = next(b for b in job.doc.blocks if "2 400" in b.text)
    lost.translation.text = lost.translation.text.replace("2 400", "2 500")
    prose = [b for b in job.doc.blocks if len(b.text.split()) >= 4 and b not in (failed, lost)
             and "convoi" not in b.text
             and b.translation.status is TranslationStatus.TRANSLATED]
    debris, same = prose[0], prose[1]
    same.translation.text = same.text  # left in French
    debris.translation.text += " <1>"
    out = tmp_path / "appendix.pdf"
    data = _render(job, out, fidelity=None)
    assert [(g.source, g.target, g.count) for g in data.glossary_applied] == [
        ("convoi", "convoy", 1)]
    appendix = _pdf_text(out).split("Appendix: fidelity")[1].replace("\n", " ")
    assert "engine error: out of memory" in appendix
    assert "2 400" in appendix.split("Numbers or dates not preserved")[1]
    assert same.text[:30] in appendix.split("Left in the source language")[1]
    assert debris.text[:30] in appendix.split("Markup debris and repaired spans")[1]
    assert "1 identical" in appendix and "1 markup" in appendix  # the summary line
    assert "Blocks kept as they are" in appendix
    assert "convoi" in appendix.split("Glossary terms applied")[1]


def test_conflict_is_reported_in_cli_and_report(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    src = french_rapport(tmp_path / "conflit.docx", footer_marking="SECRET DÉFENSE")
    out = tmp_path / "conflit.docx.pdf"
    assert main(["report", str(src), "--to", "en", "--from", "fr", "--engine", "pseudo",
                 "--summary-engine", "none", "--quiet", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "SECRET DÉFENSE" in err and MARKING in err
    with pymupdf.open(out) as pdf:
        first = pdf[0].get_text(clip=pymupdf.Rect(0, 0, pdf[0].rect.width, BAND))
        assert "SECRET DÉFENSE" in first and MARKING not in first
        assert "the highest, SECRET DÉFENSE, is kept" in pdf[0].get_text().replace("\n", " ")
        assert "No summary was requested." in _pdf_text(out)


@pytest.mark.parametrize(("lang", "needle"), [("ar", "هذه ترجمة"), ("ru", "машинный перевод"),
                                               ("zh", "机器翻译"), ("fr", "Rapport de traduction")])
def test_disclaimer_scripts_render(rapport: Path, tmp_path: Path, lang: str,
                                   needle: str) -> None:
    job = _translated(rapport)
    job.doc.target_language = lang
    out = tmp_path / f"{lang}.pdf"
    _render(job, out)
    with pymupdf.open(out) as pdf:
        text = unicodedata.normalize("NFKC", pdf[0].get_text())
        fonts = {f[3] for f in pdf.get_page_fonts(0)}
    assert needle in text or needle in text.replace("\n", " ")
    assert "Ceci est une traduction automatique" in text
    assert any("Noto" in f for f in fonts)


def _report_formats() -> Iterator[str]:
    yield from ("report-docx", "report-pdf")


def test_registry_report_formats_keep_the_job_provenance(rapport: Path, tmp_path: Path) -> None:
    assert set(_report_formats()) <= set(output_formats("docx"))
    assert set(_report_formats()) <= set(output_formats("pdf"))
    out = tmp_path / "via-registry.report.pdf"
    config = JobConfig(input=rapport, target_lang="en", source_lang="fr", engine="pseudo",
                       output=out, output_format="report-pdf", fidelity_json=False)
    job = run(Job(config=config, translator_factory=translator_factory))
    assert job.outputs == [out]
    text = _pdf_text(out)
    assert "pseudo" in text and MARKING in text and "textrank" in text


def test_pdf_source_marking_pages_and_hash(tmp_path: Path) -> None:
    from tests.pdfgen import two_column_pdf

    src = two_column_pdf(tmp_path / "source.pdf", pages=3, header="NATO CONFIDENTIAL")
    job = _translated(src)
    assert {f.where for f in find_markings(job.doc)} == {"header"}
    out = tmp_path / "source.report.docx"
    data = _render(job, out)
    assert data.marking.label == "NATO CONFIDENTIAL" and data.source.pages == 3
    text = _docx_text(out)
    cover = text.split("Summary")[0]
    assert hashlib.sha256(src.read_bytes()).hexdigest() in cover
    assert "PDF" in cover and "\n3\n" in cover


def test_cli_refuses_before_any_work(rapport: Path, tmp_path: Path, data_dir: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    base = ["report", str(rapport), "--to", "en", "--engine", "pseudo", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "report.txt")]) == 1
    assert "a .pdf or a .docx" in capsys.readouterr().err
    existing = tmp_path / "exists.pdf"
    existing.write_bytes(b"%PDF-1.4 keep me")
    assert main([*base, "--out", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_bytes() == b"%PDF-1.4 keep me"
    assert not (data_dir / "audit.jsonl").exists()  # no job was started
