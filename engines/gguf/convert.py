"""GGUF -> CTranslate2 decoder conversion (no torch, no network).

The CTranslate2 spec is filled exactly like CTranslate2's own
`LlamaLoader` / `Qwen2Loader` / `MistralLoader` fill it from a Hugging Face
checkpoint: pre-norm RMSNorm blocks, fused QKV, SwiGLU FFN, rotate-half RoPE
(`rotary_interleave=False`), GQA via `num_heads_kv`, no embedding scaling.
llama.cpp's Q/K row permutation is undone first so the weights are in HF layout.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ctranslate2.converters import Converter
from ctranslate2.specs import attention_spec, common_spec, transformer_spec
from ctranslate2.specs.model_spec import ACCEPTED_MODEL_TYPES

from engines.gguf.errors import GGUFError
from engines.gguf.reader import GGUFFile, HParams, unpermute_qk
from engines.gguf.tokenizer import CHAT_TEMPLATE_FILE, LLM_CONFIG_FILE, TOKENIZER_FILE
from engines.gguf.vocab import TokenizerInfo, build_tokenizer, read_tokenizer_info

logger = logging.getLogger(__name__)

#: progress(fraction in [0, 1], short message)
ProgressCallback = Callable[[float, str], None]

CONVERTER_NAME = "engines.gguf"
CONVERTER_VERSION = 1
#: bfloat16 targets need torch inside CTranslate2's converter: not offered.
SUPPORTED_QUANTIZATIONS: tuple[str, ...] = tuple(
    q for q in ACCEPTED_MODEL_TYPES if "bfloat16" not in q
)

_LOAD_SHARE = 0.7  # fraction of the progress bar spent dequantizing weights
_SAVE_SHARE = 0.25


def _noop_progress(fraction: float, message: str) -> None:
    return None


def _expect_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if tuple(array.shape) != shape:
        raise GGUFError(f"Tensor {name!r} has shape {tuple(array.shape)}, expected {shape}.")
    return array


def build_spec(
    gguf: GGUFFile,
    hp: HParams,
    vocabulary: list[str],
    info: TokenizerInfo,
    progress: ProgressCallback = _noop_progress,
) -> transformer_spec.TransformerDecoderModelSpec:
    """Fill a CTranslate2 TransformerDecoderModelSpec from the GGUF weights."""
    scaling_type = (
        attention_spec.RotaryScalingType.Linear if hp.rope_scaling_factor != 1.0 else None
    )
    # Optional arguments are only passed when needed, so older CTranslate2
    # releases (whose from_config lacks them) keep working for plain models.
    optional: dict[str, Any] = {}
    if hp.head_dim * hp.n_head != hp.n_embd:
        optional["head_dim"] = hp.head_dim
    if hp.sliding_window:
        optional["sliding_window"] = hp.sliding_window
    spec = transformer_spec.TransformerDecoderModelSpec.from_config(
        hp.n_layers,
        hp.n_head,
        pre_norm=True,
        activation=common_spec.Activation.SWISH,
        ffn_glu=True,
        rms_norm=True,
        rotary_dim=0,
        rotary_interleave=False,
        rotary_scaling_type=scaling_type,
        rotary_scaling_factor=hp.rope_scaling_factor,
        rotary_base=hp.rope_base,
        num_heads_kv=hp.n_head_kv if hp.n_head_kv != hp.n_head else None,
        **optional,
    )
    dec = spec.decoder
    dec.scale_embeddings = False
    embd = _expect_shape(
        "token_embd.weight", gguf.tensor("token_embd.weight"), (hp.vocab_size, hp.n_embd)
    )
    dec.embeddings.weight = embd
    dec.layer_norm.gamma = _expect_shape(
        "output_norm.weight", gguf.tensor("output_norm.weight"), (hp.n_embd,)
    )
    if hp.tied_embeddings:
        dec.projection.weight = embd  # same object: CTranslate2 stores it once (alias)
    else:
        dec.projection.weight = _expect_shape(
            "output.weight", gguf.tensor("output.weight"), (hp.vocab_size, hp.n_embd)
        )

    q_rows, kv_rows = hp.n_head * hp.head_dim, hp.n_head_kv * hp.head_dim
    for i, layer in enumerate(dec.layer):

        def t(suffix: str, shape: tuple[int, ...], _i: int = i) -> np.ndarray:
            name = f"blk.{_i}.{suffix}"
            return _expect_shape(name, gguf.tensor(name), shape)

        def opt_bias(suffix: str, rows: int, _i: int = i) -> np.ndarray | None:
            name = f"blk.{_i}.{suffix}"
            return (
                _expect_shape(name, gguf.tensor(name), (rows,)) if gguf.has_tensor(name) else None
            )

        attn = layer.self_attention
        attn.layer_norm.gamma = t("attn_norm.weight", (hp.n_embd,))
        wq = t("attn_q.weight", (q_rows, hp.n_embd))
        wk = t("attn_k.weight", (kv_rows, hp.n_embd))
        wv = t("attn_v.weight", (kv_rows, hp.n_embd))
        bq = opt_bias("attn_q.bias", q_rows)
        bk = opt_bias("attn_k.bias", kv_rows)
        bv = opt_bias("attn_v.bias", kv_rows)
        if hp.qk_permuted:
            wq, wk = unpermute_qk(wq, hp.n_head), unpermute_qk(wk, hp.n_head_kv)
            bq = unpermute_qk(bq, hp.n_head) if bq is not None else None
            bk = unpermute_qk(bk, hp.n_head_kv) if bk is not None else None
        attn.linear[0].weight = np.concatenate([wq, wk, wv], axis=0)
        if bq is not None or bk is not None or bv is not None:
            attn.linear[0].bias = np.concatenate(
                [
                    bq if bq is not None else np.zeros(q_rows, np.float32),
                    bk if bk is not None else np.zeros(kv_rows, np.float32),
                    bv if bv is not None else np.zeros(kv_rows, np.float32),
                ]
            )
        attn.linear[1].weight = t("attn_output.weight", (hp.n_embd, q_rows))
        bo = opt_bias("attn_output.bias", hp.n_embd)
        if bo is not None:
            attn.linear[1].bias = bo

        ffn = layer.ffn
        ffn.layer_norm.gamma = t("ffn_norm.weight", (hp.n_embd,))
        ffn.linear_0.weight = t("ffn_gate.weight", (hp.n_ff, hp.n_embd))
        ffn.linear_0_noact.weight = t("ffn_up.weight", (hp.n_ff, hp.n_embd))
        ffn.linear_1.weight = t("ffn_down.weight", (hp.n_embd, hp.n_ff))
        progress(_LOAD_SHARE * (i + 1) / hp.n_layers, f"Dequantized layer {i + 1}/{hp.n_layers}")

    config = spec.config
    config.bos_token = info.token(info.bos_token_id) or vocabulary[0]
    config.eos_token = info.token(info.eos_token_id) or vocabulary[0]
    config.unk_token = info.token(info.unk_token_id) or ""
    config.layer_norm_epsilon = hp.rms_eps
    spec.register_vocabulary(vocabulary)
    return spec


def ct2_vocabulary(info: TokenizerInfo, vocab_size: int) -> list[str]:
    """Vocabulary as CTranslate2 wants it: token strings in id order, one per embedding row."""
    tokens = list(info.tokens[:vocab_size])
    tokens.extend(f"<extra_id_{i}>" for i in range(vocab_size - len(tokens)))
    return tokens


class GGUFConverter(Converter):
    """`ctranslate2.converters.Converter` reading a GGUF file."""

    def __init__(self, gguf: GGUFFile, progress: ProgressCallback = _noop_progress) -> None:
        self.gguf = gguf
        self.progress = progress
        self.hparams = gguf.hparams()
        self.tokenizer_info = read_tokenizer_info(gguf)

    def _load(self) -> transformer_spec.TransformerDecoderModelSpec:
        vocabulary = ct2_vocabulary(self.tokenizer_info, self.hparams.vocab_size)
        return build_spec(self.gguf, self.hparams, vocabulary, self.tokenizer_info, self.progress)


def llm_config(
    gguf: GGUFFile, hp: HParams, info: TokenizerInfo, quantization: str
) -> dict[str, Any]:
    """Contents of llm_config.json: what a runtime needs besides the CTranslate2 files."""
    stop_ids = info.stop_token_ids
    return {
        "format_version": 1,
        "converter": CONVERTER_NAME,
        "converter_version": CONVERTER_VERSION,
        "source_file": gguf.path.name,
        "source_name": gguf.name,
        "source_tensor_types": gguf.quantization_summary(),
        "quantization": quantization,
        "architecture": hp.architecture,
        "context_length": hp.context_length,
        "vocab_size": hp.vocab_size,
        "tokenizer_model": info.model,
        "tokenizer_pre": info.pre,
        "add_bos_token": info.add_bos,
        "add_eos_token": info.add_eos,
        "bos_token_id": info.bos_token_id,
        "bos_token": info.token(info.bos_token_id),
        "eos_token_id": info.eos_token_id,
        "eos_token": info.token(info.eos_token_id),
        "unk_token_id": info.unk_token_id,
        "pad_token_id": info.pad_token_id,
        "eos_token_ids": stop_ids,
        "eos_tokens": [info.tokens[i] for i in stop_ids],
        "chat_template_file": CHAT_TEMPLATE_FILE if info.chat_template else None,
        "hparams": hp.to_dict(),
    }


def _replace_dir(src: Path, dst: Path) -> None:
    old = dst.with_name(f".{dst.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if dst.exists():
        dst.rename(old)
    src.rename(dst)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def convert_gguf(
    gguf_path: str | Path,
    out_dir: str | Path,
    quantization: str = "int8",
    progress: ProgressCallback | None = None,
) -> Path:
    """Convert a Llama-family GGUF model into a CTranslate2 generator folder.

    The folder holds CTranslate2's `model.bin`, `config.json`, `vocabulary.json`
    plus `tokenizer.json`, `chat_template.jinja` (when the GGUF has one) and
    `llm_config.json`. It is written next to `out_dir` and swapped in at the
    end, so a failed conversion never leaves a half-written model behind.

    `progress(fraction, message)` is called in the calling thread with
    fractions from 0.0 to 1.0; an exception raised by it aborts the
    conversion (use it for cancellation) and leaves `out_dir` untouched.

    Raises GGUFError (or a subclass) with a one-line message for unreadable
    files, unsupported architectures, quantization types or tokenizers.
    """
    if quantization not in SUPPORTED_QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(SUPPORTED_QUANTIZATIONS)}")
    report = progress or _noop_progress
    out = Path(out_dir)
    started = time.monotonic()
    report(0.0, "Reading GGUF header")
    gguf = GGUFFile(gguf_path)
    converter = GGUFConverter(gguf, report)  # validates architecture + tokenizer metadata
    gguf.check_tensor_types()
    hp, info = converter.hparams, converter.tokenizer_info
    tokenizer = build_tokenizer(info)
    logger.info(
        "converting %s (%s, %d layers, %d heads / %d kv, vocab %d, tensors %s) to %s [%s]",
        gguf.path.name,
        hp.architecture,
        hp.n_layers,
        hp.n_head,
        hp.n_head_kv,
        hp.vocab_size,
        gguf.quantization_summary(),
        out,
        quantization,
    )

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.converting")
    try:
        try:
            converter.convert(str(tmp), quantization=quantization, force=True)
        except GGUFError:
            raise
        except (ValueError, NotImplementedError) as exc:
            raise GGUFError(f"CTranslate2 rejected the converted model: {exc}") from exc
        report(_LOAD_SHARE + _SAVE_SHARE, "Writing tokenizer and chat template")
        tokenizer.save(str(tmp / TOKENIZER_FILE))
        if info.chat_template:
            (tmp / CHAT_TEMPLATE_FILE).write_text(info.chat_template, encoding="utf-8")
        config = llm_config(gguf, hp, info, quantization)
        (tmp / LLM_CONFIG_FILE).write_text(
            json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        _replace_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    report(1.0, "Done")
    logger.info("converted %s in %.1f s", gguf.path.name, time.monotonic() - started)
    return out
