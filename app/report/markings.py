"""Classification markings: find them anywhere in a source document, rank them, pick one.

Every block of every page is searched: body paragraphs, headings, headers and footers,
table cells, text boxes, notes, captions and spreadsheet cells, in every format the
readers support (they all fill the same document model).  The highest marking wins, and
every place where a marking was found is kept (page, block, kind, text) for the report.

Matching ignores accents, case, hyphens and punctuation, and survives OCR noise: letters
may be spaced or split (``S E C R E T``, ``SECRE T``), spaces doubled
(``DIFFUSION  RESTREINTE``) and a few glyphs confused (0/O, 1/I/L, 5/S, 8/B).  French,
NATO/OTAN, EU and English spellings are known (``OTAN DIFFUSION RESTREINTE`` is
``NATO RESTRICTED``), and so are caveats such as ``SPÉCIAL FRANCE``, ``NOFORN``,
``REL TO …`` and ``… EYES ONLY``, which are carried into the report's marking.

The rule, which keeps ordinary words out ("secrétaire", "le secret de fabrication", "la
diffusion restreinte aux destinataires").  Each block is cut into *segments* (lines, tab
stops, and `` — `` / `` | `` / `` / `` separators).  A marking counts when

* its segment is *only* the marking (other words are caveats, page numbering or words
  such as "classification"), and it is written in capitals or has several words
  (``Diffusion restreinte`` alone counts, a heading ``Secret`` does not); or
* it is in a running header or footer and is written in capitals, has several words, or
  stands alone; or
* it is written in capitals inside a segment that is not itself all capitals ("Ce
  document est classé SECRET DÉFENSE."), so that a heading "SECRET DE FABRICATION"
  does not count.

A run whose style differs from the rest of its block (a bold red ``SECRET`` before a title
in capitals) is also a segment of its own, for the first rule with capitals only.  A
marking that shares an all-capitals line with other words in the same style ("SECRET NOTE
DE SERVICE") is therefore not found: PDF lines of one block are joined with spaces, so a
line is not always known.

When two different markings are found, the highest is kept and the conflict is reported.
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
    system: str  # "fr", "nato", "eu", "en"


# Ranks: equivalences between the national, NATO, EU and English scales.
LEVELS: tuple[Level, ...] = (
    Level("NON PROTÉGÉ", 0, "fr"), Level("NATO UNCLASSIFIED", 0, "nato"),
    Level("UNCLASSIFIED", 0, "en"),
    Level("OFFICIAL", 1, "en"),
    Level("OFFICIAL-SENSITIVE", 2, "en"),
    Level("DIFFUSION RESTREINTE", 3, "fr"), Level("NATO RESTRICTED", 3, "nato"),
    Level("RESTREINT UE", 3, "eu"), Level("RESTRICTED", 3, "en"),
    Level("CONFIDENTIEL DÉFENSE", 4, "fr"), Level("NATO CONFIDENTIAL", 4, "nato"),
    Level("CONFIDENTIEL UE", 4, "eu"), Level("CONFIDENTIAL", 4, "en"),
    Level("SECRET DÉFENSE", 5, "fr"), Level("NATO SECRET", 5, "nato"),
    Level("SECRET UE", 5, "eu"), Level("SECRET", 5, "en"),
    Level("TRÈS SECRET DÉFENSE", 6, "fr"), Level("TRÈS SECRET", 6, "fr"),
    Level("COSMIC TOP SECRET", 6, "nato"), Level("TRÈS SECRET UE", 6, "eu"),
    Level("TOP SECRET", 6, "en"),
)
_BY_LABEL = {lv.label: lv for lv in LEVELS}

# Other spellings of a level (French names of NATO levels, EU English forms).
ALIASES: dict[str, str] = {
    "OTAN NON CLASSIFIÉ": "NATO UNCLASSIFIED",
    "OTAN DIFFUSION RESTREINTE": "NATO RESTRICTED",
    "OTAN CONFIDENTIEL": "NATO CONFIDENTIAL",
    "OTAN SECRET": "NATO SECRET",
    "COSMIC TRÈS SECRET": "COSMIC TOP SECRET",
    "EU RESTRICTED": "RESTREINT UE",
    "EU CONFIDENTIAL": "CONFIDENTIEL UE",
    "EU SECRET": "SECRET UE",
    "EU TOP SECRET": "TRÈS SECRET UE",
}

# Caveats (on normalized text) and how the report writes them.
_CAVEATS: tuple[tuple[str, str], ...] = (
    (r"SPECIALE? FRANCE", "SPÉCIAL FRANCE"),
    (r"NOFORN", "NOFORN"),
    (r"REL(?:EASABLE)? TO(?: (?:[A-Z]{3}|[A-Z]{2}|NATO|OTAN|EU|UE|AND|ET)(?![A-Z]))+", ""),
    (r"[A-Z]{2,5} EYES ONLY", ""),
)
_CAVEAT_RE = re.compile("|".join(f"(?<![A-Z0-9])(?:{p})(?![A-Z0-9])" for p, _ in _CAVEATS))

# Words that may stand next to a marking in a segment that is "just the marking".
_FILLER = frozenset({"CLASSIFICATION", "CLASSIFIE", "CLASSIFIED", "MARKING", "MENTION",
                     "NIVEAU", "LEVEL", "PROTECTION", "SPECIAL", "SPECIALE", "FRANCE",
                     "RELEASABLE", "TO", "REL", "ET", "AND", "COPY", "EXEMPLAIRE", "PAGE",
                     "SUR", "OF", "NO", "N", "NOFORN", "EYES", "ONLY", "FRA", "FR", "USA",
                     "GBR", "DEU", "NATO", "OTAN", "EU", "UE", "DOCUMENT", "CLASSE"})
_SEGMENTS = re.compile(r"\n|\r|\t|\u2028|\u2029| [—–|/-] |^[—–|/-] | [—–|/-]$")
# Glyphs that OCR confuses with the letters of marking words.
_OCR_LOOKALIKES = {"O": "[O0]", "I": "[I1L]", "S": "[S5]", "B": "[B8]"}


def _normalize(text: str) -> tuple[str, list[int]]:
    """Upper-case, accent-free, single-spaced ``text``, and for each of its characters
    the index of the original character it comes from."""
    out: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(c):
                continue
            c = c.upper() if c.isalnum() else " "
            if c == " " and (not out or out[-1][0] == " "):
                continue
            out.append((c, i))
    if out and out[-1][0] == " ":
        out.pop()
    return "".join(c for c, _ in out), [i for _, i in out]


def _pattern(spelling: str) -> str:
    """Regex for a spelling: any letter may be followed by one space (spaced or split OCR
    words, words glued together), and OCR look-alike glyphs are accepted."""
    letters = _normalize(spelling)[0].replace(" ", "")
    return " ?".join(_OCR_LOOKALIKES.get(c, re.escape(c)) for c in letters)


_SPELLINGS: list[tuple[str, Level]] = sorted(
    [(lv.label, lv) for lv in LEVELS] + [(a, _BY_LABEL[t]) for a, t in ALIASES.items()],
    key=lambda s: len(_normalize(s[0])[0]), reverse=True)  # longest first
_MATCHER = re.compile(r"(?<![A-Z0-9])(?:"
                      + "|".join(f"(?P<m{i}>{_pattern(s)})" for i, (s, _) in
                                 enumerate(_SPELLINGS))
                      + r")(?![A-Z0-9])")


_LOOKALIKE_MAP = str.maketrans({"0": "O", "1": "I", "L": "I", "5": "S", "8": "B"})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def _squash(text: str) -> str:
    """Accent-free capitals without spaces or punctuation, look-alike glyphs merged."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return _NOT_ALNUM.sub("", plain).translate(_LOOKALIKE_MAP)


