"""Dequantization checks.

* Hand-built blocks with known values (Q8_0, Q4_0, Q4_1).
* Round trips through gguf's reference quantizers (legacy types, F16, BF16).
* K-quants (Q2_K..Q6_K have no Python quantizer): gguf's vectorised numpy
  dequantizer against a scalar port of ggml's C `dequantize_row_q*_K`, on random
  blocks with sane fp16 scales.
"""

from __future__ import annotations

import numpy as np
import pytest
from gguf import GGML_QUANT_SIZES
from gguf import GGMLQuantizationType as Q

from engines.gguf.errors import UnsupportedQuantizationError
from engines.gguf.quants import SUPPORTED_TYPES, dequantize, quantize


def _f16_bytes(value: float) -> bytes:
    return np.float16(value).tobytes()


def test_q8_0_known_block() -> None:
    qs = np.arange(-16, 16, dtype=np.int8)
    block = _f16_bytes(0.5) + qs.tobytes()
    out = dequantize(np.frombuffer(block, np.uint8).reshape(1, -1), Q.Q8_0)
    np.testing.assert_array_equal(out[0], qs.astype(np.float32) * 0.5)


def test_q4_0_known_block() -> None:
    lo = np.arange(16, dtype=np.uint8)  # nibble values 0..15 for elements 0..15
    hi = np.arange(15, -1, -1, dtype=np.uint8)  # 15..0 for elements 16..31
    block = _f16_bytes(2.0) + (lo | (hi << 4)).tobytes()
    out = dequantize(np.frombuffer(block, np.uint8).reshape(1, -1), Q.Q4_0)
    expected = np.concatenate([lo.astype(np.float32) - 8, hi.astype(np.float32) - 8]) * 2.0
    np.testing.assert_array_equal(out[0], expected)


def test_q4_1_known_block() -> None:
    lo = np.arange(16, dtype=np.uint8)
    hi = np.full(16, 3, dtype=np.uint8)
    block = _f16_bytes(0.25) + _f16_bytes(-1.0) + (lo | (hi << 4)).tobytes()
    out = dequantize(np.frombuffer(block, np.uint8).reshape(1, -1), Q.Q4_1)
    expected = np.concatenate([lo, hi]).astype(np.float32) * 0.25 - 1.0
    np.testing.assert_array_equal(out[0], expected)


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.F16, Q.BF16])
def test_round_trip_within_quantization_step(qtype: Q) -> None:
    rng = np.random.default_rng(int(qtype))
    values = rng.standard_normal((8, 256)).astype(np.float32)
    packed = quantize(values, qtype)
    out = dequantize(packed, qtype)
    assert out.shape == values.shape and out.dtype == np.float32
    bits = {Q.Q4_0: 4, Q.Q4_1: 4, Q.Q5_0: 5, Q.Q5_1: 5, Q.Q8_0: 8, Q.F16: 11, Q.BF16: 8}[qtype]
    # Per 32-value block the step is about range / 2**bits; allow one step.
    blocks = values.reshape(-1, 32)
    step = (blocks.max(1) - blocks.min(1)) / (2**bits - 1)
    err = np.abs(out - values).reshape(-1, 32).max(1)
    assert (err <= step * 1.01 + 1e-6).all()


def test_f32_passthrough_is_a_copy() -> None:
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = dequantize(values, Q.F32)
    np.testing.assert_array_equal(out, values)
    out[0, 0] = 42
    assert values[0, 0] == 0


def test_unsupported_type_message() -> None:
    with pytest.raises(UnsupportedQuantizationError, match="IQ2_XXS") as info:
        dequantize(np.zeros((1, 66), np.uint8), Q.IQ2_XXS)
    assert "\n" not in str(info.value)
    with pytest.raises(UnsupportedQuantizationError, match="type #999"):
        dequantize(np.zeros((1, 4), np.uint8), 999)


# -- K-quants: scalar port of ggml-quants.c --------------------------------------


def _f16(raw: bytes) -> float:
    return float(np.frombuffer(raw, np.float16)[0])


