"""Write tiny random Llama-family GGUF files, laid out exactly as llama.cpp writes them.

Meant for tests (here and in other packages that import GGUF models): a
converted tiny model loads in CTranslate2 in milliseconds. Weights are
generated in Hugging Face layout and then, for llama, Q/K rows are permuted
with convert_hf_to_gguf.py's `permute` before being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, RopeScalingType

from engines.gguf.quants import quantize
from engines.gguf.reader import permute_qk

Q = GGMLQuantizationType

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
#: Byte-level BPE merges of the tiny tokenizer (GPT-2 "Ġ" = space).
TINY_MERGES = (
    "t h", "Ġ th", "e r", "Ġth e", "i n", "a t", "Ġ c", "Ġc at", "o n", "Ġ a",
    "Ġ s", "Ġs at", "Ġ on", "Ġ m", "Ġm at", "e n", "Ġ t", "o u",
)  # fmt: skip
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


def tiny_bpe_vocab() -> tuple[list[str], list[int], list[str]]:
    """(tokens, token_types, merges) of a byte-level BPE vocabulary."""
    tokens = list(SPECIAL_TOKENS) + [bytes_to_unicode()[b] for b in range(256)]
    for merge in TINY_MERGES:
        merged = merge.replace(" ", "")
        if merged not in tokens:
            tokens.append(merged)
    types = [3] * len(SPECIAL_TOKENS) + [1] * (len(tokens) - len(SPECIAL_TOKENS))
    return tokens, types, list(TINY_MERGES)


@dataclass(frozen=True)
class TinyConfig:
    arch: str = "llama"
    n_layers: int = 2
    n_embd: int = 64
    n_ff: int = 128
    n_head: int = 4
    n_head_kv: int = 2
    rope_base: float = 10000.0
    rope_linear_scaling: float = 1.0
    rms_eps: float = 1e-5
    context_length: int = 256
    tied: bool = True
    qkv_bias: bool = False
    matrix_type: GGMLQuantizationType = Q.F32
    embedding_type: GGMLQuantizationType = Q.F32
    seed: int = 0


def _add(writer: GGUFWriter, name: str, values: np.ndarray, qtype: GGMLQuantizationType) -> None:
    values = np.ascontiguousarray(values, dtype=np.float32)
    if qtype == Q.F32:
        writer.add_tensor(name, values)
    elif qtype == Q.F16:
        writer.add_tensor(name, values.astype(np.float16))
    else:
        writer.add_tensor(name, quantize(values, qtype), raw_dtype=qtype)


def write_tiny_gguf(
    path: str | Path,
    config: TinyConfig | None = None,
    tokens: Sequence[str] | None = None,
    token_types: Sequence[int] | None = None,
    merges: Sequence[str] | None = None,
    chat_template: str | None = CHATML_TEMPLATE,
    scores: Sequence[float] | None = None,
    tokenizer_model: str = "gpt2",
    add_bos: bool = False,
) -> Path:
    """Write a random decoder plus tokenizer metadata; returns the path.

    By default the tokenizer is a tiny GPT-2 style byte-level BPE (ids 0/1/2 are
    <|endoftext|>, <|im_start|> (BOS), <|im_end|> (EOS)). Pass `tokens`,
    `token_types`, `scores` and `tokenizer_model="llama"` for a SentencePiece one.
    """
    cfg = config or TinyConfig()
    rng = np.random.default_rng(cfg.seed)
    if tokens is None:
        tokens, token_types, merges = tiny_bpe_vocab()
    types = list(token_types) if token_types is not None else [1] * len(tokens)
    vocab = len(tokens)
    head_dim = cfg.n_embd // cfg.n_head
    path = Path(path)
    writer = GGUFWriter(str(path), cfg.arch)
    writer.add_name(f"tiny-{cfg.arch}")
    writer.add_context_length(cfg.context_length)
    writer.add_embedding_length(cfg.n_embd)
    writer.add_block_count(cfg.n_layers)
    writer.add_feed_forward_length(cfg.n_ff)
    writer.add_head_count(cfg.n_head)
    writer.add_head_count_kv(cfg.n_head_kv)
    writer.add_rope_freq_base(cfg.rope_base)
    if cfg.rope_linear_scaling != 1.0:
        writer.add_rope_scaling_type(RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(cfg.rope_linear_scaling)
    writer.add_layer_norm_rms_eps(cfg.rms_eps)
    writer.add_rope_dimension_count(head_dim)
    writer.add_vocab_size(vocab)
    writer.add_tokenizer_model(tokenizer_model)
    writer.add_tokenizer_pre("default")
    writer.add_token_list(list(tokens))
    writer.add_token_types(types)
    if scores is not None:
        writer.add_token_scores(list(scores))
    if merges:
        writer.add_token_merges(list(merges))
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(add_bos)
    if chat_template:
        writer.add_chat_template(chat_template)

    def normal(*shape: int, scale: float = 1.0) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def linear(out_f: int, in_f: int) -> np.ndarray:
        return normal(out_f, in_f, scale=1.5 / np.sqrt(in_f))

    _add(writer, "token_embd.weight", normal(vocab, cfg.n_embd), cfg.embedding_type)
    _add(writer, "output_norm.weight", 1.0 + normal(cfg.n_embd, scale=0.1), Q.F32)
    if not cfg.tied:
        _add(writer, "output.weight", linear(vocab, cfg.n_embd), cfg.matrix_type)
    q_rows, kv_rows = cfg.n_head * head_dim, cfg.n_head_kv * head_dim
    permuted = cfg.arch in ("llama", "mistral")
    for i in range(cfg.n_layers):
        wq, wk, wv = (
            linear(q_rows, cfg.n_embd),
            linear(kv_rows, cfg.n_embd),
            linear(kv_rows, cfg.n_embd),
        )
        bq, bk, bv = (
            normal(q_rows, scale=0.5),
            normal(kv_rows, scale=0.5),
            normal(kv_rows, scale=0.5),
        )
        if permuted:  # what convert_hf_to_gguf.py does for llama
            wq, wk = permute_qk(wq, cfg.n_head), permute_qk(wk, cfg.n_head_kv)
            bq, bk = permute_qk(bq, cfg.n_head), permute_qk(bk, cfg.n_head_kv)
        p = f"blk.{i}."
        _add(writer, p + "attn_norm.weight", 1.0 + normal(cfg.n_embd, scale=0.1), Q.F32)
        _add(writer, p + "attn_q.weight", wq, cfg.matrix_type)
        _add(writer, p + "attn_k.weight", wk, cfg.matrix_type)
        _add(writer, p + "attn_v.weight", wv, cfg.matrix_type)
        if cfg.qkv_bias:
            _add(writer, p + "attn_q.bias", bq, Q.F32)
            _add(writer, p + "attn_k.bias", bk, Q.F32)
            _add(writer, p + "attn_v.bias", bv, Q.F32)
        _add(writer, p + "attn_output.weight", linear(cfg.n_embd, q_rows), cfg.matrix_type)
        _add(writer, p + "ffn_norm.weight", 1.0 + normal(cfg.n_embd, scale=0.1), Q.F32)
        _add(writer, p + "ffn_gate.weight", linear(cfg.n_ff, cfg.n_embd), cfg.matrix_type)
        _add(writer, p + "ffn_up.weight", linear(cfg.n_ff, cfg.n_embd), cfg.matrix_type)
        _add(writer, p + "ffn_down.weight", linear(cfg.n_embd, cfg.n_ff), cfg.matrix_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
