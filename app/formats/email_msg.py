"""E-mail ``.eml`` (standard library :mod:`email`): subject and bodies translated, headers
kept, supported attachments translated through their own format adapters.

Blocks: the subject, the paragraphs of each ``text/plain`` body (as plain text), the
blocks of each ``text/html`` body (as an HTML page), the subject of each message attached
whole (before its own bodies), then the blocks of each attachment
whose format the registry reads (Word, PowerPoint, Excel, OpenDocument, PDF, text…),
their locators prefixed with the attachment's number.  Addresses, dates and every other
header are kept as they are.  Outputs: the translated message (``eml``) and a bilingual
Word rendering (``eml-bilingual``: headers, then source and translation side by side), or
the same as a PDF (``eml-bilingual-pdf``, :mod:`app.formats.email_pdf`).
"""

from __future__ import annotations

import email
import logging
import re
import tempfile
from email import policy
from email.message import EmailMessage
from pathlib import Path

from app.core.errors import AppError, CorruptDocument, DocumentTooLarge
from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, TranslationStatus
from app.formats.catalog import default_output_format, read_document, writer_for
from app.formats.html import add_html_blocks, translate_html
from app.formats.plaintext import add_text_blocks, replace_segments
from app.formats.sniff import format_for_suffix

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 << 20
_SAFE_NAME = re.compile(r"[^\w.\- ]+")
HEADERS_SHOWN = ("From", "To", "Cc", "Date")


def parse_message(path: Path) -> EmailMessage:
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise DocumentTooLarge(
            f"Document rejected: {path.name} is larger than {MAX_MESSAGE_BYTES >> 20} MB.")
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=policy.default)
    if not isinstance(msg, EmailMessage) or (not msg.keys() and not msg.get_payload()):
        raise CorruptDocument(f"{path.name} is not an e-mail message (no headers).")
    return msg


def _parts(msg: EmailMessage) -> list[tuple[int, EmailMessage, str]]:
    """(number, part, role) for bodies ("plain", "html"), attachments ("attachment") and
    messages attached whole ("message": the attached message itself, whose parts follow)."""
    out = []
    for n, part in enumerate(msg.walk()):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, EmailMessage):
                out.append((n, inner, "message"))
            continue
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment" or part.get_filename():
            out.append((n, part, "attachment"))
        elif ctype == "text/plain":
            out.append((n, part, "plain"))
        elif ctype == "text/html":
            out.append((n, part, "html"))
    return out


def _text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, AssertionError):  # unknown or lying charset
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _attachment_file(part: EmailMessage, n: int, folder: Path) -> Path | None:
    """The attachment saved under a safe name when the registry can read its format."""
    name = _SAFE_NAME.sub("_", Path(part.get_filename() or f"attachment{n}").name) or "file"
    if format_for_suffix(Path(name).suffix) in (None, "eml", "msg", "legacy", "image"):
        return None
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data:
        return None
    path = folder / f"{n}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_eml(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    msg = parse_message(path)
    doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path), format="eml"))
    subject = str(msg.get("Subject", "") or "")
    doc.meta.title = subject or None
    if subject.strip():
        doc.add_block(BlockKind.HEADING, [Run(subject)], Locator("subject", (0,)), level=1)
    with tempfile.TemporaryDirectory(prefix="passerelle-mail-") as tmp:
        for n, part, role in _parts(msg):
            if role == "plain":
                add_text_blocks(doc, _text(part), f"plain{n}")
            elif role == "html" and _text(part).strip():
                add_html_blocks(doc, _text(part), f"{path.name} part {n}", f"html{n}")
            elif role == "message":
                _read_attached_message(doc, part, n)
            else:
                _read_attachment(doc, part, n, Path(tmp))
    log.info("Read %s: %d blocks", path.name, len(doc.blocks))
    return doc


def _read_attached_message(doc: Document, inner: EmailMessage, n: int) -> None:
    """A message attached whole: its subject is a block (before its text, which
    :func:`_parts` walks next); its other headers stay as they are."""
    subject = str(inner.get("Subject", "") or "")
    if subject.strip():
        doc.add_block(BlockKind.HEADING, [Run(subject)], Locator("subject", (n,)), level=2)
    doc.warnings.append(f"Attached message \"{subject or '?'}\": its subject and text are "
                        "translated with this message's; its other headers (From, To, Date) "
                        "are kept.")


