#!/usr/bin/env python3
"""Build the toy English -> "xx" CTranslate2 model used as a test fixture.

The fixture is a *toy*: a tiny Transformer trained on a made-up language whose
sentences are word-by-word substitutions of a ~40 word English vocabulary. Its
outputs are known in advance, so tests can run the real CTranslate2 +
SentencePiece pipeline (opus-mt layout) and assert exact translations.

Steps:
1. train one SentencePiece (unigram) model per side, in which every lexicon
   word is a single piece (``"the cat"`` -> ``["▁the", "▁cat"]``);
2. train a small pre-norm Transformer in torch until greedy decoding is perfect
   on held-out random sentences;
3. copy its weights into ``ctranslate2.specs.TransformerSpec`` (no OpenNMT /
   transformers dependency), quantize to int8 and save;
4. check with ``ctranslate2.Translator`` that the float32 export scores like
   torch and that the int8 export translates every fixed pair exactly with
   beam sizes 1 and 2 (any mismatch aborts), then write ``expected.json``.

Dev-only dependencies (never install torch in the project venv)::

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 ctranslate2 sentencepiece numpy
    /tmp/torchenv/bin/python scripts/make_toy_model.py
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ctranslate2
import sentencepiece as spm
import torch
import torch.nn.functional as F
from torch import nn
from toy_model_ct2 import (
    check_scores,
    export,
    verify,
)
from toy_model_data import (
    BOS,
    EOS,
    EOS_FLOOR,
    LAYER_NORM_EPS,
    LEXICON,
    PAD,
    PUNCTUATION,
    TEST_SENTENCES,
    UNK,
    ModelConfig,
    random_sentence,
    translate_text,
)

LOG = logging.getLogger("make_toy_model")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "fixtures" / "toy_model"

SOURCE_LANG = "en"
TARGET_LANG = "xx"
SEED = 20240611
MAX_BYTES = 2 * 1024 * 1024


# --------------------------------------------------------------------------
# SentencePiece


def train_spm(corpus: Sequence[str], model_path: Path, *, casefold: bool) -> None:
    """Train a unigram model where every corpus word ends up as one piece.

    The model is written through ``model_writer`` and the normalization rule is
    given by a relative path, so that no temporary path ends up in the .spm file
    (the output is byte-for-byte reproducible).
    """
    kwargs: dict[str, Any] = {}
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="toy_spm_") as work_name:
        cwd = Path.cwd()
        os.chdir(work_name)
        try:
            if casefold:
                # A tiny A-Z -> a-z rule keeps the .spm a few KB, unlike nmt_nfkc_cf.
                Path("casefold.tsv").write_text(
                    "".join(f"{ord(c):X}\t{ord(c.lower()):X}\n" for c in map(chr, range(65, 91))),
                    encoding="utf-8",
                )
                kwargs["normalization_rule_tsv"] = "casefold.tsv"
            else:
                kwargs["normalization_rule_name"] = "identity"
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(corpus),
                model_writer=buffer,
                model_type="unigram",
                vocab_size=200,
                hard_vocab_limit=False,
                character_coverage=1.0,
                unk_id=0,
                bos_id=1,
                eos_id=2,
                pad_id=3,
                unk_piece=UNK,
                bos_piece=BOS,
                eos_piece=EOS,
                pad_piece=PAD,
                num_threads=1,
                minloglevel=2,
                **kwargs,
            )
        finally:
            os.chdir(cwd)
    model_path.write_bytes(buffer.getvalue())


def check_spm(sp: spm.SentencePieceProcessor, words: Sequence[str]) -> None:
    cases = [(word, [f"▁{word}"]) for word in words]
    cases += [(f"{words[0]}{p}", [f"▁{words[0]}", p]) for p in PUNCTUATION]
    for text, expected in cases:
        pieces = sp.encode(text, out_type=str)
        if pieces != expected:
            raise RuntimeError(f"spm splits {text!r} into {pieces}, expected {expected}")
    for i, piece in enumerate((UNK, BOS, EOS, PAD)):
        if sp.id_to_piece(i) != piece:
            raise RuntimeError(f"spm id {i} is {sp.id_to_piece(i)!r}, expected {piece!r}")


def vocabulary(sp: spm.SentencePieceProcessor) -> list[str]:
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


# --------------------------------------------------------------------------
# Torch model mirroring CTranslate2's pre-norm TransformerSpec


def sinusoidal_positions(length: int, depth: int) -> torch.Tensor:
    """CTranslate2's built-in encodings: 1-based positions, [sin | cos] halves."""
    half = depth // 2
    increment = math.log(10000.0) / (half - 1)
    timescales = torch.exp(torch.arange(half, dtype=torch.float32) * -increment)
    scaled = torch.arange(1, length + 1, dtype=torch.float32)[:, None] * timescales[None, :]
    return torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.num_heads = cfg.num_heads
        self.norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        return x.view(b, t, self.num_heads, d // self.num_heads).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, memory: torch.Tensor | None, mask: torch.Tensor
    ) -> torch.Tensor:
        """Pre-norm residual block; ``mask`` is True where attention is allowed."""
        h = self.norm(x)
        kv = h if memory is None else memory
        q, k, v = self._split(self.q(h)), self._split(self.k(kv)), self._split(self.v(kv))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        b, _, t, _ = out.shape
        return x + self.o(out.transpose(1, 2).reshape(b, t, -1))


