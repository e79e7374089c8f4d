"""GGUF (llama.cpp) model import: read, dequantize, convert to CTranslate2.

Public API::

    from engines.gguf import convert_gguf, GGUFError, GGUFTokenizer
    out = convert_gguf("model.gguf", "models/my-llm", quantization="int8",
                       progress=lambda fraction, message: ...)
    tok = GGUFTokenizer(out)

No torch, no network, no Qt.
"""

from engines.gguf.convert import SUPPORTED_QUANTIZATIONS, ProgressCallback, convert_gguf
from engines.gguf.errors import (
    GGUFError,
    GGUFHeaderError,
    GGUFTokenizerError,
    UnsupportedArchitectureError,
    UnsupportedQuantizationError,
)
from engines.gguf.reader import ARCHITECTURES, GGUFFile, HParams
from engines.gguf.tokenizer import GGUFTokenizer

__all__ = [
    "ARCHITECTURES",
    "SUPPORTED_QUANTIZATIONS",
    "GGUFError",
    "GGUFFile",
    "GGUFHeaderError",
    "GGUFTokenizer",
    "GGUFTokenizerError",
    "HParams",
    "ProgressCallback",
    "UnsupportedArchitectureError",
    "UnsupportedQuantizationError",
    "convert_gguf",
]
