"""Split a document into chunks that fit a token budget, along block and section lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.document import RUNNING_KINDS, BlockKind, Document
from engines.segment import split_sentences


@dataclass
class Chunk:
    text: str
    tokens: int
    headings: list[str] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)


def _pieces(doc: Document, count: Callable[[str], int], budget: int
            ) -> list[tuple[str, int, int, bool]]:
    """(text, tokens, block id, starts a section) for each block, splitting huge blocks."""
    out: list[tuple[str, int, int, bool]] = []
    for b in doc.blocks:
        text = b.text.strip()
        if not text or b.kind in RUNNING_KINDS:
            continue
        if b.kind is BlockKind.HEADING:
            text = f"## {text}"
        n = count(text)
        if n <= budget:
            out.append((text, n, b.id, b.kind is BlockKind.HEADING))
            continue
        part: list[str] = []
        part_tokens = 0
        for seg in split_sentences(text, doc.meta.language):
            t = count(seg.text)
            if part and part_tokens + t > budget:
                out.append((" ".join(part), part_tokens, b.id, False))
                part, part_tokens = [], 0
            if t > budget:  # one enormous "sentence": cut by characters
                step = max(200, len(seg.text) * budget // max(t, 1))
                for i in range(0, len(seg.text), step):
                    piece = seg.text[i:i + step]
                    out.append((piece, count(piece), b.id, False))
                continue
            part.append(seg.text)
            part_tokens += t
        if part:
            out.append((" ".join(part), part_tokens, b.id, False))
    return out


def chunk_document(doc: Document, budget: int, count: Callable[[str], int]) -> list[Chunk]:
    """Greedy packing; a new section starts a new chunk when the current one is half full."""
    chunks: list[Chunk] = []
    cur = Chunk("", 0)
    for text, n, block, section in _pieces(doc, count, budget):
        starts_new = cur.tokens and (cur.tokens + n + 1 > budget
                                     or (section and cur.tokens > budget // 2))
        if starts_new:
            chunks.append(cur)
            cur = Chunk("", 0)
        cur.text = f"{cur.text}\n{text}" if cur.text else text
        cur.tokens += n + 1
        cur.blocks.append(block)
        if section:
            cur.headings.append(text.lstrip("# "))
    if cur.tokens:
        chunks.append(cur)
    return chunks
