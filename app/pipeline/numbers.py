"""Numbers, dates and times of a text as normalised values, for the fidelity check.

This is deliberately independent of the translation path (``engines/protect.py``
masks spans before translation; trusting it to judge its own work proves nothing).
Each quantity becomes a :class:`Quantity`: the set of values it can mean (``3,5``
is 3.5 in French, but a number copied unchanged into English may keep its French
form), its sign and its unit.  Source and translation are compared as multisets of
quantities (:func:`compare`), so that "7" dropped while "70" is present, "-12"
becoming "12" and "3,5" becoming "5.3" are all caught.

Locale rules (decimal and group symbols, month names) come from babel's CLDR data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, parse_decimal

# Units, by canonical name: the spellings met in French, English and German texts.
_UNITS: dict[str, tuple[str, ...]] = {
    "%": ("%", "pour cent", "pourcent", "percent", "per cent", "prozent"),
    "‰": ("‰",),
    "EUR": ("€", "eur", "euro", "euros"),
    "USD": ("$", "usd", "dollar", "dollars"),
    "GBP": ("£", "gbp"),
    "km": ("km", "kilomètres", "kilomètre", "kilometres", "kilometers", "kilometre",
           "kilometer"),
    "m": ("m", "mètres", "mètre", "metres", "meters", "metre", "meter"),
    "cm": ("cm",),
    "mm": ("mm",),
    "kg": ("kg", "kilos", "kilogrammes", "kilograms"),
    "g": ("g", "grammes", "grams"),
    "t": ("tonnes", "tons"),
    "l": ("litres", "liters"),
    "ml": ("ml",),
    "h": ("h", "heure", "heures", "hour", "hours", "hr", "hrs", "stunden"),
    "min": ("min", "minute", "minutes", "mn"),
    "s": ("s", "seconde", "secondes", "second", "seconds", "sec"),
    "ms": ("ms",),
    "B": ("octet", "octets", "byte", "bytes"),
    "KB": ("ko", "kb", "kio", "kib"),
    "MB": ("mo", "mb", "mio", "mib"),
    "GB": ("go", "gb", "gio", "gib"),
    "TB": ("tb", "tio", "tib"),  # not "To": "from 2 to 5"
    "°C": ("°c",),
    "°F": ("°f",),
    "°": ("°", "degrés", "degré", "degrees", "degree"),
    "Hz": ("hz",), "kHz": ("khz",), "MHz": ("mhz",), "GHz": ("ghz",),
    "V": ("v", "volts"), "W": ("w", "watts"), "kW": ("kw",),
    "px": ("px", "pixels"), "pt": ("pt", "points"), "dpi": ("dpi", "ppp"),
}
_UNIT_OF = {s: canon for canon, spellings in _UNITS.items() for s in spellings}
_UNIT_RE = "|".join(sorted((re.escape(s) for s in _UNIT_OF), key=len, reverse=True))
# Small numbers written as words.  They are "soft": a digit on the other side may match
# one ("deux colonnes" -> "2 columns"), but a word left unmatched is never reported
# ("un" and "one" are also articles and pronouns).
_NUMBER_WORDS: dict[str, int] = {
    **dict.fromkeys(("zero", "zéro", "null"), 0),
    # not "un", "une", "ein": articles far more often than numbers
    **dict.fromkeys(("one", "eins", "first", "premier", "première", "1st"), 1),
    **dict.fromkeys(("two", "deux", "zwei", "second", "deuxième", "seconde", "double",
                     "dos", "due"), 2),
    **dict.fromkeys(("three", "trois", "drei", "third", "troisième", "triple", "tres",
                     "tre"), 3),
    **dict.fromkeys(("four", "quatre", "vier", "fourth", "quatrième", "cuatro", "quattro"), 4),
    **dict.fromkeys(("five", "cinq", "fünf", "fifth", "cinquième", "cinco", "cinque"), 5),
    **dict.fromkeys(("six", "sechs", "sixth", "sixième", "seis", "sei"), 6),
    **dict.fromkeys(("seven", "sept", "sieben", "seventh", "septième", "siete", "sette"), 7),
    **dict.fromkeys(("eight", "huit", "acht", "eighth", "huitième", "ocho", "otto"), 8),
    **dict.fromkeys(("nine", "neuf", "neun", "ninth", "neuvième", "nueve", "nove"), 9),
    **dict.fromkeys(("ten", "dix", "zehn", "tenth", "dixième", "diez", "dieci"), 10),
    **dict.fromkeys(("eleven", "onze", "elf"), 11),
    **dict.fromkeys(("twelve", "douze", "zwölf", "dozen", "douzaine"), 12),
    **dict.fromkeys(("twenty", "vingt", "zwanzig"), 20),
    **dict.fromkeys(("hundred", "cent", "hundert"), 100),
    **dict.fromkeys(("thousand", "mille", "tausend"), 1000),
    **dict.fromkeys(("unidimensionnel", "unidimensionnelle", "uni"), 1),
    **dict.fromkeys(("bidimensionnel", "bidimensionnelle", "bi"), 2),
    **dict.fromkeys(("eindimensional", "eindimensionale", "eindimensionalen", "unidimensional",
                     "unidimensionale", "monodimensionale"), 1),
    **dict.fromkeys(("zweidimensional", "zweidimensionale", "zweidimensionalen", "bidimensional",
                     "bidimensionale"), 2),
}
_WORD_RE = re.compile(r"[^\W\d_]+")
_CURRENCY_PREFIX = {"€": "EUR", "$": "USD", "£": "GBP"}
_ORDINAL = r"(?:er|re|ère|ème|eme|e|nd|st|rd|th)"

# A number: sign (only where it cannot be a hyphen between two words), digit groups
# with one separator between them (space-like separators only before 3 digits).
_NUMBER = re.compile(
    r"(?P<cur>[€$£]\s?)?"
    r"(?P<sign>(?<![\w)\]])[-−–](?=\d))?"
    r"(?P<num>\d+(?:(?:[.,'’]|[  \u202f](?=\d{3}(?!\d)))\d+)*)"
    rf"(?P<ord>{_ORDINAL}(?![^\W\d_]))?"
    rf"(?:\s?(?P<unit>{_UNIT_RE})(?![^\W\d_]))?",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3])\s?(?::|h|H)\s?(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?"
    r"(?:\s?(?P<ampm>[ap]\.?m\.?)(?![^\W\d_]))?(?!\d|[.,]\d)"
    r"|(?<![\d.,:])(?P<h2>1[0-2]|0?\d)\s?(?P<ampm2>[ap]\.?m\.?)(?![^\W\d_])",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)")
_NUM_DATE = re.compile(
    r"(?<![\d.,/])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/])")


@dataclass(frozen=True)
class Quantity:
    """One number, date or time of a text."""

    text: str  # as written
    kind: str  # "number", "date", "time", "code"
    values: frozenset[object]  # every reading of ``text`` (source or target locale)
    unit: str | None = None
    start: int = 0

    def matches(self, other: Quantity) -> bool:
        if {self.kind, other.kind} == {"number", "time"}:  # "à 14 h" / "at 2 pm"
            number, time = (self, other) if self.kind == "number" else (other, self)
            return number.unit == "h" and any(
                isinstance(v, Decimal) and v == v.to_integral_value()
                and (int(v), 0) in time.values for v in number.values)
        if self.kind != other.kind and {self.kind, other.kind} != {"number", "code"}:
            return False
        if not self.values & other.values:
            return False
        # Units are compared when both sides name one we know: a unit written as a word
        # of another language ("Prozent", "pérçéñt") is not a change.
        return not (self.unit and other.unit and self.unit != other.unit)


@dataclass
class Comparison:
    """Quantities of the source without a match in the translation, and the reverse."""

    source: list[Quantity] = field(default_factory=list)
    target: list[Quantity] = field(default_factory=list)
    lost: list[Quantity] = field(default_factory=list)
    added: list[Quantity] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.added

    def describe(self) -> str:
        parts = []
        if self.lost:
            parts.append("lost or changed: " + ", ".join(q.text for q in self.lost))
        if self.added:
            parts.append("not in the source: " + ", ".join(q.text for q in self.added))
        return "; ".join(parts)


@functools.lru_cache(maxsize=64)
def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=64)
def _month_names(lang: str) -> dict[str, int]:
    """Month names and abbreviations (lower case, without the dot) of ``lang``."""
    loc = _locale(lang)
    out: dict[str, int] = {}
    if loc is None:
        return out
    for width in ("wide", "abbreviated"):
        for ctx in ("format", "stand-alone"):
            for number, name in loc.months[ctx][width].items():
                key = str(name).lower().rstrip(".")
                if len(key) >= 3:
                    out[key] = int(number)
    return out


def _month_date_patterns(langs: tuple[str, ...]) -> re.Pattern[str] | None:
    names: dict[str, int] = {}
    for lang in langs:
        names.update(_month_names(lang))
    if not names:
        return None
    alt = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(
        rf"(?<!\w)(?:(?P<d1>\d{{1,2}})(?:er|st|nd|rd|th)?\.?\s+(?:of\s+)?)?"
        rf"(?P<mon>{alt})\.?(?!\w)"
        rf"(?:,?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,)?)?"
        rf"(?:\s+(?P<y>\d{{4}})(?!\d))?",
        re.IGNORECASE,
    )


_month_re = functools.lru_cache(maxsize=32)(_month_date_patterns)


@functools.lru_cache(maxsize=32)
def _all_month_names(langs: tuple[str, ...]) -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in langs:
        names.update(_month_names(lang))
    return names


@functools.lru_cache(maxsize=4096)
def _parse(text: str, lang: str) -> Decimal | None:
    """``text`` read as a number in ``lang`` (babel, strict grouping), or None."""
    loc = _locale(lang)
    if loc is None:
        return None
    group = loc.number_symbols.get("latn", loc.number_symbols).get("group", ",")
    spaced = re.search(r"[  \u202f]", text) is not None
    if spaced:  # "16 000": a space groups thousands in most locales (ISO 31-0)
        text = re.sub(r"[  \u202f]", group if group in "\u202f\u00a0 " else "", text)
    try:
        return parse_decimal(text, loc, strict=not spaced or group in "\u202f\u00a0 ")
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


def _number_values(num: str, langs: tuple[str, ...]) -> frozenset[object]:
    """The value of ``num`` in the first of ``langs`` where it is a well-formed number
    ("3,456" is 3456 in English even if the source was French; "3,5" is no English
    number, so a French one copied unchanged keeps its French value)."""
    values: set[object] = set()
    for lang in langs:
        v = _parse(num, lang)
        if v is not None:
            values.add(v)
            break
    if not values:
        if re.fullmatch(r"\d+", num):
            values.add(Decimal(num))
        else:  # versions, lists, odd groupings: compared as written (digits and order)
            values.add("code:" + re.sub(r"\D+", ".", num))
    return frozenset(values)


def _year(y: str) -> int:
    n = int(y)
    return n + (2000 if n < 70 else 1900) if len(y) == 2 else n


def _valid(y: int, m: int, d: int | None) -> bool:
    return 1 <= m <= 12 and (d is None or 1 <= d <= 31) and 0 < y < 10000


def extract(text: str, langs: tuple[str, ...] = ("en",)) -> list[Quantity]:
    """Dates, times and numbers of ``text``, each with its readings in ``langs``."""
    return list(_extract(text, langs))


@functools.lru_cache(maxsize=16384)  # a document is checked twice (verify, then write)
def _extract(text: str, langs: tuple[str, ...]) -> tuple[Quantity, ...]:
    if not any(c.isdigit() for c in text):
        return ()
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or e <= a for s, e in taken)

    def add(q: Quantity, a: int, b: int) -> None:
        found.append(q)
        taken.append((a, b))

    for m in _ISO_DATE.finditer(text):
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        if _valid(y, mo, d):
            add(Quantity(m[0], "date", frozenset({(y, mo, d)}), start=m.start()),
                m.start(), m.end())
    for m in _NUM_DATE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        a, b, y = int(m["a"]), int(m["b"]), _year(m["y"])
        readings = {(y, mo, d) for d, mo in ((a, b), (b, a)) if _valid(y, mo, d)}
        if readings:
            add(Quantity(m[0], "date", frozenset(readings), start=m.start()),
                m.start(), m.end())
    names = _all_month_names(tuple(sorted(set(langs) | {"en"})))
    month_re = _month_re(tuple(sorted(set(langs) | {"en"})))
    has_month = any(w.lower().rstrip(".") in names for w in _WORD_RE.findall(text))
    if month_re is not None and has_month:  # the big alternation only where it can match
        for m in month_re.finditer(text):
            if not (m["d1"] or m["d2"] or m["y"]) or not free(m.start(), m.end()):
                continue
            mon = names.get(m["mon"].lower().rstrip("."))
            day = m["d1"] or m["d2"]
            if not (m["d1"] or m["y"]) and not m["mon"][0].isupper():
                continue  # "may 5 files": a day after a month needs a capital (English)
            if mon is None or (day and not 1 <= int(day) <= 31):
                continue
            value = (int(m["y"]) if m["y"] else None, mon, int(day) if day else None)
            add(Quantity(m[0].strip(), "date", frozenset({value}), start=m.start()),
                m.start(), m.end())
    for m in _TIME.finditer(text):
        if not free(m.start(), m.end()):
            continue
        ampm = (m["ampm"] or m["ampm2"] or "").lower().replace(".", "")
        h = int(m["h"] if m["h"] is not None else m["h2"])
        minute = int(m["m"]) if m["m"] else 0
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        add(Quantity(m[0], "time", frozenset({(h, minute)}), start=m.start()),
            m.start(), m.end())
    for m in _NUMBER.finditer(text):
        if not free(m.start("num"), m.end("num")):
            continue
        num = m["num"].rstrip(".,'’ ")
        if not num:
            continue
        glued = m.start("num") > 0 and (text[m.start("num") - 1].isalpha()
                                        or text[m.start("num") - 1] == "_")
        unit = None
        if m["unit"]:
            unit = _UNIT_OF.get(m["unit"].lower())
        elif m["cur"]:
            unit = _CURRENCY_PREFIX.get(m["cur"].strip())
        sign = -1 if m["sign"] and not glued else 1
        values = frozenset(-v if sign < 0 and isinstance(v, Decimal) else v
                           for v in _number_values(num, langs))
        kind = "code" if glued else "number"
        add(Quantity(m[0].strip(), kind, values, unit, start=m.start()),
            m.start(), m.end())
    found.sort(key=lambda q: q.start)
    return tuple(found)


def number_words(text: str) -> list[Quantity]:
    """Small numbers written as words (soft quantities, see ``_NUMBER_WORDS``)."""
    return [Quantity(m.group(0), "number", frozenset({Decimal(_NUMBER_WORDS[w])}),
                     start=m.start())
            for m in _WORD_RE.finditer(text)
            if (w := m.group(0).lower()) in _NUMBER_WORDS]


def compare(source: str, translation: str, src: str, tgt: str) -> Comparison:
    """Match the quantities of ``source`` (read in ``src``) with those of
    ``translation`` (read in ``tgt`` or, when copied unchanged, in ``src``); a
    quantity left over on either side may still match a number word on the other."""
    s_items = extract(source, (src, tgt))  # "7.2" in German text is a version, not 72
    t_items = extract(translation, (tgt, src))
    match = _bipartite(s_items, t_items)
    lost = [q for i, q in enumerate(s_items) if i not in match]
    used = set(match.values())
    added = [q for j, q in enumerate(t_items) if j not in used]
    s_words, t_words = number_words(source), number_words(translation)
    # Words on both sides ("premier" / "first") pair with each other before any digit.
    lost = _unmatched(lost, _unmatched(t_words, s_words))
    added = _unmatched(added, _unmatched(s_words, t_words))
    return Comparison(source=s_items, target=t_items, lost=lost, added=added)


def _unmatched(items: list[Quantity], words: list[Quantity]) -> list[Quantity]:
    pool = list(words)
    out = []
    for q in items:
        hit = next((w for w in pool if q.unit in (None, "%") and q.values & w.values
                    and q.kind in ("number", "code")), None)
        if hit is None:
            out.append(q)
        else:
            pool.remove(hit)
    return out


def _bipartite(a: list[Quantity], b: list[Quantity]) -> dict[int, int]:
    """Maximum matching of ``a`` to ``b`` (Kuhn's augmenting paths; lists are short)."""
    edges = [[j for j, q in enumerate(b) if p.matches(q)] for p in a]
    owner: dict[int, int] = {}  # b index -> a index

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(a)):
        augment(i, set())
    return {i: j for j, i in owner.items()}
