"""The int8 kernel probe, and proof that forcing AVX2 really changes the kernels.

`make test-avx2` reruns the numerics-sensitive tests with ``CT2_FORCE_CPU_ISA=AVX2`` and
``ONEDNN_MAX_CPU_ISA=AVX2``. Measured on an AVX-512 VNNI machine (CTranslate2 4.8.5,
oneDNN 3.1.1): CTranslate2 already selects its AVX2 kernels there unless told
``CT2_FORCE_CPU_ISA=AVX512``, so that variable changes nothing by itself; the int8 GEMMs
run in oneDNN, and only ``ONEDNN_MAX_CPU_ISA`` (or the older ``DNNL_MAX_CPU_ISA``) moves
them from "AVX-512 with DL Boost" to "AVX2", which reproduces the int8 logits of a real
AVX2-only EPYC to the third decimal. An unknown value is silently ignored by oneDNN,
hence these checks.
"""

from __future__ import annotations

import pytest

from tests.int8_path import FORCE_AVX2, forced_isa, int8_path, parse_verbose, probe


def test_parse_verbose_reads_both_libraries() -> None:
    log = (
        "[2026-12-01 09:47:41.678] [ctranslate2] [thread 1] [info]  - Selected ISA: AVX2\n"
        "onednn_verbose,info,cpu,isa:Intel AVX2\n"
        "onednn_verbose,exec,cpu,gemm_api,,undef,src_u8::blocked:ab:f0 wei_s8::blocked:ba:f0 "
        "dst_s32::blocked:ab:f0,,,4x576:576x960,1.68\n"
        "onednn_verbose,exec,cpu,gemm_api,,undef,src_f32::blocked:ab:f0 wei_f32,,,2x1:1x3,0.1\n"
    )
    path = parse_verbose(log)
    assert (path.ct2_isa, path.onednn_isa, path.int8_gemms) == ("AVX2", "Intel AVX2", 1)
    assert path.kind == "saturating"
    vnni = parse_verbose(log.replace("isa:Intel AVX2", "isa:Intel AVX2 with Intel DL Boost"))
    assert vnni.kind == "vnni"
    # No int8 GEMM seen, or no oneDNN at all: nobody can tell.
    assert parse_verbose(log.replace("src_u8", "src_f32")).kind == "unknown"
    assert parse_verbose("").kind == "unknown"


def test_int8_goes_through_onednn_here() -> None:
    """If CTranslate2 stopped using oneDNN for int8, ONEDNN_MAX_CPU_ISA would force nothing:
    the AVX2 pass would then need another way (e.g. an AVX2-only CI runner)."""
    path = int8_path()
    assert path.int8_gemms > 0 and path.onednn_isa, (
        f"{path.describe()}: CTranslate2's int8 GEMMs are not oneDNN's here, so "
        "ONEDNN_MAX_CPU_ISA cannot force the AVX2 path")


def test_forcing_avx2_reaches_the_int8_kernels() -> None:
    forced = probe(FORCE_AVX2)
    assert forced.onednn_isa == "Intel AVX2", (
        f"{forced.describe()}: ONEDNN_MAX_CPU_ISA=AVX2 did not take effect")
    assert forced.kind == "saturating" and forced.int8_gemms > 0
    assert forced.ct2_isa == "AVX2", f"{forced.describe()}: CT2_FORCE_CPU_ISA=AVX2 ignored"


def test_this_run_uses_the_forced_isa() -> None:
    """Under `make test-avx2` the variables are set: every int8 test must really see AVX2."""
    forced = forced_isa()
    if not forced:
        pytest.skip("no ISA forced in this run (make test-avx2 forces AVX2)")
    path = int8_path()
    onednn = forced.get("ONEDNN_MAX_CPU_ISA") or forced.get("DNNL_MAX_CPU_ISA")
    if onednn and onednn.upper() == "AVX2":
        assert path.onednn_isa == "Intel AVX2", f"{forced} did not take effect: {path.describe()}"
        assert path.kind == "saturating"
    if "CT2_FORCE_CPU_ISA" in forced:
        assert path.ct2_isa == forced["CT2_FORCE_CPU_ISA"].upper(), (
            f"{forced} did not take effect: {path.describe()}")