# Quick pre-filter: a text can hold a marking only if one of these is a substring of its
# squashed form (every match of the full pattern is; most blocks hold none).
_SQUASHED = tuple(sorted({_squash(spelling) for spelling, _ in _SPELLINGS}, key=len))


def _may_contain(text: str) -> bool:
    squashed = _squash(text)
    return any(s in squashed for s in _SQUASHED)


@dataclass(frozen=True)
class Found:
    """One marking in the source: its level and where it was found."""

    level: Level
    where: str  # the block's kind: "header", "footer", "paragraph", "table_cell"…
    block: int  # block id
    text: str  # the occurrence as written in the source
    page: int | None = None  # 1-based page (PDF, scans) when the format has pages
    part: str = ""  # the block's container in the source ("header:1:default", "slide:3"…)
    caveats: tuple[str, ...] = ()


def find_in_text(text: str) -> list[tuple[Level, int, int]]:
    """(level, start, end) of every marking in ``text`` (offsets in ``text``)."""
    if not _may_contain(text):
        return []
    normalized, index = _normalize(text)
    out: list[tuple[Level, int, int]] = []
    for m in _MATCHER.finditer(normalized):
        level = _SPELLINGS[int((m.lastgroup or "m0")[1:])][1]
        out.append((level, index[m.start()], index[m.end() - 1] + 1))
    return out


def caveats_in(text: str) -> list[str]:
    """The caveats written in ``text`` ("SPÉCIAL FRANCE", "REL TO FRA USA"…)."""
    out = []
    for m in _CAVEAT_RE.finditer(_normalize(text)[0]):
        shown = next((name for pattern, name in _CAVEATS
                      if name and re.fullmatch(pattern, m.group())), m.group())
        out.append(shown)
    return list(dict.fromkeys(out))


def _stands_alone(text: str, hits: list[tuple[Level, int, int]]) -> bool:
    rest = text
    for _, start, end in sorted(hits, key=lambda h: h[1], reverse=True):
        rest = rest[:start] + " " + rest[end:]
    rest_norm = _CAVEAT_RE.sub(" ", _normalize(rest)[0])
    return all(w in _FILLER or w.isdigit() for w in rest_norm.split())


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(not c.islower() for c in letters)


