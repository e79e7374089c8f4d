"""Extractive summary without any model: section-aware TextRank over TF-IDF vectors (numpy).

1. Only prose is eligible: :mod:`app.summarize.noise` drops page furniture, tables of
   contents, indexes, code, captions, bibliography and fragments (block kinds, styles,
   fonts and text heuristics).
2. The document's top-level sections are found from its headings (the shallowest level
   that actually divides the text); each section gets a share of the sentences in
   proportion to its size, at least one when there are enough sentences to go round.
3. Inside a section, sentences are ranked by TextRank (vocabulary and IDF of the whole
   document); near-duplicates are skipped.
4. The chosen sentences come back in document order, under their section headings.

The number of sentences grows slowly with the length: 3 / 6 / 12 for a page, about
5 / 10 / 20 for a 100-page document (:func:`sentence_count`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.document import BlockKind, Document
from app.summarize.noise import (
    block_reason,
    block_text_reason,
    body_font_size,
    is_nav_heading,
    repeated_lines,
    sentence_reason,
)
from engines.segment import split_sentences

_WORD = re.compile(r"\w+", re.UNICODE)
_LABEL_HEADING = re.compile(r"^(?:chapitre|chapter|annexe|appendix|partie|part|livre|book)"
                            r"\s+[\dIVXA-Z]+\.?$", re.IGNORECASE)
_ADMONITION = re.compile(r"^(?:note|notes|astuce|attention|avertissement|important|remarque|"
                         r"tip|warning|caution|danger|info|conseil|exemple|example)\W*$",
                         re.IGNORECASE)
_LEAD_IN = re.compile(r"\b(?:here (?:is|are)|voici|voil[àa]|the following|as follows|"
                      r"ci-dessous|ci-apr[èe]s|suivante?s?\s*[.:]?$|below\s*[.:]?$|"
                      r"for example|par exemple|example)\b", re.IGNORECASE)
DUPLICATE_COSINE = 0.6
MIN_WORDS = 5
MAX_WORDS = 70
BASE_SENTENCES = {"brief": 3, "standard": 6, "detailed": 12}
WORDS_PER_PAGE = 350


@dataclass
class Sentence:
    text: str
    heading: str | None  # the nearest heading
    position: int  # order in the document
    block: int
    section: int = -1  # index of its top-level section, -1 before the first
    page: int | None = None


@dataclass
class Section:
    title: str
    level: int
    sentences: list[int] = field(default_factory=list)


@dataclass
class Outline:
    """Eligible sentences and the top-level sections they belong to."""

    sentences: list[Sentence]
    sections: list[Section]
    preamble: list[int] = field(default_factory=list)  # sentences before any section
    dropped: Counter[str] = field(default_factory=Counter)  # reason → count


def estimated_pages(doc: Document) -> int:
    if doc.meta.page_count:
        return doc.meta.page_count
    words = sum(len(_WORD.findall(b.text)) for b in doc.blocks)
    return max(1, round(words / WORDS_PER_PAGE))


def sentence_count(length: str, pages: int) -> int:
    """3/6/12 sentences for one page, about 5/10/20 for 100 pages, 6/11/22 for 300."""
    base = BASE_SENTENCES[length]
    return max(1, round(base * (1 + math.log10(max(1, pages)) / 3)))


def _headings(doc: Document) -> list[tuple[int, str, int]]:
    """(block index, title, level) of real headings; "Chapitre 1" is joined to its title."""
    out: list[tuple[int, str, int]] = []
    label: tuple[str, int] | None = None
    for i, b in enumerate(doc.blocks):
        if b.kind is not BlockKind.HEADING or not b.text.strip():
            continue
        text = " ".join(b.text.split())
        if _ADMONITION.match(text):  # "Note", "Astuce": a label, not a section
            continue
        if _LABEL_HEADING.match(text):
            label = (text, b.level)
            continue
        level = b.level
        if label is not None:
            text, level = f"{label[0]} — {text}", min(level, label[1])
            label = None
        out.append((i, text, level))
    return out


def collect(doc: Document, lang: str | None = None) -> Outline:
    """The eligible sentences of ``doc``, their headings and top-level sections."""
    lang = lang or doc.meta.language or "en"
    repeated = repeated_lines(doc.blocks)
    body_size = body_font_size(doc.blocks)
    headings = {i: (t, lv) for i, t, lv in _headings(doc)}
    top = _top_level(doc, headings)
    outline = Outline([], [])
    heading: str | None = None
    nav_level: int | None = None  # inside a "Table des matières" / "Index" section
    section = -1
    for i, block in enumerate(doc.blocks):
        if block.kind is BlockKind.HEADING:
            if i not in headings:
                continue
            title, level = headings[i]
            if nav_level is not None and level <= nav_level:
                nav_level = None
            if is_nav_heading(title):
                nav_level = level if nav_level is None else nav_level
                continue
            if nav_level is not None:
                continue
            heading = title
            if level == top and not is_nav_heading(title):
                outline.sections.append(Section(title, level))
                section = len(outline.sections) - 1
            continue
        text = block.text.strip()
        if not text:
            continue
        if nav_level is not None:
            outline.dropped["inside a table of contents, index or bibliography"] += 1
            continue
        reason = block_reason(block, repeated, body_size) or block_text_reason(text)
        if reason:
            outline.dropped[reason] += 1
            continue
        page = block.geometry.page if block.geometry else block.locator.page
        for seg in split_sentences(text, lang):
            s = " ".join(seg.text.split())
            words = len(_WORD.findall(s))
            reason = sentence_reason(s)
            if reason is None and not MIN_WORDS <= words <= MAX_WORDS:
                reason = "too short" if words < MIN_WORDS else "too long (run-on or merged list)"
            if reason:
                outline.dropped[reason] += 1
                continue
            index = len(outline.sentences)
            outline.sentences.append(Sentence(s, heading, index, block.id, section, page))
            if section >= 0:
                outline.sections[section].sentences.append(index)
            else:
                outline.preamble.append(index)
    outline.sections = [s for s in outline.sections if s.sentences] or outline.sections
    return outline


def _top_level(doc: Document, headings: dict[int, tuple[str, int]]) -> int | None:
    """The shallowest heading level with at least two content headings."""
    levels = Counter(lv for t, lv in headings.values() if not is_nav_heading(t))
    for level in sorted(levels):
        if levels[level] >= 2:
            return level
    return min(levels) if levels else None


def collect_sentences(doc: Document, lang: str | None = None) -> list[Sentence]:
    return collect(doc, lang).sentences


def _tfidf(sentences: list[str]) -> np.ndarray:
    tokens = [[w for w in _WORD.findall(s.lower()) if len(w) > 2 or w.isdigit()]
              for s in sentences]
    df: Counter[str] = Counter()
    for t in tokens:
        df.update(set(t))
    vocab = {w: i for i, w in enumerate(sorted(df))}
    n = len(sentences)
    matrix = np.zeros((n, max(1, len(vocab))), dtype=np.float32)
    for row, t in enumerate(tokens):
        for word, count in Counter(t).items():
            idf = math.log((1 + n) / (1 + df[word])) + 1.0
            matrix[row, vocab[word]] = (1 + math.log(count)) * idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def textrank(vectors: np.ndarray, damping: float = 0.85, iterations: int = 60) -> np.ndarray:
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, 0.0)
    sim[sim < 0.05] = 0.0
    row_sums = sim.sum(axis=1, keepdims=True)
    n = len(sim)
    transition = np.where(row_sums > 0, sim / np.maximum(row_sums, 1e-9), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        new = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(new - scores).sum() < 1e-6:
            scores = new
            break
        scores = new
    return np.asarray(scores)


def allocate(sizes: list[int], count: int) -> list[int]:
    """Sentences per section: at least one each when ``count`` allows, the rest in
    proportion to size (largest remainder); else one each for the largest sections."""
    n = len(sizes)
    quota = [0] * n
    if not n or count <= 0:
        return quota
    if count < sum(1 for s in sizes if s):
        for i in sorted(range(n), key=lambda i: -sizes[i])[:count]:
            quota[i] = 1
        return quota
    quota = [1 if s else 0 for s in sizes]
    rest = count - sum(quota)
    total = sum(sizes) or 1
    shares = [rest * s / total for s in sizes]
    quota = [q + int(sh) for q, sh in zip(quota, shares, strict=True)]
    left = count - sum(quota)
    for i in sorted(range(n), key=lambda i: -(shares[i] - int(shares[i])))[:left]:
        quota[i] += 1
    return [min(q, s) for q, s in zip(quota, sizes, strict=True)]


def _rank_group(vectors: np.ndarray, members: list[int], sentences: list[Sentence]
                ) -> list[int]:
    """Members of one section, best first."""
    sub = vectors[members]
    scores = textrank(sub) if len(members) > 1 else np.ones(1)
    n = len(members)
    for k, i in enumerate(members):
        words = len(_WORD.findall(sentences[i].text))
        scores[k] *= 1.0 + 0.2 * (1 - k / n)  # mild lead bias inside the section
        scores[k] *= min(1.0, words / 12)  # short sentences say little
        if k == 0 or sentences[members[k - 1]].heading != sentences[i].heading:
            scores[k] *= 1.15  # first sentence under a heading
        if _LEAD_IN.search(sentences[i].text):
            scores[k] *= 0.3  # "Here is a list of…": announces what follows, says nothing
    return [members[k] for k in np.argsort(-scores, kind="stable")]


def select_outline(outline: Outline, count: int) -> list[Sentence]:
    sentences = outline.sentences
    if not sentences or count <= 0:
        return []
    vectors = _tfidf([s.text for s in sentences])
    groups = ([outline.preamble] if outline.preamble else []) + [
        s.sentences for s in outline.sections]
    sizes = [sum(len(_WORD.findall(sentences[i].text)) for i in g) for g in groups]
    quota = allocate(sizes, count)
    chosen: list[int] = []
    spare: list[int] = []
    for group, q in zip(groups, quota, strict=True):
        taken = 0
        for i in _rank_group(vectors, group, sentences):
            if any(float(vectors[i] @ vectors[j]) > DUPLICATE_COSINE for j in chosen):
                continue
            if taken < q:
                chosen.append(i)
                taken += 1
            else:
                spare.append(i)
                if len(spare) > 4 * count:
                    break
    for i in spare:  # a section ran out of distinct sentences: fill from the others
        if len(chosen) >= count:
            break
        if not any(float(vectors[i] @ vectors[j]) > DUPLICATE_COSINE for j in chosen):
            chosen.append(i)
    return [sentences[i] for i in sorted(chosen)]


def select(sentences: list[Sentence], count: int) -> list[Sentence]:
    """Rank a flat list of sentences (no section structure)."""
    return select_outline(Outline(sentences, [], list(range(len(sentences)))), count)


def summarize_extractive(doc: Document, count: int | str, bullets: bool = False) -> str:
    """``count`` is a number of sentences or a length name (brief, standard, detailed)."""
    return render(pick(doc, count), bullets)


def pick(doc: Document, count: int | str) -> list[Sentence]:
    outline = collect(doc)
    n = sentence_count(count, estimated_pages(doc)) if isinstance(count, str) else count
    picked = select_outline(outline, n)
    titles = {i: s.title for i, s in enumerate(outline.sections)}
    for s in picked:  # headings as context: the section, and the sub-heading under it
        top = titles.get(s.section)
        if top and s.heading and s.heading != top:
            s.heading = f"{top} › {s.heading}"
        elif top:
            s.heading = top
    return picked


def render(picked: list[Sentence], bullets: bool = False) -> str:
    lines: list[str] = []
    current: str | None = None
    paragraph: list[str] = []
    for s in picked:
        if s.heading != current:
            if paragraph:
                lines.append(" ".join(paragraph) if not bullets else "\n".join(paragraph))
                paragraph = []
            if s.heading:
                lines.append(f"**{s.heading}**")
            current = s.heading
        paragraph.append(f"- {s.text}" if bullets else s.text)
    if paragraph:
        lines.append(" ".join(paragraph) if not bullets else "\n".join(paragraph))
    return "\n\n".join(lines)
