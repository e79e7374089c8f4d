"""The quick text sample read at drop time (app.formats.sample): only the start of each
document, in a capped child process, and None for what cannot be sampled cheaply."""

from __future__ import annotations

import functools
import json
import multiprocessing
import threading
from pathlib import Path

import pymupdf
import pytest

from app.formats import sample
from app.formats.sample import SampleOptions, sample_text
from engines import offline
from tests import offline_probe
from tests.docgen import simple_docx
from tests.hostile.corpus import (
    base_docx,
    body_xml,
    encrypted_pdf,
    laughs_docx,
    para,
    rewrite_zip,
    scan_pdf,
)
from tests.officegen import DECK_TEXTS, rich_pptx


def _numbered_pdf(path: Path, pages: int) -> Path:
    doc = pymupdf.open()
    for n in range(pages):
        doc.new_page().insert_text((50, 72), f"Text of page number {n + 1} here.")
    doc.save(str(path))
    return path


def test_pdf_sample_reads_only_the_first_pages(tmp_path: Path) -> None:
    src = _numbered_pdf(tmp_path / "long.pdf", 300)
    text = sample_text(src, SampleOptions(max_pages=3))
    assert text == ("Text of page number 1 here. Text of page number 2 here. "
                    "Text of page number 3 here.")


def test_pdf_sample_stops_at_max_chars(tmp_path: Path) -> None:
    text = sample_text(_numbered_pdf(tmp_path / "p.pdf", 50), SampleOptions(max_chars=40))
    assert text == "Text of page number 1 here. Text of page"


def test_docx_sample_is_its_first_paragraphs(tmp_path: Path) -> None:
    paragraphs = [f"Paragraphe numéro {n} du rapport." for n in range(500)]
    text = sample_text(simple_docx(tmp_path / "r.docx", paragraphs), SampleOptions(max_chars=200))
    assert text is not None and text.startswith("Paragraphe numéro 0 du rapport. Paragraphe")
    assert len(text) == 200 and "numéro 499" not in text


def test_pptx_sample_has_the_slide_text(tmp_path: Path) -> None:
    text = sample_text(rich_pptx(tmp_path / "deck.pptx"))
    assert text is not None and DECK_TEXTS["title"] in text and DECK_TEXTS["cell"] in text


def test_opendocument_sample(shared_corpus: Path) -> None:
    text = sample_text(shared_corpus / "odf" / "Electra.odt", SampleOptions(max_chars=300))
    assert text is not None and "Project Gutenberg EBook of Electra" in text
    assert len(text) == 300


def test_html_sample_is_text_without_markup(tmp_path: Path) -> None:
    src = tmp_path / "page.html"
    src.write_text("<!DOCTYPE html><html><head><style>p { color: red }</style>"
                   "<script>var x = '<p>code</p>';</script></head><body><p>Caf&eacute; "
                   "&amp; cr&egrave;me</p><!-- a comment --></body></html>", encoding="utf-8")
    assert sample_text(src) == "Café & crème"


def test_text_sample_drops_a_character_cut_at_the_end(tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("é" * 100, encoding="utf-8")  # two bytes each: byte 51 cuts one
    assert sample_text(src, SampleOptions(max_text_bytes=51)) == "é" * 25


@pytest.mark.parametrize("make", ["scan", "encrypted", "eml", "laughs"])
def test_what_cannot_be_sampled_gives_none(tmp_path: Path, make: str) -> None:
    if make == "scan":
        src = scan_pdf(tmp_path / "scan.pdf")
        assert not sample_text(src)  # no text layer: the job's OCR reads it
        return
    if make == "encrypted":
        src = encrypted_pdf(tmp_path / "locked.pdf")
    elif make == "eml":
        src = tmp_path / "m.eml"
        src.write_text("From: a@b.c\nSubject: Rapport\n\nLe rapport annuel est publié.\n")
    else:
        src = laughs_docx(base_docx(tmp_path / "base.docx"), tmp_path / "laughs.docx")
    assert sample_text(src) is None


def test_a_zip_bomb_is_read_only_up_to_the_budget(tmp_path: Path) -> None:
    """8 MB of spaces between two paragraphs: the second one lies past the XML budget."""
    body = body_xml(para("Bombe") + " " * (8 << 20) + para("Fin"))
    bomb = rewrite_zip(base_docx(tmp_path / "base.docx"), tmp_path / "bomb.docx",
                       {"word/document.xml": body})
    assert sample_text(bomb, SampleOptions(max_xml_bytes=1 << 20)) == "Bombe"
    assert sample_text(bomb, SampleOptions(max_xml_bytes=16 << 20)) == "Bombe Fin"


def test_the_sampler_is_a_child_process_that_is_stopped(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelled, or past its time, the child is killed and the answer is None."""
    src = _numbered_pdf(tmp_path / "p.pdf", 5)
    cancel = threading.Event()
    cancel.set()
    assert sample_text(src, cancel=cancel) is None
    monkeypatch.setattr(sample, "POLL_S", 0.0)
    assert sample_text(src, SampleOptions(timeout_s=0.0)) is None
    assert not [p for p in multiprocessing.active_children() if p.name == "document-sampler"]
    monkeypatch.undo()
    assert sample_text(src) == " ".join(f"Text of page number {n} here." for n in range(1, 6))


def test_the_offline_guard_is_active_inside_the_sampler(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "probe.json"
    monkeypatch.setattr(sample, "sample_main", functools.partial(
        offline_probe.probe_in_child, "app.formats.sample", "_sample", str(out),
        "app.formats.sample:sample_main"))
    offline.install(allow=[("intranet.example", 8080)])  # the sampler must not inherit it
    try:
        text = sample_text(_numbered_pdf(tmp_path / "p.pdf", 1))
    finally:
        offline.install()
    assert text == "Text of page number 1 here.", "the sampler stopped after the probe"
    results = json.loads(out.read_text(encoding="utf-8"))
    offline_probe.assert_all_blocked(results)
    assert results["allowed"] == [], "the sampler gets an empty allow-list"