class FeedForward(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(cfg.d_model, eps=LAYER_NORM_EPS)
        self.w1 = nn.Linear(cfg.d_model, cfg.ffn_dim)
        self.w2 = nn.Linear(cfg.ffn_dim, cfg.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.w2(F.relu(self.w1(self.norm(x))))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.self_attn = Attention(cfg)
        self.ffn = FeedForward(cfg)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.ffn(self.self_attn(x, None, mask))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.self_attn = Attention(cfg)
        self.cross_attn = Attention(cfg)
        self.ffn = FeedForward(cfg)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        self_mask: torch.Tensor,
        cross_mask: torch.Tensor,
    ) -> torch.Tensor:
        x = self.self_attn(x, None, self_mask)
        x = self.cross_attn(x, memory, cross_mask)
        return self.ffn(x)


class ToyTransformer(nn.Module):
    def __init__(self, cfg: ModelConfig, src_vocab: int, tgt_vocab: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.src_emb = nn.Embedding(src_vocab, cfg.d_model)
        self.tgt_emb = nn.Embedding(tgt_vocab, cfg.d_model)
        nn.init.normal_(self.src_emb.weight, std=cfg.d_model**-0.5)
        nn.init.normal_(self.tgt_emb.weight, std=cfg.d_model**-0.5)
        self.encoder = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.num_layers))
        self.decoder = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_layers))
        self.enc_norm = nn.LayerNorm(cfg.d_model, eps=LAYER_NORM_EPS)
        self.dec_norm = nn.LayerNorm(cfg.d_model, eps=LAYER_NORM_EPS)
        self.proj = nn.Linear(cfg.d_model, tgt_vocab)

    def _embed(self, emb: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        pos = sinusoidal_positions(ids.shape[1], self.cfg.d_model)
        return emb(ids) * math.sqrt(self.cfg.d_model) + pos[None]

    def encode(self, src: torch.Tensor, src_keep: torch.Tensor) -> torch.Tensor:
        mask = src_keep[:, None, None, :]
        x = self._embed(self.src_emb, src)
        for layer in self.encoder:
            x = layer(x, mask)
        return self.enc_norm(x)

    def decode(
        self, tgt_in: torch.Tensor, memory: torch.Tensor, src_keep: torch.Tensor
    ) -> torch.Tensor:
        t = tgt_in.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool).tril()[None, None]
        cross = src_keep[:, None, None, :]
        x = self._embed(self.tgt_emb, tgt_in)
        for layer in self.decoder:
            x = layer(x, memory, causal, cross)
        return self.proj(self.dec_norm(x))

    def forward(
        self, src: torch.Tensor, src_keep: torch.Tensor, tgt_in: torch.Tensor
    ) -> torch.Tensor:
        return self.decode(tgt_in, self.encode(src, src_keep), src_keep)


# --------------------------------------------------------------------------
# Data


@dataclass
class Batch:
    src: torch.Tensor
    src_keep: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor


