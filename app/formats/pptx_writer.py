"""Write a translated PowerPoint deck: the source package with each paragraph rewritten.

Text that grew is fitted where the shape allows it: a text box or placeholder gets
"shrink text on overflow" (``a:normAutofit`` with a font scale), which PowerPoint and
LibreOffice Impress honour; text that cannot shrink (table cells, charts, SmartArt) or
would need to shrink below :data:`MIN_SCALE` is flagged ``overflow`` for the report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.document import Block, Document, TranslationStatus
from app.formats.dml import a, paragraph_runs, rewrite_paragraph
from app.formats.pptx_reader import open_pptx
from app.formats.pptx_walk import PptxRef, XmlParts, walk
from app.formats.textcut import target_runs

log = logging.getLogger(__name__)

GROWTH_TOLERANCE = 1.10  # text up to 10 % longer is left to the shape's own margins
MIN_SCALE = 0.5  # below half size the text is no longer readable on a slide
MIN_EXTRA_CHARS = 8  # a few more characters fit in any frame's slack ("a" → "[à]")


@dataclass
class _Frame:
    body: Any
    container: str
    source: int = 0
    target: int = 0
    blocks: list[Block] = field(default_factory=list)


def write_pptx(doc: Document, out: Path) -> None:
    prs, _ = open_pptx(doc.meta.source_path)
    parts = XmlParts()
    by_key = {b.locator.key(): b for b in doc.blocks}
    frames: dict[tuple[str, tuple[int, ...]], _Frame] = {}
    written = 0
    for ref in walk(prs, parts):
        block = by_key.get(ref.locator.key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        _rewrite(ref, block)
        written += 1
        if ref.attr is None:
            # One frame per text body: the locator less the paragraph index (lxml proxies
            # have no stable identity to key on).
            key = (ref.locator.part, ref.locator.path[:-1])
            frame = frames.setdefault(key, _Frame(ref.body, ref.container))
            frame.source += len(block.text)
            frame.target += len(block.translation.text)
            frame.blocks.append(block)
    shrunk = sum(_fit(frame) for frame in frames.values())
    if shrunk:
        doc.warnings.append(f"Text was shrunk to fit in {shrunk} shape(s) of the translation.")
    parts.flush()
    prs.save(str(out))
    log.info("PPTX writer: %d paragraphs rewritten, %d shapes shrunk", written, shrunk)


def _rewrite(ref: PptxRef, block: Block) -> None:
    if ref.attr is not None:
        ref.element.set(ref.attr, block.translation.text)
        return
    runs = paragraph_runs(ref.element, ref.links)
    new_runs = target_runs(block, [r.run for r in runs])
    rewrite_paragraph(ref.element, runs, new_runs)
    for mirror in ref.mirrors:
        rewrite_paragraph(mirror, paragraph_runs(mirror), new_runs)


def _fit(frame: _Frame) -> int:
    """Shrink the text of a shape that grew; flag what cannot shrink.  1 when shrunk."""
    growth = frame.target / max(frame.source, 1)
    if growth <= GROWTH_TOLERANCE or frame.target - frame.source <= MIN_EXTRA_CHARS:
        return 0
    scale = 1 / growth
    body_pr = frame.body.find(a("bodyPr")) if frame.body is not None else None
    if body_pr is None or scale < MIN_SCALE:
        where = {"table": "a table cell", "chart": "a chart", "smartart": "a SmartArt graphic"}
        what = where.get(frame.container, "a text box")
        why = ("where text cannot shrink" if body_pr is None
               else f"more than shrinking to {MIN_SCALE:.0%} can absorb")
        for b in frame.blocks:
            b.flags.append(f"overflow: the translation is {growth - 1:.0%} longer in {what}, "
                           f"{why}: check the layout")
        return 0
    if body_pr.find(a("spAutoFit")) is not None:
        return 0  # the shape grows with its text
    fit = body_pr.find(a("normAutofit"))
    if fit is None:
        for other in body_pr.findall(a("noAutofit")):
            body_pr.remove(other)
        fit = body_pr.makeelement(a("normAutofit"), {})
        _insert_autofit(body_pr, fit)
    current = _scale(fit.get("fontScale"))
    fit.set("fontScale", str(int(min(current, scale) * 100_000)))
    return 1


def _insert_autofit(body_pr: Any, fit: Any) -> None:
    """``a:bodyPr`` children come in schema order: prstTxWarp, then the autofit choice."""
    warp = body_pr.find(a("prstTxWarp"))
    if warp is not None:
        warp.addnext(fit)
    else:
        body_pr.insert(0, fit)


def _scale(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return float(value.rstrip("%")) / (100 if value.endswith("%") else 100_000)
    except ValueError:
        return 1.0
