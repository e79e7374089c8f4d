"""DOCX → :class:`~app.document.Document`."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from app.core.errors import CorruptDocument
from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta
from app.formats.docx_notes import register_parts
from app.formats.docx_walk import list_level, text_runs, walk
from app.formats.sniff import check_docx_package

log = logging.getLogger(__name__)


# Main-part content types python-docx does not open itself: macro-enabled and templates.
_OTHER_MAIN_TYPES = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_MACRO_RELS = ("/vbaProject", "/wordVbaData", "/keyMapCustomizations", "/attachedToolbars")


def open_docx(path: Path):  # type: ignore[no-untyped-def]
    """Open with python-docx after the package passed the safety checks.

    A .docm/.dotx/.dotm opens as a plain document: its main part takes the .docx content
    type and its macro project is unlinked, so a written copy is a macro-free .docx.
    """
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.part import PartFactory
    from docx.oxml.ns import qn
    from docx.package import Package
    from docx.parts.document import DocumentPart

    check_docx_package(path)
    register_parts()
    for content_type in _OTHER_MAIN_TYPES:
        PartFactory.part_type_for.setdefault(content_type, DocumentPart)
    try:
        part = Package.open(str(path)).main_document_part
        if not isinstance(part, DocumentPart) or part.element.tag != qn("w:document"):
            raise ValueError(f"its main part is not a document: {part.partname}")
        if part.content_type != CT.WML_DOCUMENT_MAIN:
            part._content_type = CT.WML_DOCUMENT_MAIN
            for rid in [r for r, rel in part.rels.items() if rel.reltype.endswith(_MACRO_RELS)]:
                part.rels.pop(rid)
        return part.document
    except Exception as exc:  # python-docx raises many unrelated types on bad input
        raise CorruptDocument(f"The file is not a valid Word document ({exc}).") from exc


def read_docx(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    source = open_docx(path)
    meta = DocumentMeta(source_path=path, sha256=sha256_file(path), format="docx")
    try:
        meta.title = source.core_properties.title or None
    except Exception:  # a missing or broken core-properties part is not fatal
        meta.title = None
    doc = Document(meta=meta)
    if path.suffix.lower() == ".docm":
        doc.warnings.append("Macros in this document were ignored (never run).")
    for ref in walk(source):
        runs = [tr.run for tr in text_runs(ref.element, ref.part)]
        if not "".join(r.text for r in runs).strip():
            continue
        style = ref.element.style
        doc.add_block(ref.kind, runs, ref.locator, level=_level(ref.kind, ref.element),
                      style_name=style)
    log.info("Read %s: %d blocks", path.name, len(doc.blocks))
    return doc


def _level(kind: BlockKind, p: Any) -> int:
    """Heading level (1 when the style names none), list depth from ``w:ilvl``."""
    if kind is BlockKind.HEADING:
        m = re.search(r"(\d+)$", p.style or "")
        return int(m.group(1)) if m else 1
    if kind is BlockKind.LIST_ITEM:
        return list_level(p) or 0
    return 0