def pad(seqs: Sequence[Sequence[int]], value: int) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    return torch.tensor([list(s) + [value] * (width - len(s)) for s in seqs], dtype=torch.long)


class Encoders:
    def __init__(self, src: spm.SentencePieceProcessor, tgt: spm.SentencePieceProcessor):
        self.src = src
        self.tgt = tgt
        self.pad_id = src.pad_id()

    def source_ids(self, text: str) -> list[int]:
        return [*self.src.encode(text), self.src.eos_id()]

    def batch(self, sentences: Sequence[str]) -> Batch:
        srcs = [self.source_ids(s) for s in sentences]
        tgts = [self.tgt.encode(translate_text(s)) for s in sentences]
        src = pad(srcs, self.pad_id)
        return Batch(
            src=src,
            src_keep=src != self.pad_id,
            tgt_in=pad([[self.tgt.bos_id(), *t] for t in tgts], self.pad_id),
            tgt_out=pad([[*t, self.tgt.eos_id()] for t in tgts], self.pad_id),
        )


@torch.no_grad()
def greedy(model: ToyTransformer, enc: Encoders, sentences: Sequence[str]) -> list[str]:
    srcs = [enc.source_ids(s) for s in sentences]
    src = pad(srcs, enc.pad_id)
    keep = src != enc.pad_id
    memory = model.encode(src, keep)
    out = torch.full((len(sentences), 1), enc.tgt.bos_id(), dtype=torch.long)
    done = torch.zeros(len(sentences), dtype=torch.bool)
    for _ in range(src.shape[1] + 4):
        nxt = model.decode(out, memory, keep)[:, -1].argmax(-1)
        out = torch.cat([out, nxt[:, None]], dim=1)
        done |= nxt == enc.tgt.eos_id()
        if bool(done.all()):
            break
    results = []
    for row in out[:, 1:].tolist():
        ids = row[: row.index(enc.tgt.eos_id())] if enc.tgt.eos_id() in row else row
        results.append(enc.tgt.decode(ids))
    return results


@dataclass(frozen=True)
class Quality:
    exact_match: float  # greedy, whole sentences
    min_gold_prob: float  # teacher-forced, smallest gold-token probability
    max_early_eos_logp: float  # teacher-forced, largest log p(</s>) where </s> is wrong

    def __str__(self) -> str:
        return (
            f"exact-match {self.exact_match:.4f}, min gold prob {self.min_gold_prob:.4f}, "
            f"max early </s> log-prob {self.max_early_eos_logp:.1f}"
        )


def evaluate(model: ToyTransformer, enc: Encoders, sentences: Sequence[str]) -> Quality:
    model.eval()
    hyps: list[str] = []
    min_prob, max_eos = 1.0, -math.inf
    eos = enc.tgt.eos_id()
    with torch.no_grad():
        for i in range(0, len(sentences), 256):
            chunk = sentences[i : i + 256]
            hyps.extend(greedy(model, enc, chunk))
            batch = enc.batch(chunk)
            logp = model(batch.src, batch.src_keep, batch.tgt_in).log_softmax(-1)
            gold = logp.gather(-1, batch.tgt_out[..., None])[..., 0]
            gold = gold.masked_fill(batch.tgt_out == enc.pad_id, 0.0)
            min_prob = min(min_prob, math.exp(float(gold.min())))
            early = (batch.tgt_out != enc.pad_id) & (batch.tgt_out != eos)
            max_eos = max(max_eos, float(logp[..., eos][early].max()))
    model.train()
    ok = sum(h == translate_text(s) for h, s in zip(hyps, sentences, strict=True))
    return Quality(ok / len(sentences), min_prob, max_eos)


