"""Footnotes and endnotes parts of a DOCX (``word/footnotes.xml``, ``word/endnotes.xml``).

python-docx has no API for them and loads them as opaque binary parts.  Registering
them as XML parts makes python-docx parse them on open (with its own element classes,
so ``w:p`` gets ``.style`` and ``.pPr``) and re-serialise them on save: edits made to
their paragraphs are written back like edits to the body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import PartFactory, XmlPart
from docx.oxml.ns import qn

from app.document import BlockKind

# Notes Word adds for the separator lines between the text and the notes: not content.
_SPECIAL_TYPES = {"separator", "continuationSeparator", "continuationNotice"}


@dataclass(frozen=True)
class NoteKind:
    name: str  # locator part name
    reltype: str
    tag: str  # element of one note
    block_kind: BlockKind


NOTE_KINDS = (
    NoteKind("footnotes", RT.FOOTNOTES, qn("w:footnote"), BlockKind.FOOTNOTE),
    NoteKind("endnotes", RT.ENDNOTES, qn("w:endnote"), BlockKind.ENDNOTE),
)


def register_parts() -> None:
    """Have python-docx parse (and re-serialise) the notes parts; idempotent."""
    for content_type in (CT.WML_FOOTNOTES, CT.WML_ENDNOTES):
        PartFactory.part_type_for.setdefault(content_type, XmlPart)


def notes_part(document_part: Any, kind: NoteKind) -> XmlPart | None:
    """The footnotes or endnotes part related to the main document part, if any."""
    for rel in document_part.rels.values():
        if rel.reltype == kind.reltype and not rel.is_external:
            part = rel.target_part
            return part if isinstance(part, XmlPart) else None
    return None


def iter_notes(document_part: Any) -> Iterator[tuple[NoteKind, int, Any, XmlPart]]:
    """(kind, note id, ``w:footnote``/``w:endnote`` element, part) for every real note."""
    for kind in NOTE_KINDS:
        part = notes_part(document_part, kind)
        if part is None:
            continue
        for note in part.element.iterchildren(kind.tag):
            if note.get(qn("w:type")) in _SPECIAL_TYPES:
                continue
            try:
                note_id = int(note.get(qn("w:id"), ""))
            except ValueError:
                continue
            yield kind, note_id, note, part