def _scale_min_k4(j: int, q: bytes) -> tuple[int, int]:
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def _ref_q4_k(block: bytes) -> list[float]:
    d, dmin, scales, qs = _f16(block[0:2]), _f16(block[2:4]), block[4:16], block[16:144]
    y: list[float] = []
    for j in range(4):
        sc1, m1 = _scale_min_k4(2 * j, scales)
        sc2, m2 = _scale_min_k4(2 * j + 1, scales)
        q = qs[32 * j : 32 * j + 32]
        y += [d * sc1 * (b & 0xF) - dmin * m1 for b in q]
        y += [d * sc2 * (b >> 4) - dmin * m2 for b in q]
    return y


def _ref_q5_k(block: bytes) -> list[float]:
    d, dmin, scales = _f16(block[0:2]), _f16(block[2:4]), block[4:16]
    qh, qs = block[16:48], block[48:176]
    y: list[float] = []
    u1, u2 = 1, 2
    for j in range(4):
        sc1, m1 = _scale_min_k4(2 * j, scales)
        sc2, m2 = _scale_min_k4(2 * j + 1, scales)
        ql = qs[32 * j : 32 * j + 32]
        y += [d * sc1 * ((ql[i] & 0xF) + (16 if qh[i] & u1 else 0)) - dmin * m1 for i in range(32)]
        y += [d * sc2 * ((ql[i] >> 4) + (16 if qh[i] & u2 else 0)) - dmin * m2 for i in range(32)]
        u1 <<= 2
        u2 <<= 2
    return y


def _ref_q6_k(block: bytes) -> list[float]:
    ql_all, qh_all = block[0:128], block[128:192]
    sc_all = np.frombuffer(block[192:208], np.int8)
    d = _f16(block[208:210])
    y = [0.0] * 256
    for n in range(2):
        ql, qh, sc = ql_all[64 * n :], qh_all[32 * n :], sc_all[8 * n :]
        for i in range(32):
            s = i // 16
            q1 = ((ql[i] & 0xF) | (((qh[i] >> 0) & 3) << 4)) - 32
            q2 = ((ql[i + 32] & 0xF) | (((qh[i] >> 2) & 3) << 4)) - 32
            q3 = ((ql[i] >> 4) | (((qh[i] >> 4) & 3) << 4)) - 32
            q4 = ((ql[i + 32] >> 4) | (((qh[i] >> 6) & 3) << 4)) - 32
            base = 128 * n
            y[base + i] = d * int(sc[s]) * q1
            y[base + i + 32] = d * int(sc[s + 2]) * q2
            y[base + i + 64] = d * int(sc[s + 4]) * q3
            y[base + i + 96] = d * int(sc[s + 6]) * q4
    return y


def _random_blocks(qtype: Q, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    _, type_size = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(count, type_size), dtype=np.uint8)
    scales = rng.uniform(0.001, 0.05, size=(count, 2)).astype(np.float16).view(np.uint8)
    if qtype in (Q.Q4_K, Q.Q5_K):  # d, dmin first
        blocks[:, 0:4] = scales.reshape(count, 4)
    else:  # Q6_K: d last
        blocks[:, -2:] = scales.reshape(count, 4)[:, :2]
    return blocks


@pytest.mark.parametrize(
    ("qtype", "reference"),
    [(Q.Q4_K, _ref_q4_k), (Q.Q5_K, _ref_q5_k), (Q.Q6_K, _ref_q6_k)],
)
def test_k_quants_match_ggml_scalar_code(qtype: Q, reference: object) -> None:
    assert callable(reference)
    blocks = _random_blocks(qtype, 4, seed=int(qtype))
    got = dequantize(blocks.reshape(2, -1), qtype)  # 2 rows of 2 blocks (512 values each)
    assert got.shape == (2, 512)
    expected = np.array([v for b in blocks for v in reference(b.tobytes())], dtype=np.float64)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-5, atol=1e-6)


def test_supported_set_is_documented() -> None:
    assert {Q.Q4_0, Q.Q4_1, Q.Q4_K, Q.Q5_K, Q.Q6_K, Q.Q8_0, Q.F16, Q.F32} <= SUPPORTED_TYPES
