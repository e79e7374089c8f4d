"""The PDF reader: layout, structure, styles, scripts, encryption, and a hostile child."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EncryptedDocument,
    ParserCrashed,
    ParserTimeout,
    WrongPassword,
)
from app.document import BlockKind, Document, Run, Style
from app.formats import pdf_reader
from app.formats.pdf_layout import Line, join_lines, reading_order
from app.formats.pdf_reader import PdfReadOptions, read_pdf
from app.formats.registry import read_document
from engines import offline
from engines.errors import Cancelled
from tests import offline_probe, pdfgen
from tests.app.pdf_child_hooks import hooked_worker


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture(scope="module")
def columns_doc(folder: Path) -> Document:
    return read_pdf(pdfgen.two_column_pdf(folder / "columns.pdf", pages=3))


@pytest.fixture(scope="module")
def styled_doc(folder: Path) -> Document:
    return read_pdf(pdfgen.styled_pdf(folder / "styled.pdf"))


@pytest.fixture(scope="module")
def table_doc(folder: Path) -> Document:
    return read_pdf(pdfgen.table_pdf(folder / "table.pdf"))


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make the reader's children run a test hook (``tests/app/pdf_child_hooks.py``)."""
    def inject(hook: str) -> None:
        monkeypatch.setattr(pdf_reader, "worker_main", functools.partial(hooked_worker, hook,
                                                                         None))
    return inject


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_children_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name.startswith("pdf-reader")]


# -- layout and structure ---------------------------------------------------------------

def test_two_columns_are_read_left_column_first(columns_doc: Document) -> None:
    assert columns_doc.meta.page_count == 3 and columns_doc.meta.format == "pdf"
    for page in range(3):
        body = [b for b in columns_doc.blocks
                if b.geometry and b.geometry.page == page and b.kind is BlockKind.PARAGRAPH]
        assert len(body) == 6
        assert body[0].text.startswith(f"L{page}. ") and body[3].text.startswith(f"R{page}. ")
        xs = [b.geometry.bbox[0] for b in body if b.geometry]
        assert max(xs[:3]) < 200 < min(xs[3:]), "the left column comes first, then the right"
        assert all(b.geometry and b.geometry.columns == 2 for b in body)


def test_running_header_and_page_number_footer(columns_doc: Document) -> None:
    headers = [b for b in columns_doc.blocks if b.kind is BlockKind.HEADER]
    footers = [b for b in columns_doc.blocks if b.kind is BlockKind.FOOTER]
    assert [b.text for b in headers] == ["Border Agency Review"] * 3
    assert [b.text for b in footers] == ["Page 1", "Page 2", "Page 3"]
    assert all("page_number" in b.flags for b in footers)
    assert not any("page_number" in b.flags for b in headers)
    assert [b.geometry.page for b in footers if b.geometry] == [0, 1, 2]


def test_geometry_is_complete(columns_doc: Document) -> None:
    for block in columns_doc.blocks:
        g = block.geometry
        assert g is not None and 0 <= g.page < 3
        assert 0 <= g.bbox[0] < g.bbox[2] <= pdfgen.WIDTH
        assert 0 <= g.bbox[1] < g.bbox[3] <= pdfgen.HEIGHT
        assert g.font == "Helvetica" and g.color == "000000" and g.size in (8.0, 10.0)
        assert g.rotation == 0 and g.lines >= 1
    body = [b for b in columns_doc.blocks if b.kind is BlockKind.PARAGRAPH]
    assert all(b.geometry and b.geometry.lines > 1 for b in body)
    keys = [b.locator.key() for b in columns_doc.blocks]
    assert len(keys) == len(set(keys))


def test_ruled_table_becomes_cells_without_duplicates(table_doc: Document) -> None:
    cells = [b for b in table_doc.blocks if b.kind is BlockKind.TABLE_CELL]
    assert [(b.locator.part, b.locator.path) for b in cells] == [
        ("table", (0, r, c)) for r in range(4) for c in range(3)]
    assert [b.text for b in cells] == [t for row in pdfgen.TABLE_ROWS for t in row]
    assert all(b.runs[0].style.bold for b in cells[:3]) and not cells[3].runs[0].style.bold
    others = " ".join(b.text for b in table_doc.blocks if b.kind is not BlockKind.TABLE_CELL)
    assert "Vehicles" not in others and "1337" not in others
    kinds = [b.kind for b in table_doc.blocks]
    assert kinds[0] is BlockKind.PARAGRAPH and kinds[-1] is BlockKind.PARAGRAPH