def train(
    model: ToyTransformer,
    enc: Encoders,
    eval_sentences: Sequence[str],
    *,
    max_words: int,
    batch_size: int,
    max_steps: int,
    min_gold_prob: float,
) -> int:
    """Train until decoding is exact *with margins* on held-out data.

    CTranslate2's beam search (length_penalty != 0) stops once
    ``beam_size * patience`` hypotheses have ended, so with beam_size=2 two
    junk hypotheses that emit ``</s>`` early would win. Hence, besides
    cross-entropy, the training

    * corrupts ~10% of the decoder input tokens (targets unchanged), so that
      hypotheses that went wrong keep following the source instead of ending;
    * pushes log p(</s>) below ``-EOS_FLOOR`` wherever ``</s>`` is not the gold
      token.

    Phase 1 (lr 2e-3) runs until greedy decoding is exact; phase 2 (lr 5e-4)
    until every gold token has probability >= ``min_gold_prob`` and early
    ``</s>`` log-probabilities are <= ``-EOS_FLOOR / 2`` on the evaluation set.
    """
    rng = random.Random(SEED + 1)
    noise = torch.Generator().manual_seed(SEED + 4)
    eos = enc.tgt.eos_id()
    n_special = 4  # <unk> <s> </s> <pad>
    vocab_size = model.proj.out_features
    warmup = 200
    lr = 2e-3
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.0)
    model.train()
    for step in range(1, max_steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, step / warmup)
        batch = enc.batch([random_sentence(rng, max_words) for _ in range(batch_size)])
        tgt_in = batch.tgt_in.clone()
        corrupt = torch.rand(tgt_in.shape, generator=noise) < 0.1
        corrupt &= tgt_in != enc.pad_id
        corrupt[:, 0] = False
        random_ids = torch.randint(n_special, vocab_size, tgt_in.shape, generator=noise)
        tgt_in[corrupt] = random_ids[corrupt]

        logits = model(batch.src, batch.src_keep, tgt_in)
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]),
            batch.tgt_out.reshape(-1),
            ignore_index=enc.pad_id,
        )
        early = (batch.tgt_out != enc.pad_id) & (batch.tgt_out != eos)
        early_eos = logits.log_softmax(-1)[..., eos][early]
        loss = loss + 0.1 * F.relu(early_eos + EOS_FLOOR).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

        if step % 250 == 0:
            quality = evaluate(model, enc, eval_sentences)
            LOG.info("step %d: loss %.5f, %s", step, loss.item(), quality)
            if (
                quality.exact_match == 1.0
                and quality.min_gold_prob >= min_gold_prob
                and quality.max_early_eos_logp <= -EOS_FLOOR / 2
            ):
                return step
            if quality.exact_match == 1.0 and lr > 5e-4:
                lr = 5e-4
                LOG.info("greedy decoding exact; lowering lr to %g to widen margins", lr)
    raise RuntimeError(f"model did not reach the required margins within {max_steps} steps")



# --------------------------------------------------------------------------
# Output

README = """\
# Toy CTranslate2 model (en -> xx)

A **toy**, not a translator. It is a {n_params}-parameter Transformer trained on a
made-up language `xx` whose sentences are word-by-word substitutions of a
{n_words}-word English lexicon (`the -> la`, `cat -> kato`, `dog -> hundo`, ...),
same word order; the punctuation `. , ? !` is copied. Input is lower-cased by
the source SentencePiece model. Words outside the lexicon give undefined
output. It exists so tests can drive the real CTranslate2 + SentencePiece
pipeline (opus-mt layout) and assert exact outputs.

Files:

- `model.bin`, `config.json`, `source_vocabulary.json`, `target_vocabulary.json`
  — CTranslate2 {ct2_version} TransformerSpec, int8 weights;
- `source.spm`, `target.spm` — SentencePiece unigram models; every lexicon word
  is one piece (`"the cat" -> ["▁the", "▁cat"]`);
- `expected.json` — `source_lang`, `target_lang`, `pairs` ([source, target]
  pairs checked with beam sizes 1, 2 and 4) and the `lexicon`.

Conventions: source tokens are `source.spm.encode(text, out_type=str) + ["</s>"]`
(`add_source_eos` is false, the caller appends `</s>`); the decoder starts from
`<s>` and stops at `</s>`; the output text is
`target.spm.decode(result.hypotheses[0])`. Ids 0-3 of both vocabularies are
`<unk>`, `<s>`, `</s>`, `<pad>`.

Regenerate (needs torch in a separate dev venv, never in the project venv):

    python scripts/make_toy_model.py

The script trains, converts, verifies every pair with CTranslate2 and fails
loudly on any mismatch. Checked by `tests/engines/test_toy_model_fixture.py`.
"""


