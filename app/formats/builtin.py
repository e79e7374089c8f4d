"""Registers the built-in readers and writers.

The report writers (``report-docx``, ``report-pdf``) belong to a higher layer: the
report package registers them itself (:mod:`app.report.writers`)."""

from __future__ import annotations

from pathlib import Path

from app.document import Document
from app.formats.catalog import WriterSpec, register_reader, register_writer
from app.formats.docx_from_pdf import write_docx_from_pdf
from app.formats.docx_reader import read_docx
from app.formats.docx_writer import write_docx
from app.formats.email_msg import read_eml, write_eml, write_eml_bilingual
from app.formats.email_pdf import write_eml_bilingual_pdf
from app.formats.html import read_html, write_html
from app.formats.legacy import make_legacy_reader
from app.formats.markdown import read_md, write_md
from app.formats.ocr_reader import read_image, read_pdf_ocr
from app.formats.odf import read_odf, write_odf
from app.formats.outlook import read_msg
from app.formats.pdf_bilingual import write_pdf_bilingual
from app.formats.pdf_searchable import write_searchable_pdf
from app.formats.pdf_writer import write_pdf_inplace
from app.formats.plaintext import read_txt, write_txt
from app.formats.pptx_reader import read_pptx
from app.formats.pptx_writer import write_pptx
from app.formats.xlsx_reader import read_xlsx
from app.formats.xlsx_writer import write_xlsx, write_xlsx_bilingual

register_reader("docx", read_docx)
register_reader("pdf", read_pdf_ocr)  # pages without a text layer are read by OCR
register_reader("image", read_image)
register_reader("pptx", read_pptx)
register_reader("xlsx", read_xlsx)
for _odf in ("odt", "ods", "odp"):
    register_reader(_odf, read_odf)
register_reader("txt", read_txt)
register_reader("md", read_md)
register_reader("html", read_html)
register_reader("eml", read_eml)
register_reader("msg", read_msg)
register_reader("legacy", make_legacy_reader({"docx": read_docx, "pptx": read_pptx,
                                              "xlsx": read_xlsx}))


def _write_any_docx(doc: Document, out: Path) -> None:
    """DOCX output: the source package rewritten, or reflowed from a PDF."""
    if doc.meta.format in ("pdf", "image"):
        write_docx_from_pdf(doc, out)
    else:
        write_docx(doc, out)


register_writer(WriterSpec("docx", ".docx", _write_any_docx, ("docx", "pdf", "image"),
                           "Translated Word document"))
register_writer(WriterSpec("pdf", ".pdf", write_pdf_inplace, ("pdf", "image"),
                           "Translated PDF, same layout"))
register_writer(WriterSpec("pdf-bilingual", ".bilingual.pdf", write_pdf_bilingual, ("pdf", "image"),
                           "Original and translated pages side by side"))
register_writer(WriterSpec("pdf-searchable", ".ocr.pdf", write_searchable_pdf, ("pdf", "image"),
                           "The scan with its OCR text underneath (searchable, source language)",
                           keeps_source_text=True))
register_writer(WriterSpec("pptx", ".pptx", write_pptx, ("pptx",),
                           "Translated PowerPoint presentation"))
register_writer(WriterSpec("xlsx", ".xlsx", write_xlsx, ("xlsx",),
                           "Translated Excel workbook"))
register_writer(WriterSpec("odt", ".odt", write_odf, ("odt",), "Translated OpenDocument text"))
register_writer(WriterSpec("ods", ".ods", write_odf, ("ods",),
                           "Translated OpenDocument spreadsheet"))
register_writer(WriterSpec("odp", ".odp", write_odf, ("odp",),
                           "Translated OpenDocument presentation"))
register_writer(WriterSpec("txt", ".txt", write_txt, ("txt",), "Translated plain text"))
register_writer(WriterSpec("md", ".md", write_md, ("md",), "Translated Markdown"))
register_writer(WriterSpec("html", ".html", write_html, ("html",), "Translated HTML page"))
register_writer(WriterSpec("eml", ".eml", write_eml, ("eml",), "Translated e-mail message"))
register_writer(WriterSpec("eml-bilingual-pdf", ".bilingual.pdf", write_eml_bilingual_pdf,
                           ("eml",), "E-mail with source and translation side by side (PDF)"))
register_writer(WriterSpec("eml-bilingual", ".bilingual.docx", write_eml_bilingual, ("eml",),
                           "E-mail with source and translation side by side (Word)"))
register_writer(WriterSpec("xlsx-bilingual", ".bilingual.xlsx", write_xlsx_bilingual, ("xlsx",),
                           "Excel workbook with a translated copy after each sheet"))