def test_unruled_table_found_but_not_three_text_columns(folder: Path) -> None:
    doc = read_pdf(pdfgen.text_table_pdf(folder / "unruled.pdf"))
    cells = [b for b in doc.blocks if b.kind is BlockKind.TABLE_CELL]
    assert [b.text for b in cells] == [t for row in pdfgen.TABLE_ROWS for t in row]
    assert {b.geometry.page for b in cells if b.geometry} == {0}
    second = [b for b in doc.blocks if b.geometry and b.geometry.page == 1]
    assert [b.text[:3] for b in second] == ["C0.", "C1.", "C2."]
    assert all(b.kind is BlockKind.PARAGRAPH and b.geometry and b.geometry.columns == 3
               for b in second)


def test_hyphenation_at_line_end_is_joined(table_doc: Document) -> None:
    last = table_doc.blocks[-1]
    assert last.text == ("The officers collected the information from every station and "
                         "sent it to the regional office.")
    assert last.geometry is not None and last.geometry.lines == 3


def test_bold_word_mid_sentence_keeps_its_own_run(styled_doc: Document) -> None:
    para = next(b for b in styled_doc.blocks if b.text.startswith("The officer reads"))
    bold = [r.text for r in para.runs if r.style.bold]
    italic = [r.text for r in para.runs if r.style.italic]
    assert bold == ["red"] and italic == ["daily"]
    assert para.text == ("The officer reads the red report every morning before the daily "
                         "meeting with the station staff.")
    assert para.kind is BlockKind.PARAGRAPH and para.runs[0].style.size == 11.0


def test_heading_list_caption_and_colour(styled_doc: Document) -> None:
    by_text = {b.text: b for b in styled_doc.blocks}
    assert by_text["Annual Review"].kind is BlockKind.HEADING
    assert by_text["Annual Review"].level == 1
    items = [b for b in styled_doc.blocks if b.kind is BlockKind.LIST_ITEM]
    assert [b.text[2:] for b in items] == ["Check the passport of every traveller.",
                                           "Record the vehicle plate number."]
    assert by_text["Figure 1. Traffic at the northern station."].kind is BlockKind.CAPTION
    red = by_text["This warning is printed in red ink."]
    assert red.geometry is not None and red.geometry.color == "C00000"


def test_cyrillic_and_arabic_text(folder: Path) -> None:
    doc = read_pdf(pdfgen.multilingual_pdf(folder / "multi.pdf"))
    assert [b.text for b in doc.blocks] == ["The report was signed on Monday.",
                                            pdfgen.CYRILLIC, pdfgen.ARABIC]


def test_scanned_page_is_flagged_not_dropped(folder: Path) -> None:
    doc = read_pdf(pdfgen.scanned_pdf(folder / "scan.pdf", text_pages=1))
    assert doc.meta.page_count == 2
    assert doc.meta.scanned_pages == [1]
    assert "page 2: scanned, needs OCR" in doc.warnings
    assert {b.geometry.page for b in doc.blocks if b.geometry} == {0}


def test_registry_reads_pdf(folder: Path) -> None:
    path = pdfgen.simple_pdf(folder / "memo.pdf", ["Le rapport est prêt.", "Fin."],
                             title="Rapport")
    before = _sha(path)
    doc = read_document(path)
    assert [b.text for b in doc.blocks] == ["Rapport", "Le rapport est prêt.", "Fin."]
    assert doc.blocks[0].kind is BlockKind.HEADING
    assert doc.meta.sha256 == before == _sha(path)


