"""Write a translated DOCX: a copy of the source package with each block's text replaced.

Paragraph properties, numbering, tables, sections, headers, footers, images and fields
are untouched because only the text runs of translated paragraphs are rewritten.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn

from app.document import Document, Run, Style, TranslationStatus
from app.formats.docx_reader import open_docx
from app.formats.docx_walk import W_HYPERLINK, TextRun, text_runs, walk
from app.formats.textcut import cut_runs, split_points, target_runs

log = logging.getLogger(__name__)

_KEEP_IN_RUN = {qn("w:rPr")}


def write_docx(doc: Document, out: Path) -> None:
    source = open_docx(doc.meta.source_path)
    by_key = {b.locator.key(): b for b in doc.blocks}
    written = 0
    for ref in walk(source):
        block = by_key.get(ref.locator.key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        runs = text_runs(ref.element, ref.part)
        if not runs:
            continue
        new_runs = target_runs(block, [tr.run for tr in runs])
        rewrite_paragraph(runs, new_runs)
        for mirror in ref.mirrors:  # the VML copy of a text box, for older readers
            mirror_runs = text_runs(mirror, ref.part)
            if mirror_runs:
                rewrite_paragraph(mirror_runs, new_runs)
        written += 1
    _set_language(source, doc.target_language)
    source.save(str(out))
    log.info("DOCX writer: %d paragraphs rewritten", written)


def _template_for(style: Style, runs: list[TextRun]) -> TextRun:
    for tr in runs:
        if tr.run.style == style:
            return tr
    for tr in runs:
        if tr.run.style.emphasis_key() == style.emphasis_key():
            return tr
    return runs[0]


def rewrite_paragraph(runs: list[TextRun], new_runs: list[Run]) -> None:
    """Replace the text runs by ``new_runs``, cloning the formatting of a matching source run.

    Inline objects between text runs (fields, note references, images) stay between
    the matching pieces of the translation: the text is cut at the same relative
    places (see :func:`split_points`).  A run whose template sat inside a hyperlink goes
    inside a copy of that hyperlink, so links survive translation.
    """
    slots = text_slots(runs)
    text = "".join(r.text for r in new_runs)
    cuts = split_points("".join(tr.run.text for tr in runs), [o for _, o in slots[1:]], text)
    for (first, _), piece in zip(slots, cut_runs(new_runs, cuts), strict=True):
        _insert_before(runs[first].container, piece, runs)
    for tr in runs:
        parent = tr.element.getparent()
        if parent is not None:
            parent.remove(tr.element)
    for tr in runs:
        container = tr.container
        if (container.tag == W_HYPERLINK and container.getparent() is not None
                and len(container.findall(qn("w:r"))) == 0):
            container.getparent().remove(container)


def _insert_before(anchor: Any, new_runs: list[Run], runs: list[TextRun]) -> None:
    current_link: tuple[Any, Any] | None = None  # (source hyperlink, its clone)
    for new in new_runs:
        if not new.text:
            continue
        template = _template_for(new.style, runs)
        r = _clone_run(template.element, new.text)
        if template.container is not template.element:  # inside a hyperlink
            if current_link is None or current_link[0] is not template.container:
                link = copy.deepcopy(template.container)
                for child in list(link):
                    link.remove(child)
                anchor.addprevious(link)
                current_link = (template.container, link)
            current_link[1].append(r)
        else:
            current_link = None
            anchor.addprevious(r)


_INVISIBLE = {qn(t) for t in ("w:bookmarkStart", "w:bookmarkEnd", "w:proofErr", "w:permStart",
                              "w:permEnd", "w:commentRangeStart", "w:commentRangeEnd")}
_RUN_NOISE = {qn("w:rPr"), qn("w:lastRenderedPageBreak"), qn("w:t")}


def text_slots(runs: list[TextRun]) -> list[tuple[int, int]]:
    """(first text run, source offset) of each stretch of text runs, a new stretch
    starting wherever an inline object sits between two text runs."""
    slots, offset = [(0, 0)], 0
    for i in range(1, len(runs)):
        offset += len(runs[i - 1].run.text)
        if not _adjacent(runs[i - 1], runs[i]):
            slots.append((i, offset))
    return slots


def _adjacent(a: TextRun, b: TextRun) -> bool:
    for start in (a.element, a.container):
        node = start.getnext()
        while node is not None and _invisible(node):
            node = node.getnext()
        if node is not None and node in (b.element, b.container):
            return True
        if start is a.container or node is not None:
            break
    return a.container is not a.element and a.container is b.container


def _invisible(node: Any) -> bool:
    if node.tag in _INVISIBLE:
        return True
    return node.tag == qn("w:r") and all(c.tag in _RUN_NOISE and not (c.text or "")
                                         for c in node)


def _clone_run(template: Any, text: str) -> Any:
    r = copy.deepcopy(template)
    for child in list(r):
        if child.tag not in _KEEP_IN_RUN:
            r.remove(child)
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n:
            r.append(r.makeelement(qn("w:br"), {}))
        for m, piece in enumerate(line.split("\t")):
            if m:
                r.append(r.makeelement(qn("w:tab"), {}))
            if piece:
                t = r.makeelement(qn("w:t"), {})
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                r.append(t)
    return r


def _set_language(source: Any, lang: str | None) -> None:
    if not lang:
        return
    try:
        source.core_properties.language = lang
    except Exception:  # documents without a core-properties part
        log.debug("No core properties to tag with the language")
