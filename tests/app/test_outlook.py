"""Outlook .msg (issue 17): read with olefile and our reader, translated as an e-mail."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from app.core.errors import CorruptDocument
from app.formats.outlook import read_msg
from app.formats.sniff import detect_format
from engines.translate.pseudo import pseudo_localize
from tests.hostile.ole2 import write_cfb
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
