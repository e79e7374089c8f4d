"""Recognise a file by its content, and check a DOCX package before parsing it.

:func:`check_docx_package` runs before python-docx opens a package.  python-docx reads
every member whole, with no size or ratio check, so in the spirit of Apache POI's
``ZipSecureFile`` the package is refused when:

* its headers declare more than the configured total (``PASSERELLE_MAX_EXPANDED_MB``,
  500 MB by default) or a member compresses more than 100:1;
* a member name is absolute or climbs out with ``..``;
* a member, *really decompressed* on a byte budget, outgrows that budget or its declared
  size (headers that lie), or fails its CRC;
* an XML part has a DTD, nests deeper than 256, holds a text over 10 MB or is not
  well-formed (:mod:`app.formats.safe_xml`).
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from app.core.errors import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EncryptedDocument,
    InputError,
    UnsupportedDocument,
)
from app.formats.safe_xml import XmlPartCheck

log = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_EXTENSIONS = {".docx", ".docm", ".dotx", ".dotm"}
PDF_EXTENSIONS = {".pdf"}
SUPPORTED = sorted(DOCX_EXTENSIONS | PDF_EXTENSIONS)

# Limits in the spirit of Apache POI's ZipSecureFile.
LIMIT_ENV = "PASSERELLE_MAX_EXPANDED_MB"
DEFAULT_MAX_EXPANDED_MB = 500
MAX_RATIO = 100.0
RATIO_MIN_SIZE = 1024 * 1024  # small members may compress extremely well; ignore them
MAX_MEMBERS = 10000
CHUNK = 1 << 20
OLE2_SCAN_BYTES = 64 << 20  # directory entries further into a CFB file are not looked for
_CT_NAME = "[Content_Types].xml"


def max_expanded_bytes() -> int:
    """The most a Word package may expand to, read from the environment at each call."""
    raw = os.environ.get(LIMIT_ENV, "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_EXPANDED_MB
    except ValueError:
        megabytes = 0
    if megabytes <= 0:
        log.warning("Ignoring %s=%r: not a positive number of MB", LIMIT_ENV, raw)
        megabytes = DEFAULT_MAX_EXPANDED_MB
    return int(megabytes * 2**20)


def _megabytes(limit: int) -> str:
    return f"{limit / 2**20:g}"


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


def _ole2_streams(path: Path, wanted: tuple[str, ...]) -> set[str]:
    """Which of ``wanted`` are stream names in the CFB directory (128-byte entries: the
    UTF-16 name, zero-padded to 64 bytes, then its length in bytes)."""
    patterns = {name: (name + "\0").encode("utf-16-le") for name in wanted}
    found: set[str] = set()
    offset = 0
    with open(path, "rb") as fh:
        while offset < OLE2_SCAN_BYTES and len(found) < len(wanted):
            chunk = fh.read(CHUNK)  # a multiple of 128: entries never straddle chunks
            if not chunk:
                break
            for name, pattern in patterns.items():
                at = chunk.find(pattern)
                while at >= 0 and name not in found:
                    if (at % 128 == 0 and len(chunk) >= at + 66
                            and int.from_bytes(chunk[at + 64:at + 66], "little") == len(pattern)):
                        found.add(name)
                    at = chunk.find(pattern, at + 1)
            offset += len(chunk)
    return found


def _refuse_ole2(path: Path, ext: str) -> None:
    """An OLE2 container: an encrypted Office file, or a legacy binary one."""
    streams = _ole2_streams(path, ("EncryptedPackage", "WordDocument"))
    if "EncryptedPackage" in streams or ("WordDocument" not in streams and ext != ".doc"):
        raise EncryptedDocument(
            "This Word file is encrypted: remove the password in Word, then retry.",
            needs_password=False)
    raise UnsupportedDocument(
        "Legacy Word .doc files are not supported: save it as .docx in Word or LibreOffice.")


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
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except FileNotFoundError as exc:
        raise DocumentNotFound(f"File not found: {path}") from exc
    except PermissionError as exc:
        raise InputError(f"Cannot read {path.name}: permission denied.") from exc
    if size == 0:
        raise CorruptDocument(f"The file {path.name} is empty (0 bytes).")
    if head.startswith(OLE2_MAGIC):
        _refuse_ole2(path, ext)
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


def _check_names(infos: list[zipfile.ZipInfo], limit: int) -> None:
    """Declared sizes, ratios and member names, from the zip headers alone."""
    if len(infos) > MAX_MEMBERS:
        raise DocumentTooLarge(f"Document rejected: it has more than {MAX_MEMBERS} parts.")
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            raise CorruptDocument(f"Document rejected: unsafe path inside the package ({name}).")
        total += info.file_size
        if total > limit:
            raise DocumentTooLarge(
                f"Document rejected: it would expand to more than {_megabytes(limit)} MB.")
        _check_ratio(name, info.file_size, info.compress_size)
    if _CT_NAME not in {i.filename for i in infos}:
        raise CorruptDocument(
            "The file is not a valid Word document (missing [Content_Types].xml).")
    if not any(i.filename.startswith("word/") for i in infos):
        raise CorruptDocument("The file is not a Word document (no word/ part).")


def _check_ratio(name: str, size: int, compressed: int) -> None:
    if size > RATIO_MIN_SIZE and (not compressed or size / compressed > MAX_RATIO):
        raise DocumentTooLarge(
            f"Document rejected: part {name} expands more than {MAX_RATIO:.0f}:1 "
            "(possible zip bomb).")


class _Budget:
    """How many decompressed bytes the package may still produce."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise DocumentTooLarge(
                f"Document rejected: it would expand to more than {_megabytes(self.limit)} MB.")