def test_two_workers_give_the_same_document_as_one(folder: Path) -> None:
    path = pdfgen.two_column_pdf(folder / "ten.pdf", pages=10, paragraphs=2, words=30)
    seen: list[float] = []
    one = read_pdf(path, options=PdfReadOptions(workers=1))
    two = read_pdf(path, options=PdfReadOptions(workers=2, parallel_min_pages=4,
                                                chunk_pages=2),
                   progress=lambda fraction, _message: seen.append(fraction))
    assert [(b.kind, b.text, b.locator) for b in one.blocks] == [
        (b.kind, b.text, b.locator) for b in two.blocks]
    assert len(two.blocks) == 10 * 6
    assert seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.timeout(300)  # a hang guard, not a speed check: the child sleeps forever
def test_cancel_stops_the_reader(folder: Path, fault: Callable[[str], None]) -> None:
    path = pdfgen.hyphenated_pdf(folder / "cancel.pdf")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(Cancelled):  # only cancel ends a child that sleeps forever
        fault("hang")
        read_pdf(path, cancel=cancel)
    assert _no_children_left()


# -- encryption -------------------------------------------------------------------------

def test_encrypted_pdf_needs_the_right_password(folder: Path) -> None:
    path = pdfgen.encrypted_pdf(folder / "locked.pdf", user_pw="secret")
    with pytest.raises(EncryptedDocument) as missing:
        read_pdf(path)
    assert str(missing.value) == "This PDF is password-protected: enter the password"
    assert not isinstance(missing.value, WrongPassword) and missing.value.needs_password
    with pytest.raises(WrongPassword):
        read_pdf(path, password="guess")
    doc = read_pdf(path, password="secret")
    assert doc.blocks[0].text == "This confidential report was encrypted before transfer."


