"""Generators of model fixtures in the exact layouts users bring (tests only).

Everything is built at test time in ``tmp_path`` and stays a few hundred KB:

* ``write_spm`` writes a SentencePiece unigram model from a list of pieces (no training);
* ``write_rigged_translator`` writes a CTranslate2 ``TransformerSpec`` whose weights are
  chosen so that the next target token depends only on the previous one: every layer
  adds zero to the residual stream, so the decoder state is the (one-hot) embedding of
  the previous token and the output projection is a lookup table.  The output is then
  known in advance: with ``{"fra_Latn": "bonjour le monde"}`` a target prefix
  ``fra_Latn`` decodes to "bonjour le monde", and ``deu_Latn`` to something else;
* ``opus_mt_folder``, ``nllb_folder``, ``m2m_folder`` and ``argos_package`` lay these
  (or the toy model fixture) out as opus-mt, NLLB-200, M2M-100 and Argos packages.
"""

from __future__ import annotations

import importlib
import itertools
import json
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

SPECIALS = ("<unk>", "<s>", "</s>")
LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Sentences the rigged multilingual models produce, per target language.
NLLB_OUTPUTS = {"fra_Latn": "bonjour le monde", "deu_Latn": "hallo welt", "eng_Latn": "hello world"}
M2M_OUTPUTS = {"__fr__": "bonjour le monde", "__de__": "hallo welt", "__en__": "hello world"}
SOURCE_WORDS = ("hello", "world", "good", "morning")


def words_to_pieces(text: str) -> list[str]:
    return ["▁" + w for w in text.split()]


def _pb() -> Any:
    """sentencepiece's protobuf module (generated code: untyped)."""
    return importlib.import_module("sentencepiece.sentencepiece_model_pb2")


def write_spm(path: Path, words: Sequence[str]) -> Path:
    """A unigram SentencePiece model in which every word of ``words`` is one piece."""
    pb = _pb()

    proto = pb.ModelProto()
    kind = pb.ModelProto.SentencePiece

    def add(piece: str, score: float, type_: int) -> None:
        item = proto.pieces.add()
        item.piece, item.score, item.type = piece, score, type_

    add("<unk>", 0.0, kind.UNKNOWN)
    add("<s>", 0.0, kind.CONTROL)
    add("</s>", 0.0, kind.CONTROL)
    for piece in dict.fromkeys("▁" + w for w in words):
        add(piece, -1.0, kind.NORMAL)
    for char in "▁" + LETTERS:
        add(char, -20.0, kind.NORMAL)
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(proto.pieces)
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = True
    proto.normalizer_spec.escape_whitespaces = True
    path.write_bytes(proto.SerializeToString())
    return path


def merge_spm(first: Path, second: Path, out: Path) -> Path:
    """One SentencePiece model holding the pieces of both (an Argos shared tokenizer).

    The pieces only in ``second`` get a very low score, so that text is still split
    exactly as ``first`` splits it; decoding does not look at scores.
    """
    pb = _pb()

    merged, other = pb.ModelProto(), pb.ModelProto()
    merged.ParseFromString(first.read_bytes())
    other.ParseFromString(second.read_bytes())
    known = {p.piece for p in merged.pieces}
    for piece in other.pieces:
        if piece.piece not in known and piece.type == pb.ModelProto.SentencePiece.NORMAL:
            item = merged.pieces.add()
            item.piece, item.score, item.type = piece.piece, -1000.0, piece.type
    merged.trainer_spec.vocab_size = len(merged.pieces)
    out.write_bytes(merged.SerializeToString())
    return out


def spm_vocabulary(words: Sequence[str]) -> list[str]:
    """The CTranslate2 vocabulary matching ``write_spm(words)`` (same ids)."""
    pieces = list(SPECIALS) + list(dict.fromkeys("▁" + w for w in words))
    return pieces + ["▁", *LETTERS]


def _chain(outputs: Mapping[str, str]) -> dict[str, str]:
    """Map each previous token to the next one: start -> w1 -> w2 ... -> </s>."""
    table: dict[str, str] = {}
    for start, text in outputs.items():
        sequence = [start, *words_to_pieces(text), "</s>"]
        for prev, nxt in itertools.pairwise(sequence):
            if table.get(prev, nxt) != nxt:
                raise ValueError(f"token {prev!r} has two successors")
            table[prev] = nxt
    return table


def _set_weights(spec: object, d_model: int, ffn: int, src_v: int, tgt_v: int) -> None:
    """Zero every sub-layer (so each adds nothing to the residual stream)."""
    zeros = np.zeros
    for side in ("encoder", "decoder"):
        stack = getattr(spec, side)
        stack.layer_norm.gamma = np.ones(d_model, np.float32)
        stack.layer_norm.beta = zeros(d_model, np.float32)
        for layer in stack.layer:
            blocks = [layer.self_attention, layer.ffn]
            if side == "decoder":
                blocks.append(layer.attention)
            for block in blocks:
                block.layer_norm.gamma = np.ones(d_model, np.float32)
                block.layer_norm.beta = zeros(d_model, np.float32)
            layer.ffn.linear_0.weight = zeros((ffn, d_model), np.float32)
            layer.ffn.linear_1.weight = zeros((d_model, ffn), np.float32)
            layer.self_attention.linear[0].weight = zeros((3 * d_model, d_model), np.float32)
            layer.self_attention.linear[1].weight = zeros((d_model, d_model), np.float32)
            if side == "decoder":
                layer.attention.linear[0].weight = zeros((d_model, d_model), np.float32)
                layer.attention.linear[1].weight = zeros((2 * d_model, d_model), np.float32)
                layer.attention.linear[2].weight = zeros((d_model, d_model), np.float32)
    rng = np.random.default_rng(0)
    source_embeddings = rng.normal(size=(src_v, d_model)).astype(np.float32)
    spec.encoder.embeddings[0].weight = source_embeddings  # type: ignore[attr-defined]


