"""Generators for test documents (DOCX via python-docx)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.shared import Pt, RGBColor


def simple_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None,
                header: str | None = None, footer: str | None = None,
                heading: str | None = None) -> Path:
    d = docx.Document()
    if heading:
        d.add_heading(heading, level=1)
    for text in paragraphs:
        d.add_paragraph(text)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    if header:
        d.sections[0].header.paragraphs[0].text = header
    if footer:
        d.sections[0].footer.paragraphs[0].text = footer
    d.save(str(path))
    return path


def styled_docx(path: Path) -> Path:
    """A paragraph with a bold word mid-sentence, one with a hyperlink, one coloured."""
    d = docx.Document()
    p = d.add_paragraph("The officer reads the ")
    b = p.add_run("red")
    b.bold = True
    p.add_run(" report.")
    p2 = d.add_paragraph()
    r = p2.add_run("Whole italic line.")
    r.italic = True
    r.font.size = Pt(14)
    r.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    d.save(str(path))
    return path
