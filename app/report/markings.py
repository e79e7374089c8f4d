"""Classification markings: find them in a source document, rank them, pick one.

Markings are searched in the headers and footers (any case) and on the first page.  In
the body a marking only counts when it is written in capitals or stands alone in its
paragraph, so that a sentence such as "le secret des correspondances" is not taken for
``SECRET``.  Matching ignores accents, case, hyphens and letter spacing
(``S E C R E T  D É F E N S E``).  When two different markings are found, the highest
is kept and the conflict is reported.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from app.document import Block, BlockKind, Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Level:
    label: str  # the canonical spelling shown in reports
    rank: int  # 0 unclassified … 6 top secret
    system: str  # "fr", "nato", "en"


# Ranks: equivalences between the national, NATO and English scales.
LEVELS: tuple[Level, ...] = (
    Level("NON PROTÉGÉ", 0, "fr"), Level("NATO UNCLASSIFIED", 0, "nato"),
    Level("UNCLASSIFIED", 0, "en"),
    Level("OFFICIAL", 1, "en"),
    Level("OFFICIAL-SENSITIVE", 2, "en"),
    Level("DIFFUSION RESTREINTE", 3, "fr"), Level("NATO RESTRICTED", 3, "nato"),
    Level("RESTRICTED", 3, "en"),
    Level("CONFIDENTIEL DÉFENSE", 4, "fr"), Level("NATO CONFIDENTIAL", 4, "nato"),
    Level("CONFIDENTIAL", 4, "en"),
    Level("SECRET DÉFENSE", 5, "fr"), Level("NATO SECRET", 5, "nato"), Level("SECRET", 5, "en"),
    Level("TRÈS SECRET DÉFENSE", 6, "fr"), Level("TRÈS SECRET", 6, "fr"),
    Level("COSMIC TOP SECRET", 6, "nato"), Level("TOP SECRET", 6, "en"),
)
_BY_LABEL = {lv.label: lv for lv in LEVELS}

# Words that may stand next to a marking in a block that is "just the marking".
_FILLER = frozenset({"CLASSIFICATION", "CLASSIFIE", "CLASSIFIED", "MARKING", "MENTION",
                     "NIVEAU", "LEVEL", "PROTECTION", "SPECIAL", "SPECIALE", "FRANCE",
                     "RELEASABLE", "TO", "REL", "ET", "AND", "COPY", "EXEMPLAIRE", "PAGE",
                     "SUR", "OF", "NO", "N"})
_FIRST_PAGE_BLOCKS = 25  # body blocks looked at when the source has no page numbers


def _pattern(label: str) -> str:
    """Regex for a normalized label: words may be glued together or split by spaces."""
    words = _normalize(label)[0].split()
    body = " ?".join(re.escape(w) for w in words)
    if words[0] == "NATO":  # the French spelling of NATO
        body = "(?:NATO|OTAN)" + body[len("NATO"):]
    return body


def _matcher() -> re.Pattern[str]:
    ordered = sorted(LEVELS, key=lambda lv: len(lv.label), reverse=True)  # longest first
    groups = "|".join(f"(?P<m{i}>{_pattern(lv.label)})" for i, lv in enumerate(ordered))
    _ORDER.extend(ordered)
    return re.compile(rf"(?<![A-Z0-9])(?:{groups})(?![A-Z0-9])")


_ORDER: list[Level] = []


def _normalize(text: str) -> tuple[str, list[int]]:
    """Upper-case, accent-free, single-spaced ``text``, and for each of its characters
    the index of the original character it comes from."""
    chars: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(c):
                continue
            c = c.upper()
            chars.append((c if c.isalnum() else " ", i))
    out: list[tuple[str, int]] = []
    for c, i in chars:
        if c == " " and (not out or out[-1][0] == " "):
            continue
        out.append((c, i))
    if out and out[-1][0] == " ":
        out.pop()
    normalized = "".join(c for c, _ in out)
    index = [i for _, i in out]
    # Letter-spaced words ("S E C R E T"): glue runs of three or more single letters.
    spaced = re.compile(r"(?<![A-Z0-9])(?:[A-Z] ){2,}[A-Z](?![A-Z0-9])")
    while (m := spaced.search(normalized)) is not None:
        keep = [k for k in range(m.start(), m.end()) if normalized[k] != " "]
        normalized = normalized[:m.start()] + normalized[m.start():m.end()].replace(" ", "") \
            + normalized[m.end():]
        index = index[:m.start()] + [index[k] for k in keep] + index[m.end():]
    return normalized, index


_MATCHER = _matcher()


@dataclass(frozen=True)
class Found:
    level: Level
    where: str  # "header", "footer", "first page"
    block: int
    text: str  # the occurrence as written in the source


def find_in_text(text: str) -> list[tuple[Level, int, int]]:
    """(level, start, end) of every marking in ``text`` (offsets in ``text``)."""
    normalized, index = _normalize(text)
    out: list[tuple[Level, int, int]] = []
    for m in _MATCHER.finditer(normalized):
        name = m.lastgroup or ""
        level = _ORDER[int(name[1:])]
        out.append((level, index[m.start()], index[m.end() - 1] + 1))
    return out


def _stands_alone(text: str, hits: list[tuple[Level, int, int]]) -> bool:
    rest = text
    for _, start, end in sorted(hits, key=lambda h: h[1], reverse=True):
        rest = rest[:start] + " " + rest[end:]
    words = [w for w in _normalize(rest)[0].split() if not w.isdigit()]
    return all(w in _FILLER for w in words)


def _where(block: Block) -> str | None:
    if block.kind is BlockKind.HEADER:
        return "header"
    if block.kind is BlockKind.FOOTER:
        return "footer"
    return None


def _first_page(doc: Document) -> list[Block]:
    body = [b for b in doc.blocks if _where(b) is None and b.text.strip()]
    pages = [b for b in body if (b.geometry.page if b.geometry else b.locator.page) is not None]
    if pages:
        return [b for b in body
                if (b.geometry.page if b.geometry else b.locator.page) == 0]
    return body[:_FIRST_PAGE_BLOCKS]


def find_markings(doc: Document) -> list[Found]:
    """Every marking of the headers, footers and first page, in that order."""
    found: list[Found] = []
    edges = [b for b in doc.blocks if _where(b) is not None]
    for block in edges:
        for level, start, end in find_in_text(block.text):
            found.append(Found(level, _where(block) or "", block.id, block.text[start:end]))
    for block in _first_page(doc):
        hits = find_in_text(block.text)
        if not hits:
            continue
        alone = _stands_alone(block.text, hits)
        for level, start, end in hits:
            written = block.text[start:end]
            if alone or written == written.upper():
                found.append(Found(level, "first page", block.id, written))
    return found


@dataclass
class MarkingDecision:
    """The marking a report carries, and why."""

    label: str  # "" when the source has none and the user gave none
    rank: int | None = None
    source: str = "none"  # "detected", "user" or "none"
    found: list[Found] = field(default_factory=list)
    conflict: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "rank": self.rank, "source": self.source,
                "conflict": self.conflict,
                "found": sorted({f.level.label for f in self.found})}


def level_of(text: str) -> Level | None:
    """The known level that ``text`` names exactly (accent, case and spacing aside)."""
    hits = find_in_text(text)
    if len(hits) == 1 and _stands_alone(text, hits):
        return hits[0][0]
    return None


def decide(doc: Document, override: str | None = None) -> MarkingDecision:
    """The report's marking: the user's override, else the highest detected one."""
    found = find_markings(doc)
    labels = list(dict.fromkeys(f.level.label for f in found))
    conflict = len(labels) > 1
    warnings: list[str] = []
    best = max((f.level for f in found), key=lambda lv: lv.rank, default=None)
    if conflict and best is not None:
        warnings.append(f"The source carries different markings ({', '.join(labels)}): "
                        f"the highest, {best.label}, is kept.")
    if override and override.strip():
        text = " ".join(override.split())
        level = level_of(text)
        label = level.label if level is not None else text
        if best is not None and best.label != label:
            warnings.append(f"Marking set by the user to {label}; the source says "
                            f"{', '.join(labels)}.")
        for w in warnings:
            log.warning("%s", w)
        return MarkingDecision(label, level.rank if level else None, "user", found, conflict,
                               warnings)
    for w in warnings:
        log.warning("%s", w)
    if best is None:
        return MarkingDecision("", None, "none", found, False, warnings)
    return MarkingDecision(best.label, best.rank, "detected", found, conflict, warnings)


def known_label(label: str) -> bool:
    return label in _BY_LABEL
