"""Outlook ``.msg``: a small reader over olefile (BSD), not the GPL extract-msg.

An Outlook message is an OLE2 compound file whose MAPI properties are streams named
``__substg1.0_TTTTPPPP`` (property tag, then type: ``001F`` UTF-16 text, ``001E`` 8-bit
text, ``0102`` binary).  The subject, sender, recipients, the transport headers (for the
date), the plain and HTML bodies and the attachments (storages
``__attach_version1.0_#N``) are read into a standard e-mail message, saved as ``.eml``
in a private folder and read by the e-mail adapter; the translation is an ``.eml``.
"""

from __future__ import annotations

import email.utils
import logging
import tempfile
from email.message import EmailMessage
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from app.core.errors import CorruptDocument, DocumentTooLarge
from app.core.hashing import sha256_file
from app.document import Document
from app.formats.email_msg import MAX_MESSAGE_BYTES, read_eml
from app.formats.legacy import work_dir

log = logging.getLogger(__name__)

SUBJECT, BODY, HTML, SENDER_NAME, SENDER_EMAIL = "0037", "1000", "1013", "0C1A", "0C1F"
DISPLAY_TO, DISPLAY_CC, HEADERS = "0E04", "0E03", "007D"
ATTACH_DATA, ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_MIME = "3701", "3707", "3704", "370E"


def _prop(ole: Any, folder: list[str], tag: str) -> str | bytes | None:
    for kind in ("001F", "001E", "0102"):
        path = [*folder, f"__substg1.0_{tag}{kind}"]
        if ole.exists("/".join(path)):
            data = ole.openstream(path).read()
            if kind == "001F":
                return str(data.decode("utf-16-le", "replace").rstrip("\0"))
            if kind == "001E":
                return str(data.decode("cp1252", "replace").rstrip("\0"))
            return bytes(data)
    return None


def _text(ole: Any, folder: list[str], tag: str) -> str:
    value = _prop(ole, folder, tag)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def to_email(path: Path) -> EmailMessage:
    import olefile

    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise DocumentTooLarge(
            f"Document rejected: {path.name} is larger than {MAX_MESSAGE_BYTES >> 20} MB.")
    try:
        ole = olefile.OleFileIO(str(path))
    except (OSError, ValueError) as exc:
        raise CorruptDocument(f"{path.name} is not a valid Outlook message ({exc}).") from exc
    with ole:
        if not any(e[0].startswith("__substg1.0_") for e in ole.listdir()):
            raise CorruptDocument(f"{path.name} is not an Outlook message (no MAPI properties).")
        msg = EmailMessage()
        headers = HeaderParser().parsestr(_text(ole, [], HEADERS)) if ole.exists(
            f"__substg1.0_{HEADERS}001F") else None
        sender = email.utils.formataddr((_text(ole, [], SENDER_NAME),
                                         _text(ole, [], SENDER_EMAIL)))
        for name, value in (("From", sender), ("To", _text(ole, [], DISPLAY_TO)),
                            ("Cc", _text(ole, [], DISPLAY_CC)),
                            ("Date", headers.get("Date", "") if headers else ""),
                            ("Subject", _text(ole, [], SUBJECT))):
            if value.strip():
                msg[name] = value.replace("\r", " ").replace("\n", " ")
        msg.set_content(_text(ole, [], BODY) or "\n")
        html = _prop(ole, [], HTML)
        if html:
            text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
            msg.add_alternative(text, subtype="html")
        for entry in sorted({e[0] for e in ole.listdir(storages=True, streams=False)
                             if e[0].startswith("__attach_version1.0_")}):
            _attach(ole, entry, msg)
    return msg


def _attach(ole: Any, storage: str, msg: EmailMessage) -> None:
    data = _prop(ole, [storage], ATTACH_DATA)
    if not isinstance(data, bytes):
        return  # embedded messages and OLE objects are not extracted
    name = _text(ole, [storage], ATTACH_LONG_NAME) or _text(ole, [storage], ATTACH_NAME) \
        or "attachment"
    mime = _text(ole, [storage], ATTACH_MIME) or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    if maintype == "text":
        maintype, subtype = "application", "octet-stream"  # bytes as they are
    msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                       filename=name)


def read_msg(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    converted = Path(tempfile.mkdtemp(dir=work_dir())) / f"{path.stem}.eml"
    converted.write_bytes(to_email(path).as_bytes())
    doc = read_eml(converted)
    doc.meta.sha256 = sha256_file(path)
    doc.warnings.append(f"{path.name} (Outlook) was read as an e-mail; the translation is "
                        "an .eml file.")
    log.info("Outlook message %s read through %s", path.name, converted.name)
    return doc
