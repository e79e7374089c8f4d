"""Conversion of the toy torch Transformer to CTranslate2, and the checks that the
converted model reproduces it exactly (used by scripts/make_toy_model.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import ctranslate2
import numpy as np
import sentencepiece as spm
import torch
from ctranslate2.specs import transformer_spec
from torch import nn
from toy_model_data import BOS, EOS, LAYER_NORM_EPS, UNK, translate_text

if TYPE_CHECKING:
    from make_toy_model import (
        Attention,
        DecoderLayer,
        EncoderLayer,
        Encoders,
        FeedForward,
        ToyTransformer,
    )

LOG = logging.getLogger("make_toy_model")

# --------------------------------------------------------------------------
# Conversion to CTranslate2


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32).copy()


def _set_layer_norm(spec: object, norm: nn.LayerNorm) -> None:
    spec.gamma = _np(norm.weight)  # type: ignore[attr-defined]
    spec.beta = _np(norm.bias)  # type: ignore[attr-defined]


def _set_linear(spec: object, *layers: nn.Linear) -> None:
    spec.weight = np.concatenate([_np(lin.weight) for lin in layers])  # type: ignore[attr-defined]
    spec.bias = np.concatenate([_np(lin.bias) for lin in layers])  # type: ignore[attr-defined]


def _set_attention(spec: object, attn: Attention, *, self_attention: bool) -> None:
    _set_layer_norm(spec.layer_norm, attn.norm)  # type: ignore[attr-defined]
    linear = spec.linear  # type: ignore[attr-defined]
    if self_attention:
        _set_linear(linear[0], attn.q, attn.k, attn.v)
    else:
        _set_linear(linear[0], attn.q)
        _set_linear(linear[1], attn.k, attn.v)
    _set_linear(linear[-1], attn.o)


def _set_ffn(spec: object, ffn: FeedForward) -> None:
    _set_layer_norm(spec.layer_norm, ffn.norm)  # type: ignore[attr-defined]
    _set_linear(spec.linear_0, ffn.w1)  # type: ignore[attr-defined]
    _set_linear(spec.linear_1, ffn.w2)  # type: ignore[attr-defined]


def build_spec(
    model: ToyTransformer, src_vocab: list[str], tgt_vocab: list[str]
) -> transformer_spec.TransformerSpec:
    cfg = model.cfg
    spec = transformer_spec.TransformerSpec.from_config(
        cfg.num_layers, cfg.num_heads, pre_norm=True
    )
    # Position encodings are left unset: CTranslate2 then uses its built-in
    # sinusoidal table, which sinusoidal_positions() reproduces.
    spec.encoder.embeddings[0].weight = _np(model.src_emb.weight)
    _set_layer_norm(spec.encoder.layer_norm, model.enc_norm)
    for layer_spec, module in zip(spec.encoder.layer, model.encoder, strict=True):
        layer = cast("EncoderLayer", module)
        _set_attention(layer_spec.self_attention, layer.self_attn, self_attention=True)
        _set_ffn(layer_spec.ffn, layer.ffn)

    spec.decoder.embeddings.weight = _np(model.tgt_emb.weight)
    _set_layer_norm(spec.decoder.layer_norm, model.dec_norm)
    _set_linear(spec.decoder.projection, model.proj)
    for layer_spec, module in zip(spec.decoder.layer, model.decoder, strict=True):
        dec_layer = cast("DecoderLayer", module)
        _set_attention(layer_spec.self_attention, dec_layer.self_attn, self_attention=True)
        _set_attention(layer_spec.attention, dec_layer.cross_attn, self_attention=False)
        _set_ffn(layer_spec.ffn, dec_layer.ffn)

    spec.config.unk_token = UNK
    spec.config.bos_token = BOS
    spec.config.eos_token = EOS
    spec.config.decoder_start_token = BOS
    spec.config.add_source_bos = False
    spec.config.add_source_eos = False
    spec.config.layer_norm_epsilon = LAYER_NORM_EPS
    spec.register_source_vocabulary(src_vocab)
    spec.register_target_vocabulary(tgt_vocab)
    spec.validate()
    return spec


def export(
    model: ToyTransformer,
    src_vocab: list[str],
    tgt_vocab: list[str],
    out_dir: Path,
    quantization: str,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = build_spec(model, src_vocab, tgt_vocab)
    spec.optimize(quantization=quantization)
    spec.save(str(out_dir))


# --------------------------------------------------------------------------
# Verification with CTranslate2 only


def ct2_translate(
    translator: ctranslate2.Translator,
    sp_src: spm.SentencePieceProcessor,
    sp_tgt: spm.SentencePieceProcessor,
    sentences: Sequence[str],
    beam_size: int,
) -> list[str]:
    batch = [sp_src.encode(s, out_type=str) + [EOS] for s in sentences]
    results = translator.translate_batch(batch, beam_size=beam_size, max_batch_size=64)
    return [sp_tgt.decode(r.hypotheses[0]) for r in results]


def check_scores(
    model: ToyTransformer, enc: Encoders, float_dir: Path, sentences: Sequence[str]
) -> None:
    """The float32 export must reproduce torch's log-probabilities."""
    translator = ctranslate2.Translator(str(float_dir), device="cpu", compute_type="float32")
    src = [enc.src.encode(s, out_type=str) + [EOS] for s in sentences]
    tgt = [enc.tgt.encode(translate_text(s), out_type=str) for s in sentences]
    ct2_scores = translator.score_batch(src, tgt)
    batch = enc.batch(sentences)
    model.eval()
    with torch.no_grad():
        logp = model(batch.src, batch.src_keep, batch.tgt_in).log_softmax(-1)
    gathered = logp.gather(-1, batch.tgt_out[..., None])[..., 0]
    worst = 0.0
    for i, result in enumerate(ct2_scores):
        n = len(result.log_probs)
        worst = max(
            worst, float(np.abs(np.array(result.log_probs) - gathered[i, :n].numpy()).max())
        )
    LOG.info("max |torch - ctranslate2| token log-prob difference: %.2e", worst)
    if worst > 1e-3:
        raise RuntimeError(f"CTranslate2 export disagrees with torch (diff {worst:.3e})")


def verify(model_dir: Path, sentences: Sequence[str], random_sentences: Sequence[str]) -> None:
    sp_src = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    sp_tgt = spm.SentencePieceProcessor(model_file=str(model_dir / "target.spm"))
    failures: list[str] = []
    for compute_type in ("int8", "float32"):
        translator = ctranslate2.Translator(str(model_dir), device="cpu", compute_type=compute_type)
        checks = [(sentences, (1, 2, 4)), (random_sentences, (1, 2, 4))]
        for pool, beams in checks:
            expected = [translate_text(s) for s in pool]
            for beam in beams:
                got = ct2_translate(translator, sp_src, sp_tgt, pool, beam)
                bad = [
                    f"[{compute_type} beam={beam}] {s!r} -> {g!r} (expected {e!r})"
                    for s, g, e in zip(pool, got, expected, strict=True)
                    if g != e
                ]
                LOG.info(
                    "ctranslate2 %s beam=%d: %d/%d exact",
                    compute_type,
                    beam,
                    len(pool) - len(bad),
                    len(pool),
                )
                failures.extend(bad)
    if failures:
        raise RuntimeError("toy model verification failed:\n" + "\n".join(failures[:50]))
