"""Sentence segmentation per language, through pysbd.

Segments keep their trailing whitespace so that ``"".join(segments) == text``:
translations are re-joined without losing spacing or line breaks.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
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


# --- Splitting a text that is too long for a model ------------------------------------

_CLAUSE_BREAK = re.compile(r"(?<=[,;:)\]»”])\s+|\s+(?=[—–(«“])")
_WORD_BREAK = re.compile(r"\s+")
SPLIT_LEVELS = ("", "sentences", "clauses", "windows")


def _cut(text: str, start: int, end: int, breaks: re.Pattern[str]) -> list[tuple[int, int]]:
    """Sub-spans of ``text[start:end]`` between the matches of ``breaks``."""
    spans, pos = [], start
    for m in breaks.finditer(text, start, end):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    return spans


def _chars(start: int, end: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, end)) for a in range(start, end, size)]


def split_to_fit(text: str, fits: Callable[[str], bool],
                 lang: str | None = "en") -> tuple[list[Segment], str]:
    """Cut ``text`` into as few pieces as possible that each ``fits``: whole when it
    fits, else at sentence boundaries, then clause boundaries (commas, semicolons,
    dashes…), then word windows (then character windows for a giant "word").
    Consecutive pieces are packed back together while they fit, so a model keeps as
    much context as it can take.  ``join_segments`` rebuilds ``text`` exactly; the
    second value is the finest level used (one of :data:`SPLIT_LEVELS`)."""
    stripped = text.strip()
    if not stripped:
        return [], ""
    lead = text[:text.index(stripped)]
    if fits(stripped):
        return [Segment(stripped, lead, text[len(lead) + len(stripped):])], ""
    level = 1
    spans: list[tuple[int, int]] = []
    for s, e in _sentence_spans(text, (lang or "en").split("-")[0].lower()):
        if fits(text[s:e]):
            spans.append((s, e))
            continue
        level = max(level, 2)
        for a, b in _cut(text, s, e, _CLAUSE_BREAK):
            if fits(text[a:b]):
                spans.append((a, b))
                continue
            level = 3
            for c, d in _cut(text, a, b, _WORD_BREAK):
                spans += [(c, d)] if fits(text[c:d]) else _chars(c, d, 16)
    packed: list[tuple[int, int]] = []
    for s, e in spans:
        if packed and "\n" not in text[packed[-1][1]:s] and fits(text[packed[-1][0]:e]):
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    segments = []
    for i, (s, e) in enumerate(packed):
        nxt = packed[i + 1][0] if i + 1 < len(packed) else len(text)
        segments.append(Segment(text[s:e], text[:s] if i == 0 else "", text[e:nxt]))
    return segments, SPLIT_LEVELS[level]


def lines(text: str) -> list[Segment]:
    """The non-blank lines of ``text`` (hard line breaks only), for engines that
    translate whole paragraphs; ``join_segments`` rebuilds ``text`` exactly."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    segments = []
    for i, (s, e) in enumerate(spans):
        piece = text[s:e]
        s += len(piece) - len(piece.lstrip())
        e -= len(piece) - len(piece.rstrip())
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        if i + 1 < len(spans):
            nxt_piece = text[spans[i + 1][0]:spans[i + 1][1]]
            nxt += len(nxt_piece) - len(nxt_piece.lstrip())
        segments.append(Segment(text[s:e], text[:s] if i == 0 else "", text[e:nxt]))
    return segments
