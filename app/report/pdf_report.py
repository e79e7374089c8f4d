"""Render a report to PDF with PyMuPDF's HTML engine (``pymupdf.Story``), no LibreOffice.

The body flows over A4 pages; then every page gets the classification marking in its
header and its footer (with the page number).  Noto Sans covers Latin, Cyrillic and
Greek; MuPDF falls back to its built-in Noto Naskh Arabic and CJK fonts, shapes with
HarfBuzz and lays out right-to-left paragraphs marked ``dir="rtl"``.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import pymupdf

from app.formats.fonts import FontBook, flow_html, is_rtl
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

PAGE = pymupdf.paper_rect("a4")
MARGIN_X = 56.0
BODY = pymupdf.Rect(MARGIN_X, 72, PAGE.width - MARGIN_X, PAGE.height - 72)
HEADER = pymupdf.Rect(MARGIN_X, 24, PAGE.width - MARGIN_X, 60)
FOOTER = pymupdf.Rect(MARGIN_X, PAGE.height - 58, PAGE.width - MARGIN_X, PAGE.height - 20)
MARKING_RED = "#b00000"

_CSS = """
body {font-family: %(font)s; font-size: 10pt; line-height: 1.25;}
h1 {font-size: 15pt; margin: 10pt 0 6pt 0;}
h2 {font-size: 12.5pt; margin: 8pt 0 4pt 0;}
h3 {font-size: 11pt; margin: 6pt 0 3pt 0;}
h4 {font-size: 10.5pt; margin: 5pt 0 2pt 0;}
p {margin: 0 0 5pt 0;}
.title {font-size: 20pt; font-weight: bold; text-align: center; margin: 6pt 0 12pt 0;}
.warn {color: #8a1c00;}
.strong {font-weight: bold;}
.small {font-size: 8.5pt; color: #444444;}
.marking {color: %(red)s; font-weight: bold; text-align: center;}
table {border-collapse: collapse; width: 100%%; margin: 2pt 0 8pt 0;}
td, th {border: 0.5pt solid #999999; padding: 2pt 3pt; vertical-align: top;
        font-size: 9pt; text-align: left;}
th {background-color: #e8e8e8; font-weight: bold;}
td.h {background-color: #f2f2f2; font-weight: bold;}
.mono {font-family: %(mono)s; font-size: 8pt;}
"""


def _text(text: str) -> str:
    return html.escape(text).replace("\n", "<br/>")


def _dir(text: str) -> str:
    return ' dir="rtl"' if is_rtl(text) else ""


def _cell(cell: Cell, width: float) -> str:
    style = f' width="{width * 100:.0f}%"' if width else ""  # MuPDF ignores CSS widths
    body = _text(cell.text)
    if cell.heading:
        tag = f"h{min(cell.heading, 4)}"
        return f'<td class="h"{style}{_dir(cell.text)}><{tag}>{body}</{tag}></td>'
    if cell.mono:
        body = f'<span class="mono">{body}</span>'
    if cell.bold:
        body = f"<b>{body}</b>"
    return f"<td{style}{_dir(cell.text)}>{body}</td>"


def _table(t: Table) -> str:
    n_cols = max([len(t.header)] + [len(r) for r in t.rows])
    widths = t.widths or [1.0 / n_cols] * n_cols
    parts = ["<table>"]
    if t.header:
        parts.append("<tr>" + "".join(
            f'<th width="{w * 100:.0f}%">{_text(h)}</th>' if w else f"<th>{_text(h)}</th>"
            for h, w in zip(t.header, widths, strict=False)) + "</tr>")
    for row in t.rows:
        parts.append("<tr>" + "".join(_cell(c, w) for c, w in
                                       zip(row, widths + [0.0] * len(row), strict=False))
                     + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def _element(e: Element) -> str:
    if isinstance(e, Title):
        return f'<p class="title">{_text(e.text)}</p>'
    if isinstance(e, Heading):
        tag = f"h{min(e.level, 4)}"
        return f"<{tag}{_dir(e.text)}>{_text(e.text)}</{tag}>"
    if isinstance(e, Para):
        cls = f' class="{e.style}"' if e.style else ""
        return f"<p{cls}{_dir(e.text)}>{_text(e.text)}</p>"
    if isinstance(e, Bullets):
        cls = f' class="{e.style}"' if e.style else ""
        return "".join(f"<p{cls}{_dir(i)}>•&#160;{_text(i)}</p>" for i in e.items)
    if isinstance(e, Table):
        return _table(e)
    return ""


def _chunks(items: list[Element]) -> list[str]:
    """HTML for each run of elements between page breaks."""
    chunks: list[list[str]] = [[]]
    for e in items:
        if isinstance(e, PageBreak):
            if chunks[-1]:
                chunks.append([])
            continue
        chunks[-1].append(_element(e))
    return ["".join(c) for c in chunks if c]


def _stamp(pdf: pymupdf.Document, marking: str, css: str, book: FontBook) -> None:
    """The marking at the top and bottom of every page, and the page number."""
    total = pdf.page_count
    shown = _text(marking) if marking else "&#160;"
    for pno in range(total):
        page = pdf[pno]
        page.insert_htmlbox(HEADER, f'<p class="marking">{shown}</p>', css=css,
                            archive=book.archive)
        footer = (f'<p class="marking">{shown}</p>'
                  f'<p class="small" style="text-align:center">{pno + 1} / {total}</p>')
        page.insert_htmlbox(FOOTER, footer, css=css, archive=book.archive)


def render_pdf(data: ReportData) -> bytes:
    book = FontBook()
    css = _CSS % {"font": book.family("sans"), "mono": book.family("mono"), "red": MARKING_RED}
    css = book.css + "\n" + css
    raw = flow_html(_chunks(elements(data)), css, book, PAGE, BODY)
    pdf = pymupdf.open("pdf", raw)
    try:
        _stamp(pdf, data.marking.label, css, book)
        pdf.set_metadata({"title": f"Translation report: {data.source.name}",
                          "producer": "Passerelle", "creator": "Passerelle",
                          "subject": data.marking.label})
        pdf.subset_fonts()
        out: bytes = pdf.tobytes(garbage=3, deflate=True)
    finally:
        pdf.close()
    log.info("PDF report: %s", data.source.name)
    return out


def write_pdf_report(data: ReportData, out: Path) -> None:
    Path(out).write_bytes(render_pdf(data))
