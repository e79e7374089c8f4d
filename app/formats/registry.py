"""The format registry with the built-in readers and writers registered: what the pipeline,
the CLI and the GUI import to read and write documents.

The catalogue itself is :mod:`app.formats.catalog`; :mod:`app.formats.builtin` fills it.
Importing this module imports every reader and writer, so modules that must stay light
(the PDF and OCR worker children, which import :mod:`app.formats` under a memory cap) do
not import it.  Higher layers add their own writers (:mod:`app.report.writers`).
"""

from __future__ import annotations

from app.formats import builtin as builtin
from app.formats.catalog import (
    Reader,
    Writer,
    WriterSpec,
    default_output_format,
    output_formats,
    read_document,
    register_reader,
    register_writer,
    writer_for,
)

__all__ = ["Reader", "Writer", "WriterSpec", "builtin", "default_output_format",
           "output_formats", "read_document", "register_reader", "register_writer",
           "writer_for"]
