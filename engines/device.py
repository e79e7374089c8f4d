"""Device and thread selection for CTranslate2."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceConfig:
    device: str = "cpu"  # "cpu" or "cuda"
    compute_type: str = "int8"
    inter_threads: int = 1
    intra_threads: int = 0  # 0: CTranslate2 picks


def cuda_available() -> bool:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count()) > 0
    except Exception:  # pragma: no cover - broken CUDA install
        log.warning("CUDA probe failed; using the CPU", exc_info=True)
        return False


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def resolve(device: str = "auto", threads: int = 0) -> DeviceConfig:
    """Pick the device ("auto" prefers CUDA when CTranslate2 sees a GPU) and threads."""
    use_cuda = device == "cuda" or (device == "auto" and cuda_available())
    if use_cuda:
        return DeviceConfig("cuda", "int8_float16", inter_threads=1, intra_threads=1)
    cores = threads or cpu_count()
    # One translator replica using every core gives the best latency for one document;
    # batches are large enough to keep the cores busy.
    return DeviceConfig("cpu", "int8", inter_threads=1, intra_threads=cores)


def resolve_translation(device: str = "auto", threads: int = 0) -> DeviceConfig:
    """Like :func:`resolve`, for a translation model: by default one core is left to
    the Python side of the pipeline (tokenizing, checking and repairing outputs as
    batches complete, the GUI), which runs while the next batches decode.  Measured
    with ``bench/quality.py --sweep`` on 2-core VMs: intra 1 took 6.5 s where intra 2
    took 10.2 s and 2 replicas × 1 thread 8.6 s for the same output (README)."""
    config = resolve(device, threads)
    if config.device != "cpu" or threads:
        return config
    return DeviceConfig("cpu", "int8", inter_threads=1, intra_threads=max(1, cpu_count() - 1))
