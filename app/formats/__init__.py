"""Readers and writers, registered by format (see :mod:`app.formats.registry`).

PyMuPDF 2 imports its optional ONNX layout analyser (``pymupdf.layout``) and
``pymupdf4llm`` whenever it is imported.  Nothing here uses them, and loading onnxruntime
writes a telemetry session file (``.ses``) into the temporary folder, so every PyMuPDF
import made after this package is imported (writers, preview, reader children) skips them.
"""

import os as _os
import sys as _sys

_os.environ.setdefault("PYMUPDF_SUGGEST_LAYOUT_ANALYZER", "0")
for _optional in ("pymupdf.layout", "pymupdf4llm"):
    _sys.modules.setdefault(_optional, None)  # type: ignore[arg-type]
