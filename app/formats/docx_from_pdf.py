"""Write a reflowed Word document from a translated PDF source.

The PDF's fixed layout is dropped; its structure is kept: headings become "Heading N"
paragraphs, list items "List Bullet" / "List Number" paragraphs, table cells a real
Word table, running headers and footers the section's header and footer (with a PAGE
field where the source printed the page number), captions the "Caption" style.
Bold, italic, underline and colour of the (projected) runs are kept.  Untranslated
blocks are written in the source language, never dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from app.document import RUNNING_KINDS, Block, BlockKind, Document, Run, TranslationStatus
from app.formats.fonts import is_rtl
from app.formats.pdf_writer import dominant_style

log = logging.getLogger(__name__)

_BULLET = re.compile(r"^\s*([•◦▪▫‣∙·○●■□➢►*–—-])\s+")
_NUMBER = re.compile(r"^\s*(\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,5})[.)])\s+")
_RUNNING = RUNNING_KINDS
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")  # schema order of w:pPr


def write_docx_from_pdf(doc: Document, out: Path) -> None:
    result = docx.Document()
    doc.meta.output_page_count = None  # reflowed: pages are Word's business
    body = [b for b in doc.blocks if b.kind not in _RUNNING]
    tables = _tables(body)
    done_tables: set[tuple[int, ...]] = set()
    for block in body:
        key = _table_key(block)
        if key is not None:
            if key not in done_tables:
                done_tables.add(key)
                _add_table(result, tables[key])
            continue
        _add_paragraph(result, block)
    _running(result, doc.blocks)
    if doc.target_language:
        result.core_properties.language = doc.target_language
    if doc.meta.title:
        result.core_properties.title = doc.meta.title
    result.save(str(out))
    log.info("DOCX from PDF: %d blocks, %d tables", len(body), len(done_tables))


# -- text of a block ------------------------------------------------------------------------

def output_runs(block: Block) -> list[Run]:
    """The runs to write: the translation's styled runs, else its text in the dominant
    style of the source, else (untranslated) the source runs themselves."""
    t = block.translation
    if t.status is not TranslationStatus.TRANSLATED:
        return block.runs
    return t.runs if t.runs else [Run(t.text, dominant_style(block))]


def _list_style(block: Block) -> tuple[str, str | None]:
    """("List Bullet" or "List Number", the source marker to drop) for a list item."""
    numbered = (block.style_name or "").lower().find("number") >= 0
    m = _BULLET.match(block.text)
    if m:
        return "List Bullet", m.group(1)
    m = _NUMBER.match(block.text)
    if m:
        return "List Number", m.group(1)
    return ("List Number" if numbered else "List Bullet"), None


def _drop_marker(runs: list[Run], marker: str) -> list[Run]:
    """Remove the list marker from the first few characters of the output runs."""
    out = [Run(r.text, r.style) for r in runs]
    for r in out:
        if not r.text.strip():
            continue
        pos = r.text.find(marker)
        if 0 <= pos <= 3:
            r.text = r.text[:pos] + r.text[pos + len(marker):].lstrip()
        break
    return out


def _level_suffix(level: int) -> str:
    return f" {min(level, 2) + 1}" if level >= 1 else ""


def _add_paragraph(result: Any, block: Block) -> None:
    runs = output_runs(block)
    if block.kind is BlockKind.HEADING:
        para = result.add_paragraph(style=f"Heading {min(max(block.level, 1), 9)}")
    elif block.kind is BlockKind.LIST_ITEM:
        style, marker = _list_style(block)
        para = result.add_paragraph(style=style + _level_suffix(block.level))
        if marker:
            runs = _drop_marker(runs, marker)
    elif block.kind is BlockKind.CAPTION:
        para = result.add_paragraph(style="Caption")
    else:
        para = result.add_paragraph()
        if block.kind in (BlockKind.FOOTNOTE, BlockKind.ENDNOTE):
            para.paragraph_format.space_before = Pt(6)
    _fill(para, runs, small=block.kind in (BlockKind.FOOTNOTE, BlockKind.ENDNOTE))


def _fill(para: Any, runs: Iterable[Run], small: bool = False) -> None:
    runs = list(runs)
    rtl = is_rtl("".join(r.text for r in runs))
    if rtl:
        ppr = para._p.get_or_add_pPr()
        ppr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)  # starts on the right
    for run in runs:
        if not run.text:
            continue
        r = para.add_run(run.text.replace("\n", " "))
        s = run.style
        r.bold, r.italic = s.bold, s.italic
        r.underline = s.underline
        if s.color and s.color.lower() != "000000":
            r.font.color.rgb = RGBColor.from_string(s.color.upper())
        if small:
            r.font.size = Pt(8)
        if rtl:
            r._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


# -- tables ---------------------------------------------------------------------------------

def _table_key(block: Block) -> tuple[int, ...] | None:
    """(page, table…) for a table cell, whose locator path ends with (table, row, col)."""
    if block.kind is not BlockKind.TABLE_CELL or len(block.locator.path) < 3:
        return None
    page = block.locator.page if block.locator.page is not None else (
        block.geometry.page if block.geometry else -1)
    return (page, *block.locator.path[:-2])


def _tables(blocks: list[Block]) -> dict[tuple[int, ...], list[Block]]:
    tables: dict[tuple[int, ...], list[Block]] = {}
    for b in blocks:
        key = _table_key(b)
        if key is not None:
            tables.setdefault(key, []).append(b)
    return tables


def _add_table(result: Any, cells: list[Block]) -> None:
    rows = max(b.locator.path[-2] for b in cells) + 1
    cols = max(b.locator.path[-1] for b in cells) + 1
    table = result.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    filled: set[tuple[int, int]] = set()
    for b in cells:
        r, c = b.locator.path[-2], b.locator.path[-1]
        cell = table.cell(r, c)
        para = cell.paragraphs[0] if (r, c) not in filled else cell.add_paragraph()
        filled.add((r, c))
        _fill(para, output_runs(b))
    result.add_paragraph()  # Word needs a paragraph between consecutive tables


# -- running headers and footers ------------------------------------------------------------

def _running(result: Any, blocks: list[Block]) -> None:
    section = result.sections[0]
    for kind, part in ((BlockKind.HEADER, section.header), (BlockKind.FOOTER, section.footer)):
        first = _first_page_blocks([b for b in blocks if b.kind is kind])
        if not first:
            continue
        part.is_linked_to_previous = False
        para = part.paragraphs[0]
        for n, block in enumerate(first):
            if n:
                para = part.add_paragraph()
            page = _page_of(block)
            _fill_running(para, output_runs(block), None if page is None else page + 1)


def _page_of(block: Block) -> int | None:
    if block.geometry is not None:
        return block.geometry.page
    return block.locator.page


def _first_page_blocks(blocks: list[Block]) -> list[Block]:
    if not blocks:
        return []
    first = min((_page_of(b) or 0) for b in blocks)
    return [b for b in blocks if (_page_of(b) or 0) == first]


def _fill_running(para: Any, runs: list[Run], page_number: int | None) -> None:
    """Like :func:`_fill`, with the printed page number replaced by a PAGE field."""
    text = "".join(r.text for r in runs)
    m = re.search(rf"(?<!\d){page_number}(?!\d)", text) if page_number else None
    if m is None:
        _fill(para, runs)
        return
    _fill(para, [Run(text[:m.start()], runs[0].style)])
    _page_field(para)
    _fill(para, [Run(text[m.end():], runs[-1].style)])


def _page_field(para: Any) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        r = para.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text
