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
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.core.errors import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EncryptedDocument,
    InputError,
    UnsupportedDocument,
)
from app.core.hashing import sha256_file
from app.formats.safe_xml import XmlPartCheck

log = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_EXTENSIONS = {".docx", ".docm", ".dotx", ".dotm"}
PDF_EXTENSIONS = {".pdf"}
# Source formats by file extension ("legacy": converted through LibreOffice first).
EXTENSIONS: dict[str, frozenset[str]] = {
    "docx": frozenset(DOCX_EXTENSIONS),
    "pdf": frozenset(PDF_EXTENSIONS),
    "pptx": frozenset({".pptx", ".pptm"}),
    "xlsx": frozenset({".xlsx", ".xlsm"}),
    "odt": frozenset({".odt"}),
    "ods": frozenset({".ods"}),
    "odp": frozenset({".odp"}),
    "txt": frozenset({".txt"}),
    "md": frozenset({".md", ".markdown"}),
    "html": frozenset({".html", ".htm"}),
    "eml": frozenset({".eml"}),
    "msg": frozenset({".msg"}),
    "legacy": frozenset({".doc", ".ppt", ".xls", ".rtf"}),
    "image": frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}),  # OCR
}
LABELS = {
    "docx": "Word document", "pdf": "PDF", "pptx": "PowerPoint presentation",
    "xlsx": "Excel workbook", "odt": "OpenDocument text", "ods": "OpenDocument spreadsheet",
    "odp": "OpenDocument presentation", "txt": "plain text", "md": "Markdown text",
    "html": "HTML page", "eml": "e-mail message", "msg": "Outlook message",
    "legacy": "legacy Office document", "image": "image",
}
ZIP_FORMATS = frozenset({"docx", "pptx", "xlsx", "odt", "ods", "odp"})
TEXT_FORMATS = frozenset({"txt", "md", "html", "eml"})
SUPPORTED = sorted(e for exts in EXTENSIONS.values() for e in exts)


def format_for_suffix(suffix: str) -> str | None:
    """The source format of a file extension (".PPTX" → "pptx"), or None."""
    suffix = suffix.lower()
    return next((f for f, exts in EXTENSIONS.items() if suffix in exts), None)

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


def is_image(head: bytes) -> bool:
    """PNG, JPEG, TIFF, BMP or WebP by their magic bytes (the OCR reader's formats)."""
    return (head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM"))
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))


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


def _refuse_ole2(path: Path, fmt: str) -> str:
    """An OLE2 container: an encrypted Office file (refused), an Outlook message, or a
    legacy binary Office file (converted through LibreOffice, whatever its extension)."""
    streams = _ole2_streams(path, ("EncryptedPackage", "WordDocument"))
    if fmt == "msg" and "EncryptedPackage" not in streams:
        return "msg"
    if "EncryptedPackage" in streams or (fmt == "docx" and "WordDocument" not in streams):
        app = LABELS.get(fmt, "Office").split()[0]
        raise EncryptedDocument(
            f"This {app} file is encrypted: remove the password in {app}, then retry.",
            needs_password=False)
    return "legacy"


def detect_format(path: Path) -> str:
    """Return the format name ("docx", "pdf", "pptx", "xlsx", "odt", "ods", "odp",
    "txt", "md", "html", "eml", "msg", "legacy" or "image"), or raise a typed error that says
    what the file really is."""
    path = Path(path)
    if not path.exists():
        raise DocumentNotFound(f"File not found: {path}")
    if not path.is_file():
        raise UnsupportedDocument(f"Not a file: {path}")
    ext = path.suffix.lower()
    fmt = format_for_suffix(ext)
    if fmt is None:
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
        return _refuse_ole2(path, fmt)
    if fmt == "msg":
        raise CorruptDocument(f"{path.name} is not an Outlook message (no OLE2 header).")
    if b"%PDF-" in head[:1024] and fmt not in TEXT_FORMATS:
        if fmt == "pdf":
            return "pdf"
        raise UnsupportedDocument(
            f"{path.name} is a PDF with a {LABELS[fmt]} extension; rename it to .pdf.")
    if head.startswith(b"PK\x03\x04"):
        if fmt in ZIP_FORMATS:
            return fmt
        raise UnsupportedDocument(f"{path.name} is a zip/Office file, not a {LABELS[fmt]}.")
    if fmt in TEXT_FORMATS:
        if b"\0" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnsupportedDocument(f"{path.name} is a binary file, not {LABELS[fmt]}.")
        return fmt
    if fmt == "legacy" and ext == ".rtf" and head.startswith(b"{\\rtf"):
        return "legacy"
    if fmt == "image" and is_image(head):
        return "image"
    what = _describe(head)
    kind = LABELS[fmt]
    if what:
        raise UnsupportedDocument(f"The file is not a valid {kind}: it is {what}.")
    raise CorruptDocument(f"The file is not a valid {kind} (unrecognised content).")


