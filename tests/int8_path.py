"""Which int8 GEMM kernels CTranslate2 runs here, asked of oneDNN itself.

CTranslate2 (x86-64 wheels) hands its int8 matrix products to oneDNN as u8 x s8 GEMMs.
Their numbers depend on the CPU:

* ``vnni``: AVX-512 VNNI or AVX-VNNI (``vpdpbusd``) multiply-accumulates u8 x s8 straight
  into 32-bit sums: int8 is only as far from float32 as quantization makes it;
* ``saturating``: plain AVX2 (or AVX-512 without VNNI) multiplies with ``vpmaddubsw``, which
  adds two u8 x s8 products into a *saturating 16-bit* register (255 * 127 * 2 > 32767), so
  large products are clipped and int8 logits land further from float32.

The kind is read from ``ONEDNN_VERBOSE`` in a child process that runs one int8 GEMM on the
toy model (the kernels are picked once per process, when the libraries load), under this
process's environment, so ``ONEDNN_MAX_CPU_ISA=AVX2`` is seen as a real AVX2 machine would
be. When the probe cannot tell, the kind is ``unknown`` and tests use the looser,
``saturating`` tolerances, which hold on both kinds.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

TOY_MODEL = Path(__file__).parent / "fixtures" / "toy_model"
#: Environment that makes an AVX-512 machine run the kernels of an AVX2-only one.
#: ``CT2_FORCE_CPU_ISA`` picks CTranslate2's own kernels (softmax, quantization of the
#: activations...); ``ONEDNN_MAX_CPU_ISA`` picks oneDNN's GEMMs, which carry the int8 maths.
FORCE_AVX2 = {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
ISA_VARIABLES = ("CT2_FORCE_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")

_PROBE = (
    "import ctranslate2, sys\n"
    "t = ctranslate2.Translator(sys.argv[1], device='cpu', compute_type='int8', "
    "intra_threads=1)\n"
    "t.translate_batch([['▁the', '▁cat', '</s>']], max_decoding_length=3)\n"
)


@dataclass(frozen=True)
class Int8Path:
    ct2_isa: str  # CTranslate2's "Selected ISA" (its own kernels), "" if not logged
    onednn_isa: str  # oneDNN's "isa:" line, e.g. "Intel AVX2", "" if not logged
    int8_gemms: int  # u8/s8 GEMMs oneDNN logged while the probe ran

    @property
    def kind(self) -> str:
        if not self.onednn_isa or not self.int8_gemms:
            return "unknown"
        return "vnni" if "DL Boost" in self.onednn_isa else "saturating"

    def describe(self) -> str:
        return (f"int8 GEMM kernels: {self.kind} (oneDNN ISA {self.onednn_isa or '?'}, "
                f"{self.int8_gemms} int8 GEMMs; CTranslate2 ISA {self.ct2_isa or '?'})")


def parse_verbose(output: str) -> Int8Path:
    """Read CT2_VERBOSE / ONEDNN_VERBOSE lines."""
    ct2_isa = onednn_isa = ""
    gemms = 0
    for line in output.splitlines():
        if "Selected ISA:" in line:
            ct2_isa = line.split("Selected ISA:", 1)[1].strip()
        elif line.startswith("onednn_verbose,info,cpu,isa:"):
            onednn_isa = line.split("isa:", 1)[1].strip()
        elif line.startswith("onednn_verbose,exec,") and ("src_u8" in line or "src_s8" in line):
            gemms += 1
    return Int8Path(ct2_isa, onednn_isa, gemms)


def probe(overrides: Mapping[str, str] | None = None) -> Int8Path:
    """Run one int8 GEMM in a child process with this environment plus ``overrides``."""
    env = dict(os.environ, CT2_VERBOSE="1", ONEDNN_VERBOSE="1", **(overrides or {}))
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, str(TOY_MODEL)], env=env,
                              capture_output=True, text=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("int8 kernel probe failed: %s", exc)
        return Int8Path("", "", 0)
    return parse_verbose(proc.stdout + proc.stderr)


@functools.cache
def int8_path() -> Int8Path:
    """The kernels this test process runs (cached: they are fixed per process)."""
    return probe()


def forced_isa() -> dict[str, str]:
    """The ISA-forcing variables set in this process's environment."""
    return {k: os.environ[k] for k in ISA_VARIABLES if os.environ.get(k)}
