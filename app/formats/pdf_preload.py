"""Imported by the PDF reader's fork server before it forks any worker.

Each worker then starts in milliseconds with PyMuPDF already loaded (without its optional
layout analyser), instead of importing it afresh.  Only imports happen here: no file is
opened, no thread is started, so forking the server stays safe.  The server itself also
runs under the offline guard (empty allow-list); each worker installs it again anyway.
"""

from __future__ import annotations

from app.formats.pdf_worker import import_pymupdf
from engines import offline

offline.install(())
import_pymupdf()
