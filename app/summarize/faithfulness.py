"""Faithfulness check: what a summary states must be in the source.

Checked: numbers, dates and codes (digit groups); URLs and e-mail addresses; proper nouns
and acronyms; number + unit pairs ("3 soldiers" where the source only has "3 km").  Each
item not supported by the source is returned with the sentence it sits in, to be listed
under "not found in the source" in the GUI, the CLI and the report.
"""

from __future__ import annotations

import re
import unicodedata

from app.summarize.types import Unsupported
from engines.protect import NUMERIC_KINDS, digit_groups, find_spans

URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'«»()]+|\bwww\.[^\s<>\"'«»()]+", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A capitalised word (or run of them), an acronym, or a name with inner capitals.
PROPER = re.compile(r"\b(?:[A-ZÀ-Ý][\w'’-]*[a-zà-ÿ0-9][\w'’-]*|[A-Z]{2,}[\w-]*)"
                    r"(?:\s+(?:(?:de|du|des|la|le|of|the|von|van|del)\s+)?[A-ZÀ-Ý][\w'’-]+)*")
NUMBER_UNIT = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(%|°[CF]?|[A-Za-zÀ-ÿµ]{1,20}\b)")
# Unit symbols are the same in every language: they must match exactly.
UNIT_SYMBOLS = {
    "%", "°", "°c", "°f", "km", "m", "cm", "mm", "kg", "g", "mg", "t", "l", "ml", "h", "min",
    "s", "ms", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "ko", "mo", "go", "to", "hz",
    "khz", "mhz", "ghz", "w", "kw", "mw", "v", "kv", "a", "ma", "nm", "mi", "ft", "lb", "kt",
    "kn", "ha", "bar", "px", "pt", "dpi", "€", "$", "eur", "usd",
}
# Capitalised words that are not names: sentence starters, months, days, pronouns.
_COMMON_WORDS = """
i a an the this that these those it its he she they we you our their there here when where
which who what while with without for from in on at by of to and or but if as so not no
also however therefore then first second third finally overall summary report document
le la les un une des du de ce cette ces il elle ils elles nous vous on en dans pour par sur
avec sans et ou mais si comme donc puis enfin ainsi cependant résumé rapport document section
chapitre chapter part partie annexe appendix table tableau figure note
january february march april may june july august september october november december
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
monday tuesday wednesday thursday friday saturday sunday
lundi mardi mercredi jeudi vendredi samedi dimanche
"""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


