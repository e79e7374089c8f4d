"""Format adapters: readers by source format, writers by output format.

This is the bare catalogue: nothing is registered here.  :mod:`app.formats.builtin`
registers the built-in readers and writers into it, and :mod:`app.formats.registry` (what
the rest of the application imports) loads them first.  A format module that needs the
lookups itself (an e-mail reading its attachments) imports this module, not the registry,
since the registry imports every format module."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import UnsupportedDocument
from app.core.output import default_output
from app.document import Document
from app.formats.sniff import detect_format

if TYPE_CHECKING:
    from app.formats.ocr_reader import OcrOptions

Reader = Callable[..., Document]
Writer = Callable[[Document, Path], None]


@dataclass(frozen=True)
class WriterSpec:
    name: str
    suffix: str
    write: Writer
    sources: tuple[str, ...]  # source formats it can render
    description: str
    keeps_source_text: bool = False  # not a translation (pdf-searchable): no language tag

    def output_path(self, source: Path, target_lang: str, folder: Path | None = None) -> Path:
        """Where it writes by default: ``name.en.docx``, or ``name.ocr.pdf`` for an output
        in the source's own language."""
        return default_output(source, "" if self.keeps_source_text else target_lang,
                              self.suffix, folder)


_READERS: dict[str, Reader] = {}
_STREAMING = {"pdf", "xlsx", "image"}  # readers that report progress and honour cancel
_OCR = {"pdf", "image"}  # readers that take OCR settings (``ocr=OcrOptions``)
_WRITERS: dict[str, WriterSpec] = {}


def register_reader(fmt: str, reader: Reader) -> None:
    _READERS[fmt] = reader


def register_writer(spec: WriterSpec) -> None:
    _WRITERS[spec.name] = spec


def read_document(path: Path, password: str | None = None,
                  progress: Callable[[float, str], None] | None = None,
                  cancel: threading.Event | None = None,
                  ocr: OcrOptions | None = None) -> Document:
    """Read any supported document; readers that stream (PDF) report progress and cancel,
    those that read scans take the OCR settings ``ocr``."""
    fmt = detect_format(path)
    reader = _READERS.get(fmt)
    if reader is None:
        raise UnsupportedDocument(f"No reader for {fmt} files yet.")
    kwargs: dict[str, Any] = {}
    if fmt in _STREAMING:
        kwargs.update(progress=progress, cancel=cancel)
    if fmt in _OCR and ocr is not None:
        kwargs["ocr"] = ocr
    return reader(Path(path), password=password, **kwargs)


def writer_for(name: str, source_format: str) -> WriterSpec:
    spec = _WRITERS.get(name)
    if spec is None:
        raise UnsupportedDocument(
            f"Unknown output format '{name}': choose one of {', '.join(sorted(_WRITERS))}."
        )
    if source_format not in spec.sources:
        raise UnsupportedDocument(
            f"Output format '{name}' cannot be produced from a {source_format.upper()} source."
        )
    return spec


def output_formats(source_format: str | None = None) -> list[str]:
    return [n for n, s in _WRITERS.items() if source_format is None or source_format in s.sources]


def default_output_format(source_format: str) -> str:
    """The source's own format when a writer renders it (a PDF for a scanned image),
    else DOCX."""
    if source_format == "image" and "pdf" in output_formats("image"):
        return "pdf"
    return source_format if source_format in output_formats(source_format) else "docx"
