"""The bilingual rendering of an e-mail as a PDF (``eml-bilingual-pdf``): the headers, then
each block's source beside its translation, then the attachments and notes.

The same content as the Word rendering (:func:`app.formats.email_msg.write_eml_bilingual`),
laid out by MuPDF's HTML engine (a ``pymupdf.Story`` over A4 pages): Noto Sans for Latin,
Cyrillic and Greek, MuPDF's built-in Arabic, Hebrew and CJK fonts as fallbacks, shaped
with HarfBuzz, right-to-left cells marked ``dir="rtl"``.  No LibreOffice needed.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import pymupdf

from app.document import Document
from app.formats.email_msg import HEADERS_SHOWN, parse_message
from app.formats.fonts import FontBook, flow_html, is_rtl

log = logging.getLogger(__name__)

PAGE = pymupdf.paper_rect("a4")
BODY = pymupdf.Rect(48, 56, PAGE.width - 48, PAGE.height - 56)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CSS = """
body {font-family: %(font)s; font-size: 9.5pt; line-height: 1.25;}
h1 {font-size: 14pt; margin: 0 0 8pt 0;}
h2 {font-size: 11.5pt; margin: 10pt 0 4pt 0;}
p {margin: 0 0 4pt 0;}
table {border-collapse: collapse; width: 100%%; margin: 0 0 8pt 0;}
td, th {border: 0.5pt solid #999999; padding: 2pt 3pt; vertical-align: top; text-align: left;}
th {background-color: #e8e8e8; font-weight: bold;}
td.h {background-color: #f2f2f2; font-weight: bold;}
"""


def _text(text: str) -> str:
    return html.escape(_CONTROL.sub("", text)).replace("\n", "<br/>")


def _cell(text: str, width: int, cls: str = "") -> str:
    attrs = f' width="{width}%"' + (f' class="{cls}"' if cls else "")  # MuPDF: no CSS widths
    attrs += ' dir="rtl"' if is_rtl(text) else ""
    return f"<td{attrs}>{_text(text)}</td>"


def email_html(doc: Document) -> str:
    msg = parse_message(doc.meta.source_path)
    parts = [f"<h1>{_text(doc.meta.title or doc.meta.source_path.name)}</h1><table>"]
    for name in HEADERS_SHOWN:
        if msg.get(name):
            parts.append(f"<tr>{_cell(name, 18, 'h')}{_cell(str(msg.get(name)), 82)}</tr>")
    parts.append("</table><table><tr>"
                 f'<th width="50%">Source</th>'
                 f'<th width="50%">Translation ({_text(doc.target_language or "?")})</th></tr>')
    for b in doc.blocks:
        parts.append(f"<tr>{_cell(b.text, 50)}{_cell(b.output_text, 50)}</tr>")
    parts.append("</table>")
    if doc.warnings:
        parts.append("<h2>Attachments and notes</h2>")
        parts += [f"<p>•&#160;{_text(w)}</p>" for w in doc.warnings]
    return "".join(parts)


def write_eml_bilingual_pdf(doc: Document, out: Path) -> None:
    book = FontBook()
    font = book.family("sans")  # first: it adds the family's @font-face rules to book.css
    css = book.css + "\n" + _CSS % {"font": font}
    pdf = pymupdf.open("pdf", flow_html([email_html(doc)], css, book, PAGE, BODY))
    try:
        pdf.set_metadata({"title": doc.meta.title or doc.meta.source_path.name,
                          "producer": "Passerelle", "creator": "Passerelle"})
        pdf.subset_fonts()
        pdf.save(str(out), garbage=3, deflate=True)
        log.info("Bilingual e-mail PDF: %d page(s)", pdf.page_count)
    finally:
        pdf.close()
