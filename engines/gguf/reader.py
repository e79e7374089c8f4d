"""Read a GGUF file: metadata, hyper-parameters and dequantized tensors."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from gguf import GGUFReader

from engines.gguf.errors import GGUFError, GGUFHeaderError, UnsupportedArchitectureError
from engines.gguf.quants import check_supported, dequantize, type_name

logger = logging.getLogger(__name__)

RopeStyle = Literal["interleaved", "neox"]

#: Supported `general.architecture` values. `qk_permuted` tells whether
#: llama.cpp's convert_hf_to_gguf.py permuted the Q/K projection rows (it does
#: so for llama so that ggml's "normal" rope, which rotates adjacent pairs,
#: reproduces HF's rotate-half rope); `rope_style` is how llama.cpp applies
#: rope to the weights as stored in the file.
ARCHITECTURES: dict[str, tuple[bool, RopeStyle]] = {
    "llama": (True, "interleaved"),
    "mistral": (True, "interleaved"),
    "qwen2": (False, "neox"),
}

_UNSUPPORTED_TENSOR_HINTS: dict[str, str] = {
    "rope_freqs.weight": "Llama-3.1 style RoPE frequency scaling",
    "blk.0.ffn_gate_exps.weight": "mixture-of-experts layers",
    "blk.0.attn_qkv.weight": "fused QKV projections",
    "blk.0.attn_q_norm.weight": "Q/K normalisation",
}


@dataclass(frozen=True)
class HParams:
    """Hyper-parameters of a Llama-family decoder, read from GGUF metadata."""

    architecture: str
    n_layers: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    head_dim: int
    rope_dim: int
    rope_base: float
    rope_scaling_factor: float  # 1.0 when no (linear) scaling
    rms_eps: float
    context_length: int
    vocab_size: int
    sliding_window: int | None
    qk_permuted: bool
    rope_style: RopeStyle
    tied_embeddings: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GGUFFile:
    """A GGUF file opened read-only (memory mapped)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise GGUFHeaderError(f"GGUF file not found: {self.path}")
        try:
            self._reader = GGUFReader(self.path, "r")
        except Exception as exc:  # gguf raises ValueError, struct/Index errors, ...
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise GGUFHeaderError(
                f"{self.path.name} is not a valid GGUF file "
                f"(corrupt or truncated header: {detail})."
            ) from exc
        self._tensors = {t.name: t for t in self._reader.tensors}
        logger.debug("opened %s: %d tensors", self.path, len(self._tensors))

    # -- metadata -----------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        field = self._reader.fields.get(key)
        if field is None:
            return default
        try:
            return field.contents()
        except Exception as exc:
            raise GGUFHeaderError(f"Corrupt GGUF metadata value for {key!r}.") from exc

    def require(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise GGUFError(f"GGUF metadata is missing required key {key!r}.")
        return value

    @property
    def architecture(self) -> str:
        arch = self.get("general.architecture")
        if not isinstance(arch, str):
            raise GGUFHeaderError("GGUF metadata has no general.architecture.")
        return arch

    @property
    def name(self) -> str:
        name = self.get("general.name")
        return name if isinstance(name, str) else self.path.stem

    def metadata_keys(self) -> list[str]:
        return list(self._reader.fields)

    # -- tensors ------------------------------------------------------------
    @property
    def tensor_names(self) -> list[str]:
        return list(self._tensors)

    def has_tensor(self, name: str) -> bool:
        return name in self._tensors

    def tensor_type_name(self, name: str) -> str:
        return type_name(int(self._tensors[name].tensor_type))

    def tensor(self, name: str) -> np.ndarray:
        """Dequantized float32 tensor in numpy (HF) layout: (out_features, in_features)."""
        info = self._tensors.get(name)
        if info is None:
            raise GGUFError(f"GGUF file is missing tensor {name!r}.")
        try:
            array = dequantize(info.data, int(info.tensor_type), name)
        except GGUFError:
            raise
        except Exception as exc:
            raise GGUFHeaderError(f"Tensor {name!r} data is corrupt or truncated.") from exc
        expected = tuple(int(d) for d in reversed(info.shape))
        if array.size != int(np.prod(expected)):
            raise GGUFHeaderError(f"Tensor {name!r} has {array.size} values, expected {expected}.")
        return array.reshape(expected)

    def check_tensor_types(self) -> None:
        """Fail early (before any heavy work) on an unsupported tensor type."""
        for name, info in self._tensors.items():
            check_supported(int(info.tensor_type), name)

    def quantization_summary(self) -> dict[str, int]:
        summary: dict[str, int] = {}
        for info in self._tensors.values():
            key = type_name(int(info.tensor_type))
            summary[key] = summary.get(key, 0) + 1
        return summary

    # -- hyper-parameters -----------------------------------------------------
    def hparams(self) -> HParams:
        arch = self.architecture
        if arch not in ARCHITECTURES:
            supported = ", ".join(sorted(ARCHITECTURES))
            raise UnsupportedArchitectureError(
                f"Unsupported model architecture {arch!r}; supported: {supported}."
            )
        for tensor, feature in _UNSUPPORTED_TENSOR_HINTS.items():
            if self.has_tensor(tensor):
                raise UnsupportedArchitectureError(
                    f"This {arch} model uses {feature}, which the converter does not support."
                )
        qk_permuted, rope_style = ARCHITECTURES[arch]

        def key(suffix: str) -> str:
            return f"{arch}.{suffix}"

        n_layers = int(self.require(key("block_count")))
        n_embd = int(self.require(key("embedding_length")))
        n_ff = int(self.require(key("feed_forward_length")))
        n_head = int(self.require(key("attention.head_count")))
        n_head_kv = int(self.get(key("attention.head_count_kv"), n_head))
        head_dim = int(self.get(key("attention.key_length"), n_embd // n_head))
        value_dim = int(self.get(key("attention.value_length"), head_dim))
        rope_dim = int(self.get(key("rope.dimension_count"), head_dim))
        if n_head <= 0 or n_head_kv <= 0 or n_head % n_head_kv != 0:
            raise GGUFError(
                f"Invalid attention head counts ({n_head} heads, {n_head_kv} KV heads)."
            )
        if value_dim != head_dim or rope_dim != head_dim or head_dim % 2:
            raise UnsupportedArchitectureError(
                f"Unsupported attention layout (head dim {head_dim}, value dim {value_dim}, "
                f"rotary dim {rope_dim})."
            )

        scaling_type = self.get(key("rope.scaling.type"), "none")
        factor = float(self.get(key("rope.scaling.factor"), 1.0) or 1.0)
        if scaling_type in (None, "none", ""):
            factor = 1.0
        elif scaling_type != "linear":
            raise UnsupportedArchitectureError(f"Unsupported RoPE scaling type {scaling_type!r}.")

        tokens = self.get("tokenizer.ggml.tokens")
        embd = self._tensors.get("token_embd.weight")
        if embd is None:
            raise GGUFError("GGUF file is missing tensor 'token_embd.weight'.")
        vocab_size = int(embd.shape[1]) if len(embd.shape) > 1 else 0
        declared = self.get(key("vocab_size"))
        if declared is not None and int(declared) != vocab_size:
            logger.warning(
                "%s=%s but embeddings have %d rows", key("vocab_size"), declared, vocab_size
            )
        if tokens is not None and len(tokens) != vocab_size:
            logger.warning("tokenizer has %d tokens, embeddings %d rows", len(tokens), vocab_size)
        window = self.get(key("attention.sliding_window"))

        return HParams(
            architecture=arch,
            n_layers=n_layers,
            n_embd=n_embd,
            n_ff=n_ff,
            n_head=n_head,
            n_head_kv=n_head_kv,
            head_dim=head_dim,
            rope_dim=rope_dim,
            rope_base=float(self.get(key("rope.freq_base"), 10000.0)),
            rope_scaling_factor=factor,
            rms_eps=float(self.get(key("attention.layer_norm_rms_epsilon"), 1e-5)),
            context_length=int(self.get(key("context_length"), 2048)),
            vocab_size=vocab_size,
            sliding_window=int(window) if window else None,
            qk_permuted=qk_permuted,
            rope_style=rope_style,
            tied_embeddings=not self.has_tensor("output.weight"),
        )


def unpermute_qk(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """Invert convert_hf_to_gguf.py's `LlamaModel.permute` (rows of Q or K, or a bias).

    llama.cpp stores, inside each head, the rows of the two rotate-half halves
    interleaved (row 2j is HF row j, row 2j+1 is HF row j + head_dim/2). This
    restores HF's layout, for which CTranslate2 uses `rotary_interleave=False`.
    """
    rows = weight.shape[0]
    head_dim = rows // n_heads
    rest = weight.shape[1:]
    return np.ascontiguousarray(
        weight.reshape(n_heads, head_dim // 2, 2, *rest).swapaxes(1, 2).reshape(weight.shape)
    )


def permute_qk(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """convert_hf_to_gguf.py's permutation (HF layout -> llama.cpp layout); for fixtures."""
    rows = weight.shape[0]
    head_dim = rows // n_heads
    rest = weight.shape[1:]
    return np.ascontiguousarray(
        weight.reshape(n_heads, 2, head_dim // 2, *rest).swapaxes(1, 2).reshape(weight.shape)
    )