def _xml_parts(zf: zipfile.ZipFile, budget: _Budget) -> set[str]:
    """Names of the members python-docx will parse as XML: ``.xml``/``.rels`` files and
    parts whose content type is XML (SVG images excepted), after checking the types part."""
    from lxml import etree

    types = _read_member(zf, zf.getinfo(_CT_NAME), budget, xml=True)
    try:
        root = etree.fromstring(types, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise _damaged(_CT_NAME, exc) from exc
    defaults, overrides = {}, {}
    for el in root:
        tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if tag == "Default":
            defaults[(el.get("Extension") or "").lower()] = el.get("ContentType") or ""
        elif tag == "Override":
            overrides[(el.get("PartName") or "").lstrip("/")] = el.get("ContentType") or ""
    names = set()
    for info in zf.infolist():
        name = info.filename
        ext = PurePosixPath(name).suffix.lstrip(".").lower()
        ctype = overrides.get(name) or defaults.get(ext, "")
        if name.lower().endswith((".xml", ".rels")) or (
                ctype.endswith("xml") and not ctype.startswith("image/")):
            names.add(name)
    names.discard(_CT_NAME)
    return names


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget,
                 xml: bool = False, keep: bool = True) -> bytes:
    """Decompress one member in chunks against the ``budget``, feeding XML parts to the
    hardened checker.  Returns the data when ``keep``."""
    name = info.filename
    check = XmlPartCheck(name) if xml else None
    kept: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                size += len(chunk)
                budget.spend(len(chunk))
                if size > info.file_size:
                    raise DocumentTooLarge(
                        f"Document rejected: part {name} is larger than its header says "
                        "(possible zip bomb).")
                _check_ratio(name, size, info.compress_size)
                if check is not None:
                    check.feed(chunk)
                if keep:
                    kept.append(chunk)
        if check is not None:
            check.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, RuntimeError, OSError) as exc:  # OSError: offsets out of file
        raise _damaged(name, exc) from exc
    return b"".join(kept)


def _damaged(name: str, exc: BaseException) -> CorruptDocument:
    reason = " ".join(str(exc).split())[:120] or type(exc).__name__
    if "crc" in reason.lower():
        reason = "its checksum does not match: damaged, or its size header lies"
    return CorruptDocument(
        f"The file is not a valid Word document (part {name} is damaged: {reason}).")


def check_docx_package(path: Path, max_bytes: int | None = None) -> None:
    """Refuse zip bombs, unsafe member names, hostile XML and packages that are not Word
    documents (see the module docstring).  Every refusal is a typed :class:`InputError`."""
    limit = max_bytes if max_bytes is not None else max_expanded_bytes()
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise DocumentNotFound(
            f"{Path(path).name} was moved or deleted (it is needed to read or write).") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise CorruptDocument(
            f"The file is not a valid Word document (broken zip: {exc}).") from exc
    with zf:
        _check_names(zf.infolist(), limit)
        budget = _Budget(limit)
        xml_parts = _xml_parts(zf, budget)
        for info in zf.infolist():
            if info.filename != _CT_NAME and not info.is_dir():
                _read_member(zf, info, budget, xml=info.filename in xml_parts, keep=False)
