"""Outlook .msg (issue 17): read with olefile and our reader, translated as an e-mail."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest

from app.core.errors import CorruptDocument
from app.formats.outlook import read_msg
from app.formats.sniff import detect_format
from engines.translate.pseudo import pseudo_localize
from tests.docgen import simple_docx
from tests.hostile.ole2 import write_cfb, write_cfb_tree
from tests.roundtrip import accented, assert_faithful, translate


def mapi_text(text: str) -> bytes:
    """A UTF-16 string property, NUL-padded to 4 KiB: the test writer keeps every stream out
    of the mini stream, and Outlook's readers stop at the first NUL."""
    return text.encode("utf-16-le").ljust(4096, b"\0")


def outlook_message(path: Path) -> Path:
    """A compound file with the MAPI streams Outlook writes for subject, body and sender."""
    return write_cfb(path, {
        "__substg1.0_0037001F": mapi_text("Convoy schedule for Monday"),
        "__substg1.0_1000001F": mapi_text("The convoy leaves the depot at dawn.\r\n\r\n"
                                          "Bring two radios and the maps."),
        "__substg1.0_0C1F001F": mapi_text("martin@example.org"),
    })


def test_msg_read_and_translated_as_eml(tmp_path: Path) -> None:
    src = outlook_message(tmp_path / "convoy.msg")
    assert detect_format(src) == "msg"
    doc = read_msg(src)
    assert [b.text for b in doc.blocks] == ["Convoy schedule for Monday",
                                            "The convoy leaves the depot at dawn.",
                                            "Bring two radios and the maps."]
    out = tmp_path / "convoy.fr.eml"
    job = translate(src, out)
    assert_faithful(job)
    with open(out, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=policy.default)
    assert msg["Subject"] == pseudo_localize("Convoy schedule for Monday")
    assert "martin@example.org" in msg["From"]
    body = msg.get_body(("plain",))
    assert body is not None and accented("two radios") in body.get_content()


def test_compound_file_without_mapi_streams_refused(tmp_path: Path) -> None:
    other = write_cfb(tmp_path / "other.msg", {"WordDocument": b"\0" * 64})
    with pytest.raises(CorruptDocument, match="not an Outlook message"):
        read_msg(other)


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def mapi_binary(data: bytes) -> bytes:
    assert len(data) >= 4096, "the test writer has no mini stream"
    return data


def embedded(subject: str, body: str, inner: dict[str, object] | None = None) -> dict[str, object]:
    """The storage of an attached Outlook message (attach method 5)."""
    props: dict[str, object] = {"__substg1.0_0037001F": mapi_text(subject),
                                "__substg1.0_1000001F": mapi_text(body)}
    if inner is not None:
        props["__attach_version1.0_#00000000"] = inner
    return {"__substg1.0_3707001F": mapi_text(f"{subject}.msg"),
            "__substg1.0_3701000D": props}


def message_with_attachments(tmp: Path) -> Path:
    """What Outlook writes for a message with a Word note, a picture and a forwarded
    message attached: one ``__attach_version1.0_#N`` storage each."""
    note = simple_docx(tmp / "note.docx", ["Check the brakes of every truck.",
                                           "Report any fault to the workshop."])
    png = b"\x89PNG\r\n\x1a\n" + bytes(4096)
    return write_cfb_tree(tmp / "depot.msg", {
        "__substg1.0_0037001F": mapi_text("Weekly report of the northern depot"),
        "__substg1.0_1000001F": mapi_text("The depot received twelve trucks this week."),
        "__substg1.0_0C1F001F": mapi_text("martin@example.org"),
        "__attach_version1.0_#00000000": {
            "__substg1.0_3707001F": mapi_text("note.docx"),
            "__substg1.0_370E001F": mapi_text(DOCX_MIME),
            "__substg1.0_37010102": mapi_binary(note.read_bytes())},
        "__attach_version1.0_#00000001": {
            "__substg1.0_3707001F": mapi_text("photo.png"),
            "__substg1.0_370E001F": mapi_text("image/png"),
            "__substg1.0_37010102": mapi_binary(png)},
        "__attach_version1.0_#00000002": embedded(
            "Fuel order", "Order two thousand litres of diesel for the convoy."),
    })


def test_msg_attachments_translated_and_listed(tmp_path: Path) -> None:
    src = message_with_attachments(tmp_path)
    doc = read_msg(src)
    texts = [b.text for b in doc.blocks]
    assert "Check the brakes of every truck." in texts  # the Word attachment's paragraphs
    assert "Order two thousand litres of diesel for the convoy." in texts  # the attached mail
    att = [b for b in doc.blocks if b.locator.part.startswith("att")]
    assert {b.text for b in att} == {"Check the brakes of every truck.",
                                     "Report any fault to the workshop."}
    out = tmp_path / "depot.fr.eml"
    job = translate(src, out)
    assert_faithful(job)
    warnings = " | ".join(job.doc.warnings)
    assert "Attachment note.docx translated (2 blocks)" in warnings
    assert "photo.png (image/png) kept as it is" in warnings
    assert 'Attached message "Fuel order": its subject and text are translated' in warnings
    after = email.message_from_binary_file(out.open("rb"), policy=policy.default)
    assert isinstance(after, EmailMessage)
    attachments = {a.get_filename() or a.get_content_type(): a
                   for a in after.iter_attachments()}
    assert set(attachments) == {"note.fr.docx", "photo.png", "message/rfc822"}
    word = tmp_path / "note.fr.docx"
    word.write_bytes(attachments["note.fr.docx"].get_content())
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert pseudo_localize("Check the brakes of every truck.") in paragraphs
    assert attachments["photo.png"].get_content() == b"\x89PNG\r\n\x1a\n" + bytes(4096)
    forwarded = attachments["message/rfc822"].get_content()
    assert forwarded["Subject"] == pseudo_localize("Fuel order")  # translated, not kept
    inner = forwarded.get_body(("plain",))
    assert inner is not None and accented("diesel") in inner.get_content()


def test_msg_attached_messages_nested_too_deep_refused(tmp_path: Path) -> None:
    inner: dict[str, object] | None = None
    for level in range(5):
        inner = embedded(f"Level {level}", "The convoy leaves at dawn.", inner)
    assert inner is not None
    src = write_cfb_tree(tmp_path / "deep.msg", {
        "__substg1.0_0037001F": mapi_text("Forwarded many times"),
        "__attach_version1.0_#00000000": inner})
    with pytest.raises(CorruptDocument, match="nest more than 3 levels"):
        read_msg(src)
