"""Project the styled spans of a source block (bold, italic, underline, colour, link)
onto its translation, so that a bolded term stays bold in the target.

Blocks are translated as whole sentences; the styles come back by one of three means,
tried in this order:

1. **Tags** (engines without alignment, e.g. pseudo or an LLM): each styled span is
   wrapped in a numbered marker (``<b1>…</b1>``) before translation and the markers
   are parsed out of the result (:func:`markup`, :func:`unmarkup`).
2. **Attention alignment** (CTranslate2): the engine gives, for each target piece,
   the source characters it attends to most (:class:`Aligner`); each target word
   takes the style of the source span it is aligned to (:func:`project_alignment`).
3. **Position heuristic**, last resort: a styled span whose text is found verbatim in
   the translation keeps it, otherwise it lands at the same relative position.

Whatever the means, every styled span of the source yields exactly one span in the
target (never dropped, never split), so the fidelity report can compare the counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.document import Block, Run, Style, TranslationStatus
from engines.segment import split_sentences
from engines.translate.base import Aligner, CharAlignment, find_aligner

if TYPE_CHECKING:
    from app.pipeline.base import Job

log = logging.getLogger(__name__)


# A tolerant marker: engines may change the letter (pseudo accents it) or add spaces.
_TAG_RE = re.compile(r"<\s*(/?)\s*[^\W\d_]{0,3}\s*(\d{1,3})\s*/?\s*>")
_WORD_RE = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")
BACKGROUND = -1


# --- Source spans ------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    style: Style


def source_spans(runs: Sequence[Run]) -> tuple[Style, list[Span]]:
    """The background style (dominant plain one) and the styled spans to project.

    A span is a maximal stretch of one non-background style, whitespace trimmed;
    whitespace-only runs between two runs of the same style do not split it.
    """
    weights: dict[Style, int] = {}
    for r in runs:
        if r.text.strip():
            weights[r.style] = weights.get(r.style, 0) + len(r.text.strip())
    if not weights:
        return Style(), []
    plain = {s: w for s, w in weights.items() if s.is_plain()}
    pool = plain or weights
    background = max(pool, key=lambda s: pool[s])
    spans: list[Span] = []
    pos = 0
    for r in runs:
        start, pos = pos, pos + len(r.text)
        if not r.text.strip():
            continue
        lead = len(r.text) - len(r.text.lstrip())
        s, e = start + lead, start + len(r.text.rstrip())
        if r.style == background:
            continue
        if spans and spans[-1].style == r.style and _only_blank_between(runs, spans[-1].end, s):
            spans[-1] = Span(spans[-1].start, e, r.style)
        else:
            spans.append(Span(s, e, r.style))
    return background, spans


def _only_blank_between(runs: Sequence[Run], a: int, b: int) -> bool:
    return not "".join(r.text for r in runs)[a:b].strip()


def needs_projection(block: Block) -> bool:
    return not block.is_uniform() and bool(source_spans(block.runs)[1])


# --- 1. Tags -------------------------------------------------------------------------

@dataclass(frozen=True)
class Markup:
    text: str  # the source text with markers
    background: Style
    spans: list[Span]


def _letter(style: Style) -> str:
    if style.link:
        return "a"
    if style.bold:
        return "b"
    if style.italic:
        return "i"
    return "u" if style.underline else "s"


def markup(runs: Sequence[Run]) -> Markup | None:
    """Wrap each styled span in ``<bN>…</bN>``; None when there is nothing to mark or
    the text already contains something that looks like a marker."""
    text = "".join(r.text for r in runs)
    background, spans = source_spans(runs)
    if not spans or _TAG_RE.search(text):
        return None
    out: list[str] = []
    pos = 0
    for n, span in enumerate(spans, 1):
        tag = _letter(span.style)
        out.append(f"{text[pos:span.start]}<{tag}{n}>{text[span.start:span.end]}</{tag}{n}>")
        pos = span.end
    out.append(text[pos:])
    return Markup("".join(out), background, spans)


def strip_markers(text: str) -> str:
    """Remove every marker, and the doubled space one may leave."""
    return re.sub(r"(?<=\S)  (?=\S)", " ", _TAG_RE.sub("", text))


def unmarkup(translated: str, mk: Markup) -> list[Run] | None:
    """Runs of the translation, styled from its markers; None when they are broken
    (a span missing, repeated, unbalanced, crossed or empty)."""
    pieces: list[tuple[str, int]] = []  # (text, span index or BACKGROUND)
    current, pos, seen = BACKGROUND, 0, set()
    for m in _TAG_RE.finditer(translated):
        pieces.append((translated[pos:m.start()], current))
        pos = m.end()
        closing, n = m.group(1) == "/", int(m.group(2)) - 1
        if not 0 <= n < len(mk.spans):
            return None
        if closing:
            if current != n:
                return None
            current = BACKGROUND
        else:
            if current != BACKGROUND or n in seen:
                return None
            current = n
            seen.add(n)
    pieces.append((translated[pos:], current))
    if current != BACKGROUND or len(seen) != len(mk.spans):
        return None
    if any(not text.strip() for text, label in pieces if label != BACKGROUND):
        return None
    return _runs_from_pieces(pieces, mk)


def _runs_from_pieces(pieces: list[tuple[str, int]], mk: Markup) -> list[Run]:
    """Join the pieces; spaces an engine put inside a marker move outside it, and a
    junction never doubles a space."""
    flat: list[tuple[str, int]] = []
    for text, label in pieces:
        if label == BACKGROUND:
            flat.append((text, label))
            continue
        core = text.strip()
        lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        flat += [(lead, BACKGROUND), (core, label), (trail, BACKGROUND)]
    out, labels = "", []
    for text, label in flat:
        if out.endswith(" ") and text.startswith(" "):
            text = text.lstrip(" ")
        out += text
        labels += [label] * len(text)
    return _build_runs(out, labels, mk.background, mk.spans)


# --- Word-level projection shared by alignment and heuristic -----------------------

@dataclass(frozen=True)
class Word:
    start: int
    end: int


def target_words(text: str) -> list[Word]:
    return [Word(m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _label_at(spans: Sequence[Span], pos: int) -> int:
    for n, s in enumerate(spans):
        if s.start <= pos < s.end:
            return n
    return BACKGROUND


def project_alignment(runs: Sequence[Run], translation: str,
                      alignment: CharAlignment) -> list[Run]:
    """Style each target word like the source span its aligned pieces point to."""
    background, spans = source_spans(runs)
    words = target_words(translation)
    votes = [[0.0] * (len(spans) + 1) for _ in words]
    for ts, te, ss, se in alignment:
        for w, word in enumerate(words):
            overlap = min(te, word.end) - max(ts, word.start)
            if overlap <= 0:
                continue
            for pos in range(ss, se):
                votes[w][_label_at(spans, pos)] += overlap / max(se - ss, 1)
    return _project_votes(translation, words, votes, background, spans,
                          len("".join(r.text for r in runs)))


def project_heuristic(runs: Sequence[Run], translation: str) -> list[Run]:
    """No alignment: a span found verbatim keeps its words, the others land at the
    same relative position."""
    background, spans = source_spans(runs)
    source = "".join(r.text for r in runs)
    words = target_words(translation)
    votes = [[0.0] * (len(spans) + 1) for _ in words]
    lowered = translation.lower()
    placed: set[int] = set()
    for n, span in enumerate(spans):
        needle = source[span.start:span.end].lower()
        at = lowered.find(needle) if needle else -1
        if at < 0:
            continue
        placed.add(n)
        for w, word in enumerate(words):
            if word.start < at + len(needle) and at < word.end:
                votes[w][n] += 2.0
    for w, word in enumerate(words):
        mid = (word.start + word.end) / 2 / max(len(translation), 1)
        n = _label_at(spans, int(mid * len(source)))
        if n != BACKGROUND and n not in placed:
            votes[w][n] += 0.5
    return _project_votes(translation, words, votes, background, spans, len(source))


def _project_votes(translation: str, words: list[Word], votes: list[list[float]],
                   background: Style, spans: list[Span], source_len: int) -> list[Run]:
    """One contiguous target stretch per source span, chosen from the word votes; a
    span no word voted for takes the free word at its relative position."""
    labels = [max(range(len(v)), key=lambda k: (v[k], k == len(v) - 1)) for v in votes]
    labels = [BACKGROUND if lab == len(spans) else lab for lab in labels]
    for n in range(len(spans)):
        mine = [w for w, lab in enumerate(labels) if lab == n]
        if not mine and words:
            free = ([w for w, lab in enumerate(labels) if lab == BACKGROUND]
                    or list(range(len(words))))
            where = (spans[n].start + spans[n].end) / 2 / max(source_len, 1) * len(translation)
            best = max(free, key=lambda w: (votes[w][n], -abs(words[w].start - where)))
            labels[best] = n
            continue
        if mine:
            for w in range(mine[0], mine[-1] + 1):
                if labels[w] == BACKGROUND:
                    labels[w] = n
            _keep_one_stretch(labels, n, votes)
    chars = [BACKGROUND] * len(translation)
    for word, lab in zip(words, labels, strict=True):
        for i in range(word.start, word.end):
            chars[i] = lab
    _fill_gaps(chars)
    return _build_runs(translation, chars, background, spans)


def _keep_one_stretch(labels: list[int], n: int, votes: list[list[float]]) -> None:
    """If span ``n`` got several stretches (another span in between), keep the best."""
    stretches: list[list[int]] = []
    for w, lab in enumerate(labels):
        if lab == n:
            if stretches and stretches[-1][-1] == w - 1:
                stretches[-1].append(w)
            else:
                stretches.append([w])
    if len(stretches) <= 1:
        return
    best = max(stretches, key=lambda s: sum(votes[w][n] for w in s))
    for s in stretches:
        if s is not best:
            for w in s:
                labels[w] = BACKGROUND


def _fill_gaps(chars: list[int]) -> None:
    """Spaces and punctuation between two words of one span belong to that span."""
    last, last_label = -1, BACKGROUND
    for i, lab in enumerate(chars):
        if lab == BACKGROUND:
            continue
        if lab == last_label and last >= 0:
            for j in range(last + 1, i):
                chars[j] = lab
        last, last_label = i, lab


def _build_runs(text: str, labels: list[int], background: Style,
                spans: list[Span]) -> list[Run]:
    runs: list[Run] = []
    for c, lab in zip(text, labels, strict=True):
        style = background if lab == BACKGROUND else spans[lab].style
        if runs and runs[-1].style == style:
            runs[-1].text += c
        else:
            runs.append(Run(c, style))
    return runs


# --- Pipeline glue -------------------------------------------------------------------

class TagPlan:
    """The blocks whose source goes to the engine with markers: mixed-style blocks,
    when no engine in the chain can align (an aligner is preferred: small NMT models
    garble markers, see tests/app/test_align.py)."""

    def __init__(self, marks: dict[int, Markup]) -> None:
        self.marks = marks

    @classmethod
    def for_blocks(cls, blocks: Sequence[Block], translator: Any) -> TagPlan:
        if find_aligner(translator) is not None:
            return cls({})
        marks = {}
        for b in blocks:
            mk = markup(b.runs) if not b.is_uniform() else None
            if mk is not None:
                marks[b.id] = mk
        return cls(marks)

    def texts(self, blocks: Sequence[Block]) -> list[str]:
        return [self.marks[b.id].text if b.id in self.marks else b.text for b in blocks]

    def finish(self, block: Block) -> None:
        """Turn a marked translation into text and styled runs; broken markers are
        stripped and the runs left for :class:`ProjectStylesStage` to project."""
        mk = self.marks.get(block.id)
        t = block.translation
        if mk is None or t.status is not TranslationStatus.TRANSLATED:
            return
        runs = unmarkup(t.text, mk)
        if runs is None:
            log.info("Block %d: style markers lost in translation, projecting instead", block.id)
            t.text, t.runs = strip_markers(t.text), []
        else:
            t.text, t.runs = "".join(r.text for r in runs), runs


ALIGN_BATCH = 16


@dataclass
class ProjectStylesStage:
    """Fill ``translation.runs`` of mixed-style blocks that the tags did not cover."""

    name: str = "styles"
    weight: float = 0.3

    def process(self, job: Job) -> None:
        doc = job.doc
        todo = [b for b in doc.blocks if b.translation.status is TranslationStatus.TRANSLATED
                and not b.translation.runs and needs_projection(b)]
        aligner = find_aligner(job.translator) if todo else None
        alignments: dict[int, CharAlignment] = {}
        if aligner is not None:
            tgt = job.config.target_lang
            for n in range(0, len(todo), ALIGN_BATCH):
                job.check_cancel()
                job.report(n / len(todo), "Aligning styled words")
                alignments.update(_align(aligner, todo[n:n + ALIGN_BATCH],
                                         doc.meta.language or "en", tgt))
        for b in todo:
            al = alignments.get(b.id)
            t = b.translation
            t.runs = (project_alignment(b.runs, t.text, al) if al is not None
                      else project_heuristic(b.runs, t.text))
        log.info("Styles projected on %d blocks (%d by alignment)", len(todo), len(alignments))


def _align(aligner: Aligner, blocks: Sequence[Block], default_src: str,
           tgt: str) -> dict[int, CharAlignment]:
    out: dict[int, CharAlignment] = {}
    by_lang: dict[str, list[Block]] = {}
    for b in blocks:
        by_lang.setdefault(b.language or default_src, []).append(b)
    for src, group in by_lang.items():
        pairs = [_sentence_pairs(b.text, b.translation.text, src, tgt) for b in group]
        flat = [p for block_pairs in pairs for p in block_pairs]
        try:
            found = aligner.align([p[0] for p in flat], [p[2] for p in flat], src, tgt)
        except Exception as exc:  # alignment is an enhancement: fall back, never fail
            log.warning("Alignment failed (%s); using the position heuristic", exc)
            continue
        it = iter(zip(flat, found, strict=True))
        for b, block_pairs in zip(group, pairs, strict=True):
            merged: CharAlignment = []
            for _ in block_pairs:
                (_, s_off, _, t_off), al = next(it)
                merged += [(a + t_off, e + t_off, c + s_off, d + s_off) for a, e, c, d in al]
            out[b.id] = merged
    return out


def _sentence_pairs(source: str, target: str, src: str,
                    tgt: str) -> list[tuple[str, int, str, int]]:
    """(source sentence, its offset, target sentence, its offset): sentence by sentence
    when both sides split into as many sentences (models align short inputs best and
    truncate long ones), else the whole block."""
    s_segs, t_segs = split_sentences(source, src), split_sentences(target, tgt)
    if len(s_segs) < 2 or len(s_segs) != len(t_segs):
        return [(source, 0, target, 0)]
    pairs, s_pos, t_pos = [], 0, 0
    for s, t in zip(s_segs, t_segs, strict=True):
        s_pos, t_pos = s_pos + len(s.lead), t_pos + len(t.lead)
        pairs.append((s.text, s_pos, t.text, t_pos))
        s_pos, t_pos = s_pos + len(s.text) + len(s.trail), t_pos + len(t.text) + len(t.trail)
    return pairs
