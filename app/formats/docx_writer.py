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
        new_runs = block.translation.runs or [Run(block.translation.text, runs[0].run.style)]
        if not block.translation.runs and not block.is_uniform():
            new_runs = [Run(block.translation.text, _dominant_style(runs))]
        rewrite_paragraph(runs, new_runs)
        written += 1
    _set_language(source, doc.target_language)
    source.save(str(out))
    log.info("DOCX writer: %d paragraphs rewritten", written)


def _dominant_style(runs: list[TextRun]) -> Style:
    weights: dict[Style, int] = {}
    for tr in runs:
        weights[tr.run.style] = weights.get(tr.run.style, 0) + len(tr.run.text)
    return max(weights, key=lambda s: weights[s])


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

    New runs take the place of the first text run; a run whose template sat inside a
    hyperlink goes inside a copy of that hyperlink, so links survive translation.
    """
    anchor = runs[0].container
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
    for tr in runs:
        parent = tr.element.getparent()
        if parent is not None:
            parent.remove(tr.element)
    for tr in runs:
        container = tr.container
        if (container.tag == W_HYPERLINK and container.getparent() is not None
                and len(container.findall(qn("w:r"))) == 0):
            container.getparent().remove(container)


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
