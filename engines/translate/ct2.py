"""CTranslate2 + sentencepiece translation (opus-mt, NLLB-200, M2M-100 layouts)."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.device import DeviceConfig, resolve_translation
from engines.errors import Cancelled, ModelFormatError, ModelNotFound, TranslationError
from engines.segment import Segment, join_segments, split_to_fit
from engines.translate.base import EngineInfo, ProgressFn, Translator
from engines.translate.batch import Indexed, SentenceNotes, collect, in_order
from engines.translate.ct2_spec import fingerprint, max_positions

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
    """Decoding settings; the defaults were measured with ``bench/quality.py`` on a real
    model (see the README).  ``max_input_length``/``max_decoding_length`` are further
    capped by the model's positions."""

    beam_size: int = 4
    max_batch_tokens: int = 4096
    max_input_length: int = 512
    max_decoding_length: int = 512
    min_decoding_length: int = 1
    length_ratio_cap: float = 3.0  # output/input token ratio beyond which we re-decode
    length_slack: int = 8  # extra output tokens allowed over the ratio (short inputs)
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    in_flight: int = 0  # batches queued ahead of the running one (0: inter_threads + 1)
    paragraphs: bool = True  # ask for whole paragraphs (cut here into units, see below)
    # Source tokens per unit: a paragraph is cut at sentence (then clause) boundaries
    # into pieces of at most this many tokens, packed back together while they fit.
    # Measured on 1,250 LibreOffice-help paragraphs with the lohelp model: 56 gives
    # +1.3 to +2 chrF over whole paragraphs and over lone sentences (bench/quality.py).
    unit_tokens: int = 56


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
        self.device: DeviceConfig = resolve_translation(device, threads)
        self.options = options or DecodeOptions()
        self.max_positions = max_positions(self.layout.path)
        # The memory key is built from the info: decoding settings change outputs, and
        # a folder without a manifest checksum is fingerprinted (sizes, mtimes).
        extra = {"beam": str(self.options.beam_size),
                 "positions": str(self.max_positions or ""),
                 "units": f"{self.options.unit_tokens}" if self.options.paragraphs else "sent",
                 "decode": f"{self.options.length_ratio_cap}/{self.options.length_slack}/"
                           f"{self.options.no_repeat_ngram_size}/"
                           f"{self.options.repetition_penalty}"}
        if not checksum:
            extra["files"] = fingerprint(self.layout.path)
        self._info = EngineInfo("ct2", model_id or self.layout.path.name,
                                ctranslate2.__version__, checksum, demo, extra)
        self._notes: dict[str, SentenceNotes] = {}
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
        out = []
        for pieces in sp_src.encode(list(texts), out_type=str):  # never truncated
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
            "max_input_length": self.max_input_tokens,
            "max_decoding_length": self.max_output_tokens,
        }
        if o.min_decoding_length > 1:
            kwargs["min_decoding_length"] = o.min_decoding_length
        if o.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = o.no_repeat_ngram_size
        if o.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = o.repetition_penalty
        return kwargs

    def _prefixes(self, n: int, tgt: str) -> list[list[str]] | None:
        token = language_token(self.layout.scheme, tgt)
        return [[token]] * n if token else None

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return collect(self, texts, src, tgt)

    def translate_all(self, texts: Sequence[str], src: str, tgt: str,
                      cancel: threading.Event | None = None,
                      progress: ProgressFn | None = None) -> list[str]:
        return collect(self, texts, src, tgt, cancel, progress)

    def translate_iter(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        cancel: threading.Event | None = None,
        batch_size: int = 0,
    ) -> Iterator[str]:
        """Translations in input order (buffered: batches complete longest first)."""
        return in_order(self.translate_unordered(texts, src, tgt, cancel), len(texts))

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        """``(index, translation)`` as texts complete.

        A text longer than ``options.unit_tokens`` (never more than the model's
        positions) is cut into units at sentence, then clause boundaries, then word
        windows (:func:`~engines.segment.split_to_fit`), packed back while they fit;
        the units are translated with the others and joined back: nothing is
        truncated, and a text past the model's positions is noted (``split``).  The whole
        request is sorted by length (longest first, as CTranslate2 does) and cut into
        token-sized batches; a few batches are queued ahead (asynchronous) so the
        CTranslate2 workers never wait on Python.  A batch that fails is retried item
        by item, and an item that fails alone (or whose output runs out of positions)
        is split in two and retried.  Cancel is checked before each batch is queued
        and after each completes: at most the queued batches finish after it.
        """
        self._notes = {}
        if not texts:
            return
        plans: list[list[Segment]] = []
        for text in texts:
            plan, level = self._plan(text, src, self.options.unit_tokens)
            plans.append(plan)
            if level and not self.fits(text, src):
                log.info("A text of %d characters is longer than the model's %d positions: "
                         "translated in %d pieces (%s)", len(text), self.max_input_tokens,
                         len(plan), level)
                self._notes[text] = SentenceNotes(split=level)
        owner = [(i, k) for i, plan in enumerate(plans) for k in range(len(plan))]
        parts: list[list[str]] = [[""] * len(plan) for plan in plans]
        left = [len(plan) for plan in plans]
        units = [seg.text for plan in plans for seg in plan]
        for u, out in self._stream_units(units, src, tgt, cancel):
            i, k = owner[u]
            parts[i][k], left[i] = out, left[i] - 1
            if not left[i]:
                plan = plans[i]
                yield i, (out if len(plan) == 1 and plan[0].text == texts[i]
                          else join_segments(plan, parts[i]))

    def whole_paragraphs(self) -> bool:
        return self.options.paragraphs

    def notes_for(self, text: str) -> SentenceNotes | None:
        """What the engine did to ``text`` in the last call (split because too long)."""
        return self._notes.get(text)

    @property
    def max_input_tokens(self) -> int:
        """Source tokens (special tokens included) the model can encode."""
        limit = self.options.max_input_length
        return min(limit, self.max_positions) if self.max_positions else limit

    @property
    def max_output_tokens(self) -> int:
        limit = self.options.max_decoding_length
        return min(limit, self.max_positions) if self.max_positions else limit

    def _overflow(self, hyp: list[str]) -> bool:
        """Whether decoding stopped at the model's last position (the output is cut);
        a lower ``max_decoding_length`` chosen in the options is the caller's cap."""
        return self.max_positions is not None and len(hyp) >= self.max_output_tokens \
            and self.max_output_tokens == self.max_positions

    def fits(self, text: str, src: str, budget: int = 0) -> bool:
        """Whether ``text`` fits in ``budget`` source tokens (never more than the model's
        positions; 0: the model's positions)."""
        budget = min(budget or self.max_input_tokens, self.max_input_tokens)
        if len(text) < budget // 2:  # a piece is at least one character
            return True
        return len(self.encode([text], src)[0]) <= budget

    def _plan(self, text: str, src: str, budget: int = 0) -> tuple[list[Segment], str]:
        """The pieces ``text`` is translated in: itself when it fits ``budget``."""
        if self.fits(text, src, budget):
            return [Segment(text, "", "")], ""
        plan, level = split_to_fit(text, lambda t: self.fits(t, src, budget), src)
        return (plan or [Segment(text, "", "")]), level

    def _stream_units(self, units: list[str], src: str, tgt: str,
                      cancel: threading.Event | None) -> Iterator[Indexed]:
        """``(index, translation)`` of units that fit the model, as batches complete;
        the units of a failed batch, and outputs that ran out of positions, are
        retried after the stream (:meth:`_retry`)."""
        tokens = self.encode(units, src)
        batches = plan_batches([len(t) for t in tokens], self.options.max_batch_tokens)
        depth = self.options.in_flight or self.device.inter_threads + 1
        queued: deque[tuple[list[int], list[Any]]] = deque()
        pending = iter(batches)
        retry: list[int] = []
        exhausted = False
        while True:
            while len(queued) < depth and not exhausted:
                batch = next(pending, None)
                if batch is None:
                    exhausted = True
                    break
                _check(cancel)
                try:
                    queued.append((batch, self._submit([tokens[i] for i in batch], tgt)))
                except Exception as exc:  # refused up front: retried like a failed batch
                    log.warning("A batch of %d was refused (%s); retrying its items one "
                                "by one", len(batch), exc)
                    retry += batch
            if not queued:
                break
            batch, futures = queued.popleft()
            try:
                hyps = [list(f.result().hypotheses[0]) for f in futures]
            except Exception as exc:  # one bad input must not sink the batch
                log.warning("A batch of %d failed (%s); retrying its items one by one",
                            len(batch), exc)
                retry += batch
                continue
            for i, hyp in zip(batch, self._guard([tokens[i] for i in batch], hyps, tgt),
                              strict=True):
                if self._overflow(hyp):
                    retry.append(i)  # ran out of positions: cut, not finished
                else:
                    yield i, self.decode(hyp, tgt)
            _check(cancel)
        for i in retry:
            _check(cancel)
            yield i, self._retry(units[i], src, tgt)

    def _retry(self, text: str, src: str, tgt: str, depth: int = 0) -> str:
        """Translate one text alone; on failure or overflow, in two halves."""
        tokens = self.encode([text], src)[0]
        try:
            hyp = list(self._submit([tokens], tgt)[0].result().hypotheses[0])
            hyp = self._guard([tokens], [hyp], tgt)[0]
            if not self._overflow(hyp):
                return self.decode(hyp, tgt)
            problem = f"output longer than the model's {self.max_output_tokens} positions"
        except Exception as exc:
            problem = str(exc)
        half = max(2, len(tokens) // 2)
        plan, level = self._plan(text, src, half)
        if len(plan) < 2 or depth >= 12:
            raise TranslationError(f"Cannot translate a text of {len(tokens)} tokens: {problem}")
        log.warning("Retrying a text of %d tokens in %d pieces (%s): %s", len(tokens),
                    len(plan), level, problem)
        return join_segments(plan, [self._retry(p.text, src, tgt, depth + 1) for p in plan])

    def _cap(self, source_length: int) -> int:
        """Longest acceptable output for a source of ``source_length`` tokens."""
        o = self.options
        return int(o.length_ratio_cap * source_length) + o.length_slack

    def _submit(self, batch: list[list[str]], tgt: str) -> list[Any]:
        kwargs = self.decode_kwargs()
        kwargs.update(max_batch_size=0, batch_type="examples", asynchronous=True)
        # Cap the decoding length from the inputs: one runaway sentence cannot hold the
        # whole batch for max_decoding_length steps; never past the model's positions.
        cap = min(self.max_output_tokens, self._cap(max(map(len, batch))) + 1)
        kwargs["max_decoding_length"] = cap
        kwargs["min_decoding_length"] = min(self.options.min_decoding_length, cap)
        return list(self._model.translate_batch(
            batch, target_prefix=self._prefixes(len(batch), tgt), **kwargs))

    def _guard(self, sources: list[list[str]], hyps: list[list[str]],
               tgt: str) -> list[list[str]]:
        """Re-decode the hypotheses that look hallucinated (too long, or repetitive on a
        short input) with a tight length cap and repeated n-grams blocked."""
        suspect = [k for k, (s, h) in enumerate(zip(sources, hyps, strict=True))
                   if len(h) > self._cap(len(s)) or repetitive(s, h)]
        for k in suspect:
            hyps[k] = self._redecode(sources[k], tgt)
        return hyps

    def _redecode(self, source_tokens: list[str], tgt: str) -> list[str]:
        """Guard against hallucinated repetitions: cap length and block repeated n-grams."""
        cap = min(int(self.options.length_ratio_cap * len(source_tokens)) + 4,
                  self.max_output_tokens)
        log.warning("Suspect output (over %.1f× the input, or repetitive); re-decoding with "
                    "the repetition guard", self.options.length_ratio_cap)
        ngram = 2 if len(source_tokens) <= SHORT_INPUT else 3
        result = self._model.translate_batch(
            [source_tokens], target_prefix=self._prefixes(1, tgt), beam_size=self.options.beam_size,
            max_decoding_length=cap, no_repeat_ngram_size=ngram, repetition_penalty=1.2,
        )[0]
        return list(result.hypotheses[0])

    # --- Alignment from attention (styled-span projection) -------------------------

    def translate_aligned(
        self, texts: Sequence[str], src: str, tgt: str
    ) -> list[tuple[str, list[tuple[int, int, int, int]]]]:
        """Translate and align: for each text, ``(translation, alignment)`` where each
        alignment entry ``(tgt_start, tgt_end, src_start, src_end)`` maps a target piece
        (character span of the translation) to the source piece it attends to most."""
        if not texts:
            return []
        sources = [self._source_pieces(t, src) for t in texts]
        tokens = [[p for p, _, _ in pieces] for pieces in sources]
        results = self._model.translate_batch(
            tokens, target_prefix=self._prefixes(len(tokens), tgt), return_attention=True,
            beam_size=self.options.beam_size, max_decoding_length=self.max_output_tokens,
        )
        out = []
        for pieces, result in zip(sources, results, strict=True):
            hyp = list(result.hypotheses[0])
            text = self.decode(hyp, tgt)
            offsets = self._target_offsets(hyp, tgt)
            out.append((text, _char_alignment(result.attention[0], offsets, pieces)))
        return out

    def align(self, sources: Sequence[str], targets: Sequence[str], src: str,
              tgt: str) -> list[list[tuple[int, int, int, int]]]:
        """Forced alignment of given translations (decoding constrained to ``targets``)."""
        if not sources:
            return []
        _, sp_tgt = self._tokenizers()
        src_pieces = [self._source_pieces(t, src) for t in sources]
        token = language_token(self.layout.scheme, tgt)
        room = self.max_output_tokens - 1
        tgt_pieces = [(([(token, 0, 0)] if token else []) + _pieces_with_offsets(sp_tgt, t))[:room]
                      for t in targets]
        results = self._model.translate_batch(
            [[p for p, _, _ in s] for s in src_pieces],
            target_prefix=[[p for p, _, _ in t] for t in tgt_pieces], return_attention=True,
            beam_size=1, max_decoding_length=max(len(t) for t in tgt_pieces) + 1,
        )
        return [_char_alignment(r.attention[0], [(s, e) for _, s, e in t], s_pieces)
                for r, t, s_pieces in zip(results, tgt_pieces, src_pieces, strict=True)]

    def _source_pieces(self, text: str, src: str) -> list[tuple[str, int, int]]:
        """Source tokens as :meth:`encode` builds them, with character offsets
        (special tokens get an empty span)."""
        sp_src, _ = self._tokenizers()
        pieces = _pieces_with_offsets(sp_src, text)[: self.max_input_tokens - 2]
        prefix = language_token(self.layout.scheme, src)
        return ([(prefix, 0, 0)] if prefix else []) + pieces + [("</s>", len(text), len(text))]

    def _target_offsets(self, hyp: list[str], tgt: str) -> list[tuple[int, int]]:
        """Character span of each hypothesis piece in the decoded text (a word-initial
        piece's span leaves out the space it decodes to)."""
        _, sp_tgt = self._tokenizers()
        skip = 1 if hyp and hyp[0] == language_token(self.layout.scheme, tgt) else 0
        offsets = [(0, 0)] * skip
        prev = 0
        for i in range(skip, len(hyp)):
            end = max(prev, len(str(sp_tgt.decode(hyp[skip:i + 1]))))
            start = prev + 1 if hyp[i].startswith("▁") and i > skip and end > prev else prev
            offsets.append((min(start, end), end))
            prev = end
        return offsets

    def close(self) -> None:
        self._model.unload_model()


def _pieces_with_offsets(sp: Any, text: str) -> list[tuple[str, int, int]]:
    """Sentencepiece pieces of ``text`` with character (not byte) offsets."""
    try:
        proto = sp.encode(text, out_type="immutable_proto")
    except (TypeError, ValueError):  # sentencepiece >= 0.2.1 renamed it
        proto = sp.encode(text, return_type="proto")
    char_at: dict[int, int] = {}
    pos = 0
    for i, ch in enumerate(text):
        char_at[pos] = i
        pos += len(ch.encode("utf-8"))
    char_at[pos] = len(text)

    def to_char(byte: int) -> int:
        while byte not in char_at and byte > 0:
            byte -= 1
        return char_at.get(byte, 0)

    out = []
    for p in proto.pieces:
        start, end = to_char(p.begin), to_char(p.end)
        while start < end and text[start].isspace():  # "▁word" spans its space too
            start += 1
        out.append((p.piece, start, end))
    return out


def _char_alignment(attention: Sequence[Sequence[float]], target: Sequence[tuple[int, int]],
                    source: Sequence[tuple[str, int, int]]) -> list[tuple[int, int, int, int]]:
    """For each target piece, the source piece with the most attention (special tokens
    and empty pieces excluded), as character spans."""
    usable = [j for j, (_, s, e) in enumerate(source) if e > s]
    out: list[tuple[int, int, int, int]] = []
    for row, (ts, te) in zip(attention, target, strict=False):
        if te <= ts or not usable:
            continue
        j = max(usable, key=lambda k: row[k] if k < len(row) else -1.0)
        out.append((ts, te, source[j][1], source[j][2]))
    return out


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def plan_batches(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Indices sorted by decreasing length, cut into batches of at most ``max_tokens``
    source tokens (as CTranslate2's own ``batch_type="tokens"`` rebatching does; a longer
    single input still gets its own batch)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i in order:
        if current and size + lengths[i] > max_tokens:
            batches.append(current)
            current, size = [], 0
        current.append(i)
        size += lengths[i]
    if current:
        batches.append(current)
    return batches


SHORT_INPUT = 8  # source tokens (with </s>) under which repetition is checked


def repetitive(source: Sequence[str], hypothesis: Sequence[str], times: int = 3) -> bool:
    """A short input whose output repeats an n-gram (n ≤ 3) ``times`` in a row, when the
    source does not: the classic hallucination ("Annexe" → "Annex Annex Annex…")."""
    if len(source) > SHORT_INPUT:
        return False
    return any(_runs(hypothesis, n, times) and not _runs(source, n, times) for n in (1, 2, 3))


def _runs(tokens: Sequence[str], n: int, times: int) -> bool:
    span = n * times
    for start in range(len(tokens) - span + 1):
        gram = tokens[start:start + n]
        if all(tokens[start + k * n:start + (k + 1) * n] == gram for k in range(1, times)):
            return True
    return False
