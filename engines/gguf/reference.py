"""Independent numpy forward pass of a Llama-family GGUF model.

This is the yardstick for the converter. It deliberately follows llama.cpp's
semantics rather than the converter's: it uses the Q/K weights *as stored* in
the GGUF (still permuted for llama) and applies RoPE the way llama.cpp does
for the architecture (adjacent pairs for llama, rotate-half "NeoX" for qwen2).
If the converter un-permuted the weights wrongly, logits would disagree.

RMSNorm, RoPE (optionally linear-scaled), grouped-query causal attention,
SwiGLU FFN, tied or separate LM head. Sliding-window attention is not modelled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engines.gguf.reader import GGUFFile, HParams

logger = logging.getLogger(__name__)


@dataclass
class _Layer:
    attn_norm: np.ndarray
    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    bq: np.ndarray | None
    bk: np.ndarray | None
    bv: np.ndarray | None
    wo: np.ndarray
    ffn_norm: np.ndarray
    w_gate: np.ndarray
    w_up: np.ndarray
    w_down: np.ndarray


@dataclass
class KVCache:
    """Per-layer keys/values, shape (n_head_kv, positions, head_dim)."""

    keys: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)

    @property
    def length(self) -> int:
        return int(self.keys[0].shape[1]) if self.keys else 0


class ReferenceModel:
    """Float64 (by default) numpy implementation of the decoder in a GGUF file."""

    def __init__(self, gguf: GGUFFile | str | Path, dtype: type[np.floating] = np.float64) -> None:
        self.gguf = gguf if isinstance(gguf, GGUFFile) else GGUFFile(gguf)
        self.hp: HParams = self.gguf.hparams()
        self.dtype = dtype
        hp = self.hp

        def w(name: str) -> np.ndarray:
            return self.gguf.tensor(name).astype(dtype)

        def opt(name: str) -> np.ndarray | None:
            return w(name) if self.gguf.has_tensor(name) else None

        self.embeddings = w("token_embd.weight")
        self.output_norm = w("output_norm.weight")
        self.lm_head = self.embeddings if hp.tied_embeddings else w("output.weight")
        self.layers = [
            _Layer(
                attn_norm=w(f"blk.{i}.attn_norm.weight"),
                wq=w(f"blk.{i}.attn_q.weight"),
                wk=w(f"blk.{i}.attn_k.weight"),
                wv=w(f"blk.{i}.attn_v.weight"),
                bq=opt(f"blk.{i}.attn_q.bias"),
                bk=opt(f"blk.{i}.attn_k.bias"),
                bv=opt(f"blk.{i}.attn_v.bias"),
                wo=w(f"blk.{i}.attn_output.weight"),
                ffn_norm=w(f"blk.{i}.ffn_norm.weight"),
                w_gate=w(f"blk.{i}.ffn_gate.weight"),
                w_up=w(f"blk.{i}.ffn_up.weight"),
                w_down=w(f"blk.{i}.ffn_down.weight"),
            )
            for i in range(hp.n_layers)
        ]
        half = hp.head_dim // 2
        self._inv_freq = 1.0 / (
            hp.rope_base ** (np.arange(half, dtype=np.float64) * 2.0 / hp.head_dim)
        )

    # -- building blocks ----------------------------------------------------
    def _rms_norm(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        var = np.mean(x * x, axis=-1, keepdims=True)
        return np.asarray(x / np.sqrt(var + self.hp.rms_eps) * weight)

    def _rope(self, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """x: (heads, T, head_dim). Rotation as llama.cpp applies it to stored weights."""
        angles = (positions.astype(np.float64) / self.hp.rope_scaling_factor)[
            :, None
        ] * self._inv_freq
        cos = np.cos(angles).astype(x.dtype)
        sin = np.sin(angles).astype(x.dtype)
        out = np.empty_like(x)
        if self.hp.rope_style == "interleaved":
            x0, x1 = x[..., 0::2], x[..., 1::2]
            out[..., 0::2] = x0 * cos - x1 * sin
            out[..., 1::2] = x0 * sin + x1 * cos
        else:
            half = x.shape[-1] // 2
            x0, x1 = x[..., :half], x[..., half:]
            out[..., :half] = x0 * cos - x1 * sin
            out[..., half:] = x0 * sin + x1 * cos
        return out

    def _attention(
        self, layer: _Layer, x: np.ndarray, positions: np.ndarray, cache: KVCache, idx: int
    ) -> np.ndarray:
        hp = self.hp
        steps = x.shape[0]
        q = x @ layer.wq.T
        k = x @ layer.wk.T
        v = x @ layer.wv.T
        if layer.bq is not None:
            q = q + layer.bq
        if layer.bk is not None:
            k = k + layer.bk
        if layer.bv is not None:
            v = v + layer.bv
        q = q.reshape(steps, hp.n_head, hp.head_dim).transpose(1, 0, 2)
        k = k.reshape(steps, hp.n_head_kv, hp.head_dim).transpose(1, 0, 2)
        v = v.reshape(steps, hp.n_head_kv, hp.head_dim).transpose(1, 0, 2)
        q = self._rope(q, positions)
        k = self._rope(k, positions)
        if idx < len(cache.keys):
            k = np.concatenate([cache.keys[idx], k], axis=1)
            v = np.concatenate([cache.values[idx], v], axis=1)
            cache.keys[idx], cache.values[idx] = k, v
        else:
            cache.keys.append(k)
            cache.values.append(v)
        total = k.shape[1]
        group = hp.n_head // hp.n_head_kv
        k_full = np.repeat(k, group, axis=0)  # head h uses kv head h // group
        v_full = np.repeat(v, group, axis=0)
        scores = q @ k_full.transpose(0, 2, 1) / np.sqrt(hp.head_dim)
        key_pos = np.arange(total)
        mask = key_pos[None, :] > positions[:, None]
        scores = np.where(mask[None, :, :], -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        ctx = (probs @ v_full).transpose(1, 0, 2).reshape(steps, hp.n_head * hp.head_dim)
        return np.asarray(ctx @ layer.wo.T)

    @staticmethod
    def _silu(x: np.ndarray) -> np.ndarray:
        return np.asarray(x / (1.0 + np.exp(-x)))

    # -- public API ---------------------------------------------------------
    def forward(
        self, token_ids: Sequence[int], cache: KVCache | None = None, last_only: bool = False
    ) -> np.ndarray:
        """Logits (steps, vocab) for `token_ids`, continuing `cache` when given."""
        cache = cache if cache is not None else KVCache()
        ids = np.asarray(token_ids, dtype=np.int64)
        positions = np.arange(cache.length, cache.length + len(ids))
        h = self.embeddings[ids]
        for idx, layer in enumerate(self.layers):
            h = h + self._attention(
                layer, self._rms_norm(h, layer.attn_norm), positions, cache, idx
            )
            z = self._rms_norm(h, layer.ffn_norm)
            h = h + (self._silu(z @ layer.w_gate.T) * (z @ layer.w_up.T)) @ layer.w_down.T
        if last_only:
            h = h[-1:]
        h = self._rms_norm(h, self.output_norm)
        return np.asarray(h @ self.lm_head.T)

    def greedy(
        self, prompt_ids: Sequence[int], max_new_tokens: int, stop_ids: Sequence[int] = ()
    ) -> list[int]:
        """Greedy continuation (argmax each step), stopping after a stop id (not included)."""
        cache = KVCache()
        logits = self.forward(prompt_ids, cache, last_only=True)[-1]
        out: list[int] = []
        for _ in range(max_new_tokens):
            nxt = int(np.argmax(logits))
            if nxt in stop_ids:
                break
            out.append(nxt)
            logits = self.forward([nxt], cache, last_only=True)[-1]
        return out
