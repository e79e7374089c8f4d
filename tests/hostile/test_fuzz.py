"""Mutation fuzzing of the readers: whatever the bytes, ``read_document`` returns a Document
or raises one of our typed errors; never anything else, never a crash of this process.

``make test`` runs a few hundred deterministic examples; ``make fuzz`` twenty times more,
random, with a database that replays failures.  PDF examples are fewer: each one starts a
reader child process.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import AppError
from app.document import Document
from app.formats.registry import read_document
from engines.errors import EngineError
from tests import pdfgen
from tests.hostile import corpus
from tests.hostile.helpers import examples, no_reader_children, sha256

TOKENS = [b"<w:p>", b"</w:p>", b"<w:t>", b"</w:t>", b"<w:tbl>", b"<w:tc>", b'r:id="rId99"',
          b"<w:r>", b"&amp;", b"&#0;", b"<![CDATA[", b"<!DOCTYPE a>", b"\x00", b"\xff\xfe",
          b'xmlns:w="urn:x"', b"<w:hyperlink>", b"<w:footnoteReference w:id=\"7\"/>",
          b"obj", b"endobj", b"stream", b"endstream", b"/Type /Page", b"/Kids [", b"R",
          b"/Length 999999", b"BT", b"ET", b"Tj", b"/Font", b"<<", b">>", b"9999999999"]


def _mutation() -> st.SearchStrategy[tuple[str, int, int, bytes]]:
    """(kind, position fraction in ‰, length, payload)."""
    return st.tuples(st.sampled_from(["flip", "delete", "duplicate", "insert", "truncate"]),
                     st.integers(0, 1000), st.integers(1, 64),
                     st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=8)))


def mutate(data: bytes, mutations: list[tuple[str, int, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for kind, where, length, payload in mutations:
        if not buf:
            break
        at = min(len(buf) - 1, len(buf) * where // 1000)
        if kind == "flip":
            for i in range(at, min(len(buf), at + min(length, 4))):
                buf[i] ^= payload[0] or 0xFF
        elif kind == "delete":
            del buf[at:at + length]
        elif kind == "duplicate":
            buf[at:at] = buf[at:at + length]
        elif kind == "insert":
            buf[at:at] = payload
        else:
            del buf[at:]
    return bytes(buf)


def _read(path: Path) -> None:
    """The property: a Document or a typed error; the input file is never modified."""
    before = sha256(path)
    try:
        doc = read_document(path)
    except (AppError, EngineError):
        pass
    else:
        assert isinstance(doc, Document)
        for block in doc.blocks:
            assert isinstance(block.text, str)
    assert sha256(path) == before


class Seeds(dict[str, bytes]):
    """The valid documents mutated (a short repr keeps failure reports readable)."""

    def __repr__(self) -> str:
        return "<seeds: " + ", ".join(f"{k} {len(v)} bytes" for k, v in self.items()) + ">"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    folder = tmp_path_factory.mktemp("seeds")
    rich = corpus.base_docx(folder / "seed.docx")
    pdf = folder / "seed.pdf"
    pdfgen.table_pdf(pdf)
    plain = folder / "plain.pdf"  # streams uncompressed: mutations reach the operators
    with pikepdf.open(pdf) as source:
        source.save(plain, compress_streams=False,
                    stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return Seeds(docx=rich.read_bytes(), pdf=pdf.read_bytes(), pdf_plain=plain.read_bytes())


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=examples(80))
@given(mutations=st.lists(_mutation(), min_size=1, max_size=4))
def test_fuzz_docx_container_bytes(seeds, work, mutations) -> None:  # type: ignore[no-untyped-def]
    path = work / "bytes.docx"
    path.write_bytes(mutate(seeds["docx"], mutations))
    _read(path)


PARTS = ["word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels",
         "_rels/.rels", "[Content_Types].xml", "word/settings.xml", "docProps/core.xml"]


@settings(max_examples=examples(120))
@given(part=st.sampled_from(PARTS), mutations=st.lists(_mutation(), min_size=1, max_size=5))
def test_fuzz_docx_xml_parts(seeds, work, part, mutations) -> None:  # type: ignore[no-untyped-def]
    """Valid zips whose XML parts are damaged: python-docx's own parsing is exercised."""
    src, path = work / "seed.docx", work / "xml.docx"
    src.write_bytes(seeds["docx"])
    corpus.edit_member(src, path, part, lambda xml: mutate(xml, mutations))
    _read(path)


@settings(max_examples=examples(30))
@given(op=st.sampled_from(["swap", "delete", "duplicate", "rename"]),
       first=st.sampled_from(PARTS), second=st.sampled_from(PARTS))
def test_fuzz_docx_member_swaps(seeds, work, op, first, second) -> None:  # type: ignore[no-untyped-def]
    src, path = work / "seed2.docx", work / "members.docx"
    src.write_bytes(seeds["docx"])
    a, b = corpus.member(src, first), corpus.member(src, second)
    if op == "swap":
        corpus.rewrite_zip(src, path, {first: b, second: a})
    elif op == "delete":
        corpus.rewrite_zip(src, path, {first: None})
    elif op == "duplicate":  # two members with one name: zipfile warns, readers pick one
        with pytest.warns(UserWarning, match="Duplicate name"):
            corpus.rewrite_zip(src, path, add={first: b})
        assert len(zipfile.ZipFile(path).namelist()) > len(zipfile.ZipFile(src).namelist())
    else:
        corpus.rewrite_zip(src, path, {first: None}, add={first.upper() + ".bak": a})
    _read(path)


@settings(max_examples=examples(60))
@given(seed=st.sampled_from(["pdf", "pdf_plain"]),
       mutations=st.lists(_mutation(), min_size=1, max_size=4))
def test_fuzz_pdf_bytes(seeds, work, seed, mutations) -> None:  # type: ignore[no-untyped-def]
    path = work / "bytes.pdf"
    path.write_bytes(mutate(seeds[seed], mutations))
    _read(path)
    assert no_reader_children()