@dataclass(frozen=True)
class PackageKind:
    """What a zip package must hold to be of one kind, and how messages name it."""

    label: str  # "Word document"
    marker: str  # a member that must exist
    prefix: str  # the folder with the content ("word/"), or "" for none


WORD = PackageKind("Word document", _CT_NAME, "word/")
POWERPOINT = PackageKind("PowerPoint presentation", _CT_NAME, "ppt/")
EXCEL = PackageKind("Excel workbook", _CT_NAME, "xl/")
OPENDOCUMENT = PackageKind("OpenDocument file", "content.xml", "")


def _check_names(infos: list[zipfile.ZipInfo], limit: int, kind: PackageKind = WORD) -> None:
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
    if kind.marker not in {i.filename for i in infos}:
        raise CorruptDocument(
            f"The file is not a valid {kind.label} (missing {kind.marker}).")
    if kind.prefix and not any(i.filename.startswith(kind.prefix) for i in infos):
        raise CorruptDocument(f"The file is not a {kind.label} (no {kind.prefix} part).")


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


def _xml_parts(zf: zipfile.ZipFile, budget: _Budget, label: str = WORD.label) -> set[str]:
    """Names of the members python-docx will parse as XML: ``.xml``/``.rels`` files and
    parts whose content type is XML (SVG images excepted), after checking the types part.
    A package without a types part (OpenDocument) has its ``.xml``/``.rdf`` members."""
    from lxml import etree

    if _CT_NAME not in zf.NameToInfo:
        return {i.filename for i in zf.infolist()  # an empty part is never parsed
                if i.filename.lower().endswith((".xml", ".rdf")) and i.file_size > 0}
    types = _read_member(zf, zf.getinfo(_CT_NAME), budget, xml=True, label=label)
    try:
        root = etree.fromstring(types, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise _damaged(_CT_NAME, exc, label) from exc
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
                 xml: bool = False, keep: bool = True, label: str = WORD.label) -> bytes:
    """Decompress one member in chunks against the ``budget``, feeding XML parts to the
    hardened checker.  Returns the data when ``keep``."""
    name = info.filename
    check = XmlPartCheck(name, label) if xml else None
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
        raise _damaged(name, exc, label) from exc
    return b"".join(kept)


def _damaged(name: str, exc: BaseException, label: str = WORD.label) -> CorruptDocument:
    reason = " ".join(str(exc).split())[:120] or type(exc).__name__
    if "crc" in reason.lower():
        reason = "its checksum does not match: damaged, or its size header lies"
    return CorruptDocument(
        f"The file is not a valid {label} (part {name} is damaged: {reason}).")


def check_docx_package(path: Path, max_bytes: int | None = None) -> None:
    """Refuse zip bombs, unsafe member names, hostile XML and packages that are not Word
    documents (see the module docstring).  Every refusal is a typed :class:`InputError`."""
    check_package(path, WORD, max_bytes)


# Packages that passed, by content: the writer reopens the source the reader checked, and
# checking every part again costs as much as opening it.  Keyed by the SHA-256 of the
# bytes (hashing is several times faster than the check), so a file changed in between
# is checked again.
_PASSED: dict[tuple[str, str, int], None] = {}
_PASSED_LOCK = threading.Lock()
_PASSED_MAX = 16


def _passed_key(path: Path, kind: PackageKind, limit: int) -> tuple[str, str, int] | None:
    try:
        return sha256_file(Path(path)), kind.label, limit
    except OSError:
        return None  # the checks below say what is wrong with the file


def check_package(path: Path, kind: PackageKind, max_bytes: int | None = None) -> None:
    """The checks of :func:`check_docx_package` for a package of any ``kind``."""
    limit = max_bytes if max_bytes is not None else max_expanded_bytes()
    key = _passed_key(path, kind, limit)
    with _PASSED_LOCK:
        if key is not None and key in _PASSED:
            return
    _check_package(path, kind, limit)
    if key is not None:
        with _PASSED_LOCK:
            _PASSED[key] = None
            while len(_PASSED) > _PASSED_MAX:
                del _PASSED[next(iter(_PASSED))]


def _check_package(path: Path, kind: PackageKind, limit: int) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise DocumentNotFound(
            f"{Path(path).name} was moved or deleted (it is needed to read or write).") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise CorruptDocument(
            f"The file is not a valid {kind.label} (broken zip: {exc}).") from exc
    with zf:
        _check_names(zf.infolist(), limit, kind)
        budget = _Budget(limit)
        xml_parts = _xml_parts(zf, budget, kind.label)
        for info in zf.infolist():
            if info.filename != _CT_NAME and not info.is_dir():
                _read_member(zf, info, budget, xml=info.filename in xml_parts, keep=False,
                             label=kind.label)