def _read_attachment(doc: Document, part: EmailMessage, n: int, folder: Path) -> None:
    name = part.get_filename() or f"attachment {n}"
    saved = _attachment_file(part, n, folder)
    if saved is None:
        doc.warnings.append(f"Attachment {name} ({part.get_content_type()}) kept as it is: "
                            "its format is not translated.")
        return
    try:
        sub = read_document(saved)
    except AppError as exc:
        doc.warnings.append(f"Attachment {name} kept as it is: {exc}")
        return
    for b in sub.blocks:
        doc.add_block(b.kind, b.runs, Locator(f"att{n}:{b.locator.part}", b.locator.path),
                      level=b.level, style_name=b.style_name, flags=list(b.flags))
    doc.warnings.append(f"Attachment {name} translated ({len(sub.blocks)} blocks).")


def translated_message(doc: Document) -> EmailMessage:
    msg = parse_message(doc.meta.source_path)
    by_key = {b.locator.key(): b for b in doc.blocks}
    subject = by_key.get("subject/0")
    if subject is not None and subject.translation.status is TranslationStatus.TRANSLATED:
        msg.replace_header("Subject", subject.translation.text)
    with tempfile.TemporaryDirectory(prefix="passerelle-mail-") as tmp:
        for n, part, role in _parts(msg):
            if role == "plain":
                part.set_content(replace_segments(_text(part), doc, f"plain{n}"),
                                 subtype="plain", charset="utf-8")
            elif role == "html" and _text(part).strip():
                part.set_content(translate_html(_text(part), doc, f"part {n}", f"html{n}"),
                                 subtype="html", charset="utf-8")
            elif role == "message":
                inner_subject = by_key.get(f"subject/{n}")
                if (inner_subject is not None
                        and inner_subject.translation.status is TranslationStatus.TRANSLATED):
                    part.replace_header("Subject", inner_subject.translation.text)
            else:
                _write_attachment(doc, part, n, Path(tmp))
    if doc.target_language:
        msg["Content-Language"] = doc.target_language
    return msg


def _write_attachment(doc: Document, part: EmailMessage, n: int, folder: Path) -> None:
    saved = _attachment_file(part, n, folder)
    if saved is None:
        return
    try:
        sub = read_document(saved)
    except AppError:
        return
    translated = {b.locator.key(): b for b in doc.blocks if b.locator.part.startswith(f"att{n}:")}
    for b in sub.blocks:
        source = translated.get(Locator(f"att{n}:{b.locator.part}", b.locator.path).key())
        if source is not None:
            b.translation = source.translation
    sub.target_language = doc.target_language
    spec = writer_for(default_output_format(sub.meta.format), sub.meta.format)
    out = saved.with_name(f"{saved.stem}.{doc.target_language or 'translated'}{spec.suffix}")
    spec.write(sub, out)
    maintype, subtype = part.get_content_type().split("/", 1)
    if maintype == "text":
        part.set_content(out.read_text(encoding="utf-8", errors="replace"), subtype=subtype,
                         charset="utf-8", disposition="attachment", filename=out.name)
    else:
        part.set_content(out.read_bytes(), maintype=maintype, subtype=subtype,
                         disposition="attachment", filename=out.name)


def write_eml(doc: Document, out: Path) -> None:
    out.write_bytes(translated_message(doc).as_bytes(policy=policy.default))


def write_eml_bilingual(doc: Document, out: Path) -> None:
    """A Word document: the headers, then each block's source beside its translation."""
    import docx

    msg = parse_message(doc.meta.source_path)
    word = docx.Document()
    word.add_heading(doc.meta.title or doc.meta.source_path.name, level=1)
    table = word.add_table(rows=0, cols=2)
    for name in HEADERS_SHOWN:
        if msg.get(name):
            row = table.add_row().cells
            row[0].text, row[1].text = name, str(msg.get(name))
    word.add_paragraph()
    pairs = word.add_table(rows=1, cols=2)
    pairs.style = "Table Grid"
    pairs.rows[0].cells[0].text = "Source"
    pairs.rows[0].cells[1].text = f"Translation ({doc.target_language or '?'})"
    for b in doc.blocks:
        cells = pairs.add_row().cells
        cells[0].text = _printable(b.text)
        cells[1].text = _printable(b.output_text)
    if doc.warnings:
        word.add_heading("Attachments and notes", level=2)
        for w in doc.warnings:
            word.add_paragraph(_printable(w), style="List Bullet")
    word.save(str(out))


def _printable(text: str) -> str:
    """Without the control characters that XML (and so Word) cannot hold."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
