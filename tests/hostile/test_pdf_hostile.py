"""Hostile PDFs through the real CLI: typed errors with one-line messages, repaired files
read with a warning, crashes and hangs confined to the reader's child process, bounded
memory, the source unchanged and no partial output."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import docx
import psutil
import pytest

from app.core.errors import (
    CorruptDocument,
    EncryptedDocument,
    NeedsOCR,
    ParserCrashed,
    ParserTimeout,
    UnsupportedDocument,
    WrongPassword,
)
from app.formats import pdf_reader
from engines.translate.pseudo import pseudo_localize
from tests import pdfgen
from tests.app.pdf_child_hooks import hooked_worker
from tests.hostile import corpus
from tests.hostile.helpers import (
    PeakRss,
    Watch,
    assert_refused,
    no_reader_children,
    refuse,
    translate,
)

REPAIRED = "warning: The PDF was damaged and has been repaired: check the result."


def _copy(src: Path, inbox: Path, name: str) -> Path:
    return Path(shutil.copy(src, inbox / name))


def _succeeds(source: Path, capsys, monkeypatch, *extra: str,  # type: ignore[no-untyped-def]
              suffix: str = ".en.pdf") -> tuple[str, Path]:
    """Run the CLI; assert exit 0, the source unchanged, only the output and its fidelity
    report written, nothing partial.  Returns stderr and the output path."""
    watch = Watch(source, [source.parent])
    result = translate(source, capsys, monkeypatch, *extra)
    assert result.rc == 0, result.err
    assert result.exc is None
    watch.assert_source_intact()
    watch.assert_no_partial()
    out = source.with_name(source.stem + suffix)
    assert {p.name for p in watch.new_files()} == {out.name, out.name + ".fidelity.json"}
    assert no_reader_children()
    return result.err, out


def _refused_or_warned(source: Path, capsys, monkeypatch,  # type: ignore[no-untyped-def]
                       *extra: str) -> list[str] | None:
    """A file whose text cannot be read: a typed refusal, or a job that completes with
    warnings that say so (whichever the pipeline's policy for "no text").  Either way the
    source is unchanged and nothing partial is left.  Returns the stderr lines (``None``
    for a refusal whose document was never read)."""
    watch = Watch(source, [source.parent])
    result = translate(source, capsys, monkeypatch, *extra)
    lines = result.err.splitlines()
    if result.rc == 0:
        assert "warning: No text was found in this PDF." in lines, lines
        watch.assert_source_intact()
        watch.assert_no_partial()
        return lines
    assert_refused(result, CorruptDocument, r".")
    watch.assert_nothing_written()
    return lines if any(ln.startswith("warning: ") for ln in lines) else None


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


# --- passwords ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus.encrypted_pdf(tmp_path_factory.mktemp("locked") / "secret.pdf")


def test_user_password_missing_then_wrong(locked, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _copy(locked, inbox, "secret.pdf")
    message = refuse(pdf, capsys, monkeypatch, EncryptedDocument,
                     r"^This PDF is password-protected: enter the password$")
    assert not isinstance(message, WrongPassword)
    refuse(pdf, capsys, monkeypatch, WrongPassword,
           r"^Wrong password for this PDF: check it and try again$", "--password", "nope")


def test_user_password_right(locked, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _copy(locked, inbox, "secret.pdf")
    _err, out = _succeeds(pdf, capsys, monkeypatch, "--from", "en", "--to", "fr",
                          "--password", "secret", "--format", "docx", suffix=".fr.docx")
    expected = pseudo_localize("This confidential report was encrypted before transfer.")
    assert expected in _docx_text(out)


def test_owner_only_password_opens_without_asking(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = corpus.encrypted_pdf(inbox / "owner.pdf", user_pw=None)
    _succeeds(pdf, capsys, monkeypatch, "--from", "en", "--to", "fr", suffix=".fr.pdf")


# --- damaged structure -------------------------------------------------------------------

def test_truncated_at_10_percent_is_refused(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cut = corpus.truncated(valid["pdf"], inbox / "coupe-10.pdf", 0.1)
    refuse(cut, capsys, monkeypatch, CorruptDocument, r"^The file is not a valid PDF \(")


def test_truncated_at_50_percent_is_refused_or_reported(valid, inbox, capsys,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    """Half the file: MuPDF may rebuild a page without its text, or give up."""
    cut = corpus.truncated(valid["pdf"], inbox / "coupe-50.pdf", 0.5)
    lines = _refused_or_warned(cut, capsys, monkeypatch, "--from", "fr")
    assert lines is None or REPAIRED in lines


@pytest.mark.parametrize("make", [
    pytest.param(lambda s, d: corpus.truncated(s, d, 0.9), id="truncated-at-90-percent"),
    pytest.param(corpus.without_startxref, id="no-startxref"),
    pytest.param(corpus.broken_xref, id="broken-xref"),
])
def test_repairable_damage_is_read_with_a_warning(make, valid, inbox, capsys,  # type: ignore[no-untyped-def]
                                                   monkeypatch) -> None:
    pdf = make(valid["pdf"], inbox / "abime.pdf")
    err, out = _succeeds(pdf, capsys, monkeypatch, "--from", "fr")
    assert REPAIRED in err.splitlines()
    assert out.stat().st_size > 0


def test_bad_header(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bad = corpus.bad_header(valid["pdf"], inbox / "entete.pdf")
    refuse(bad, capsys, monkeypatch, CorruptDocument,
           r"^The file is not a valid PDF \(unrecognised content\)\.$")


def test_zero_pages(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    refuse(corpus.zero_pages_pdf(inbox / "vide.pdf"), capsys, monkeypatch, CorruptDocument,
           r"^This PDF has no pages\.$")


@pytest.mark.parametrize("payload,what", [
    (corpus.jpeg_bytes(), "a JPEG image"), (corpus.HTML, "an HTML page")])
def test_pdf_that_is_really_something_else(payload, what, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake = inbox / "facture.pdf"
    fake.write_bytes(payload)
    refuse(fake, capsys, monkeypatch, UnsupportedDocument,
           rf"^The file is not a valid PDF: it is {what}\.$")


# --- odd but valid -------------------------------------------------------------------------

def test_huge_mediabox_is_reported_not_silently_empty(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """MuPDF cannot place text on a 5,000 km page: the user is told why nothing was read."""
    pdf = corpus.huge_mediabox_pdf(inbox / "immense.pdf")
    with PeakRss() as rss:
        lines = _refused_or_warned(pdf, capsys, monkeypatch)
    assert lines is not None, "the reason is a warning of the document read"
    assert ("warning: page 1: the page is 1.4e+10 x 1.4e+10 pt, far beyond the PDF size "
            "limit: its text could not be read") in lines
    assert rss.peak_child < 512, f"reader child peaked at {rss.peak_child:.0f} MB"


def test_image_only_scan_needs_ocr(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    scan = corpus.scan_pdf(inbox / "scan.pdf")
    refuse(scan, capsys, monkeypatch, NeedsOCR,
           r"^This PDF has no text layer \(1 scanned page\(s\)\): it needs OCR")


def test_scanned_page_among_text_pages_is_flagged_not_an_error(inbox, capsys,  # type: ignore[no-untyped-def]
                                                                monkeypatch) -> None:
    mixed = pdfgen.scanned_pdf(inbox / "mixte.pdf", text_pages=2)
    err, _out = _succeeds(mixed, capsys, monkeypatch, "--from", "la", "--to", "en")
    assert "warning: page 3: scanned, needs OCR" in err.splitlines()


def test_javascript_and_embedded_file_are_ignored(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = inbox.parent / "script-ran"
    pdf = corpus.active_content_pdf(inbox / "actif.pdf", marker)
    err, out = _succeeds(pdf, capsys, monkeypatch, "--from", "fr")
    lines = err.splitlines()
    assert "warning: The PDF contains JavaScript: it was ignored (never run)." in lines
    import pikepdf

    with pikepdf.open(out) as translated:  # active content is not passed on
        root = translated.Root
        assert "/OpenAction" not in root and "/AF" not in root
        names = root.get("/Names")
        assert names is None or ("/JavaScript" not in names and "/EmbeddedFiles" not in names)
    assert "warning: The PDF has 1 embedded file(s): ignored." in lines
    assert not marker.exists()
    assert not list(inbox.parent.rglob("payload*")), "the embedded file was never extracted"


@pytest.mark.timeout(600)  # a hang guard, not a speed check (timing goes in bench/)
def test_cyclic_type3_font_finishes(shared_corpus, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _copy(shared_corpus / "pdf" / "ContentStreamCycleType3insideType3.pdf", inbox,
                "type3.pdf")
    _succeeds(pdf, capsys, monkeypatch, "--from", "en", "--to", "fr", suffix=".fr.pdf")


@pytest.mark.timeout(600)  # a hang guard, not a speed check (timing goes in bench/)
def test_million_path_operators_bounded(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = corpus.many_paths_pdf(inbox / "traits.pdf", operators=1_000_000)
    with PeakRss() as rss:
        err, out = _succeeds(pdf, capsys, monkeypatch, "--from", "fr", "--format", "docx",
                             suffix=".en.docx")
    assert "warning: page 1: too many drawing operations, table detection skipped" in err
    assert "[Lé ràppört" in _docx_text(out)
    assert rss.peak_child < 512, f"reader child peaked at {rss.peak_child:.0f} MB"


@pytest.mark.slow
def test_two_thousand_pages_bounded_memory(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = corpus.many_pages_pdf(inbox / "long.pdf", pages=2000)
    with PeakRss() as rss:
        _err, out = _succeeds(pdf, capsys, monkeypatch, "--from", "fr", "--format", "docx",
                              suffix=".en.docx")
    assert len(docx.Document(str(out)).paragraphs) >= 2000
    assert rss.peak_child < 512, f"a reader child peaked at {rss.peak_child:.0f} MB"
    assert rss.growth < 1024, f"the process tree grew {rss.growth:.0f} MB"


# --- the reader's child process dies or hangs ------------------------------------------------

def test_parser_crash_is_confined_to_the_child(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _copy(valid["pdf"], inbox, "plante.pdf")
    monkeypatch.setattr(pdf_reader, "worker_main", functools.partial(hooked_worker, "crash", None))
    refuse(pdf, capsys, monkeypatch, ParserCrashed,
           r"^The PDF reader crashed on this file \(SIGABRT\): it may be damaged or crafted\. "
           r"The application itself is unaffected\.$")


@pytest.mark.timeout(600)  # a hang guard
def test_parser_hang_is_killed_at_its_timeout(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _copy(valid["pdf"], inbox, "fige.pdf")
    monkeypatch.setattr(pdf_reader, "worker_main", functools.partial(hooked_worker, "hang", None))
    options = pdf_reader.PdfReadOptions

    def short(**kwargs):  # type: ignore[no-untyped-def]
        return options(**{"page_timeout_s": 1.5, **kwargs})

    monkeypatch.setattr(pdf_reader, "PdfReadOptions", short)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    # The child sleeps forever: only the timeout can end it (no wall-clock assertion).
    refuse(pdf, capsys, monkeypatch, ParserTimeout,
           r"^The PDF reader stopped responding on this file \(no progress for 2 s\)")
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and "pdf-reader" in " ".join(_cmdline(p))]
    assert not left, "the hung reader was not killed"


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return [proc.name(), *proc.cmdline()]
    except psutil.Error:
        return []
