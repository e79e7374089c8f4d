"""Render a report to DOCX with python-docx.

Every section carries the classification marking in its header and its footer (the
footer also holds a PAGE field).  Right-to-left paragraphs get ``w:bidi`` and their
runs ``w:rtl``; headings of the source stay Word headings, also inside the bilingual
table, so they show in the navigation pane.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app.formats.fonts import is_rtl
from app.report.layout import (
    Bullets,
    Cell,
    Element,
    Heading,
    PageBreak,
    Para,
    Table,
    Title,
    elements,
)
from app.report.model import ReportData

log = logging.getLogger(__name__)

MARKING_RED = RGBColor(0xB0, 0x00, 0x00)
_WARN = RGBColor(0x8A, 0x1C, 0x00)
_GREY = RGBColor(0x44, 0x44, 0x44)
_TEXT_WIDTH_MM = 170.0
FONT = "Noto Sans"  # falls back to the viewer's default where it is not installed
MONO = "Consolas"


def _rtl(paragraph: Any, text: str) -> None:
    if not is_rtl(text):
        return
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


def _fill(paragraph: Any, text: str, style: str = "", bold: bool = False) -> None:
    """Put ``text`` in ``paragraph`` (line breaks kept), formatted for ``style``."""
    for line in text.split("\n"):
        run = paragraph.add_run(line)
        run.bold = bold or style in ("marking", "strong") or None
        if style == "mono":
            run.font.name, run.font.size = MONO, Pt(8)
        if style == "warn":
            run.font.color.rgb = _WARN
        elif style == "small":
            run.font.size, run.font.color.rgb = Pt(8.5), _GREY
        elif style == "marking":
            run.font.color.rgb = MARKING_RED
    _breaks(paragraph)
    _rtl(paragraph, text)


def _breaks(paragraph: Any) -> None:
    """A line break before every run but the first (one run per source line)."""
    for run in paragraph.runs[1:]:
        run._r.insert(0 if run._r.rPr is None else 1, OxmlElement("w:br"))


def _marking_paragraph(paragraph: Any, marking: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(marking)
    run.bold = True
    run.font.color.rgb = MARKING_RED


def _page_field(paragraph: Any) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _headers_footers(document: Any, marking: str) -> None:
    for section in document.sections:
        section.different_first_page_header_footer = False
        header = section.header
        header.is_linked_to_previous = False
        _marking_paragraph(header.paragraphs[0], marking)
        footer = section.footer
        footer.is_linked_to_previous = False
        _marking_paragraph(footer.paragraphs[0], marking)
        number = footer.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(number)


def _table(document: Any, t: Table) -> None:
    n_cols = max([len(t.header)] + [len(r) for r in t.rows])
    table = document.add_table(rows=0, cols=n_cols)
    table.style = "Table Grid"
    widths = t.widths or [1.0 / n_cols] * n_cols
    if t.header:
        cells = table.add_row().cells
        for cell, text in zip(cells, t.header, strict=False):
            _fill(cell.paragraphs[0], text, bold=True)
        _repeat_header(table.rows[0])
    for row in t.rows:
        cells = table.add_row().cells
        for cell, c in zip(cells, row, strict=False):
            _cell(cell, c)
    table.autofit = False
    for column, w in zip(table.columns, widths, strict=False):
        column.width = Mm(_TEXT_WIDTH_MM * w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=False):
            cell.width = Mm(_TEXT_WIDTH_MM * w)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cell(cell: Any, c: Cell) -> None:
    paragraph = cell.paragraphs[0]
    if c.heading:
        paragraph.style = f"Heading {min(c.heading, 4)}"
    _fill(paragraph, c.text, "mono" if c.mono else "", bold=c.bold)


def _element(document: Any, e: Element) -> None:
    if isinstance(e, Title):
        _fill(document.add_heading("", 0), e.text)
    elif isinstance(e, Heading):
        _fill(document.add_heading("", min(e.level, 4)), e.text)
    elif isinstance(e, Para):
        _fill(document.add_paragraph(), e.text, e.style)
    elif isinstance(e, Bullets):
        for item in e.items:
            _fill(document.add_paragraph(style="List Bullet"), item, e.style)
    elif isinstance(e, Table):
        _table(document, e)
    elif isinstance(e, PageBreak):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def build_docx(data: ReportData) -> Any:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10)
    for e in elements(data):
        _element(document, e)
    _headers_footers(document, data.marking.label)
    props = document.core_properties
    props.title = f"Translation report: {data.source.name}"
    props.subject = data.marking.label
    props.author = "Passerelle"
    return document


def write_docx_report(data: ReportData, out: Path) -> None:
    build_docx(data).save(str(out))
    log.info("DOCX report: %s", data.source.name)