def _layer_norm(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-6)


def write_rigged_translator(
    out_dir: Path,
    source_vocab: Sequence[str],
    target_vocab: Sequence[str],
    outputs: Mapping[str, str],
) -> Path:
    """A CTranslate2 translator that writes ``outputs[prefix]`` after each start token.

    ``outputs`` maps a start token (``<s>`` for a plain model, a language token such as
    ``fra_Latn`` for a multilingual one) to the sentence decoded after it.
    """
    from ctranslate2.specs import transformer_spec

    table = _chain(outputs)
    index = {tok: i for i, tok in enumerate(target_vocab)}
    missing = [t for t in (*table, *table.values()) if t not in index]
    if missing:
        raise ValueError(f"tokens missing from the target vocabulary: {missing}")
    d_model = max(32, (len(target_vocab) + 1) // 2 * 2)
    spec = transformer_spec.TransformerSpec.from_config((1, 1), 2)
    _set_weights(spec, d_model, 16, len(source_vocab), len(target_vocab))
    # One-hot target embeddings, large enough to swamp the sinusoidal positions.
    embeddings = np.eye(len(target_vocab), d_model, dtype=np.float32) * 100.0
    states = _layer_norm(embeddings * np.sqrt(d_model))
    projection = np.zeros((len(target_vocab), d_model), np.float32)
    for prev, nxt in table.items():
        projection[index[nxt]] += states[index[prev]]
    bias = np.zeros(len(target_vocab), np.float32)
    bias[index["</s>"]] = 1.0  # anything unexpected ends the sentence
    spec.decoder.embeddings.weight = embeddings
    spec.decoder.projection.weight = projection
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(list(source_vocab))
    spec.register_target_vocabulary(list(target_vocab))
    spec.validate()
    spec.optimize(quantization="float32")
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))
    return out_dir


def plain_folder(out_dir: Path, target_sentence: str = "bonjour le monde") -> Path:
    """An opus-mt layout model (source.spm/target.spm) that always writes one sentence."""
    src_words, tgt_words = SOURCE_WORDS, target_sentence.split()
    write_rigged_translator(out_dir, spm_vocabulary(src_words), spm_vocabulary(tgt_words),
                            {"<s>": target_sentence})
    write_spm(out_dir / "source.spm", src_words)
    write_spm(out_dir / "target.spm", tgt_words)
    return out_dir


def _multilingual(out_dir: Path, outputs: Mapping[str, str], spm_name: str) -> Path:
    words = list(SOURCE_WORDS) + [w for text in outputs.values() for w in text.split()]
    vocab = spm_vocabulary(words) + list(outputs)  # language tokens come last, as in NLLB
    write_rigged_translator(out_dir, vocab, vocab, outputs)
    write_spm(out_dir / spm_name, words)
    return out_dir


def nllb_folder(out_dir: Path) -> Path:
    """NLLB-200 layout: shared vocabulary with FLORES codes, sentencepiece.bpe.model."""
    return _multilingual(out_dir, NLLB_OUTPUTS, "sentencepiece.bpe.model")


def m2m_folder(out_dir: Path) -> Path:
    """M2M-100 layout: shared vocabulary with ``__xx__`` tokens, spm.128k.model."""
    return _multilingual(out_dir, M2M_OUTPUTS, "spm.128k.model")


def opus_mt_folder(model_dir: Path, out_dir: Path) -> Path:
    """Copy a CTranslate2 opus-mt model (such as the toy fixture) as ``out_dir``."""
    out_dir.mkdir(parents=True)
    for name in ("model.bin", "config.json", "source.spm", "target.spm",
                 "source_vocabulary.json", "target_vocabulary.json", "shared_vocabulary.json"):
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out_dir / name)
    return out_dir


def argos_package(
    model_dir: Path,
    zip_path: Path,
    from_code: str,
    to_code: str,
    sentencepiece: Path | None = None,
    version: str = "1.0",
) -> Path:
    """An ``.argosmodel`` zip: ``<name>/metadata.json``, ``model/``, ``sentencepiece.model``.

    ``sentencepiece`` defaults to merging the model's source.spm and target.spm (Argos
    packages carry one shared tokenizer).  A ``stanza/`` folder is included, as in real
    packages, and must be ignored by the importer.
    """
    top = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    if sentencepiece is None:
        sentencepiece = merge_spm(model_dir / "source.spm", model_dir / "target.spm",
                                  zip_path.with_suffix(".spm"))
    metadata = {
        "package_version": version, "argos_version": "1.9.0", "from_code": from_code,
        "from_name": from_code, "to_code": to_code, "to_name": to_code,
        "type": "translate", "links": [],
    }
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{top}/metadata.json", json.dumps(metadata))
        zf.writestr(f"{top}/README.md", "Test package.\n")
        zf.write(sentencepiece, f"{top}/sentencepiece.model")
        zf.writestr(f"{top}/stanza/resources.json", "{}")
        for path in sorted(model_dir.iterdir()):
            if path.suffix in (".bin", ".json") and path.name != "expected.json":
                zf.write(path, f"{top}/model/{path.name}")
    return zip_path
