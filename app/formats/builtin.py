"""Registers the built-in readers and writers."""

from __future__ import annotations

from app.formats.docx_reader import read_docx
from app.formats.docx_writer import write_docx
from app.formats.registry import WriterSpec, register_reader, register_writer

register_reader("docx", read_docx)
register_writer(WriterSpec("docx", ".docx", write_docx, ("docx",), "Translated Word document"))
