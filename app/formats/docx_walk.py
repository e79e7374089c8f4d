"""Deterministic walk over the paragraphs of a DOCX, shared by the reader and the writer.

Both sides visit the same paragraphs in the same order and give each the same
:class:`~app.document.Locator`, so the writer finds every block again in a fresh copy
of the source package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from app.document import BlockKind, Locator, Run, Style

W_P, W_TBL, W_TR, W_TC, W_R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
W_T, W_TAB, W_BR, W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
W_HYPERLINK, W_FLDCHAR, W_FLDSIMPLE = qn("w:hyperlink"), qn("w:fldChar"), qn("w:fldSimple")
W_TXBX, W_SDT, W_SDTCONTENT = qn("w:txbxContent"), qn("w:sdt"), qn("w:sdtContent")
W_NOBREAKHYPHEN, W_SOFTHYPHEN = qn("w:noBreakHyphen"), qn("w:softHyphen")
R_ID = qn("r:id")

HEADING_STYLES = ("heading", "titre", "title", "überschrift", "заголовок")
CAPTION_STYLES = ("caption", "légende")
LIST_STYLES = ("list", "liste")


@dataclass
class ParagraphRef:
    locator: Locator
    element: Any  # CT_P
    kind: BlockKind
    part: Any  # the docx Part owning the paragraph (for hyperlink relationships)


@dataclass
class TextRun:
    element: Any  # w:r
    container: Any  # the w:r itself, or its enclosing w:hyperlink
    run: Run


def walk(doc: DocxDocument) -> Iterator[ParagraphRef]:
    """Body (with nested tables), then headers and footers of every section."""
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


def _walk_container(container: Any, part_name: str, prefix: tuple[int, ...],
                    default_kind: BlockKind, part: Any) -> Iterator[ParagraphRef]:
    for i, child in enumerate(_block_children(container)):
        path = (*prefix, i)
        if child.tag == W_P:
            yield ParagraphRef(Locator(part_name, path), child, _kind(child, default_kind), part)
        elif child.tag == W_TBL:
            for r, tr in enumerate(child.iterchildren(W_TR)):
                for c, tc in enumerate(tr.iterchildren(W_TC)):
                    cell_kind = (BlockKind.TABLE_CELL if default_kind is BlockKind.PARAGRAPH
                                 else default_kind)
                    yield from _walk_container(tc, part_name, (*path, r, c), cell_kind, part)


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


def _kind(p: Any, default: BlockKind) -> BlockKind:
    if default is not BlockKind.PARAGRAPH:
        return default
    style = _style_name(p)
    if p.pPr is not None and p.pPr.numPr is not None:
        return BlockKind.LIST_ITEM
    if any(style.startswith(h) for h in HEADING_STYLES):
        return BlockKind.HEADING
    if any(style.startswith(c) for c in CAPTION_STYLES):
        return BlockKind.CAPTION
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
