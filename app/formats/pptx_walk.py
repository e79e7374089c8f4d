"""Deterministic walk over the text of a PowerPoint deck, shared by reader and writer.

Visited, slide by slide: shapes (nested group shapes, tables, charts, SmartArt) with
their alt text, then the slide's notes page.  Masters and layouts are not walked: their
placeholder text is a prompt that only shows while a slide leaves the placeholder
empty; what a slide shows of them is on the slide.  Each paragraph gets the same
:class:`~app.document.Locator` in both passes, so the writer finds it again in a fresh
copy of the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

from app.document import BlockKind, Locator
from app.formats.dml import A_P, LinkResolver, paragraph_runs

P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
DGM_NS = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
DSP_NS = "http://schemas.microsoft.com/office/drawing/2008/diagram"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_DIAGRAM_DATA = f"{R_NS}/diagramData"
RT_DIAGRAM_DRAWING = "http://schemas.microsoft.com/office/2007/relationships/diagramDrawing"

_TITLES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE)
_NOTES_SKIPPED = (PP_PLACEHOLDER.SLIDE_IMAGE, PP_PLACEHOLDER.SLIDE_NUMBER,
                  PP_PLACEHOLDER.DATE)


@dataclass
class PptxRef:
    locator: Locator
    element: Any  # a:p, or the p:cNvPr whose ``descr`` is the alt text
    kind: BlockKind
    links: LinkResolver | None = None
    attr: str | None = None  # the text is this attribute of ``element``
    container: str = "shape"  # shape, table, chart, smartart, notes
    body: Any = None  # the p:txBody holding the paragraph (autofit), shapes only
    mirrors: list[Any] = field(default_factory=list)  # SmartArt's cached drawing copy


class XmlParts:
    """Generic parts (SmartArt data and drawing) parsed once, written back on demand."""

    def __init__(self) -> None:
        self._roots: dict[str, tuple[Any, Any]] = {}

    def root(self, part: Any) -> Any:
        key = str(part.partname)
        if key not in self._roots:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            self._roots[key] = (part, etree.fromstring(part.blob, parser))
        return self._roots[key][1]

    def flush(self) -> None:
        for part, root in self._roots.values():
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                        standalone=True)


def walk(prs: Any, parts: XmlParts) -> Iterator[PptxRef]:
    for s, slide in enumerate(prs.slides):
        yield from _shapes(slide.shapes, f"slide:{s}", (), slide.part, parts, notes=False)
        if slide.has_notes_slide:
            notes = slide.notes_slide
            yield from _shapes(notes.shapes, f"notes:{s}", (), notes.part, parts, notes=True)


def _links(part: Any) -> LinkResolver:
    def resolve(rid: str) -> str | None:
        rel = part.rels.get(rid)
        return str(rel.target_ref) if rel is not None else None
    return resolve


def _shapes(shapes: Any, name: str, prefix: tuple[int, ...], part: Any, parts: XmlParts,
            notes: bool) -> Iterator[PptxRef]:
    for i, shape in enumerate(shapes):
        path = (*prefix, i)
        if notes and shape.is_placeholder and shape.placeholder_format.type in _NOTES_SKIPPED:
            continue
        yield from _alt_text(shape, name, path)
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes, name, path, part, parts, notes)
        elif shape.has_text_frame:
            kind = (BlockKind.NOTE if notes else BlockKind.HEADING
                    if shape.is_placeholder and shape.placeholder_format.type in _TITLES
                    else BlockKind.PARAGRAPH)
            body = shape.text_frame._txBody
            yield from _paragraphs(body, name, path, kind, part, "notes" if notes else "shape",
                                   body)
        elif getattr(shape, "has_table", False):
            for r, row in enumerate(shape.table.rows):
                for c, cell in enumerate(row.cells):
                    yield from _paragraphs(cell._tc.txBody, f"{name}:table", (*path, r, c),
                                           BlockKind.TABLE_CELL, part, "table", None)
        elif getattr(shape, "has_chart", False):
            chart_part = shape.chart_part
            yield from _paragraphs(chart_part._element, f"{name}:chart", path,
                                   BlockKind.CAPTION, chart_part, "chart", None)
        else:
            yield from _smartart(shape, name, path, part, parts)


def _alt_text(shape: Any, name: str, path: tuple[int, ...]) -> Iterator[PptxRef]:
    nv = shape._element[0] if len(shape._element) else None
    cnvpr = nv.find(f"{{{P_NS}}}cNvPr") if nv is not None else None
    for n, attr in enumerate(("descr", "title")):  # alt text, and its title
        if cnvpr is not None and (cnvpr.get(attr) or "").strip():
            yield PptxRef(Locator(f"{name}:alt", (*path, n)), cnvpr, BlockKind.ALT_TEXT,
                          attr=attr)


def _paragraphs(root: Any, name: str, path: tuple[int, ...], kind: BlockKind, part: Any,
                container: str, body: Any) -> Iterator[PptxRef]:
    links = _links(part)
    for k, p in enumerate(root.iter(A_P)):
        if paragraph_runs(p):
            yield PptxRef(Locator(name, (*path, k)), p, kind, links, container=container,
                          body=body)


def _smartart(shape: Any, name: str, path: tuple[int, ...], part: Any,
              parts: XmlParts) -> Iterator[PptxRef]:
    """SmartArt text lives in the diagram's data part (``dgm:pt``/``dgm:t``); the cached
    drawing part (``dsp:sp`` with the same ``modelId``) is rewritten alongside."""
    ids = shape._element.find(f".//{{{DGM_NS}}}relIds")
    if ids is None:
        return
    rid = ids.get(f"{{{R_NS}}}dm")
    rel = part.rels.get(rid) if rid else None
    if rel is None or rel.is_external:
        return
    data = parts.root(rel.target_part)
    drawing = _drawing_for(part, rel.target_part, parts)
    shown_by = _presentation_points(data)
    for n, pt in enumerate(data.iter(f"{{{DGM_NS}}}pt")):
        t = pt.find(f"{{{DGM_NS}}}t")
        if t is None:
            continue
        model = pt.get("modelId") or ""
        copies = next((drawing[m] for m in [model, *shown_by.get(model, [])]
                       if drawing.get(m)), [])
        for k, p in enumerate(t.iter(A_P)):
            if paragraph_runs(p):
                ref = PptxRef(Locator(f"{name}:smartart", (*path, n, k)), p, BlockKind.TEXTBOX,
                              _links(part), container="smartart")
                if k < len(copies):
                    ref.mirrors.append(copies[k])
                yield ref


def _presentation_points(data: Any) -> dict[str, list[str]]:
    """Data point modelId → the presentation points (``presAssocID``) that draw it: the
    cached drawing's shapes carry the presentation points' ids."""
    out: dict[str, list[str]] = {}
    for pt in data.iter(f"{{{DGM_NS}}}pt"):
        pr = pt.find(f"{{{DGM_NS}}}prSet")
        assoc = pr.get("presAssocID") if pr is not None else None
        if assoc and pt.get("modelId"):
            out.setdefault(assoc, []).append(pt.get("modelId") or "")
    return out


def _drawing_for(slide_part: Any, data_part: Any, parts: XmlParts) -> dict[str, list[Any]]:
    """modelId → paragraphs of the cached drawing of the diagram whose data is given."""
    drawing_rel = next((r for r in data_part.rels.values()
                        if r.reltype == RT_DIAGRAM_DRAWING and not r.is_external), None)
    if drawing_rel is None:  # older writers relate the drawing to the slide
        drawing_rel = next((r for r in slide_part.rels.values()
                            if r.reltype == RT_DIAGRAM_DRAWING and not r.is_external), None)
    if drawing_rel is None:
        return {}
    root = parts.root(drawing_rel.target_part)
    out: dict[str, list[Any]] = {}
    for sp in root.iter(f"{{{DSP_NS}}}sp"):
        model = sp.get("modelId")
        found = [p for p in sp.iter(A_P) if paragraph_runs(p)]
        if model and found:
            out[model] = found
    return out
