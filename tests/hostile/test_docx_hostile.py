"""Hostile Word files through the real CLI: a typed error with a one-line message, the
source unchanged, nothing written, bounded memory; macros read as text, never run."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from app.core.errors import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EncryptedDocument,
    UnsupportedDocument,
)
from app.formats.registry import read_document
from app.formats.sniff import check_docx_package
from tests.hostile import corpus, ole2
from tests.hostile.helpers import PeakRss, Watch, refuse, translate

MB = 2**20


# --- zip bombs and package structure --------------------------------------------------

def test_ratio_bomb_is_refused(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bomb = corpus.ratio_bomb_docx(valid["docx"], inbox / "bombe.docx", megabytes=20)
    assert bomb.stat().st_size < 200_000
    with PeakRss() as rss:
        refuse(bomb, capsys, monkeypatch, DocumentTooLarge,
               r"^Document rejected: part word/document\.xml expands more than 100:1 "
               r"\(possible zip bomb\)\.$")
    assert rss.growth < 64, f"grew {rss.growth:.0f} MB"


def test_declared_size_over_the_total_limit(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bomb = corpus.rewrite_zip(valid["docx"], inbox / "enorme.docx")
    corpus.patch_sizes(bomb, "word/document.xml", 600 * MB)
    monkeypatch.delenv("PASSERELLE_MAX_EXPANDED_MB", raising=False)
    refuse(bomb, capsys, monkeypatch, DocumentTooLarge,
           r"^Document rejected: it would expand to more than 500 MB\.$")


def test_total_limit_is_configurable_and_counts_real_bytes(valid, inbox, capsys,  # type: ignore[no-untyped-def]
                                                           monkeypatch) -> None:
    big = corpus.big_real_docx(valid["docx"], inbox / "gros.docx", megabytes=3)
    monkeypatch.setenv("PASSERELLE_MAX_EXPANDED_MB", "2")
    refuse(big, capsys, monkeypatch, DocumentTooLarge,
           r"^Document rejected: it would expand to more than 2 MB\.$")
    monkeypatch.setenv("PASSERELLE_MAX_EXPANDED_MB", "8")
    check_docx_package(big)  # the same file passes under a larger limit


def test_headers_that_lie_about_sizes_are_caught_by_decompressing(  # type: ignore[no-untyped-def]
        valid, inbox, capsys, monkeypatch) -> None:
    liar = corpus.lying_sizes_docx(valid["docx"], inbox / "menteur.docx", real_mb=64)
    with PeakRss() as rss:
        refuse(liar, capsys, monkeypatch, CorruptDocument,
               r"^The file is not a valid Word document \(part word/document\.xml is damaged: "
               r"its checksum does not match: damaged, or its size header lies\)\.$")
    assert rss.growth < 64, f"grew {rss.growth:.0f} MB: the member was not streamed"


def test_zip_member_climbing_out_is_refused(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    evil = corpus.traversal_docx(valid["docx"], inbox / "evasion.docx")
    refuse(evil, capsys, monkeypatch, CorruptDocument,
           r"^Document rejected: unsafe path inside the package \(\.\./\.\./evil\.txt\)\.$")
    assert not (inbox.parent.parent / "evil.txt").exists()


def test_missing_content_types(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bad = corpus.missing_content_types_docx(valid["docx"], inbox / "sans-types.docx")
    refuse(bad, capsys, monkeypatch, CorruptDocument,
           r"^The file is not a valid Word document \(missing \[Content_Types\]\.xml\)\.$")


# --- hostile XML ------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["document", "rels", "package-rels", "content-types"])
def test_billion_laughs_is_refused_unexpanded(where, valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    src, dst = valid["docx"], inbox / f"rires-{where}.docx"
    if where == "document":
        bomb, part = corpus.laughs_docx(src, dst), "word/document.xml"
    elif where == "content-types":
        bomb, part = corpus.content_types_entity_docx(src, dst), r"\[Content_Types\]\.xml"
    else:
        name = "word/_rels/document.xml.rels" if where == "rels" else "_rels/.rels"
        bomb = corpus.edit_member(src, dst, name, lambda xml: corpus._with_dtd(
            xml, corpus.LAUGHS_DTD.replace("lolz", "Relationships"), "<!--&lol9;-->"))
        part = name.replace(".", r"\.")
    with PeakRss() as rss:
        refuse(bomb, capsys, monkeypatch, CorruptDocument,
               rf"^Document rejected: part {part} declares XML entities \(a DTD\), which Word "
               r"files never contain \(possible attack\)\.$")
    assert rss.growth < 64


@pytest.mark.parametrize("where", ["document", "rels"])
def test_external_entity_is_refused_and_no_file_is_read(where, valid, inbox, capsys,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    src, dst = valid["docx"], inbox / f"xxe-{where}.docx"
    if where == "document":
        evil = corpus.xxe_docx(src, dst)
    else:
        evil = corpus.rels_entity_docx(src, dst, corpus.XXE_DTD.replace("w:document",
                                                                       "Relationships"),
                                       '<Relationship Id="rIdX" Type="&xxe;" Target="x.xml"/>')
    opened: list[str] = []
    real_open = open

    def spy_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    refuse(evil, capsys, monkeypatch, CorruptDocument, r"declares XML entities \(a DTD\)")
    assert not [f for f in opened if "hostname" in f]


def test_python_docx_itself_never_expands_entities(valid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Defence in depth: were the DTD check bypassed, python-docx (document part and the
    package-level .rels parser) leaves the entity unresolved and reads no local file."""
    evil = corpus.xxe_docx(valid["docx"], tmp_path / "xxe.docx")
    evil = corpus.rels_entity_docx(evil, tmp_path / "xxe2.docx",
                                   corpus.XXE_DTD.replace("w:document", "Relationships"),
                                   "<!--&xxe;-->")
    hostname = Path("/etc/hostname")
    d = docx.Document(str(evil))
    text = "\n".join(p.text for p in d.paragraphs)
    secret = hostname.read_text().strip() if hostname.is_file() else "\x00never"
    assert secret not in text


