"""Checks of one translation against its source, used by the translation path to
decide what to repair (:mod:`engines.translate.protected`).

- :func:`damaged_spans`: protected spans of the source (numbers, dates, times, codes,
  coordinates, URLs, e-mails) that the output does not carry.  Numbers are compared
  by value, with sign and decimal separator (``1 250,5`` = ``1,250.5``, ``-12`` ≠
  ``12``, ``3,5`` ≠ ``5.3``), each output number serving one source number; the other
  kinds must appear verbatim (a code's parts may be re-spaced: ``A1/A2`` = ``A1 / A2``).
  Acronyms are not checked: ``OTAN`` → ``NATO`` is a translation.
  Words mixing letters and digits that no pattern covers (``nombre254``,
  ``array1_1D``) must keep their digits (the word itself may be translated).
- :func:`find_debris` / :func:`strip_debris`: markup debris, ``<`` or ``>`` that the
  source does not have (``<0 files>``, ``7.2>``).

The fidelity report has its own, independent checker; this one only steers repairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from engines.protect import Span, SpanKind, find_spans

CHECKED_KINDS = frozenset({SpanKind.URL, SpanKind.EMAIL, SpanKind.COORDINATE, SpanKind.DATE,
                           SpanKind.TIME, SpanKind.CODE, SpanKind.NUMBER})
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_MINUS = "-−–"
_DIGITS = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![\w.,])[-+−–]?\d+(?:[\s\u00a0\u202f]\d{3})*(?:[.,]\d+)*(?![\d])")
_MIXED = re.compile(r"(?<![\w])(?=\w*\d)(?=\w*[^\W\d_])\w+(?![\w])")
_MARKUP = "<>"
_DEBRIS = re.compile(r"\S*[<>]\S*")


def number_values(text: str) -> set[str]:
    """The values ``text`` (one number) may stand for, as canonical decimals: with a
    decimal comma and with a decimal point (group separators must group by three)."""
    raw = text.strip()
    sign = "-" if raw[:1] in _MINUS else ""
    body = _SPACES.sub("", raw.lstrip("+" + _MINUS))
    out = {sign + body}
    for decimal, group in ((",", "."), (".", ",")):
        head, _, tail = body.partition(decimal) if body.count(decimal) == 1 else (body, "", "")
        if decimal in tail or (body.count(decimal) > 1):
            continue
        parts = head.split(group)
        if len(parts) > 1 and not all(len(p) == 3 for p in parts[1:]):
            continue
        try:
            value = Decimal("".join(parts) + ("." + tail if tail else ""))
        except InvalidOperation:
            continue
        canonical = format(value.normalize(), "f") if value else "0"
        out.add(sign + canonical if canonical != "0" else canonical)
    return out


# Languages writing decimals with a comma (and grouping with spaces or dots); the others
# used here write a decimal point (and group with commas).
DECIMAL_COMMA = frozenset({"fr", "de", "es", "it", "pt", "ru", "uk", "pl", "nl", "cs", "ro",
                           "tr", "sv", "da", "no", "fi", "el", "ca", "sk", "hu", "bg", "hr"})
DECIMAL_POINT = frozenset({"en", "zh", "ja", "ko", "he", "th", "hi"})
_PLAIN_NUMBER = re.compile(r"([-+−]?)(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:,(\d+))?")


def localize(span: Span, src: str, tgt: str) -> str:
    """How a number of the source is written in the target language: ``-12,5`` →
    ``-12.5`` and ``1 250,75`` → ``1,250.75`` from French to English (other spans, and
    numbers between languages of one convention, are left as they are)."""
    if span.kind is not SpanKind.NUMBER or src not in DECIMAL_COMMA or tgt not in DECIMAL_POINT:
        return span.text
    m = _PLAIN_NUMBER.fullmatch(span.text)
    if m is None or ("." in m.group(2) and not m.group(3)):
        return span.text  # "1.250" alone: a thousands dot or a version, keep it
    sign, whole, decimals = m.groups()
    groups = re.split(r"[ \u00a0\u202f.]", whole)
    return sign + ",".join(groups) + (f".{decimals}" if decimals else "")


def checked_spans(text: str, kinds: Sequence[SpanKind] | frozenset[SpanKind] = CHECKED_KINDS,
                  skip: Sequence[tuple[int, int]] = ()) -> list[Span]:
    """The spans of ``text`` the translation must carry (outside the ``skip`` ranges),
    with the words mixing letters and digits that no pattern covers (kind CODE)."""
    found = find_spans(text)
    spans = [s for s in found if s.kind in kinds]
    if SpanKind.CODE in kinds:
        spans += [Span(m.start(), m.end(), m.group(0), SpanKind.CODE)
                  for m in _MIXED.finditer(text)
                  if not any(m.start() < s.end and s.start < m.end() for s in found)]
    return sorted((s for s in spans if not any(s.start < e and b < s.end for b, e in skip)),
                  key=lambda s: s.start)


def _code_pattern(span: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in re.split(r"\s*[-/_.\s]\s*", span) if p]
    return re.compile(r"(?<![\w])" + r"\s*[-/_.]?\s*".join(parts) + r"(?![\w])")


def damaged_spans(source: str, output: str,
                  kinds: Sequence[SpanKind] | frozenset[SpanKind] = CHECKED_KINDS,
                  skip: Sequence[tuple[int, int]] = ()) -> list[Span]:
    """Spans of ``source`` that ``output`` lost or changed (see the module doc)."""
    used: list[tuple[int, int]] = []

    def take(start: int, end: int) -> bool:
        if any(start < e and s < end for s, e in used):
            return False
        used.append((start, end))
        return True

    numbers = [(m.start(), m.end(), number_values(m.group(0))) for m in _NUMBER.finditer(output)]
    damaged = []
    for span in checked_spans(source, kinds, skip):
        if span.kind is SpanKind.NUMBER:
            want = number_values(span.text)
            if any(want & values and take(s, e) for s, e, values in numbers):
                continue
        pattern = (_code_pattern(span.text) if span.kind is SpanKind.CODE
                   else re.compile(r"(?<![-+−–\w])" + re.escape(span.text) + r"(?![\w]|[.,]\d)")
                   if span.kind is SpanKind.NUMBER
                   else re.compile(r"(?<![\w])" + re.escape(span.text) + r"(?![\w])"))
        if any(take(m.start(), m.end()) for m in pattern.finditer(output)):
            continue
        if _MIXED.fullmatch(span.text) and span.text.lower() != span.text.upper() \
                and _digits_kept(span.text, output, take):
            continue
        damaged.append(span)
    return damaged


def _digits_kept(word: str, output: str, take: Callable[[int, int], bool]) -> bool:
    """Whether each digit run of ``word`` is in ``output`` (a translated identifier:
    ``nombre254`` → ``Number254``)."""
    runs = [m for m in re.finditer(r"\d+", output)]
    for digits in re.findall(r"\d+", word):
        if not any(m.group(0) == digits and take(m.start(), m.end()) for m in runs):
            return False
    return True


def find_debris(source: str, output: str) -> list[str]:
    """Fragments of ``output`` holding ``<``/``>`` beyond what ``source`` has."""
    if all(output.count(c) <= source.count(c) for c in _MARKUP):
        return []
    return [m.group(0) for m in _DEBRIS.finditer(output) if m.group(0) not in source]


def strip_debris(source: str, output: str) -> tuple[str, list[str]]:
    """``output`` without its debris: the ``<``/``>`` of each fragment that the source
    does not have are removed (a placeholder-shaped ``<12>`` is removed whole when its
    digits are not a number of the source); returns (text, fragments removed)."""
    found = find_debris(source, output)
    if not found:
        return output, []

    def placeholder(p: re.Match[str]) -> str:
        return p.group(0) if re.search(rf"(?<!\d){p.group(1)}(?!\d)", source) else ""

    def clean(m: re.Match[str]) -> str:
        fragment = m.group(0)
        if fragment in source:
            return fragment
        return re.sub(r"[<>]", "", re.sub(r"<\s*(\d{1,3})\s*>", placeholder, fragment))

    text = _DEBRIS.sub(clean, output)
    text = re.sub(r"[ \t]{2,}", " ", text).strip() if text != output else text
    return text, found
