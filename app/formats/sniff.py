"""Recognise a file by its content, and check a DOCX package before parsing it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from app.errors import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EncryptedDocument,
    UnsupportedDocument,
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_EXTENSIONS = {".docx", ".docm", ".dotx", ".dotm"}
PDF_EXTENSIONS = {".pdf"}
SUPPORTED = sorted(DOCX_EXTENSIONS | PDF_EXTENSIONS)

# Limits in the spirit of Apache POI's ZipSecureFile.
MAX_EXPANDED_BYTES = int(os.environ.get("PASSERELLE_MAX_EXPANDED_MB", "500")) * 1024 * 1024
MAX_RATIO = 100.0
RATIO_MIN_SIZE = 1024 * 1024  # small members may compress extremely well; ignore them
MAX_MEMBERS = 10000


def _describe(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    low = head[:512].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low:
        return "an HTML page"
    if head.startswith(b"{\\rtf"):
        return "an RTF document"
    return None


def detect_format(path: Path) -> str:
    """Return "docx" or "pdf", or raise a typed error that says what the file really is."""
    path = Path(path)
    if not path.exists():
        raise DocumentNotFound(f"File not found: {path}")
    if not path.is_file():
        raise UnsupportedDocument(f"Not a file: {path}")
    ext = path.suffix.lower()
    if ext not in DOCX_EXTENSIONS | PDF_EXTENSIONS | {".doc"}:
        raise UnsupportedDocument(
            f"Unsupported file type '{ext or path.name}': supported are {', '.join(SUPPORTED)}."
        )
    if path.stat().st_size == 0:
        raise CorruptDocument(f"The file {path.name} is empty (0 bytes).")
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if head.startswith(OLE2_MAGIC):
        if ext == ".doc":
            raise UnsupportedDocument(
                "Legacy Word .doc files are not supported: "
                "save it as .docx in Word or LibreOffice."
            )
        raise EncryptedDocument(
            "This Word file is encrypted: remove the password in Word, then retry.",
            needs_password=False)
    if ext == ".doc":
        raise UnsupportedDocument("Legacy Word .doc files are not supported: save it as .docx.")
    if b"%PDF-" in head[:1024]:
        if ext in PDF_EXTENSIONS:
            return "pdf"
        raise UnsupportedDocument(
            f"{path.name} is a PDF with a Word extension; rename it to .pdf.")
    if head.startswith(b"PK\x03\x04"):
        if ext in DOCX_EXTENSIONS:
            return "docx"
        raise UnsupportedDocument(f"{path.name} is a zip/Office file, not a PDF.")
    what = _describe(head)
    kind = "PDF" if ext in PDF_EXTENSIONS else "Word document"
    if what:
        raise UnsupportedDocument(f"The file is not a valid {kind}: it is {what}.")
    raise CorruptDocument(f"The file is not a valid {kind} (unrecognised content).")


def check_docx_package(path: Path, max_bytes: int = MAX_EXPANDED_BYTES) -> None:
    """Refuse zip bombs, unsafe member names and packages that are not Word documents."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(
            f"The file is not a valid Word document (broken zip: {exc}).") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DocumentTooLarge(f"Document rejected: it has more than {MAX_MEMBERS} parts.")
        total = 0
        names = set()
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
                raise CorruptDocument(
                    f"Document rejected: unsafe path inside the package ({name}).")
            total += info.file_size
            if total > max_bytes:
                raise DocumentTooLarge(
                    f"Document rejected: it would expand to more than {max_bytes // 2**20} MB."
                )
            if (info.file_size > RATIO_MIN_SIZE and info.compress_size
                    and info.file_size / info.compress_size > MAX_RATIO):
                raise DocumentTooLarge(
                    f"Document rejected: part {name} expands more than {MAX_RATIO:.0f}:1 "
                    "(possible zip bomb)."
                )
            names.add(name)
        if "[Content_Types].xml" not in names:
            raise CorruptDocument(
                "The file is not a valid Word document (missing [Content_Types].xml)."
            )
        if not any(n.startswith("word/") for n in names):
            raise CorruptDocument("The file is not a Word document (no word/ part).")
