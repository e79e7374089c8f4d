"""PowerPoint ``.pptx``/``.pptm`` → :class:`~app.document.Document` (see :mod:`pptx_walk`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from app.core.errors import CorruptDocument
from app.core.hashing import sha256_file
from app.document import Document, DocumentMeta, Run
from app.formats.dml import a, paragraph_runs
from app.formats.pptx_walk import PptxRef, XmlParts, walk
from app.formats.sniff import POWERPOINT, check_package

log = logging.getLogger(__name__)

_MACRO_MAIN = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
_PLAIN_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
_MACRO_RELS = ("/vbaProject", "/keyMapCustomizations", "/attachedToolbars")
MACROS_DROPPED = ("Macros in this presentation were dropped (never run): the translation "
                  "is a macro-free .pptx.")


def open_pptx(path: Path) -> tuple[Any, bool]:
    """The presentation after the package passed the safety checks, and whether a macro
    project was unlinked (a .pptm then saves as a plain, macro-free .pptx)."""
    from pptx import Presentation

    check_package(path, POWERPOINT)
    try:
        prs = Presentation(str(path))
    except Exception as exc:  # python-pptx raises many unrelated types on bad input
        raise CorruptDocument(f"The file is not a valid PowerPoint presentation ({exc}).") from exc
    part = prs.part
    macros = part.content_type == _MACRO_MAIN
    vba = [rid for rid, rel in part.rels.items() if rel.reltype.endswith(_MACRO_RELS)]
    for rid in vba:
        part.rels.pop(rid)
    if macros:  # ``content_type`` is a cached property: reset the cache too
        part._content_type = _PLAIN_MAIN
        part.__dict__["content_type"] = _PLAIN_MAIN
    return prs, macros or bool(vba)


def block_runs(ref: PptxRef) -> list[Run]:
    if ref.attr is not None:
        return [Run(ref.element.get(ref.attr) or "")]
    return [r.run for r in paragraph_runs(ref.element, ref.links)]


def read_pptx(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    prs, macros = open_pptx(path)
    meta = DocumentMeta(source_path=path, sha256=sha256_file(path), format="pptx",
                        page_count=len(prs.slides))
    try:
        meta.title = prs.core_properties.title or None
    except Exception:  # a missing or broken core-properties part is not fatal
        meta.title = None
    doc = Document(meta=meta)
    if macros:
        doc.warnings.append(MACROS_DROPPED)
    for ref in walk(prs, XmlParts()):
        runs = block_runs(ref)
        if not "".join(r.text for r in runs).strip():
            continue
        doc.add_block(ref.kind, runs, ref.locator, level=_level(ref))
    log.info("Read %s: %d slides, %d blocks", path.name, len(prs.slides), len(doc.blocks))
    return doc


def _level(ref: PptxRef) -> int:
    ppr = ref.element.find(a("pPr")) if ref.attr is None else None
    lvl = ppr.get("lvl") if ppr is not None else None
    return int(lvl) if lvl and lvl.isdigit() else 0
