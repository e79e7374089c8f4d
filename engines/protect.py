"""Protected spans: numbers, dates, times, units, codes, references, URLs, e-mails, acronyms.

They must survive translation verbatim.  :func:`find_spans` locates them,
engines/translate/protected.py masks them around an NMT call, and
:func:`missing_spans` reports the ones a translation lost.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class SpanKind(enum.StrEnum):
    URL = "url"
    EMAIL = "email"
    COORDINATE = "coordinate"
    DATE = "date"
    TIME = "time"
    CODE = "code"
    NUMBER = "number"
    ACRONYM = "acronym"


_UP = r"A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐ"
_PATTERNS: list[tuple[SpanKind, re.Pattern[str]]] = [
    (SpanKind.URL, re.compile(
        r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]", re.I)),
    (SpanKind.EMAIL, re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    # MGRS / UTM grid references: "31U DQ 48251 11932", "31UDQ4825111932"
    (SpanKind.COORDINATE, re.compile(r"\b\d{1,2}[C-HJ-NP-X]\s?[A-HJ-NP-Z]{2}\s?\d{2,5}\s?\d{2,5}\b")),  # noqa: E501
    # Latitude/longitude: 48.8566N 2.3522E, 48°51'24"N
    (SpanKind.COORDINATE, re.compile(r"\b\d{1,3}(?:[.,]\d+)?°(?:\s?\d{1,2}['′](?:\s?\d{1,2}(?:[.,]\d+)?[\"″])?)?\s?[NSEWO]\b")),  # noqa: E501
    (SpanKind.DATE, re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?\b")),
    (SpanKind.DATE, re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")),
    # Military date-time group: 121530ZMAR24
    (SpanKind.DATE, re.compile(r"\b\d{6}[A-Z]{1,2}\s?[A-Z]{3}\s?\d{2,4}\b")),
    (SpanKind.TIME, re.compile(r"\b\d{1,2}(?::\d{2}(?::\d{2})?|h\d{2})\b")),
    # References and codes mixing letters and digits: FR-2024-0173, A400M, NSN 1005-01-123-4567
    (SpanKind.CODE, re.compile(rf"\b(?=[{_UP}0-9/_.-]*\d)(?=[{_UP}0-9/_.-]*[{_UP}])[{_UP}0-9]+(?:[-/_.][{_UP}0-9]+)*\b")),  # noqa: E501
    (SpanKind.CODE, re.compile(r"\b\d+(?:[-/]\d+){2,}\b")),
    # Numbers with optional sign, thousands separators, decimals, percent and units.
    (SpanKind.NUMBER, re.compile(
        r"(?<![\w.,])[-+−]?\d{1,3}(?:[  \u202f]\d{3})+(?:[.,]\d+)?(?![\d])"
        r"|(?<![\w.,])[-+−]?\d+(?:[.,]\d+)*(?![\d])"
    )),
    (SpanKind.ACRONYM, re.compile(rf"\b[{_UP}]{{2,6}}s?\b")),
]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    kind: SpanKind


def find_spans(text: str) -> list[Span]:
    """Non-overlapping protected spans, earlier patterns winning over later ones."""
    taken: list[Span] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if not m.group(0).strip():
                continue
            if any(m.start() < s.end and s.start < m.end() for s in taken):
                continue
            taken.append(Span(m.start(), m.end(), m.group(0), kind))
    taken.sort(key=lambda s: s.start)
    return taken


def digit_groups(text: str) -> list[str]:
    """Digit sequences, with thousands separators joined: "1 250,5" -> ["1250", "5"]."""
    joined = re.sub(r"(?<=\d)[  \u202f,.](?=\d{3}(?!\d))", "", text)
    return re.findall(r"\d+", joined)


def missing_spans(source: str, translation: str, kinds: set[SpanKind] | None = None) -> list[str]:
    """Protected spans of ``source`` (optionally limited to ``kinds``) lost in ``translation``.

    Numbers are compared by digits, so "1 250" → "1,250" or "3,5" → "3.5" are accepted.
    """
    lost: list[str] = []
    target_digits = digit_groups(translation)
    pool = list(target_digits)
    for span in find_spans(source):
        if kinds is not None and span.kind not in kinds:
            continue
        if span.text in translation:
            continue
        groups = digit_groups(span.text)
        if span.kind is SpanKind.ACRONYM or not groups:
            lost.append(span.text)
            continue
        if all(g in pool for g in groups):
            for g in groups:
                pool.remove(g)
            continue
        lost.append(span.text)
    return lost


NUMERIC_KINDS = {SpanKind.NUMBER, SpanKind.DATE, SpanKind.TIME, SpanKind.CODE,
                 SpanKind.COORDINATE}
