"""Random-weight CTranslate2 translation models in opus-mt layout, built on the fly.

The benchmark needs a model with the *shape* (and so the cost) of an opus-mt
transformer-base (6+6 layers, d=512, 8 heads, FFN 2048, 58k vocabulary); the weights
do not matter because the benchmark forces the output lengths.  Tests use the same
generator with a tiny shape to get a model that produces long, repetitive output.

The folder holds what an opus-mt conversion holds: ``model.bin``, ``config.json``,
``shared_vocabulary.json``, ``source.spm`` and ``target.spm``.  The sentencepiece model
is trained on synthetic text with a small vocabulary; its pieces start the 58k
vocabulary list, filler pieces complete it.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_VOCABULARY = (
    "le la les un une des du de et à en pour par sur dans avec sans sous entre vers "
    "rapport mission officier unité commandement état-major ministère armées service "
    "opération exercice secteur zone position colonne convoi véhicule matériel soutien "
    "logistique transmission liaison renseignement patrouille section compagnie bataillon "
    "régiment brigade division base camp dépôt atelier maintenance pièce carburant "
    "munitions ravitaillement transport route pont frontière terrain météo visibilité "
    "est sont a ont doit doivent peut peuvent sera seront été avoir être faire prendre "
    "rendre assurer garantir vérifier contrôler signaler transmettre informer confirmer "
    "demander autoriser interdire organiser préparer conduire mener suivre appuyer "
    "nouveau nouvelle premier première dernier dernière général générale principal "
    "principale technique opérationnel opérationnelle disponible nécessaire important "
    "important urgent prioritaire conforme réglementaire national nationale européen "
    "délai date heure jour semaine mois année période calendrier échéance retard "
    "document note message compte-rendu directive instruction procédure annexe tableau "
    "chef adjoint responsable personnel effectif équipe groupe cellule bureau division "
    "ce cette ces son sa ses leur leurs notre nos votre vos tout toute tous toutes "
    "qui que dont où lorsque afin ainsi donc cependant toutefois notamment également "
    "avant après pendant depuis jusqu au aux selon conformément suite dès lors"
)
_WORDS = _VOCABULARY.split()

_EXTRAS = ("FR-2024-0173", "31U DQ 48251 11932", "OTAN", "12,5 km", "14h30", "2024-03-12",
           "1 250", "A400M", "PC", "n° 42", "https://intradef.example/doc", "VAB")

SPECIALS = ("<unk>", "<s>", "</s>")


@dataclass(frozen=True)
class ModelShape:
    encoder_layers: int = 6
    decoder_layers: int = 6
    d_model: int = 512
    heads: int = 8
    ffn: int = 2048
    vocab_size: int = 58_000
    spm_vocab: int = 2000
    max_positions: int = 1024
    seed: int = 1234

    def key(self) -> str:
        return "-".join(f"{v}" for v in asdict(self).values())


OPUS_MT_BASE = ModelShape()
TINY = ModelShape(encoder_layers=1, decoder_layers=1, d_model=64, heads=4, ffn=128,
                  vocab_size=1500, spm_vocab=400, max_positions=512)


def synthetic_sentence(rng: random.Random, n_words: int) -> str:
    """A French-looking sentence with the occasional number, code or acronym."""
    words = [rng.choice(_WORDS) for _ in range(n_words)]
    if n_words > 6 and rng.random() < 0.5:
        words.insert(rng.randrange(1, n_words), rng.choice(_EXTRAS))
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice((".", ".", ".", " ?", " !", ";"))


def synthetic_corpus(rng: random.Random, n_sentences: int) -> list[str]:
    return [synthetic_sentence(rng, rng.randint(3, 40)) for _ in range(n_sentences)]


def _train_spm(out_dir: Path, shape: ModelShape) -> Path:
    import sentencepiece as spm

    rng = random.Random(shape.seed)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(synthetic_corpus(rng, 6000)), encoding="utf-8")
        prefix = out_dir / "spm"
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), vocab_size=shape.spm_vocab,
            model_type="unigram", character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2,
            pad_id=-1, minloglevel=2, hard_vocab_limit=False,
        )
    model = prefix.with_suffix(".model")
    prefix.with_suffix(".vocab").unlink(missing_ok=True)
    return model


def _vocabulary(spm_model: Path, size: int) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = list(dict.fromkeys([*SPECIALS, *pieces]))
    vocab += [f"▁fill{i}" for i in range(size - len(vocab))]
    return vocab[:size]


def _sinusoids(positions: int, dim: int) -> np.ndarray:
    half = dim // 2
    scale = np.log(10000.0) / max(half - 1, 1)
    inv = np.exp(-scale * np.arange(half, dtype=np.float32))
    angles = np.arange(positions, dtype=np.float32)[:, None] * inv[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


class _Filler:
    def __init__(self, shape: ModelShape) -> None:
        self.shape = shape
        self.rng = np.random.default_rng(shape.seed)

    def matrix(self, rows: int, cols: int, std: float = 0.0) -> np.ndarray:
        std = std or 1.0 / np.sqrt(cols)
        return self.rng.normal(0.0, std, (rows, cols)).astype(np.float32)

    def linear(self, spec: object, rows: int, cols: int) -> None:
        spec.weight = self.matrix(rows, cols)  # type: ignore[attr-defined]
        spec.bias = np.zeros(rows, dtype=np.float32)  # type: ignore[attr-defined]

    def norm(self, spec: object) -> None:
        d = self.shape.d_model
        spec.gamma = np.ones(d, dtype=np.float32)  # type: ignore[attr-defined]
        spec.beta = np.zeros(d, dtype=np.float32)  # type: ignore[attr-defined]

    def ffn(self, spec: object) -> None:
        d, f = self.shape.d_model, self.shape.ffn
        self.norm(spec.layer_norm)  # type: ignore[attr-defined]
        self.linear(spec.linear_0, f, d)  # type: ignore[attr-defined]
        self.linear(spec.linear_1, d, f)  # type: ignore[attr-defined]

    def self_attention(self, spec: object) -> None:
        d = self.shape.d_model
        self.norm(spec.layer_norm)  # type: ignore[attr-defined]
        self.linear(spec.linear[0], 3 * d, d)  # type: ignore[attr-defined]
        self.linear(spec.linear[1], d, d)  # type: ignore[attr-defined]

    def cross_attention(self, spec: object) -> None:
        d = self.shape.d_model
        self.norm(spec.layer_norm)  # type: ignore[attr-defined]
        self.linear(spec.linear[0], d, d)  # type: ignore[attr-defined]
        self.linear(spec.linear[1], 2 * d, d)  # type: ignore[attr-defined]
        self.linear(spec.linear[2], d, d)  # type: ignore[attr-defined]


def _build_spec(shape: ModelShape, vocab: list[str]):  # type: ignore[no-untyped-def]
    from ctranslate2.specs import TransformerSpec, common_spec

    spec = TransformerSpec.from_config(
        (shape.encoder_layers, shape.decoder_layers), shape.heads, pre_norm=False,
        activation=common_spec.Activation.SWISH,  # Marian (opus-mt) uses swish, post-norm
    )
    fill = _Filler(shape)
    d, v = shape.d_model, len(vocab)
    embeddings = fill.matrix(v, d, std=d ** -0.5)  # tied, as in opus-mt
    positions = _sinusoids(shape.max_positions, d)
    for part in (spec.encoder, spec.decoder):
        emb = part.embeddings
        (emb[0] if isinstance(emb, list) else emb).weight = embeddings
        part.position_encodings.encodings = positions
    for layer in spec.encoder.layer:
        fill.self_attention(layer.self_attention)
        fill.ffn(layer.ffn)
    for layer in spec.decoder.layer:
        fill.self_attention(layer.self_attention)
        fill.cross_attention(layer.attention)
        fill.ffn(layer.ffn)
    spec.decoder.projection.weight = embeddings
    bias = np.zeros(v, dtype=np.float32)
    # Random weights must not end on their own by chance (that depends on the CPU's int8
    # kernels): outputs run to the decoding limit, which benchmarks and guard tests need.
    bias[vocab.index("</s>")] = -1e4
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def build_model(out_dir: Path, shape: ModelShape = OPUS_MT_BASE,
                quantization: str = "int8") -> Path:
    """Write a random-weight model in opus-mt layout to ``out_dir`` (replaced if present)."""
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    spm_model = _train_spm(tmp, shape)
    vocab = _vocabulary(spm_model, shape.vocab_size)
    spec = _build_spec(shape, vocab)
    spec.validate()
    spec.optimize(quantization=quantization)
    model_dir = tmp / "model"
    model_dir.mkdir()
    spec.save(str(model_dir))
    for name in ("source.spm", "target.spm"):
        shutil.copyfile(spm_model, model_dir / name)
    spm_model.unlink()
    (model_dir / "bench.json").write_text(json.dumps(asdict(shape)), encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    model_dir.rename(out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    log.info("Random-weight model written to %s", out_dir)
    return out_dir


def cached_model(cache_dir: Path, shape: ModelShape = OPUS_MT_BASE) -> Path:
    """The model for ``shape`` under ``cache_dir``, built on first use."""
    path = Path(cache_dir) / f"random-opus-mt-{shape.key()}"
    if (path / "model.bin").is_file() and (path / "target.spm").is_file():
        return path
    return build_model(path, shape)
