"""Deterministic walk over the paragraphs of a DOCX, shared by the reader and the writer.

Both sides visit the same paragraphs in the same order and give each the same
:class:`~app.document.Locator`, so the writer finds every block again in a fresh copy
of the source package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from app.document import BlockKind, Locator, Run, Style
from app.formats.docx_notes import iter_notes

W_P, W_TBL, W_TR, W_TC, W_R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
W_T, W_TAB, W_BR, W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
W_HYPERLINK, W_FLDCHAR, W_FLDSIMPLE = qn("w:hyperlink"), qn("w:fldChar"), qn("w:fldSimple")
W_TXBX, W_SDT, W_SDTCONTENT = qn("w:txbxContent"), qn("w:sdt"), qn("w:sdtContent")
W_NOBREAKHYPHEN, W_SOFTHYPHEN = qn("w:noBreakHyphen"), qn("w:softHyphen")
R_ID = qn("r:id")
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MC_ALTERNATE, MC_CHOICE, MC_FALLBACK = (f"{{{MC_NS}}}AlternateContent", f"{{{MC_NS}}}Choice",
                                        f"{{{MC_NS}}}Fallback")
TEXTBOX_SUFFIX = ":txbx"

HEADING_STYLES = ("heading", "titre", "title", "überschrift", "заголовок")
CAPTION_STYLES = ("caption", "légende")
LIST_STYLES = ("list", "liste")


@dataclass
class ParagraphRef:
    locator: Locator
    element: Any  # CT_P
    kind: BlockKind
    part: Any  # the docx Part owning the paragraph (for hyperlink relationships)
    mirrors: list[Any] = field(default_factory=list)  # VML fallback copies of a text box


@dataclass
class TextRun:
    element: Any  # w:r
    container: Any  # the w:r itself, or its enclosing w:hyperlink
    run: Run


def walk(doc: DocxDocument) -> Iterator[ParagraphRef]:
    """Body (with nested tables and text boxes), headers and footers of every section,
    then footnotes and endnotes.  The order and the locators depend only on the file."""
    body = doc.element.body
    yield from _walk_container(body, "body", (), BlockKind.PARAGRAPH, doc.part)
    seen: set[int] = set()
    for s, section in enumerate(doc.sections):
        for kind, attr in (("header", "header"), ("header", "first_page_header"),
                           ("header", "even_page_header"), ("footer", "footer"),
                           ("footer", "first_page_footer"), ("footer", "even_page_footer")):
            hf = getattr(section, attr)
            if hf.is_linked_to_previous:
                continue
            part = hf.part
            if id(part) in seen:
                continue
            seen.add(id(part))
            block_kind = BlockKind.HEADER if kind == "header" else BlockKind.FOOTER
            yield from _walk_container(hf._element, f"{attr}:{s}", (), block_kind, part)
    for note_kind, note_id, note, part in iter_notes(doc.part):
        yield from _walk_container(note, note_kind.name, (note_id,), note_kind.block_kind, part)


def _walk_container(container: Any, part_name: str, prefix: tuple[int, ...],
                    default_kind: BlockKind, part: Any,
                    mirror: Any | None = None) -> Iterator[ParagraphRef]:
    """Paragraphs of ``container``; ``mirror`` is a fallback copy walked in step with it."""
    mirrors = _mirror_map(mirror, part_name, prefix, default_kind, part)
    for i, child in enumerate(_block_children(container)):
        path = (*prefix, i)
        if child.tag == W_P:
            ref = ParagraphRef(Locator(part_name, path), child, _kind(child, default_kind), part)
            if path in mirrors:
                ref.mirrors.append(mirrors[path])
            yield ref
            yield from _walk_textboxes(child, part_name, path, part)
        elif child.tag == W_TBL:
            for r, tr in enumerate(_rows(child)):
                for c, tc in enumerate(_cells(tr)):
                    cell_kind = (BlockKind.TABLE_CELL if default_kind is BlockKind.PARAGRAPH
                                 else default_kind)
                    yield from _walk_container(tc, part_name, (*path, r, c), cell_kind, part)


def _mirror_map(mirror: Any | None, part_name: str, prefix: tuple[int, ...],
                default_kind: BlockKind, part: Any) -> dict[tuple[int, ...], Any]:
    if mirror is None:
        return {}
    return {ref.locator.path: ref.element
            for ref in _walk_container(mirror, part_name, prefix, default_kind, part)
            if ref.locator.part == part_name}


def _walk_textboxes(p: Any, part_name: str, path: tuple[int, ...],
                    part: Any) -> Iterator[ParagraphRef]:
    """Text boxes anchored in paragraph ``p``: each of their paragraphs is a block.

    Word writes a DrawingML text box with a VML copy in ``mc:Fallback``; the copy is
    not walked on its own but rewritten alongside (``ParagraphRef.mirrors``).
    """
    for k, (box, fallback) in enumerate(direct_textboxes(p)):
        yield from _walk_container(box, part_name + TEXTBOX_SUFFIX, (*path, k),
                                   BlockKind.TEXTBOX, part, mirror=fallback)


def direct_textboxes(p: Any) -> list[tuple[Any, Any | None]]:
    """(``w:txbxContent``, its fallback copy or None) directly anchored in ``p``."""
    out: list[tuple[Any, Any | None]] = []
    for box in p.iter(W_TXBX):
        if _inside(box, p, W_TXBX) or _inside(box, p, MC_FALLBACK):
            continue
        out.append((box, _fallback_of(box, p)))
    return out


def _fallback_of(box: Any, stop: Any) -> Any | None:
    node, choice = box.getparent(), None
    while node is not None and node is not stop:
        if node.tag == MC_CHOICE:
            choice = node
        elif node.tag == MC_ALTERNATE and choice is not None:
            boxes = [b for b in choice.iter(W_TXBX) if not _inside(b, choice, W_TXBX)]
            fallback = node.find(MC_FALLBACK)
            if fallback is None:
                return None
            copies = [b for b in fallback.iter(W_TXBX) if not _inside(b, fallback, W_TXBX)]
            index = next(i for i, b in enumerate(boxes) if b is box)
            return copies[index] if index < len(copies) else None
        node = node.getparent()
    return None


def _rows(tbl: Any) -> Iterator[Any]:
    yield from _through_sdt(tbl, W_TR)


def _cells(tr: Any) -> Iterator[Any]:
    yield from _through_sdt(tr, W_TC)


def _through_sdt(parent: Any, tag: str) -> Iterator[Any]:
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDTCONTENT)
            if content is not None:
                yield from _through_sdt(content, tag)


def _block_children(container: Any) -> Iterator[Any]:
    """Paragraphs and tables, looking through content controls (w:sdt)."""
    for child in container.iterchildren():
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDTCONTENT)
            if content is not None:
                yield from _block_children(content)


def _style_name(p: Any) -> str:
    style = p.style if hasattr(p, "style") else None
    return (style or "").lower()


def list_level(p: Any) -> int | None:
    """The list level (``w:ilvl``) when the paragraph is numbered directly, else None."""
    numpr = p.pPr.numPr if p.pPr is not None else None
    if numpr is None or (numpr.numId is not None and numpr.numId.val == 0):
        return None
    return int(numpr.ilvl.val) if numpr.ilvl is not None else 0


def _kind(p: Any, default: BlockKind) -> BlockKind:
    if default is not BlockKind.PARAGRAPH:
        return default
    style = _style_name(p)
    if any(style.startswith(h) for h in HEADING_STYLES):
        return BlockKind.HEADING
    if any(style.startswith(c) for c in CAPTION_STYLES):
        return BlockKind.CAPTION
    if list_level(p) is not None:
        return BlockKind.LIST_ITEM
    if any(style.startswith(x) for x in LIST_STYLES):
        return BlockKind.LIST_ITEM
    return default


def run_text(r: Any) -> str:
    parts: list[str] = []
    for child in r.iterchildren():
        if child.tag == W_T:
            parts.append(child.text or "")
        elif child.tag == W_TAB:
            parts.append("\t")
        elif child.tag in (W_BR, W_CR):
            parts.append("\n")
        elif child.tag == W_NOBREAKHYPHEN:
            parts.append("-")
    return "".join(parts)


def _run_style(r: Any, link: str | None) -> Style:
    rpr = r.rPr
    if rpr is None:
        return Style(link=link)

    def flag(tag: str) -> bool | None:
        el = rpr.find(qn(tag))
        if el is None:
            return None
        val = el.get(qn("w:val"))
        return val not in ("0", "false", "none")

    size = rpr.find(qn("w:sz"))
    color = rpr.find(qn("w:color"))
    fonts = rpr.find(qn("w:rFonts"))
    return Style(
        bold=flag("w:b"),
        italic=flag("w:i"),
        underline=flag("w:u"),
        size=int(size.get(qn("w:val"))) / 2 if size is not None and size.get(qn("w:val"))
        else None,
        color=(color.get(qn("w:val")) if color is not None
               and color.get(qn("w:val")) not in (None, "auto") else None),
        font=fonts.get(qn("w:ascii")) if fonts is not None else None,
        link=link,
    )


def text_runs(p: Any, part: Any) -> list[TextRun]:
    """The runs carrying translatable text, in order.

    Runs inside fields (page numbers, TOC, references) and inside text boxes are left
    out: fields stay untouched, text boxes are blocks of their own.
    """
    out: list[TextRun] = []
    field_depth = 0
    for el in p.iter(W_R, W_FLDSIMPLE):
        if _inside(el, p, W_TXBX):
            continue
        if el.tag == W_FLDSIMPLE:
            continue
        for fc in el.iter(W_FLDCHAR):
            kind = fc.get(qn("w:fldCharType"))
            if kind == "begin":
                field_depth += 1
            elif kind == "end":
                field_depth = max(0, field_depth - 1)
        if field_depth or _inside(el, p, W_FLDSIMPLE) or el.find(W_FLDCHAR) is not None:
            continue
        text = run_text(el)
        if not text:
            continue
        parent = el.getparent()
        link = None
        container = el
        if parent is not None and parent.tag == W_HYPERLINK:
            container = parent
            rid = parent.get(R_ID)
            if rid and rid in part.rels:
                link = part.rels[rid].target_ref
            elif parent.get(qn("w:anchor")):
                link = "#" + parent.get(qn("w:anchor"))
        out.append(TextRun(el, container, Run(text, _run_style(el, link))))
    return out


def _inside(el: Any, stop: Any, tag: str) -> bool:
    node = el.getparent()
    while node is not None and node is not stop:
        if node.tag == tag:
            return True
        node = node.getparent()
    return False
