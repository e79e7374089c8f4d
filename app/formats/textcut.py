"""Cut a translation where the source text was cut by inline objects, and pick styles.

Shared by the writers that put translated text back between fields, note marks,
images or other inline objects (DOCX, DrawingML, OpenDocument).
"""

from __future__ import annotations

import re

from app.document import Block, Run, Style


def dominant_style(styles_and_lengths: list[tuple[Style, int]]) -> Style:
    """The style covering the most characters."""
    weights: dict[Style, int] = {}
    for style, n in styles_and_lengths:
        weights[style] = weights.get(style, 0) + n
    return max(weights, key=lambda s: weights[s])


def target_runs(block: Block, source: list[Run]) -> list[Run]:
    """The styled runs to write for a translated block: the projected spans, else the
    whole translation in the source's style (the dominant one when it was mixed)."""
    t = block.translation
    if t.runs:
        return t.runs
    if block.is_uniform() or not source:
        return [Run(t.text, source[0].style if source else Style())]
    return [Run(t.text, dominant_style([(r.style, len(r.text)) for r in source]))]


def split_points(source: str, offsets: list[int], target: str) -> list[int]:
    """Where to cut ``target`` for each cut ``offset`` of ``source``: at the same
    relative place, moved to a word boundary (preferably after punctuation when the
    source cut follows punctuation, as a note mark after a sentence), never backwards."""
    if not offsets:  # no inline object: nothing to cut (most paragraphs)
        return []
    bounds = [m.start() for m in _SPACE.finditer(target)] + [len(target)]
    cuts: list[int] = []
    for offset in offsets:
        if offset >= len(source.rstrip()):
            cuts.append(len(target))
            continue
        want = offset / max(len(source), 1) * len(target)
        after_punct = source[:offset].rstrip()[-1:] in _PUNCT
        floor = cuts[-1] if cuts else 0

        def cost(b: int, _want: float = want, _punct: bool = after_punct) -> float:
            match = target[:b].rstrip()[-1:] in _PUNCT
            return abs(b - _want) * (0.3 if _punct and match else 1.0)

        cands = [b for b in bounds if b >= floor] or [len(target)]
        cuts.append(min(cands, key=cost))
    return cuts


_PUNCT = set(".!?;:…»)]\"”。！？")
_SPACE = re.compile(r"\s")


def cut_runs(new_runs: list[Run], cuts: list[int]) -> list[list[Run]]:
    """Split styled runs at character offsets ``cuts`` (one more piece than cuts)."""
    pieces: list[list[Run]] = [[]]
    pos, k = 0, 0
    for run in new_runs:
        text = run.text
        while k < len(cuts) and cuts[k] <= pos + len(text):
            head = cuts[k] - pos
            if head > 0:
                pieces[-1].append(Run(text[:head], run.style))
            text, pos = text[head:], cuts[k]
            pieces.append([])
            k += 1
        if text:
            pieces[-1].append(Run(text, run.style))
        pos += len(text)
    while len(pieces) < len(cuts) + 1:
        pieces.append([])
    return pieces
