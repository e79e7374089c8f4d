"""Extractive summary without any model: TextRank over TF-IDF sentence vectors (numpy).

Sentences keep their section heading as context, near-duplicates are skipped, and the
chosen sentences come back in document order, grouped under their headings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.document import RUNNING_KINDS, BlockKind, Document
from engines.segment import split_sentences

_WORD = re.compile(r"\w+", re.UNICODE)
DUPLICATE_COSINE = 0.6
MIN_WORDS = 4


@dataclass
class Sentence:
    text: str
    heading: str | None
    position: int  # order in the document
    block: int


def collect_sentences(doc: Document, lang: str | None = None) -> list[Sentence]:
    out: list[Sentence] = []
    heading: str | None = None
    lang = lang or doc.meta.language or "en"
    for block in doc.blocks:
        text = block.text.strip()
        if not text or block.kind in RUNNING_KINDS:
            continue
        if block.kind is BlockKind.HEADING:
            heading = text
            continue
        for seg in split_sentences(text, lang):
            if len(_WORD.findall(seg.text)) >= MIN_WORDS:
                out.append(Sentence(seg.text, heading, len(out), block.id))
    return out


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


def select(sentences: list[Sentence], count: int) -> list[Sentence]:
    if not sentences:
        return []
    vectors = _tfidf([s.text for s in sentences])
    scores = textrank(vectors)
    # Reports front-load their key points: a mild lead bias, and a bonus for the first
    # sentence of each section.
    n = len(sentences)
    for i, s in enumerate(sentences):
        scores[i] *= 1.0 + 0.3 * (1 - i / n)
        if i == 0 or sentences[i - 1].heading != s.heading:
            scores[i] *= 1.15
    chosen: list[int] = []
    for i in np.argsort(-scores):
        if len(chosen) >= count:
            break
        if any(float(vectors[i] @ vectors[j]) > DUPLICATE_COSINE for j in chosen):
            continue
        chosen.append(int(i))
    return [sentences[i] for i in sorted(chosen)]


def summarize_extractive(doc: Document, count: int, bullets: bool = False) -> str:
    picked = select(collect_sentences(doc), count)
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
