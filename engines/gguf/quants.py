"""Dequantization of GGML tensors to float32.

The `gguf` package (0.19) ships vectorised numpy (de)quantizers in
`gguf.quants`; we use them and only add the type checks and the one-line
errors this project needs.
"""

from __future__ import annotations

import logging

import numpy as np
from gguf import GGMLQuantizationType
from gguf import quants as gguf_quants

from engines.gguf.errors import UnsupportedQuantizationError

logger = logging.getLogger(__name__)

Q = GGMLQuantizationType

#: Tensor types this converter accepts (all implemented by gguf.quants). Tests
#: cover F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 (known blocks, round trips) and
#: Q4_K/Q5_K/Q6_K (against a scalar port of ggml's C code); Q2_K/Q3_K rely on
#: gguf's implementation alone.
SUPPORTED_TYPES: frozenset[GGMLQuantizationType] = frozenset(
    {
        Q.F32,
        Q.F16,
        Q.BF16,
        Q.Q4_0,
        Q.Q4_1,
        Q.Q5_0,
        Q.Q5_1,
        Q.Q8_0,
        Q.Q2_K,
        Q.Q3_K,
        Q.Q4_K,
        Q.Q5_K,
        Q.Q6_K,
    }
)


def type_name(qtype: int) -> str:
    """Readable name of a GGML type id, also for ids this gguf version does not know."""
    try:
        return GGMLQuantizationType(qtype).name
    except ValueError:
        return f"type #{qtype}"


def check_supported(qtype: int, tensor_name: str = "") -> GGMLQuantizationType:
    """Return the enum for `qtype` or raise UnsupportedQuantizationError."""
    try:
        enum = GGMLQuantizationType(qtype)
    except ValueError:
        enum = None
    if enum is None or enum not in SUPPORTED_TYPES:
        where = f" (tensor {tensor_name})" if tensor_name else ""
        supported = ", ".join(sorted(t.name for t in SUPPORTED_TYPES))
        raise UnsupportedQuantizationError(
            f"Unsupported GGUF quantization {type_name(qtype)}{where}; supported: {supported}."
        )
    return enum


def dequantize(data: np.ndarray, qtype: int, tensor_name: str = "") -> np.ndarray:
    """Dequantize raw GGUF tensor data to a fresh C-contiguous float32 array.

    `data` is what `gguf.GGUFReader` exposes as `ReaderTensor.data`: the float
    array itself for F32/F16, a uint8 array of shape (rows, row_bytes) for
    block-quantized types. The result has the logical numpy shape
    (rows, columns), i.e. GGUF's `ne` reversed.
    """
    enum = check_supported(qtype, tensor_name)
    if enum == Q.F32:
        out = np.asarray(data).view(np.float32)
    elif enum == Q.F16:
        out = np.asarray(data).view(np.float16).astype(np.float32)
    else:
        out = gguf_quants.dequantize(np.asarray(data).view(np.uint8), enum)
    return np.ascontiguousarray(out, dtype=np.float32).copy()


def quantize(values: np.ndarray, qtype: int) -> np.ndarray:
    """Quantize float32 values with gguf's reference quantizer (tests and fixtures).

    Only the types gguf can quantize are accepted (not the K-quants).
    """
    enum = GGMLQuantizationType(qtype)
    return gguf_quants.quantize(np.ascontiguousarray(values, dtype=np.float32), enum)
