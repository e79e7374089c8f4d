"""Outlook ``.msg``: a small reader over olefile (BSD), not the GPL extract-msg.

An Outlook message is an OLE2 compound file whose MAPI properties are streams named
``__substg1.0_TTTTPPPP`` (property tag, then type: ``001F`` UTF-16 text, ``001E`` 8-bit
text, ``0102`` binary).  The subject, sender, recipients, the transport headers (for the
date), the plain and HTML bodies and the attachments (storages
``__attach_version1.0_#N``) are read into a standard e-mail message, saved as ``.eml``
in a private folder and read by the e-mail adapter; the translation is an ``.eml``.
An attached Outlook message (an embedded storage ``__substg1.0_3701000D``) becomes an
attached ``message/rfc822``, read the same way, up to :data:`MAX_NESTING` levels deep.
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
EMBEDDED = f"__substg1.0_{ATTACH_DATA}000D"  # an attached message: a storage of its own
MAX_NESTING = 3
_STORAGE = 1  # a directory entry's type for a storage (STGTY_STORAGE, [MS-CFB] 2.6.1)


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
        return _message(ole, [], 0)


def _message(ole: Any, folder: list[str], depth: int) -> EmailMessage:
    """The message whose properties are in ``folder`` (the root, or an embedded storage)."""
    msg = EmailMessage()
    headers = HeaderParser().parsestr(_text(ole, folder, HEADERS)) if ole.exists(
        "/".join([*folder, f"__substg1.0_{HEADERS}001F"])) else None
    sender = email.utils.formataddr((_text(ole, folder, SENDER_NAME),
                                     _text(ole, folder, SENDER_EMAIL)))
    for name, value in (("From", sender), ("To", _text(ole, folder, DISPLAY_TO)),
                        ("Cc", _text(ole, folder, DISPLAY_CC)),
                        ("Date", headers.get("Date", "") if headers else ""),
                        ("Subject", _text(ole, folder, SUBJECT))):
        if value.strip():
            msg[name] = value.replace("\r", " ").replace("\n", " ")
    msg.set_content(_text(ole, folder, BODY) or "\n")
    html = _prop(ole, folder, HTML)
    if html:
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        msg.add_alternative(text, subtype="html")
    storages = {e[len(folder)] for e in ole.listdir(storages=True, streams=False)
                if len(e) > len(folder) and e[:len(folder)] == folder
                and e[len(folder)].startswith("__attach_version1.0_")}
    for entry in sorted(storages):
        _attach(ole, [*folder, entry], msg, depth)
    return msg


def _attach(ole: Any, storage: list[str], msg: EmailMessage, depth: int) -> None:
    name = _text(ole, storage, ATTACH_LONG_NAME) or _text(ole, storage, ATTACH_NAME) \
        or "attachment"
    embedded = [*storage, EMBEDDED]
    if ole.exists("/".join(embedded)) and ole.get_type("/".join(embedded)) == _STORAGE:
        if depth + 1 > MAX_NESTING:
            raise CorruptDocument(
                f"Outlook message rejected: attached messages nest more than {MAX_NESTING} "
                "levels deep (damaged or crafted).")
        inner = _message(ole, embedded, depth + 1)
        msg.add_attachment(inner, disposition="attachment")
        return
    data = _prop(ole, storage, ATTACH_DATA)
    if not isinstance(data, bytes):
        return  # OLE objects (attach method 6) are not extracted
    mime = _text(ole, storage, ATTACH_MIME) or "application/octet-stream"
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
