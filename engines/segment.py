"""Sentence segmentation per language, through pysbd.

Segments keep their trailing whitespace so that ``"".join(segments) == text``:
translations are re-joined without losing spacing or line breaks.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# pysbd has no rules for these; borrow a close neighbour's.
_FALLBACK = {"uk": "ru", "be": "ru", "sr": "ru", "pt": "es", "ca": "es", "ro": "it", "no": "da",
             "sv": "da", "cs": "sk", "ko": "ja", "he": "ar"}
_lock = threading.Lock()


@dataclass(frozen=True)
class Segment:
    text: str  # the sentence without surrounding whitespace
    lead: str  # whitespace before it
    trail: str  # whitespace after it


@functools.lru_cache(maxsize=32)
def _segmenter(lang: str):  # type: ignore[no-untyped-def]
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    code = lang if lang in LANGUAGE_CODES else _FALLBACK.get(lang, "en")
    if code not in LANGUAGE_CODES:
        code = "en"
    return pysbd.Segmenter(language=code, clean=False, char_span=True)


def _sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) of each stripped sentence; hard line breaks always separate."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            with _lock:  # pysbd segmenters are not thread-safe
                pieces = _segmenter(lang).segment(line)
            pos = 0
            for piece in pieces:
                stripped = piece.sent.strip()
                start = line.find(stripped, pos) if stripped else -1
                if start < 0:
                    continue
                spans.append((offset + start, offset + start + len(stripped)))
                pos = start + len(stripped)
        offset += len(line) + 1
    return spans


def split_sentences(text: str, lang: str | None = "en") -> list[Segment]:
    """Split ``text`` into sentences; ``join_segments`` rebuilds it exactly."""
    if not text.strip():
        return []
    spans = _sentence_spans(text, (lang or "en").split("-")[0].lower())
    segments: list[Segment] = []
    for i, (start, end) in enumerate(spans):
        lead = text[:start] if i == 0 else ""
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        segments.append(Segment(text[start:end], lead, text[end:nxt]))
    return segments


def join_segments(segments: list[Segment], texts: list[str]) -> str:
    return "".join(s.lead + t + s.trail for s, t in zip(segments, texts, strict=True))
