"""What an extractive summary must never pick: page furniture, navigation and non-prose.

Two sources of evidence, both cheap and format-independent:

* the document model — block kinds (running headers/footers, captions, footnotes, labels),
  paragraph style names (``TOC 1``, ``Caption``, ``PreformattedText``), monospaced runs,
  and the section a block sits in (a "Table des matières", "Index" or "Bibliography"
  heading makes everything under it navigation, until the next heading);
* the text itself — the ratio of letters, dot leaders, trailing page numbers, lines that
  repeat across the document (running headers a reader did not recognise), command
  prompts and code punctuation, URL-only lines, bibliography and caption patterns.

:func:`noise_reason` returns a short reason (``"dot leaders"``) or ``None`` for prose; the
reasons are shown by ``bench/summary_quality.py`` and the tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from app.document import Block, BlockKind

NON_PROSE_KINDS = {
    BlockKind.HEADER: "running header", BlockKind.FOOTER: "running footer",
    BlockKind.CAPTION: "caption", BlockKind.FOOTNOTE: "footnote", BlockKind.ENDNOTE: "endnote",
    BlockKind.LABEL: "label", BlockKind.ALT_TEXT: "picture description",
    BlockKind.COMMENT: "comment",
}

# Headings whose whole section is navigation or apparatus, not content.
_NAV_TITLE = re.compile(
    r"^\W*(?:\d+(?:\.\d+)*\.?\s+)?(?:table\s+des\s+mati[eè]res|sommaire|contents?|"
    r"table\s+of\s+contents|liste\s+des\s+(?:figures|tableaux|exemples|illustrations)|"
    r"list\s+of\s+(?:figures|tables|examples)|index(?:\s+\w+)?|bibliograph(?:ie|y)|"
    r"r[ée]f[ée]rences(?:\s+bibliographiques)?|references|works\s+cited|glossaire|"
    r"glossary|colophon)\W*$", re.IGNORECASE)

_STYLE_NOISE = [
    (re.compile(r"^(toc|table ?of ?contents|contents|index|tdm|inhalt)", re.I),
     "table of contents"),
    (re.compile(r"caption|l[ée]gende|beschriftung", re.I), "caption"),
    (re.compile(r"preformat|code|source ?text|verbatim|literal|program|console|screen|"
                r"macro|html ?pre", re.I), "code"),
    (re.compile(r"biblio", re.I), "bibliography entry"),
    (re.compile(r"header|footer|en-t[êe]te|pied", re.I), "running header"),
]

_MONO_FONT = re.compile(r"mono|courier|consol|typewriter|inconsolata|menlo|fixed|cmtt|"
                        r"lmmono|liberationmono|source ?code|fira ?code", re.I)

LEADER = re.compile(r"(?:\.\s?){4,}|…{2,}|(?:·\s?){3,}|_{4,}|(?:-\s?){6,}")
_ROMAN = r"[ivxlcdm]{1,7}"
PAGE_NUMBER = re.compile(
    rf"^\W*(?:page|p\.|seite)?\s*(?:\d{{1,4}}|{_ROMAN})(?:\s*(?:/|sur|of|de)\s*\d{{1,4}})?\W*$",
    re.IGNORECASE)
# "1.2 Title 14", "A.3 Multiarchitecture 57", "Chapter 3 Foo 12": numbered entry + page.
TOC_ENTRY = re.compile(
    rf"^\s*(?:(?:chapitre|chapter|annexe|appendix|partie|part|section)\s+)?"
    rf"(?:\d+|[A-Z]|{_ROMAN})(?:\.\d+)*\.?\s+\S.{{0,150}}?\s+(?:\d{{1,4}}|{_ROMAN})\s*$",
    re.IGNORECASE)
# Any short line that ends with a page number and no sentence punctuation.
TRAILING_PAGE = re.compile(r"^[^.!?]{1,120}?[^\d\s.,:;!?/-]\s+\d{1,4}\s*$")
# "Guide du nouveau responsable Debian 1 / 58": page x of y.
PAGE_OF = re.compile(r"\b\d{1,4}\s*/\s*\d{1,4}\s*$")
INDEX_ENTRY = re.compile(r"^[^.!?]{1,80}?,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}"
                         r"(?:\s*[-–]\s*\d{1,4})?)*\s*$")
CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|tableau|table|exemple|example|illustration|image|sch[ée]ma|"
    r"graphique|listing|photo|carte|map|chart|diagramme|abbildung|tabelle)\s*"
    r"(?:n[o°]\s*)?(?-i:\d+|[IVX]+|[A-Z])(?:[.\-–]\d+)*\s*[.:–—-]?\s", re.IGNORECASE)
BIBLIO = re.compile(
    r"^\s*\[\d{1,3}\]\s|"  # "[12] Author…" (reference or footnote list)
    r"^\s*\d{1,3}\.\s+[A-ZÀ-Ý][\w'’-]+,\s+[A-ZÀ-Ý]\.|"  # "3. Dupont, J. …"
    r"^\s*[A-ZÀ-Ý][\w'’-]+,\s+(?:[A-ZÀ-Ý]\.\s*)+(?:,|et|and|&|\()|"  # "Dupont, J. et …"
    r"\bISBN\b|\bdoi:\s*10\.|\bet al\.|\bpp?\.\s*\d+\s*[-–]\s*\d+")
URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)+/\S*")
# A shell prompt, or a line that starts with a command and its arguments.
PROMPT = re.compile(r"^\s*(?:[$#%>]|\w+@[\w.-]+:\S*[$#]|>>>|PS [A-Z]:\\)\s+\S")
COMMAND = re.compile(
    r"^\s*(?:sudo|apt(?:-get|-cache)?|aptitude|dpkg(?:-\w+)?|git|make|cd|ls|cat|echo|export|"
    r"chmod|chown|mkdir|rm|cp|mv|tar|grep|sed|awk|pip|python3?|debuild|dh_\w+|dch|quilt|"
    r"systemctl|mount|insmod|modprobe|ssh|scp|curl|wget)\s+[-\w./~$\"'=]+(?:\s|$)")
CODE_CHARS = re.compile(r"[{}\[\]<>|;=\\$`~^&*]")
_FOOTNOTE_START = re.compile(r"^\s*(?:\d{1,3}|[*†‡a-z])[.)]?\s")
COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|tous droits réservés|all rights reserved",
                       re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*\s*$")
_LETTER_RATIO_MIN = 0.62
_CODE_CHAR_MAX = 0.06


def _letters_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if c.isalpha()) / len(chars)


def normalize_line(text: str) -> str:
    """A key for "the same line": case, spaces and numbers (page numbers) folded."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\d+", "#", text)
    text = re.sub(rf"\b{_ROMAN}\s*$", "#", text)
    return re.sub(r"\s+", " ", text).strip()


