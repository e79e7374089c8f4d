"""Faithfulness check: every number, date and code of a summary must be in the source."""

from __future__ import annotations

from app.summarize.types import Unsupported
from engines.protect import NUMERIC_KINDS, digit_groups, find_spans


def unsupported_numbers(summary: str, source: str) -> list[Unsupported]:
    """Numbers/dates/codes in ``summary`` that ``source`` does not support.

    A span is supported when it appears verbatim, or when all of its digit groups occur
    in the source (so "3 March" ↔ "03/03", "1,250" ↔ "1 250" are accepted).
    """
    source_groups = set(digit_groups(source))
    flagged: list[Unsupported] = []
    seen: set[str] = set()
    for span in find_spans(summary):
        if span.kind not in NUMERIC_KINDS or span.text in seen:
            continue
        seen.add(span.text)
        if span.text in source:
            continue
        groups = digit_groups(span.text)
        if groups and all(_supported(g, source_groups) for g in groups):
            continue
        if not groups and span.text.lower() in source.lower():
            continue
        start, end = max(0, span.start - 40), min(len(summary), span.end + 40)
        flagged.append(Unsupported(span.text, summary[start:end].replace("\n", " ").strip()))
    return flagged


def _supported(group: str, source_groups: set[str]) -> bool:
    if group in source_groups:
        return True
    stripped = group.lstrip("0") or "0"
    return any((g.lstrip("0") or "0") == stripped for g in source_groups)
