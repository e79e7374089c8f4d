"""CTranslate2 + sentencepiece translation (opus-mt, NLLB-200, M2M-100 layouts)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.device import DeviceConfig, resolve
from engines.errors import Cancelled, ModelFormatError, ModelNotFound
from engines.translate.base import EngineInfo, Translator

log = logging.getLogger(__name__)

_SHARED_SPM = ("sentencepiece.model", "spm.model", "sentencepiece.bpe.model", "spm.128k.model")

# NLLB-200 uses FLORES-200 codes; M2M-100 uses "__xx__".
NLLB_CODES = {
    "en": "eng_Latn", "fr": "fra_Latn", "de": "deu_Latn", "ar": "arb_Arab", "ru": "rus_Cyrl",
    "uk": "ukr_Cyrl", "zh": "zho_Hans", "es": "spa_Latn", "it": "ita_Latn", "pt": "por_Latn",
    "nl": "nld_Latn", "pl": "pol_Latn", "fa": "pes_Arab", "tr": "tur_Latn", "ja": "jpn_Jpan",
    "ko": "kor_Hang", "he": "heb_Hebr", "ro": "ron_Latn", "cs": "ces_Latn", "el": "ell_Grek",
}


@dataclass(frozen=True)
class DecodeOptions:
    beam_size: int = 2
    max_batch_tokens: int = 4096
    max_input_length: int = 256
    max_decoding_length: int = 384
    length_ratio_cap: float = 3.0  # output/input token ratio beyond which we re-decode
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0


@dataclass(frozen=True)
class ModelLayout:
    """What a CTranslate2 translation folder contains."""

    path: Path
    source_spm: Path
    target_spm: Path
    scheme: str = "plain"  # "plain" (opus-mt/argos), "nllb", "m2m"

    @classmethod
    def detect(cls, path: Path) -> ModelLayout:
        path = Path(path)
        if not (path / "model.bin").is_file():
            raise ModelNotFound(f"No CTranslate2 model (model.bin) in {path}")
        src, tgt = path / "source.spm", path / "target.spm"
        if not (src.is_file() and tgt.is_file()):
            shared = next((path / n for n in _SHARED_SPM if (path / n).is_file()), None)
            if shared is None:
                raise ModelFormatError(
                    f"{path} has no sentencepiece model (source.spm/target.spm or a shared .spm)"
                )
            src = tgt = shared
        return cls(path, src, tgt, _detect_scheme(path))


def _detect_scheme(path: Path) -> str:
    vocab: list[str] = []
    for name in ("shared_vocabulary.json", "target_vocabulary.json"):
        f = path / name
        if f.is_file():
            vocab = json.loads(f.read_text(encoding="utf-8"))
            break
    else:
        for name in ("shared_vocabulary.txt", "target_vocabulary.txt"):
            f = path / name
            if f.is_file():
                vocab = f.read_text(encoding="utf-8").splitlines()
                break
    tokens = set(vocab)
    if "fra_Latn" in tokens or "eng_Latn" in tokens:
        return "nllb"
    if "__fr__" in tokens or "__en__" in tokens:
        return "m2m"
    return "plain"


def language_token(scheme: str, lang: str) -> str | None:
    if scheme == "nllb":
        return NLLB_CODES.get(lang, lang if "_" in lang else None)
    if scheme == "m2m":
        return f"__{lang}__"
    return None


class CT2Translator(Translator):
    """A CTranslate2 translation model, loaded once; the tokenizers load lazily."""

    def __init__(
        self,
        model_path: str | Path,
        device: str = "auto",
        threads: int = 0,
        options: DecodeOptions | None = None,
        model_id: str = "",
        checksum: str = "",
        demo: bool = False,
    ) -> None:
        import ctranslate2

        self.layout = ModelLayout.detect(Path(model_path))
        self.device: DeviceConfig = resolve(device, threads)
        self.options = options or DecodeOptions()
        self._info = EngineInfo("ct2", model_id or self.layout.path.name,
                                ctranslate2.__version__, checksum, demo)
        log.info("Loading CTranslate2 model %s on %s (%s, %d threads)", self.layout.path,
                 self.device.device, self.device.compute_type, self.device.intra_threads)
        self._model = ctranslate2.Translator(
            str(self.layout.path),
            device=self.device.device,
            compute_type=self.device.compute_type if self.device.device == "cuda" else "auto",
            inter_threads=self.device.inter_threads,
            intra_threads=self.device.intra_threads,
        )
        self._sp_lock = threading.Lock()
        self._sp: tuple[Any, Any] | None = None

    @property
    def info(self) -> EngineInfo:
        return self._info

    def _tokenizers(self) -> tuple[Any, Any]:
        with self._sp_lock:
            if self._sp is None:
                import sentencepiece as spm

                src = spm.SentencePieceProcessor(model_file=str(self.layout.source_spm))
                tgt = (src if self.layout.target_spm == self.layout.source_spm
                       else spm.SentencePieceProcessor(model_file=str(self.layout.target_spm)))
                self._sp = (src, tgt)
            return self._sp

    def encode(self, texts: Sequence[str], src: str) -> list[list[str]]:
        sp_src, _ = self._tokenizers()
        prefix = language_token(self.layout.scheme, src)
        limit = self.options.max_input_length - 2
        out = []
        for pieces in sp_src.encode(list(texts), out_type=str):
            pieces = pieces[:limit]
            out.append(([prefix] if prefix else []) + pieces + ["</s>"])
        return out

    def decode(self, hypothesis: list[str], tgt: str) -> str:
        _, sp_tgt = self._tokenizers()
        if hypothesis and hypothesis[0] == language_token(self.layout.scheme, tgt):
            hypothesis = hypothesis[1:]
        return str(sp_tgt.decode(hypothesis))

    def decode_kwargs(self) -> dict[str, Any]:
        o = self.options
        kwargs: dict[str, Any] = {
            "beam_size": o.beam_size,
            "max_batch_size": o.max_batch_tokens,
            "batch_type": "tokens",
            "max_input_length": o.max_input_length,
            "max_decoding_length": o.max_decoding_length,
        }
        if o.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = o.no_repeat_ngram_size
        if o.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = o.repetition_penalty
        return kwargs

    def _prefixes(self, n: int, tgt: str) -> list[list[str]] | None:
        token = language_token(self.layout.scheme, tgt)
        return [[token]] * n if token else None

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return list(self.translate_iter(texts, src, tgt))

    def translate_iter(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        cancel: threading.Event | None = None,
        batch_size: int = 0,
    ) -> Iterator[str]:
        """Stream translations in input order (``translate_iterable`` sorts locally)."""
        if not texts:
            return
        tokens = self.encode(texts, src)
        prefixes = self._prefixes(len(tokens), tgt)
        results = self._model.translate_iterable(
            iter(tokens), target_prefix=iter(prefixes) if prefixes else None,
            **self.decode_kwargs(),
        )
        for source_tokens, result in zip(tokens, results, strict=True):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            hyp = result.hypotheses[0]
            if len(hyp) > self.options.length_ratio_cap * len(source_tokens) + 8:
                hyp = self._redecode(source_tokens, tgt)
            yield self.decode(hyp, tgt)

    def _redecode(self, source_tokens: list[str], tgt: str) -> list[str]:
        """Guard against hallucinated repetitions: cap length and block repeated n-grams."""
        cap = int(self.options.length_ratio_cap * len(source_tokens)) + 4
        log.warning("Output/input ratio over %.1f; re-decoding with repetition guard",
                    self.options.length_ratio_cap)
        result = self._model.translate_batch(
            [source_tokens], target_prefix=self._prefixes(1, tgt), beam_size=self.options.beam_size,
            max_decoding_length=cap, no_repeat_ngram_size=3, repetition_penalty=1.2,
        )[0]
        return list(result.hypotheses[0])

    def close(self) -> None:
        self._model.unload_model()