def write_expected(out_dir: Path) -> None:
    data = {
        "source_lang": SOURCE_LANG,
        "target_lang": TARGET_LANG,
        "pairs": [[s, translate_text(s)] for s in TEST_SENTENCES],
        "lexicon": dict(LEXICON),
    }
    (out_dir / "expected.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--max-words", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-steps", type=int, default=20000)
    parser.add_argument("--min-gold-prob", type=float, default=0.99)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="dev aid: reuse this torch state dict if it exists, else save it after training",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    for sentence in TEST_SENTENCES:
        translate_text(sentence)  # fails early on words outside the lexicon
    if len(set(LEXICON.values())) != len(LEXICON):
        raise ValueError("target words must be distinct")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stage = tmp / "toy_model"
        stage.mkdir()

        corpus_rng = random.Random(SEED)
        corpus = [random_sentence(corpus_rng, args.max_words) for _ in range(4000)]
        corpus += list(LEXICON) + list(TEST_SENTENCES)
        train_spm(corpus, stage / "source.spm", casefold=True)
        train_spm([translate_text(s) for s in corpus], stage / "target.spm", casefold=False)
        sp_src = spm.SentencePieceProcessor(model_file=str(stage / "source.spm"))
        sp_tgt = spm.SentencePieceProcessor(model_file=str(stage / "target.spm"))
        check_spm(sp_src, list(LEXICON))
        check_spm(sp_tgt, list(LEXICON.values()))
        src_vocab, tgt_vocab = vocabulary(sp_src), vocabulary(sp_tgt)
        LOG.info("vocab sizes: source %d, target %d", len(src_vocab), len(tgt_vocab))

        enc = Encoders(sp_src, sp_tgt)
        eval_rng = random.Random(SEED + 2)
        held_out = [random_sentence(eval_rng, args.max_words) for _ in range(1000)]
        eval_sentences = [*TEST_SENTENCES, *LEXICON, *held_out]

        model = ToyTransformer(ModelConfig(), len(src_vocab), len(tgt_vocab))
        LOG.info("parameters: %d", sum(p.numel() for p in model.parameters()))
        if args.checkpoint is not None and args.checkpoint.exists():
            model.load_state_dict(torch.load(args.checkpoint))
            LOG.info("loaded %s (training skipped)", args.checkpoint)
        else:
            start = time.monotonic()
            steps = train(
                model,
                enc,
                eval_sentences,
                max_words=args.max_words,
                batch_size=args.batch_size,
                max_steps=args.max_steps,
                min_gold_prob=args.min_gold_prob,
            )
            LOG.info("training: %d steps in %.1f s", steps, time.monotonic() - start)
            if args.checkpoint is not None:
                torch.save(model.state_dict(), args.checkpoint)
        quality = evaluate(model, enc, eval_sentences)
        LOG.info("torch: %s", quality)
        if quality.exact_match != 1.0:
            raise RuntimeError(f"torch greedy decoding is not exact: {quality}")

        float_dir = tmp / "float32"
        export(model, src_vocab, tgt_vocab, float_dir, "float32")
        check_scores(model, enc, float_dir, [*TEST_SENTENCES, *held_out[:200]])

        export(model, src_vocab, tgt_vocab, stage, "int8")
        write_expected(stage)
        (stage / "README.md").write_text(
            README.format(
                n_words=len(LEXICON),
                n_params=sum(p.numel() for p in model.parameters()),
                ct2_version=ctranslate2.__version__,
            ),
            encoding="utf-8",
        )
        verify_rng = random.Random(SEED + 3)
        random_pool = [random_sentence(verify_rng, args.max_words) for _ in range(500)]
        verify(stage, [*TEST_SENTENCES, *LEXICON], random_pool)

        size = dir_size(stage)
        LOG.info("fixture size: %d bytes", size)
        if size > MAX_BYTES:
            raise RuntimeError(f"fixture is {size} bytes, limit {MAX_BYTES}")

        if args.output.exists():
            shutil.rmtree(args.output)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(stage, args.output)
        LOG.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