def repeated_lines(blocks: Iterable[Block], min_count: int = 3) -> set[str]:
    """Short lines seen at least ``min_count`` times: running headers, footers, labels."""
    counts: Counter[str] = Counter()
    for b in blocks:
        text = b.text.strip()
        if text and len(text) <= 120:
            counts[normalize_line(text)] += 1
    return {k for k, n in counts.items() if n >= min_count}


def is_nav_heading(text: str) -> bool:
    return bool(_NAV_TITLE.match(text.strip()))


def body_font_size(blocks: Iterable[Block]) -> float | None:
    """The most common font size of paragraphs (fixed-layout documents only)."""
    sizes: Counter[float] = Counter()
    for b in blocks:
        if b.kind is BlockKind.PARAGRAPH and b.geometry is not None and b.geometry.size:
            sizes[round(b.geometry.size, 1)] += len(b.text)
    return sizes.most_common(1)[0][0] if sizes else None


def block_reason(block: Block, repeated: set[str] | None = None,
                 body_size: float | None = None) -> str | None:
    """Why a whole block is not prose to summarize, from its kind, style and fonts."""
    if (body_size and block.geometry is not None and block.geometry.size
            and block.geometry.size < 0.9 * body_size and _FOOTNOTE_START.match(block.text)):
        return "footnote (small print)"
    if block.kind in NON_PROSE_KINDS:
        return NON_PROSE_KINDS[block.kind]
    if block.style_name:
        for pattern, reason in _STYLE_NOISE:
            if pattern.search(block.style_name):
                return reason
    chars = sum(len(r.text.strip()) for r in block.runs)
    mono = sum(len(r.text.strip()) for r in block.runs
               if r.style.font and _MONO_FONT.search(r.style.font))
    geometry_mono = block.geometry is not None and bool(
        block.geometry.font and _MONO_FONT.search(block.geometry.font))
    if chars and (mono / chars > 0.5 or (geometry_mono and mono == 0 and not any(
            r.style.font for r in block.runs))):
        return "code (monospaced)"
    if repeated is not None and normalize_line(block.text) in repeated:
        return "repeated line (running header or label)"
    return None


