"""Legacy ``.doc``, ``.ppt``, ``.xls`` and ``.rtf``: converted by LibreOffice, then read.

The converted copy (``.docx``, ``.pptx`` or ``.xlsx``) lives in a private temporary
folder for the rest of the process: the document's ``source_path`` points at it, so the
writer of the converted format rewrites it, while the SHA-256 and the report keep the
original file.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.core.hashing import sha256_file
from app.document import Document
from app.formats.soffice import LEGACY_TARGETS, convert

log = logging.getLogger(__name__)

_WORK: list[Path] = []


def work_dir() -> Path:
    """A private folder for converted copies, removed when the process exits."""
    if not _WORK:
        folder = Path(tempfile.mkdtemp(prefix="passerelle-legacy-"))
        atexit.register(shutil.rmtree, folder, True)
        _WORK.append(folder)
    return _WORK[0]


def make_legacy_reader(readers: dict[str, Callable[..., Document]]
                       ) -> Callable[..., Document]:
    """A reader for legacy files that converts, then hands over to ``readers[format]``."""

    def read_legacy(path: Path, password: str | None = None) -> Document:
        path = Path(path)
        target = LEGACY_TARGETS.get(path.suffix.lower(), "docx")  # a renamed .doc: Word
        folder = Path(tempfile.mkdtemp(dir=work_dir()))
        converted = convert(path, target, folder)
        doc = readers[target](converted)
        doc.meta.sha256 = sha256_file(path)
        doc.warnings.append(f"{path.name} was converted to {target.upper()} by LibreOffice "
                            f"before translation; the translation is a .{target} file.")
        log.info("Legacy %s read through %s", path.name, converted.name)
        return doc

    return read_legacy
