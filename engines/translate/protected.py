"""Protected spans around an NMT engine: mask before, restore after, flag what was lost.

Numbers, dates, times, units, codes and references, URLs, e-mails and ALL-CAPS
acronyms (:func:`engines.protect.find_spans`) are replaced by numbered placeholders.
The placeholder shape is ``<n>``: of the shapes tried on a real opus-mt-layout model
(``⟦n⟧``, ``[n]``, ``{n}``, ``__n__``, ``#n``, ``XXn``, ``<xn>``, ``<n>``…) it is the
one the model copied every time (see ``tests/engines/test_protected.py``).
A placeholder the engine loses is re-inserted at the matching relative position and
flagged in the sentence notes.

:class:`Placeholders` is shared with the glossary, which masks its terms the same way;
placeholders already in a text (from an outer wrapper) are left alone and numbered past.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from engines.protect import SpanKind, find_spans
from engines.translate.base import Translator
from engines.translate.batch import Indexed, SentenceNotes, StreamingWrapper, stream

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
    """Mask protected spans before the inner engine, restore them after."""

    def __init__(self, inner: Translator, kinds: set[SpanKind] | None = None) -> None:
        super().__init__(inner)
        self.kinds = kinds

    def mask(self, text: str) -> Masked:
        return Placeholders.mask(text, protected_spans(text, self.kinds))

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        masks = [self.mask(t) for t in texts]
        self._notes = {}
        inner_texts = [m.text for m in masks]
        for i, out in stream(self.inner, inner_texts, src, tgt, cancel):
            restored, lost = masks[i].restore(out)
            if lost:
                log.info("Protected span(s) lost by the engine, re-inserted: %s", lost)
            self._note(texts[i], SentenceNotes(lost_spans=lost), inner_texts[i])
            yield i, restored