def _segments(text: str) -> list[str]:
    return [s for s in _SEGMENTS.split(text) if s and s.strip()]


def _counts(segment: str, level: Level, written: str, alone: bool, running: bool) -> bool:
    shouting = _capitals(written)
    several_words = len(level.label.replace("-", " ").split()) > 1
    if alone and (shouting or several_words or running):
        return True
    if running:
        return shouting or several_words
    return shouting and not _capitals(segment)


def _page(block: Block) -> int | None:
    page = block.geometry.page if block.geometry else block.locator.page
    return page + 1 if page is not None else None


def _scan_block(block: Block) -> list[Found]:
    running = block.kind in (BlockKind.HEADER, BlockKind.FOOTER)
    found: dict[tuple[str, str], Found] = {}
    caveats = tuple(caveats_in(block.text))  # the caveats of a counted marking's block

    def scan(text: str, strict: bool) -> None:
        for segment in _segments(text):
            hits = find_in_text(segment)
            if not hits:
                continue
            alone = _stands_alone(segment, hits)
            for level, start, end in hits:
                written = segment[start:end]
                if (alone and _capitals(written)) if strict else \
                        _counts(segment, level, written, alone, running):
                    found.setdefault((level.label, written), Found(
                        level, block.kind.value, block.id, written, _page(block),
                        block.locator.part, caveats))

    scan(block.text, strict=False)
    if len({r.style for r in block.runs if r.text.strip()}) > 1:
        for run in block.runs:
            scan(run.text, strict=True)
    return list(found.values())


def find_markings(doc: Document) -> list[Found]:
    """Every marking of every block, in document order."""
    found: list[Found] = []
    for block in doc.blocks:
        if _may_contain(block.text):
            found.extend(_scan_block(block))
    return found


def spans(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` → ``"1–3, 5"``."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


@dataclass
class Place:
    """One marking, as written, in one kind of block, with every page and block it is on."""

    label: str
    kind: str
    part: str
    text: str
    caveats: tuple[str, ...] = ()
    pages: list[int] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)

    def where(self) -> str:
        if self.pages:
            word = "page" if len(self.pages) == 1 else "pages"
            return f"{word} {spans(self.pages)}, {self.kind}"
        return f"{self.part}, {self.kind}"

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "kind": self.kind, "part": self.part, "text": self.text,
                "caveats": list(self.caveats), "pages": self.pages, "blocks": self.blocks}


@dataclass
class MarkingDecision:
    """The marking a report carries, and why."""

    label: str  # "" when the source has none and the user gave none
    rank: int | None = None
    source: str = "none"  # "detected", "user" or "none"
    found: list[Found] = field(default_factory=list)
    conflict: bool = False
    warnings: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def grouped(self) -> list[Place]:
        """Where the markings were found: one entry per marking, kind of block and
        spelling (a running header repeated on 500 pages is one entry, not 500)."""
        groups: dict[tuple[object, ...], Place] = {}
        for f in self.found:
            key = (f.level.label, f.where, "" if f.page else f.part, f.text, f.caveats)
            place = groups.setdefault(key, Place(f.level.label, f.where, f.part, f.text,
                                                 f.caveats))
            if f.page and f.page not in place.pages:
                place.pages.append(f.page)
            place.blocks.append(f.block)
        return list(groups.values())

    def places(self) -> list[dict[str, object]]:
        """:meth:`grouped` as plain data, for the job notes and the audit line."""
        return [p.to_dict() for p in self.grouped()]

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "rank": self.rank, "source": self.source,
                "conflict": self.conflict, "caveats": self.caveats,
                "found": sorted({f.level.label for f in self.found}),
                "places": self.places()}


def level_of(text: str) -> Level | None:
    """The known level that ``text`` names exactly (accent, case and spacing aside)."""
    hits = find_in_text(text)
    if len(hits) == 1 and _stands_alone(text, hits):
        return hits[0][0]
    return None


def _with_caveats(label: str, caveats: list[str]) -> str:
    missing = [c for c in caveats if _normalize(c)[0] not in _normalize(label)[0]]
    return " ".join([label, *missing]) if label else label


def decide(doc: Document, override: str | None = None) -> MarkingDecision:
    """The report's marking: the user's override, else the highest detected one.

    Caveats found with any counted marking are appended to the detected label (they
    restrict who may read the document, so the report keeps them).
    """
    found = find_markings(doc)
    labels = list(dict.fromkeys(f.level.label for f in found))
    caveats = list(dict.fromkeys(c for f in found for c in f.caveats))
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
                               warnings, caveats)
    for w in warnings:
        log.warning("%s", w)
    if best is None:
        return MarkingDecision("", None, "none", found, False, warnings)
    return MarkingDecision(_with_caveats(best.label, caveats), best.rank, "detected", found,
                           conflict, warnings, caveats)


def known_label(label: str) -> bool:
    return label in _BY_LABEL