def test_text_node_over_10_mb(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    big = corpus.text_node_docx(valid["docx"], inbox / "texte-geant.docx", megabytes=10.5)
    with PeakRss() as rss:
        refuse(big, capsys, monkeypatch, DocumentTooLarge,
               r"^Document rejected: part word/document\.xml holds a single text of more than "
               r"10 MB \(damaged or crafted\)\.$")
    assert rss.growth < 96, f"grew {rss.growth:.0f} MB"


def test_nesting_deeper_than_256(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    deep = corpus.deep_elements_docx(valid["docx"], inbox / "profond.docx", depth=400)
    refuse(deep, capsys, monkeypatch, DocumentTooLarge,
           r"^Document rejected: part word/document\.xml is nested more than 256 levels deep")


def test_deep_but_legal_nesting_is_read(valid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Tables nested 80 deep (240 elements, under the limit) read without a RecursionError."""
    deep = corpus.nested_docx(valid["docx"], tmp_path / "tables.docx", levels=80)
    doc = read_document(deep)
    assert "Cellule profonde." in [b.text for b in doc.blocks]


# --- containers that are not a readable .docx ------------------------------------------

def test_docm_text_is_read_and_macros_ignored(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    macro = corpus.docm(valid["docx"], inbox / "macro.docm")
    watch = Watch(macro, [inbox])
    result = translate(macro, capsys, monkeypatch, "--from", "fr")
    assert result.rc == 0, result.err
    assert "warning: Macros in this document were ignored (never run)." in result.err
    watch.assert_source_intact()
    watch.assert_no_partial()
    out = inbox / "macro.en.docx"
    assert {p.name for p in watch.new_files()} == {out.name, out.name + ".fidelity.json"}
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "[Lé ràppört" in text, text
    with zipfile.ZipFile(out) as zf:  # the copy is a plain .docx: no macro project left
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")


def test_encrypted_word_file(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    locked = ole2.encrypted_word(inbox / "protege.docx")
    message = refuse(locked, capsys, monkeypatch, EncryptedDocument,
                     r"^This Word file is encrypted")
    assert "remove the password" in message


def test_legacy_doc_without_libreoffice_names_the_program(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A legacy .doc (even renamed .docx) goes to LibreOffice; without it, the message
    names the missing program and how to install it."""
    monkeypatch.setenv("PASSERELLE_SOFFICE", str(inbox / "no-such-soffice"))
    for name in ("ancien.doc", "ancien-renomme.docx"):
        old = ole2.legacy_doc(inbox / name)
        message = refuse(old, capsys, monkeypatch, UnsupportedDocument,
                         r"^Converting \.docx? files needs LibreOffice, and its program "
                         r"'soffice' was not found")
        assert "apt-get install libreoffice-writer-nogui" in message


def test_corpus_ole2_files_are_real_compound_files(inbox) -> None:  # type: ignore[no-untyped-def]
    """libmagic (``file``) parses the CFB directory: our generator writes real containers."""
    if shutil.which("file") is None:
        pytest.skip("the file(1) command is not installed")
    import subprocess

    def kind(path: Path) -> str:
        return subprocess.run(["file", "-b", str(path)], capture_output=True, text=True,
                              check=True).stdout

    assert "Encrypted" in kind(ole2.encrypted_word(inbox / "e.docx"))
    assert "Microsoft Word" in kind(ole2.legacy_doc(inbox / "l.doc"))


def test_zero_byte_file(inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    empty = inbox / "vide.docx"
    empty.write_bytes(b"")
    refuse(empty, capsys, monkeypatch, CorruptDocument, r"^The file vide\.docx is empty \(0 bytes\)\.$")


@pytest.mark.parametrize("name", ["notes.exe", "notes"])
def test_unsupported_extension(name, valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = Path(shutil.copy(valid["docx"], inbox / name))
    refuse(other, capsys, monkeypatch, UnsupportedDocument,
           r"^Unsupported file type '.+': supported are .*\.docx, .*\.odt, .*\.pdf, "
           r".*\.pptx, .*\.xlsx\.$")


def test_word_file_renamed_to_a_text_format(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = Path(shutil.copy(valid["docx"], inbox / "notes.txt"))
    refuse(other, capsys, monkeypatch, UnsupportedDocument,
           r"^notes\.txt is a zip/Office file, not a plain text\.$")


def test_not_a_zip_and_broken_zip(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    html = inbox / "page.docx"
    html.write_bytes(corpus.HTML)
    refuse(html, capsys, monkeypatch, UnsupportedDocument,
           r"^The file is not a valid Word document: it is an HTML page\.$")
    cut = corpus.truncated(valid["docx"], inbox / "coupe.docx", 0.5)
    refuse(cut, capsys, monkeypatch, CorruptDocument,
           r"^The file is not a valid Word document \(broken zip")


def test_deleted_source_is_a_typed_error(inbox) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentNotFound, match="was moved or deleted"):
        check_docx_package(inbox / "absent.docx")
