"""Text encodings: detected when reading, kept when writing (UTF-8 when they cannot hold
the translation).

UTF-8 (with or without BOM) and UTF-16 with a BOM are recognised exactly; anything else
is measured by charset-normalizer among the legacy code pages a user is likely to send:
Western European (cp1252), Arabic (cp1256), Cyrillic (cp1251, KOI8-R) and Central
European (cp1250).
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import CorruptDocument, DocumentTooLarge
from app.document import Document

log = logging.getLogger(__name__)

LEGACY_CODEPAGES = ["cp1252", "cp1256", "cp1251", "koi8_r", "cp1250"]
MAX_TEXT_BYTES = 64 << 20


@dataclass
class Decoded:
    text: str
    encoding: str  # a Python codec name; "utf-8-sig" and "utf-16" write their BOM


def read_text(path: Path) -> Decoded:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise DocumentTooLarge(
            f"Document rejected: {path.name} is larger than {MAX_TEXT_BYTES >> 20} MB of text.")
    return decode(path.read_bytes(), path.name)


def decode(data: bytes, name: str = "the file") -> Decoded:
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data.decode("utf-8-sig"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise CorruptDocument(f"{name} starts like UTF-16 but is not ({exc.reason}).") \
                from exc
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY_CODEPAGES).best()
    if best is None:
        raise CorruptDocument(f"Cannot tell the text encoding of {name}: save it as UTF-8.")
    log.info("%s decoded as %s", name, best.encoding)
    return Decoded(str(best), best.encoding)


def encode(text: str, encoding: str) -> tuple[bytes, str]:
    """The bytes in ``encoding``, or in UTF-8 (and that name) when it cannot hold them."""
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


def write_translated(doc: Document, out: Path, translate: Callable[[str], str],
                     on_utf8: Callable[[bytes], bytes] | None = None) -> None:
    """Read the source text again, ``translate`` it, and write it in the source's encoding;
    in UTF-8 (``on_utf8`` may then fix a declared charset) and said so when that encoding
    cannot hold the translation."""
    decoded = read_text(doc.meta.source_path)
    data, used = encode(translate(decoded.text), decoded.encoding)
    if used != decoded.encoding:
        if on_utf8 is not None:
            data = on_utf8(data)
        doc.warnings.append(f"The translation is saved as UTF-8: {decoded.encoding} cannot "
                            "hold all of its characters.")
    out.write_bytes(data)