def test_cli_asks_for_the_password(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    path = pdfgen.encrypted_pdf(folder / "cli-locked.pdf", user_pw="secret")
    args = ["translate", str(path), "--to", "fr", "--engine", "pseudo", "--format", "docx",
            "--quiet"]
    assert main(args) == 1
    assert "error: This PDF is password-protected: enter the password" in capsys.readouterr().err
    assert not list(folder.glob("cli-locked.fr.*")), "no partial output"
    assert main([*args, "--password", "secret"]) == 0
    assert (folder / "cli-locked.fr.docx").is_file()


def test_owner_only_password_reads_without_asking(folder: Path) -> None:
    path = pdfgen.encrypted_pdf(folder / "owner.pdf", user_pw=None)
    doc = read_pdf(path)
    assert doc.blocks[0].text.startswith("This confidential report")


# -- a hostile child process ----------------------------------------------------------

def test_crashing_parser_gives_typed_error(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                           fault: Callable[[str], None]) -> None:
    path = pdfgen.hyphenated_pdf(folder / "crash.pdf")
    fault("crash")
    with pytest.raises(ParserCrashed, match="crashed on this file \\(SIGABRT\\)"):
        read_pdf(path)
    assert _no_children_left()
    monkeypatch.undo()
    assert read_pdf(path).blocks, "the process survives and reads the next file"


@pytest.mark.timeout(300)  # a hang guard, not a speed check: the child sleeps forever
def test_hanging_parser_is_killed_at_the_timeout(folder: Path,
                                                 fault: Callable[[str], None]) -> None:
    path = pdfgen.hyphenated_pdf(folder / "hang.pdf")
    fault("hang")
    with pytest.raises(ParserTimeout, match="no progress for 2 s"):
        read_pdf(path, options=PdfReadOptions(page_timeout_s=2))
    assert _no_children_left()


def test_hang_on_a_later_page_and_total_cap(folder: Path,
                                            fault: Callable[[str], None]) -> None:
    path = pdfgen.two_column_pdf(folder / "pages.pdf", pages=3)
    fault("hang-page")
    with pytest.raises(ParserTimeout):
        read_pdf(path, options=PdfReadOptions(page_timeout_s=2, chunk_pages=1))
    with pytest.raises(ParserTimeout, match="took too long"):
        read_pdf(path, options=PdfReadOptions(page_timeout_s=60, total_timeout_s=2,
                                              chunk_pages=1))
    assert _no_children_left()


def test_memory_cap_gives_document_too_large(folder: Path,
                                             fault: Callable[[str], None]) -> None:
    path = pdfgen.hyphenated_pdf(folder / "oom.pdf")
    fault("oom")
    with pytest.raises(DocumentTooLarge, match="more than 700 MB"):
        read_pdf(path, options=PdfReadOptions(memory_limit_mb=700))


@pytest.mark.parametrize("value", ["crash", "hang", "oom", "hang-page"])
def test_no_environment_variable_injects_a_fault(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                 value: str) -> None:
    """The former PASSERELLE_PDF_FAULT hook is gone: a user's environment cannot crash us."""
    path = pdfgen.two_column_pdf(folder / f"env-{value}.pdf", pages=2)
    monkeypatch.setenv("PASSERELLE_PDF_FAULT", value)
    doc = read_pdf(path, options=PdfReadOptions(page_timeout_s=10, chunk_pages=1))
    assert doc.blocks and doc.meta.page_count == 2
    assert not hasattr(pdf_reader, "FAULT_ENV")
    assert "fault" not in {f.name for f in dataclasses.fields(PdfReadOptions)}


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_the_offline_guard_is_active_inside_each_pdf_worker(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Inside a real worker (fork-server child, spawned child), every way out is refused.

    The child's sentinels sit under the guard that ``worker_main`` installs, and any guard
    inherited from the fork server is removed first: only the worker's own guard counts.
    """
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    path = pdfgen.hyphenated_pdf(folder / f"probe-{method}.pdf")
    out = tmp_path / "probe.json"
    monkeypatch.setattr(pdf_reader, "worker_main",
                        functools.partial(hooked_worker, "probe", str(out)))
    if method == "spawn":
        monkeypatch.setattr(pdf_reader, "_context",
                            lambda: multiprocessing.get_context("spawn"))
    offline.install(allow=[("intranet.example", 8080)])  # the workers must not inherit it
    try:
        assert read_pdf(path).blocks, "the worker went on reading after the probe"
    finally:
        offline.install()
    results = json.loads(out.read_text(encoding="utf-8"))
    offline_probe.assert_all_blocked(results)
    assert results["allowed"] == [], "PDF workers get an empty allow-list"


def test_not_a_pdf_and_truncated_pdf(folder: Path) -> None:
    fake = folder / "fake.pdf"
    fake.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 2000)
    with pytest.raises(CorruptDocument, match="not a valid PDF"):
        read_pdf(fake)
    good = pdfgen.two_column_pdf(folder / "whole.pdf", pages=2).read_bytes()
    cut = folder / "cut.pdf"
    cut.write_bytes(good[: len(good) // 2])
    try:
        doc = read_pdf(cut)
    except CorruptDocument:
        return
    assert doc.meta.page_count is not None and doc.meta.page_count <= 2


def test_zero_pages_and_a_page_of_many_paths(folder: Path) -> None:
    with pytest.raises(CorruptDocument, match="This PDF has no pages"):
        read_pdf(pdfgen.zero_page_pdf(folder / "zero.pdf"))
    doc = read_pdf(pdfgen.many_paths_pdf(folder / "paths.pdf", paths=300_000))
    assert [b.text for b in doc.blocks] == ["A page with very many tiny paths."]
    assert "page 1: too many drawing operations, table detection skipped" in doc.warnings


# -- pure layout helpers ----------------------------------------------------------------

def _line(text: str, y: float = 0.0) -> Line:
    return Line((0.0, y, 100.0, y + 10), 0, [Run(text, Style())])


def test_join_lines_rules() -> None:
    def joined(*texts: str) -> str:
        return "".join(r.text for r in join_lines([_line(t) for t in texts]))

    assert joined("infor-", "mation is") == "information is"
    assert joined("well-", "Known") == "well- Known"
    assert joined("the end", "of it") == "the end of it"
    assert joined("東京", "大阪") == "東京大阪"
    assert joined("soft\u00ad", "ware") == "software"


def test_join_lines_records_the_words_it_joins() -> None:
    joins: list[tuple[str, str]] = []
    runs = join_lines([_line("dans les sous-"), _line("répertoires du dossier")], joins)
    assert "".join(r.text for r in runs) == "dans les sousrépertoires du dossier"
    assert joins == [("sousrépertoires", "sous-répertoires")]


_HYPHEN_LINES = ["Les fichiers de configuration sont rangés dans les sous-",
                 "répertoires du dossier personnel, et la commande apt-",
                 "get installe les paquets depuis les dépôts du système de",
                 "fichiers. Chaque paquet a une descrip-",
                 "tion courte et une longue."]


def _hyphen_pdf(path: Path, elsewhere: str) -> Path:
    import pymupdf

    pdf = pymupdf.open()
    page = pdf.new_page()
    for i, text in enumerate(_HYPHEN_LINES):
        page.insert_text((72, 100 + 13 * i), text, fontsize=11)
    if elsewhere:
        page.insert_text((72, 220), elsewhere, fontsize=11)
    pdf.save(str(path))
    pdf.close()
    return path


def test_a_real_hyphen_at_a_line_end_is_kept_when_the_document_writes_it(folder: Path) -> None:
    """Typesetting's syllable breaks are undone ("descrip-/tion"), but "sous-répertoires"
    and "apt-get" keep their hyphen: the document writes them so elsewhere (the PDF
    reader used to give "sousrépertoires" and "aptget")."""
    doc = read_pdf(_hyphen_pdf(folder / "hyphens.pdf",
                               "Voir les Sous-répertoires et la commande apt-get plus bas."))
    text = doc.blocks[0].text
    assert "les sous-répertoires du dossier" in text
    assert "la commande apt-get installe" in text
    assert "une description courte" in text
    # No evidence elsewhere: the line-end hyphens are taken for syllable breaks.
    bare = read_pdf(_hyphen_pdf(folder / "bare.pdf", ""))
    assert "sousrépertoires" in bare.blocks[0].text and "aptget" in bare.blocks[0].text


def test_garbage_encoding_is_flagged() -> None:
    from app.formats.pdf_layout import make_block

    bad = make_block([_line("5\x03\x04\x05\x03\x06 \x04\x07 @\x04\x0e")])
    good = make_block([_line("A normal sentence, with punctuation.")])
    assert bad is not None and bad.flags == ["unreadable"]
    assert good is not None and good.flags == []


def test_reading_order_three_columns_under_a_title() -> None:
    boxes = [(50.0, 40.0, 550.0, 60.0)]  # title across the page
    for x in (50.0, 220.0, 390.0):
        for row in range(3):
            boxes.append((x, 80.0 + row * 100, x + 160, 160.0 + row * 100))
    order, columns, count = reading_order(boxes, 600.0, lines=[1] + [5] * 9)
    assert count == 3 and columns[0] == -1
    assert order == list(range(10))
    rtl_order, _, _ = reading_order(boxes, 600.0, rtl=True, lines=[1] + [5] * 9)
    assert rtl_order == [0, 7, 8, 9, 4, 5, 6, 1, 2, 3]


# -- real files -------------------------------------------------------------------------

def test_tracemonkey_two_columns(shared_corpus: Path) -> None:
    path = shared_corpus / "pdf" / "tracemonkey.pdf"
    before = _sha(path)
    doc = read_pdf(path)
    assert doc.meta.page_count == 14 and _sha(path) == before
    first = [b for b in doc.blocks if b.geometry and b.geometry.page == 0]
    assert first[0].kind is BlockKind.HEADING
    assert first[0].text == "Trace-based Just-in-Time Type Specialization for Dynamic Languages"
    texts = [b.text for b in first]
    intro = next(i for i, t in enumerate(texts) if t == "1. Introduction")
    cont = next(i for i, t in enumerate(texts) if t.startswith("and is used for the application"))
    assert intro < cont, "the right column follows the end of the left one"
    assert doc.blocks[intro].kind is BlockKind.HEADING
    two = sum(1 for p in range(14) if any(b.geometry and b.geometry.page == p
                                          and b.geometry.columns == 2 for b in doc.blocks))
    assert two >= 12


@pytest.mark.timeout(300)  # a hang guard; the reader's own total timeout is 20 s
def test_cyclic_type3_font_does_not_hang(shared_corpus: Path) -> None:
    path = shared_corpus / "pdf" / "ContentStreamCycleType3insideType3.pdf"
    try:
        doc = read_pdf(path, options=PdfReadOptions(page_timeout_s=10, total_timeout_s=20))
    except (ParserTimeout, ParserCrashed, CorruptDocument):
        pass
    else:
        assert doc.meta.page_count and doc.meta.page_count >= 1
    assert _no_children_left()
