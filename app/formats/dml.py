"""DrawingML text (``a:p``/``a:r``): the runs of a paragraph, and their rewriting.

PowerPoint slides, notes, tables, charts and SmartArt, and Excel charts all store
text as DrawingML paragraphs, so the PowerPoint and Excel adapters share this module.
A paragraph is read as text runs (``a:r``) and line breaks (``a:br``); fields
(``a:fld``: slide numbers, dates) are inline objects that stay where they are, the
translation being cut around them at the same relative places as in the source.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from app.document import Run, Style
from app.formats.textcut import cut_runs, split_points

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def a(tag: str) -> str:
    return f"{{{A_NS}}}{tag}"


A_P, A_R, A_BR, A_FLD, A_T, A_RPR = a("p"), a("r"), a("br"), a("fld"), a("t"), a("rPr")
LinkResolver = Callable[[str], str | None]  # relationship id → target


@dataclass
class DmlRun:
    element: Any  # a:r or a:br
    run: Run


def paragraph_runs(p: Any, links: LinkResolver | None = None) -> list[DmlRun]:
    """The text runs and line breaks of ``p``, in order (fields are left out)."""
    out: list[DmlRun] = []
    for child in p.iterchildren():
        if child.tag == A_R:
            t = child.find(A_T)
            text = (t.text or "") if t is not None else ""
            if text:
                out.append(DmlRun(child, Run(text, run_style(child.find(A_RPR), links))))
        elif child.tag == A_BR:
            out.append(DmlRun(child, Run("\n", run_style(child.find(A_RPR), links))))
    return out


def run_style(rpr: Any, links: LinkResolver | None = None) -> Style:
    if rpr is None:
        return Style()

    def flag(name: str) -> bool | None:
        val = rpr.get(name)
        return None if val is None else val in ("1", "true")

    underline = rpr.get("u")
    size = rpr.get("sz")
    color = rpr.find(f"{a('solidFill')}/{a('srgbClr')}")
    latin = rpr.find(a("latin"))
    link = None
    click = rpr.find(a("hlinkClick"))
    if click is not None:
        rid = click.get(f"{{{R_NS}}}id") or ""
        link = (links(rid) if links and rid else None) or (f"#{rid}" if rid else None)
    return Style(
        bold=flag("b"), italic=flag("i"),
        underline=None if underline is None else underline != "none",
        size=int(size) / 100 if size and size.isdigit() else None,
        color=color.get("val") if color is not None else None,
        font=latin.get("typeface") if latin is not None else None,
        link=link,
    )


def _template(style: Style, runs: list[DmlRun]) -> DmlRun:
    texts = [r for r in runs if r.element.tag == A_R]
    for r in texts:
        if r.run.style == style:
            return r
    for r in texts:
        if r.run.style.emphasis_key() == style.emphasis_key():
            return r
    return texts[0] if texts else runs[0]


def _slots(p: Any, runs: list[DmlRun]) -> list[tuple[int, int]]:
    """(first run, source offset) of each stretch of runs not split by a field."""
    index = {id(r.element): i for i, r in enumerate(runs)}
    slots: list[tuple[int, int]] = []
    offset, previous_was_field, started = 0, False, False
    for child in p.iterchildren():
        i = index.get(id(child))
        if i is not None:
            if not started or previous_was_field:
                slots.append((i, offset))
                started = True
            offset += len(runs[i].run.text)
            previous_was_field = False
        elif child.tag == A_FLD and started:
            previous_was_field = True
    return slots or [(0, 0)]


def rewrite_paragraph(p: Any, runs: list[DmlRun], new_runs: list[Run]) -> None:
    """Replace the text runs of ``p`` by ``new_runs`` (cloned formatting), keeping fields
    and paragraph properties in place; ``\\n`` becomes ``a:br``."""
    if not runs:
        return
    slots = _slots(p, runs)
    source = "".join(r.run.text for r in runs)
    text = "".join(r.text for r in new_runs)
    cuts = split_points(source, [o for _, o in slots[1:]], text)
    for (first, _), piece in zip(slots, cut_runs(new_runs, cuts), strict=True):
        anchor = runs[first].element
        for new in piece:
            for el in _elements(new, runs):
                anchor.addprevious(el)
    for r in runs:
        parent = r.element.getparent()
        if parent is not None:
            parent.remove(r.element)


def _elements(new: Run, runs: list[DmlRun]) -> Iterator[Any]:
    template = _template(new.style, runs).element
    for n, line in enumerate(new.text.split("\n")):
        if n:
            br = template.makeelement(A_BR, {})
            rpr = template.find(A_RPR)
            if rpr is not None:
                br.append(copy.deepcopy(rpr))
            yield br
        if line:
            yield _clone_run(template, line)


def _clone_run(template: Any, text: str) -> Any:
    if template.tag == A_R:
        r = copy.deepcopy(template)
        for child in list(r):
            if child.tag != A_RPR:
                r.remove(child)
    else:  # only line breaks in the source: a plain run with the break's properties
        r = template.makeelement(A_R, {})
        rpr = template.find(A_RPR)
        if rpr is not None:
            r.append(copy.deepcopy(rpr))
    t = r.makeelement(A_T, {})
    t.text = text
    r.append(t)
    return r
