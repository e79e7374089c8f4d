"""The package check's two savings (issue 17, format overhead) keep it a check: a parser
reused after a refusal still refuses, and a package that passed is checked again once its
bytes change (the writer reopens the source the reader checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import CorruptDocument, DocumentTooLarge
from app.formats.safe_xml import check_xml
from app.formats.sniff import WORD, check_package
from tests.hostile.corpus import base_docx, deep_elements_docx, xxe_docx

GOOD = b'<?xml version="1.0"?><a><b>text</b></a>'


def test_parsers_reused_after_a_refusal_still_refuse() -> None:
    for _ in range(3):  # more rounds than parsers kept, good and bad interleaved
        check_xml("good.xml", GOOD)
        with pytest.raises(DocumentTooLarge, match="nested more than 256"):
            check_xml("deep.xml", b"<a>" * 300 + b"</a>" * 300)
        check_xml("good.xml", GOOD)
        with pytest.raises(CorruptDocument, match="not a valid"):
            check_xml("broken.xml", b"<a><b></a>")
        check_xml("good.xml", GOOD)
        with pytest.raises(CorruptDocument, match="DTD"):
            check_xml("dtd.xml", b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
        # a half-fed part left open (its check raised mid-way) is not handed on
        check_xml("good.xml", GOOD)


def test_a_passed_package_is_checked_again_when_its_bytes_change(tmp_path: Path) -> None:
    src = base_docx(tmp_path / "base.docx")
    path = tmp_path / "doc.docx"
    path.write_bytes(src.read_bytes())
    check_package(path, WORD)
    check_package(path, WORD)  # the same bytes: remembered
    xxe_docx(src, tmp_path / "xxe.docx")
    path.write_bytes((tmp_path / "xxe.docx").read_bytes())
    with pytest.raises(CorruptDocument, match="DTD"):
        check_package(path, WORD)
    deep_elements_docx(src, tmp_path / "deep.docx", 400)
    path.write_bytes((tmp_path / "deep.docx").read_bytes())
    for _ in range(2):  # a refusal is never remembered as a pass
        with pytest.raises(DocumentTooLarge):
            check_package(path, WORD)


def test_a_pass_under_a_larger_limit_is_not_a_pass_under_a_smaller_one(tmp_path: Path) -> None:
    path = base_docx(tmp_path / "base.docx")
    check_package(path, WORD, max_bytes=500 << 20)
    with pytest.raises(DocumentTooLarge):
        check_package(path, WORD, max_bytes=1000)