def text_reason(text: str) -> str | None:
    """Why a line or sentence is not prose, from its text alone (None: prose)."""
    t = text.strip()
    if not t:
        return "empty"
    if is_nav_heading(t):
        return "table-of-contents or index title"
    if LEADER.search(t):
        return "dot leaders"
    if PAGE_NUMBER.match(t):
        return "page number"
    if PAGE_OF.search(t) and len(t) < 120:
        return "running header (page x / y)"
    if TOC_ENTRY.match(t) and not _SENTENCE_END.search(t):
        return "table-of-contents entry"
    if TRAILING_PAGE.match(t):
        return "trailing page number"
    if INDEX_ENTRY.match(t):
        return "index entry"
    if CAPTION.match(t):
        return "caption"
    if BIBLIO.search(t):
        return "bibliography entry"
    if COPYRIGHT.search(t):
        return "copyright notice"
    without_urls = URL.sub(" ", t)
    if URL.search(t) and len(re.findall(r"[^\W\d_]{2,}", without_urls)) < 4:
        return "URL only"
    if PROMPT.match(t) or (COMMAND.match(t) and (
            not _SENTENCE_END.search(t) or re.match(r"^\s*\S+\s+-", t))):
        return "command line"
    if _letters_ratio(without_urls) < _LETTER_RATIO_MIN:
        return "few letters (numbers, code or symbols)"
    chars = max(1, len(without_urls.replace(" ", "")))
    if len(CODE_CHARS.findall(without_urls)) / chars > _CODE_CHAR_MAX:
        return "code punctuation"
    if re.search(r"\b\w+(?:::[\w-]+)+|%[a-zA-Z]\b|\$\{?[A-Za-z_]", t):
        return "code identifiers (A::B, %x, ${…})"
    if re.search(r"\{\s*$|^\s*\}|^\s*//|^\s*/\*|\)\s*\{|^\s*#\s*(?:include|define|!)", t):
        return "code"
    return None


def block_text_reason(text: str) -> str | None:
    """:func:`text_reason` for a whole block: all of it when short, else the tell-tale
    starts and leaders only (a long paragraph is not dropped for one odd sentence)."""
    t = text.strip()
    if len(t) < 300:
        return text_reason(t)
    if LEADER.search(t):
        return "dot leaders"
    if re.match(r"^\s*\[\d{1,3}\]\s", t):
        return "bibliography entry"
    return None


def sentence_reason(text: str) -> str | None:
    """Like :func:`text_reason`, plus: a summary sentence must be a complete sentence."""
    reason = text_reason(text)
    if reason:
        return reason
    if not _SENTENCE_END.search(text.strip()):
        return "not a complete sentence (title, fragment or list lead-in)"
    return None