COMMON = frozenset(_fold(w) for w in _COMMON_WORDS.split())


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end] (for the reader to find it)."""
    left = max(text.rfind(p, 0, start) for p in (". ", "! ", "? ", "\n"))
    rights = [i for p in (". ", "! ", "? ", "\n") if (i := text.find(p, end)) >= 0]
    right = min(rights) + 1 if rights else len(text)
    return " ".join(text[left + 1:right].split()).strip()[:300]


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
        flagged.append(Unsupported(span.text, _sentence(summary, span.start, span.end),
                                   "number"))
    return flagged


def _supported(group: str, source_groups: set[str]) -> bool:
    if group in source_groups:
        return True
    stripped = group.lstrip("0") or "0"
    return any((g.lstrip("0") or "0") == stripped for g in source_groups)


def _norm_url(url: str) -> str:
    url = _fold(url.rstrip(".,;:!?)]}»"))
    url = re.sub(r"^(?:https?|ftp)://", "", url)
    return re.sub(r"^www\.", "", url).rstrip("/")


def unsupported_links(summary: str, source: str) -> list[Unsupported]:
    """URLs and e-mail addresses absent from the source (scheme, www. and case ignored)."""
    source_urls = {_norm_url(m.group()) for m in URL.finditer(source)}
    source_folded = _fold(source)
    flagged: list[Unsupported] = []
    for pattern, kind in ((URL, "URL"), (EMAIL, "e-mail address")):
        for m in pattern.finditer(summary):
            key = _norm_url(m.group()) if kind == "URL" else _fold(m.group())
            if kind == "URL" and (key in source_urls or key in source_folded):
                continue
            if kind == "e-mail address" and key in source_folded:
                continue
            if any(u.text == m.group() for u in flagged):
                continue
            flagged.append(Unsupported(m.group().rstrip(".,;:"), _sentence(
                summary, m.start(), m.end()), kind))
    return flagged


def unsupported_names(summary: str, source: str, short_value: bool = False
                      ) -> list[Unsupported]:
    """Proper nouns and acronyms of the summary that the source never mentions.

    A name is supported when each of its capitalised words occurs in the source as a
    word (accents and case folded), so "Lyon" is found in "à lyon" and "Jean Dupont" in
    "Dupont (Jean)".  The first word of a sentence is checked only when it is not a
    common word; in a short value (a key fact of one to three words) it is always
    checked, a lone capitalised word there being a name."""
    source_words = set(re.findall(r"\w+", _fold(source)))
    text = URL.sub(" ", EMAIL.sub(" ", summary))
    flagged: list[Unsupported] = []
    seen: set[str] = set()
    for m in PROPER.finditer(text):
        name = m.group()
        words = [w for w in re.findall(r"[\w'’-]+", name) if w[:1].isupper()]
        if words and _starts_sentence(text, m.start()) and not short_value:
            words = words[1:]  # "Users can…": capitalised because it starts a sentence
        words = [w for w in words if _fold(w) not in COMMON and _fold(w) not in UNIT_SYMBOLS]
        if not words or name in seen:
            continue
        seen.add(name)
        missing = [w for w in words
                   if not all(p in source_words for p in re.findall(r"\w+", _fold(w)))]
        if missing:
            flagged.append(Unsupported(name, _sentence(summary, m.start(), m.end()),
                                       "name"))
    return flagged


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t*_>#-•–—\"'«“(")
    return not before or before[-1] in ".!?:\n"


# The same unit written the French or the English way.
_SAME_UNIT = {"go": "gb", "mo": "mb", "ko": "kb", "to": "tb", "eur": "€", "usd": "$"}


def _unit_key(unit: str) -> tuple[str, str]:
    u = _fold(unit)
    u = _SAME_UNIT.get(u, u)
    return ("symbol", u) if u in UNIT_SYMBOLS else ("word", u[:4])


def unsupported_units(summary: str, source: str, same_language: bool = True
                      ) -> list[Unsupported]:
    """Number + unit pairs whose unit does not go with that number anywhere in the source.

    Unit symbols (km, kg, %, MB…) must match exactly.  Words ("soldiers") are compared by
    their first four letters when summary and source share a language; across languages
    a word unit is flagged only when the source gives that number a unit symbol only."""
    pairs: dict[str, set[tuple[str, str]]] = {}
    for m in NUMBER_UNIT.finditer(source):
        pairs.setdefault(m.group(1).replace(",", "."), set()).add(_unit_key(m.group(2)))
    flagged: list[Unsupported] = []
    for m in NUMBER_UNIT.finditer(summary):
        number, unit = m.group(1).replace(",", "."), m.group(2)
        kind, key = _unit_key(unit)
        known = pairs.get(number)
        if not known or _fold(unit) in COMMON:
            continue  # the number itself is checked by unsupported_numbers
        if (kind, key) in known:
            continue
        if kind == "word" and not same_language and any(k == "word" for k, _ in known):
            continue
        flagged.append(Unsupported(m.group(), _sentence(summary, m.start(), m.end()),
                                   "number + unit"))
    return flagged


def unsupported_facts(summary: str, source: str, same_language: bool = True
                      ) -> list[Unsupported]:
    """Everything of ``summary`` not found in ``source``: numbers, links, names, units."""
    out = unsupported_numbers(summary, source) + unsupported_links(summary, source)
    urls = {u.text for u in out if u.kind in ("URL", "e-mail address")}
    short = len(summary.split()) <= 3
    out += [u for u in unsupported_names(summary, source, short)
            if not any(u.text in url for url in urls)]
    out += unsupported_units(summary, source, same_language)
    return out
