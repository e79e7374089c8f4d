"""Excel (issue 17): threaded comments (Excel 365, with replies) and data-validation
messages (input message, error alert) translated; the validation rule itself untouched."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from app.document import BlockKind
from app.formats.soffice import find_soffice
from app.formats.xlsx_reader import read_xlsx
from engines.translate.pseudo import pseudo_localize
from tests.hostile.corpus import member, rewrite_zip
from tests.roundtrip import assert_faithful, reopens_in_libreoffice, translate

TC_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
THREAD = ["Check this cost with the supplier.", "The supplier confirmed the price."]
PROMPT_TITLE, PROMPT = "Delivery status", "Choose whether the truck was delivered."
ERROR_TITLE, ERROR = "Wrong answer", "Only yes or no is accepted in this column."
LONG_TITLE = "Delivery status of the convoy"  # 29 characters: longer than 32 translated


def threaded_xml(texts: list[str]) -> bytes:
    first = "{00000000-0000-0000-0000-000000000001}"
    items = [f'<threadedComment ref="A2" dT="2026-11-30T09:00:00.00" '
             f'personId="{{00000000-0000-0000-0000-0000000000AA}}" '
             f'id="{{00000000-0000-0000-0000-00000000000{n + 1}}}"'
             + (f' parentId="{first}"' if n else "") + f"><text>{t}</text></threadedComment>"
             for n, t in enumerate(texts)]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<ThreadedComments xmlns="{TC_NS}">{"".join(items)}</ThreadedComments>').encode()


def workbook(tmp: Path) -> Path:
    """What Excel 365 writes for a threaded comment (the legacy note beside it, for older
    readers), and a yes/no column with an input message and an error alert."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Truck", "Delivered"])
    ws.append(["Convoy north", "yes"])
    ws["A2"].comment = Comment("[Threaded comment] " + THREAD[0], "QM")
    dv = DataValidation(type="list", formula1='"yes,no"', allow_blank=True,
                        promptTitle=PROMPT_TITLE, prompt=PROMPT, errorTitle=ERROR_TITLE,
                        error=ERROR, showInputMessage=True, showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add("B2:B50")
    other = DataValidation(type="whole", promptTitle=LONG_TITLE, prompt="12",
                           showInputMessage=True)  # a prompt without words stays
    ws.add_data_validation(other)
    other.add("C2:C50")
    plain = tmp / "plain.xlsx"
    wb.save(str(plain))
    rels = member(plain, "xl/worksheets/_rels/sheet1.xml.rels").decode().replace(
        "</Relationships>",
        '<Relationship Id="rIdTc1" Type="http://schemas.microsoft.com/office/2017/10/'
        'relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/>'
        "</Relationships>")
    types = member(plain, "[Content_Types].xml").decode().replace(
        "</Types>", '<Override PartName="/xl/threadedComments/threadedComment1.xml" '
        'ContentType="application/vnd.ms-excel.threadedcomments+xml"/></Types>')
    return rewrite_zip(plain, tmp / "book.xlsx",
                       {"xl/worksheets/_rels/sheet1.xml.rels": rels.encode(),
                        "[Content_Types].xml": types.encode()},
                       add={"xl/threadedComments/threadedComment1.xml": threaded_xml(THREAD)})


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return workbook(tmp_path)


def threaded_texts(path: Path) -> list[str]:
    from lxml import etree

    root = etree.fromstring(member(path, "xl/threadedComments/threadedComment1.xml"))
    return [t.text for t in root.iter(f"{{{TC_NS}}}text")]


def test_reader_reaches_threaded_comments_and_validation_messages(book: Path) -> None:
    doc = read_xlsx(book)
    comments = [b.text for b in doc.blocks if b.kind is BlockKind.COMMENT]
    assert THREAD[0] in comments and THREAD[1] in comments  # the reply too
    dv = {b.text: b.kind for b in doc.blocks if ":dv" in b.locator.part}
    assert dv == {PROMPT_TITLE: BlockKind.LABEL, PROMPT: BlockKind.PARAGRAPH,
                  ERROR_TITLE: BlockKind.LABEL, ERROR: BlockKind.PARAGRAPH,
                  LONG_TITLE: BlockKind.LABEL}
    assert not any(t in ('"yes,no"', "12") for t in dv)  # the rule and a bare number stay


def test_translated_in_place_rule_kept(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.fr.xlsx"
    job = translate(book, out)
    assert_faithful(job)
    assert threaded_texts(out) == [pseudo_localize(t) for t in THREAD]
    ws = openpyxl.load_workbook(str(out)).active
    first, second = ws.data_validations.dataValidation
    assert (first.promptTitle, first.prompt, first.errorTitle, first.error) == (
        pseudo_localize(PROMPT_TITLE), pseudo_localize(PROMPT), pseudo_localize(ERROR_TITLE),
        pseudo_localize(ERROR))
    assert first.formula1 == '"yes,no"' and str(first.sqref) == "B2:B50"
    assert ws["A2"].comment is not None and ws["A2"].comment.text.startswith("[")
    # Excel refuses an input-message title over 32 characters: cut, and said so.
    assert len(second.promptTitle) <= 32 and second.promptTitle.endswith("…")
    assert second.prompt == "12"
    cut = next(b for b in job.doc.blocks if b.text == LONG_TITLE)
    assert any("32 characters" in f for f in cut.flags)


def test_bilingual_copy_has_translated_validation_messages(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.fr.bilingual.xlsx"
    translate(book, out, output_format="xlsx-bilingual")
    wb = openpyxl.load_workbook(str(out))
    source, copy = wb.worksheets[0], wb.worksheets[1]
    assert source.data_validations.dataValidation[0].prompt == PROMPT
    assert copy.data_validations.dataValidation[0].prompt == pseudo_localize(PROMPT)
    assert threaded_texts(out) == THREAD  # the source sheet's thread is left as it is


def test_output_reopens_in_libreoffice(book: Path, tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "book.fr.xlsx"
    translate(book, out)
    with zipfile.ZipFile(out) as z:
        assert "xl/threadedComments/threadedComment1.xml" in z.namelist()
    reopens_in_libreoffice(out, tmp_path / "lo")
