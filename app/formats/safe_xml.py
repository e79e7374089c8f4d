"""Hardened checks for the XML parts of a Word package, run before python-docx sees them.

python-docx parses with ``resolve_entities=False`` and without ``huge_tree``, so entities are
never expanded nor fetched and libxml2's own limits hold.  This module streams each part
through a parser with the same settings (plus ``no_network``, ``load_dtd=False``) that builds
no tree, so the check itself stays small in memory, and turns every refusal into a typed
error with a one-line message:

* a DTD (``<!DOCTYPE``/``<!ENTITY``: billion laughs, external entities). The Open Packaging
  Conventions do not allow DTDs in package parts and Word never writes one, so any DTD is
  refused (the same rule as .NET's ``System.IO.Packaging``);
* elements nested deeper than :data:`MAX_DEPTH`;
* one text node longer than :data:`MAX_TEXT_BYTES`;
* anything else that is not well-formed XML.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from lxml import etree

from app.core.errors import CorruptDocument, DocumentTooLarge

log = logging.getLogger(__name__)

MAX_DEPTH = 256  # libxml2's limit without XML_PARSE_HUGE
MAX_TEXT_BYTES = 10_000_000  # libxml2's XML_MAX_TEXT_LENGTH
_DTD_MARKERS = tuple(marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY")
                     for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1


class _Refused(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Limits:
    """A parser target that builds nothing and enforces the depth and text limits."""

    def __init__(self, part: str, label: str) -> None:
        self.part, self.label, self.depth, self.text = part, label, 0, 0

    def reset(self, part: str, label: str) -> None:
        self.part, self.label, self.depth, self.text = part, label, 0, 0

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        self.depth += 1
        self.text = 0
        if self.depth > MAX_DEPTH:
            raise _Refused(DocumentTooLarge(
                f"Document rejected: part {self.part} is nested more than {MAX_DEPTH} levels "
                "deep (damaged or crafted)."))

    def end(self, tag: str) -> None:
        self.depth -= 1
        self.text = 0

    def data(self, data: str) -> None:
        self.text += len(data.encode("utf-8", "surrogatepass"))
        if self.text > MAX_TEXT_BYTES:
            raise _Refused(_too_long(self.part))

    def doctype(self, *_args: Any) -> None:
        raise _Refused(_dtd(self.part, self.label))

    def close(self) -> None:
        return None


def _too_long(part: str) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"Document rejected: part {part} holds a single text of more than "
        f"{MAX_TEXT_BYTES // 1_000_000} MB (damaged or crafted).")


def _dtd(part: str, label: str = "Word document") -> CorruptDocument:
    return CorruptDocument(
        f"Document rejected: part {part} declares XML entities (a DTD), which "
        f"{label.split()[0]} files never contain (possible attack).")


# lxml inspects a Python target's methods each time a parser is built with it (about
# 0.3 ms: more than checking a small part); a package has hundreds of parts, so each thread
# keeps a few closed parsers, with their target, for the next parts.
_POOL = threading.local()
_POOL_SIZE = 4


def _acquire(part: str, label: str) -> tuple[Any, _Limits]:
    free: list[tuple[Any, _Limits]] = getattr(_POOL, "free", None) or []
    if free:
        parser, limits = free.pop()
        limits.reset(part, label)
        return parser, limits
    limits = _Limits(part, label)
    parser = etree.XMLParser(
        target=limits, resolve_entities=False, no_network=True, load_dtd=False,
        huge_tree=False, dtd_validation=False)
    return parser, limits


def _release(parser: Any, limits: _Limits) -> None:
    free = getattr(_POOL, "free", None)
    if free is None:
        free = _POOL.free = []
    if len(free) < _POOL_SIZE:
        free.append((parser, limits))


class XmlPartCheck:
    """Feed a part's bytes in chunks, then :meth:`close`; raises typed errors only."""

    def __init__(self, part: str, label: str = "Word document") -> None:
        self.part, self.label = part, label
        self._tail = b""
        self._parser, self._limits = _acquire(part, label)

    def feed(self, chunk: bytes) -> None:
        window = self._tail + chunk
        if any(marker in window for marker in _DTD_MARKERS):
            raise _dtd(self.part, self.label)
        self._tail = window[-_OVERLAP:]
        self._call(self._parser.feed, chunk)

    def close(self) -> None:
        self._call(self._parser.close)
        _release(self._parser, self._limits)  # only a parser that closed cleanly is reused

    def _call(self, method: Any, *args: Any) -> None:
        try:
            method(*args)
        except _Refused as exc:
            raise exc.error from None
        except etree.XMLSyntaxError as exc:
            raise self._syntax(exc) from None

    def _syntax(self, exc: etree.XMLSyntaxError) -> Exception:
        text = " ".join(str(exc).split())
        low = text.lower()
        if "depth" in low:
            return DocumentTooLarge(
                f"Document rejected: part {self.part} is nested more than {MAX_DEPTH} levels "
                "deep (damaged or crafted).")
        if "text node" in low or "huge" in low:
            return _too_long(self.part)
        if "entity" in low or "doctype" in low:
            return _dtd(self.part, self.label)
        log.info("XML part %s is not well-formed: %s", self.part, text)
        return CorruptDocument(
            f"The file is not a valid {self.label} (part {self.part} is damaged: "
            f"{text[:160]}).")


def check_xml(part: str, data: bytes) -> None:
    """Check one whole part held in memory (small parts such as ``[Content_Types].xml``)."""
    check = XmlPartCheck(part)
    check.feed(data)
    check.close()
