"""Protected spans through an NMT engine: verify after decoding, repair only what broke.

The engine translates plain text.  Masking every number and code up front with
placeholders made a real model worse (``bench/quality.py``: the markers it never saw
came back as debris, ``<0 files>``, ``7.2>``, and changed the words around them), so
:class:`ProtectedSpans` checks each output instead (:mod:`engines.translate.verify`:
numbers by value, dates, codes, URLs and e-mails verbatim) and repairs only the
damaged spans, in this order:

1. re-decode the text with only those spans masked (``<n>``, the placeholder shape a
   real opus-mt-layout model copies best, see ``tests/engines/test_protected.py``),
   kept when every placeholder comes back and no debris appears;
2. else splice the span over the target words aligned to it (CTranslate2 attention,
   forced on the first output): noted as ``repaired_spans``;
3. else re-insert it at the same relative position: noted as ``lost_spans``.

Stray ``<``/``>`` the source does not have are removed and noted as ``debris``.
``mode="mask"`` keeps the former behaviour (mask everything first) for comparison.

:class:`Placeholders` is shared with the glossary, which masks its terms the same way;
placeholders already in a text (from an outer wrapper) are left alone and numbered past.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from engines.protect import Span, SpanKind, find_spans
from engines.translate.base import Translator, find_aligner
from engines.translate.batch import Indexed, SentenceNotes, StreamingWrapper, stream
from engines.translate.verify import (
    CHECKED_KINDS,
    damaged_spans,
    find_debris,
    localize,
    strip_debris,
)

log = logging.getLogger(__name__)

PLACEHOLDER = "<{}>"
PLACEHOLDER_RE = re.compile(r"<\s*(\d{1,3})\s*>")


@dataclass
class Masked:
    """A text with some spans replaced by placeholders, and what each one stands for."""

    text: str
    replacements: dict[int, str] = field(default_factory=dict)  # index -> text to put back
    sources: dict[int, str] = field(default_factory=dict)  # index -> masked source text
    positions: dict[int, float] = field(default_factory=dict)  # relative position 0..1

    def restore(self, translated: str) -> tuple[str, list[str]]:
        """Put the replacements back; returns (text, source spans that had to be re-inserted)."""
        seen: set[int] = set()

        def put_back(m: re.Match[str]) -> str:
            i = int(m.group(1))
            if i not in self.replacements:
                return m.group(0)  # not ours (an outer wrapper's, or the document's)
            seen.add(i)
            return self.replacements[i]

        text = PLACEHOLDER_RE.sub(put_back, translated)
        lost = [i for i in self.replacements if i not in seen]
        for i in sorted(lost, key=lambda k: self.positions[k], reverse=True):
            text = reinsert(text, self.replacements[i], self.positions[i])
        return text, [self.sources[i] for i in lost]


def reinsert(text: str, piece: str, position: float) -> str:
    """Insert ``piece`` at the word boundary nearest ``position`` (0..1) of ``text``."""
    if not text.strip():
        return piece
    target = round(position * len(text))
    bounds = [0, len(text)] + [m.start() for m in re.finditer(r"\s", text)]
    at = min(bounds, key=lambda b: abs(b - target))
    if at >= len(text.rstrip()):
        body = text.rstrip()
        end = re.search(r"[.!?;:…]+$", body)
        cut = end.start() if end else len(body)
        return f"{body[:cut]} {piece}{body[cut:]}{text[len(body):]}"
    if at == 0:
        return f"{piece} {text}"
    return f"{text[:at]} {piece}{text[at:]}"


class Placeholders:
    """Replace chosen spans of a text by ``<n>`` placeholders."""

    @staticmethod
    def taken(text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]

    @classmethod
    def mask(cls, text: str, spans: Sequence[tuple[int, int, str]]) -> Masked:
        """``spans``: sorted, non-overlapping ``(start, end, replacement)``."""
        existing = [int(m.group(1)) for m in PLACEHOLDER_RE.finditer(text)]
        index = max(existing, default=-1) + 1
        out: list[str] = []
        masked = Masked("")
        pos = 0
        for start, end, replacement in spans:
            out.append(text[pos:start])
            masked.positions[index] = (start + end) / 2 / max(len(text), 1)
            masked.replacements[index] = replacement
            masked.sources[index] = text[start:end]
            out.append(PLACEHOLDER.format(index))
            index += 1
            pos = end
        out.append(text[pos:])
        masked.text = "".join(out)
        return masked


def protected_spans(text: str, kinds: set[SpanKind] | None = None) -> list[tuple[int, int, str]]:
    """The protected spans of ``text`` as ``(start, end, text)``, placeholders excepted."""
    taken = Placeholders.taken(text)
    out: list[tuple[int, int, str]] = []
    for span in find_spans(text):
        if kinds is not None and span.kind not in kinds:
            continue
        if any(span.start < e and s < span.end for s, e in taken):
            continue
        out.append((span.start, span.end, span.text))
    return out


class ProtectedSpans(StreamingWrapper):
    """Verify protected spans after the inner engine and repair the damaged ones."""

    def __init__(self, inner: Translator, kinds: set[SpanKind] | None = None,
                 mode: str = "verify") -> None:
        super().__init__(inner)
        self.kinds = frozenset(kinds) if kinds is not None else CHECKED_KINDS
        self.mode = mode
        self.stats: Counter[str] = Counter()  # repairs by means, for benchmarks and logs

    def mask(self, text: str) -> Masked:
        return Placeholders.mask(text, protected_spans(text, set(self.kinds)))

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        self._notes = {}
        if self.mode == "mask":
            yield from self._masked(texts, src, tgt, cancel)
            return
        broken: dict[int, str] = {}
        for i, out in stream(self.inner, texts, src, tgt, cancel):
            if self._damage(texts[i], out):
                broken[i] = out
                self._note(texts[i], None, texts[i])  # the engine's notes (split…)
                continue
            self._note(texts[i], None, texts[i])
            yield i, out
        if broken:
            yield from self._repair(texts, broken, src, tgt, cancel)

    def _damage(self, text: str, out: str) -> bool:
        return bool(damaged_spans(text, out, self.kinds, Placeholders.taken(text))
                    or find_debris(text, out))

    def _repair(self, texts: Sequence[str], broken: dict[int, str], src: str, tgt: str,
                cancel: threading.Event | None) -> Iterator[Indexed]:
        """Re-decode the broken texts with their damaged spans masked; splice or
        re-insert what that does not fix."""
        order = list(broken)
        masks = {i: Placeholders.mask(texts[i], [
            (s.start, s.end, localize(s, src, tgt)) for s in damaged_spans(
                texts[i], broken[i], self.kinds, Placeholders.taken(texts[i]))])
            for i in order}
        retry = [i for i in order if masks[i].replacements]
        second = dict(zip(retry, self.inner.translate_all(
            [masks[i].text for i in retry], src, tgt, cancel=cancel), strict=True))
        for i in order:
            text, notes = texts[i], SentenceNotes()
            out = broken[i]
            if i in second:
                restored, lost = masks[i].restore(second[i])
                if not lost and not find_debris(masks[i].text, second[i]) \
                        and not self._damage(text, restored):
                    self.stats["re-decoded"] += len(masks[i].replacements)
                    yield i, restored
                    continue
            out, notes = self._patch(text, out, src, tgt)
            self._note(text, notes.merge(self._notes.get(text)), None)
            yield i, out

    def _patch(self, text: str, out: str, src: str, tgt: str) -> tuple[str, SentenceNotes]:
        """Splice damaged spans over their aligned words, re-insert the rest, strip debris."""
        notes = SentenceNotes()
        damaged = damaged_spans(text, out, self.kinds, Placeholders.taken(text))
        if damaged:
            out, spliced = splice(out, [replace(s, text=localize(s, src, tgt)) for s in damaged],
                                  self._alignment(text, out, src, tgt))
            self.stats["spliced"] += len(spliced)
            notes.repaired_spans += [s.text for s in spliced]
            rest = damaged_spans(text, out, self.kinds, Placeholders.taken(text))
            for span in sorted(rest, key=lambda s: s.start, reverse=True):
                out = reinsert(out, localize(span, src, tgt),
                               (span.start + span.end) / 2 / max(len(text), 1))
            self.stats["re-inserted"] += len(rest)
            notes.lost_spans += [s.text for s in rest]
        out, debris = strip_debris(text, out)
        self.stats["debris"] += len(debris)
        notes.debris += debris
        if notes.lost_spans or notes.repaired_spans or debris:
            log.info("Repaired after decoding: spliced %s, re-inserted %s, debris removed %s",
                     notes.repaired_spans, notes.lost_spans, debris)
        return out, notes

    def _alignment(self, text: str, out: str, src: str,
                   tgt: str) -> list[tuple[int, int, int, int]]:
        aligner = find_aligner(self.inner)
        if aligner is None:
            return []
        try:
            return aligner.align([text], [out], src, tgt)[0]  # type: ignore[no-any-return]
        except Exception as exc:  # an enhancement: re-insertion still follows
            log.warning("Alignment for span repair failed: %s", exc)
            return []

    def _masked(self, texts: Sequence[str], src: str, tgt: str,
                cancel: threading.Event | None) -> Iterator[Indexed]:
        """The former way: mask every span up front (kept to measure against)."""
        masks = [self.mask(t) for t in texts]
        inner_texts = [m.text for m in masks]
        for i, out in stream(self.inner, inner_texts, src, tgt, cancel):
            restored, lost = masks[i].restore(out)
            if lost:
                log.info("Protected span(s) lost by the engine, re-inserted: %s", lost)
            self._note(texts[i], SentenceNotes(lost_spans=lost), inner_texts[i])
            yield i, restored


def splice(out: str, spans: Sequence[Span],
           alignment: Sequence[tuple[int, int, int, int]]) -> tuple[str, list[Span]]:
    """Replace, for each span, the output word(s) aligned to it by the span itself;
    returns the text and the spans spliced.  Of the runs of adjacent target pieces
    that attend to the span, the one sharing most characters with it is replaced,
    widened to whole words; a span with no such run, a run much wider than the span,
    or one overlapping another span's, is left out (re-inserted by the caller)."""
    regions: list[tuple[int, int, Span]] = []
    for span in spans:
        region = _aligned_region(out, span, alignment)
        if region is not None and not any(region[0] < e and s < region[1]
                                          for s, e, _ in regions):
            regions.append((*region, span))
    for start, end, span in sorted(regions, key=lambda r: r[0], reverse=True):
        out = out[:start] + span.text + out[end:]
    return out, [r[2] for r in sorted(regions, key=lambda r: r[0])]


def _aligned_region(out: str, span: Span,
                    alignment: Sequence[tuple[int, int, int, int]]) -> tuple[int, int] | None:
    hits = sorted((ts, te) for ts, te, ss, se in alignment
                  if ss < span.end and span.start < se and te > ts)
    runs: list[list[int]] = []
    for ts, te in hits:
        if runs and ts - runs[-1][1] <= 1:
            runs[-1][1] = max(runs[-1][1], te)
        else:
            runs.append([ts, te])
    if not runs:
        return None
    want = Counter(span.text)
    start, end = max(runs, key=lambda r: sum((Counter(out[r[0]:r[1]]) & want).values()))
    while start > 0 and not out[start - 1].isspace():
        start -= 1
    while end < len(out) and not out[end].isspace():
        end += 1
    while end > start and out[end - 1] in _TRAILING_PUNCT:
        end -= 1
    if end <= start or end - start > 2 * len(span.text) + 8:
        return None
    return start, end


_TRAILING_PUNCT = ".,;:!?)»”\"'"
