"""Write a translated Excel workbook: the source package with only its text rewritten.

Two outputs: ``xlsx`` (the same workbook, translated in place: sheet names, shared and
inline strings, comments and threaded comments, headers/footers, data-validation
messages, chart and drawing text) and
``xlsx-bilingual`` (the source sheets untouched, each followed by a translated copy of
its cells).  Formulas that name a renamed sheet follow the new name; nothing else in a
cell (number, date, formula, type, style) is touched.  Macro projects are dropped.
"""

from __future__ import annotations

import logging
import posixpath
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from app.document import Document, Run, TranslationStatus
from app.formats.dml import A_P, paragraph_runs, rewrite_paragraph
from app.formats.textcut import target_runs
from app.formats.xlsx_package import (
    CT_NS,
    CT_SHEET,
    HEADER_FOOTER_TAGS,
    PKG_REL_NS,
    R_NS,
    RT_SHEET,
    S_NS,
    VALIDATION_TEXTS,
    Sheet,
    Workbook,
    parser,
    rename_in_formula,
    s,
    set_rich,
    stream_rewrite,
    valid_sheet_names,
)
from app.formats.xlsx_reader import (
    alt_texts,
    cell_position,
    hf_render,
    hf_sections,
    hf_text,
    open_workbook,
    spreadsheet_style,
    threaded_texts,
)

log = logging.getLogger(__name__)

_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_PLAIN_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_FORMULA_TAGS = {"f", "formula", "formula1", "formula2"}
# Parts of a sheet that need relationships the translated copy does not have.
_COPY_DROPS = {"drawing", "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects",
               "controls", "tableParts", "hyperlinks"}


@dataclass
class _Plan:
    doc: Document
    wb: Workbook
    bilingual: bool
    text: dict[str, str] = field(default_factory=dict)  # locator key → translation
    runs: dict[str, list[Run]] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # old sheet name → new
    copy_names: list[str] = field(default_factory=list)
    sst_map: dict[int, int] = field(default_factory=dict)  # bilingual: index → translated

    def translated(self, key: str) -> str | None:
        return self.text.get(key)


def write_xlsx(doc: Document, out: Path) -> None:
    _write(doc, out, bilingual=False)


def write_xlsx_bilingual(doc: Document, out: Path) -> None:
    _write(doc, out, bilingual=True)


def _write(doc: Document, out: Path, bilingual: bool) -> None:
    zf, wb = open_workbook(doc.meta.source_path)
    plan = _Plan(doc, wb, bilingual)
    for b in doc.blocks:
        if b.translation.status is TranslationStatus.TRANSLATED:
            plan.text[b.locator.key()] = b.translation.text
            plan.runs[b.locator.key()] = target_runs(b, b.runs)
    originals = [sh.name for sh in wb.sheets]
    wanted = [plan.text.get(f"sheetname/{sh.index}", sh.name) for sh in wb.sheets]
    if bilingual:
        lang = doc.target_language or "translated"
        copies = [w if w != o else f"{o} ({lang})" for w, o in zip(wanted, originals,
                                                                   strict=True)]
        plan.copy_names = valid_sheet_names(originals + copies, originals + originals)[
            len(originals):]
    else:
        new = valid_sheet_names(wanted, originals)
        plan.renames = {o: n for o, n in zip(originals, new, strict=True) if o != n}
    with zf, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        if wb.sst is not None:
            _member(zf, zout, wb.sst, lambda src, dst: _rewrite_sst(src, dst, plan))
        for info in zf.infolist():
            name = info.filename
            if name == wb.sst or name.lower().endswith("vbaproject.bin"):
                continue
            _member(zf, zout, name, _handler(name, plan))
        if bilingual:
            for sheet, copy_name in zip(wb.sheets, plan.copy_names, strict=True):
                with zf.open(sheet.part) as src, zout.open(_copy_part(sheet), "w") as dst:
                    stream_rewrite(src, dst, s("sheetData"), _copy_fixer(sheet, plan))
                log.debug("Bilingual copy of %s as %s", sheet.name, copy_name)
    log.info("XLSX writer: %d texts, %d sheets renamed%s", len(plan.text), len(plan.renames),
             ", bilingual" if bilingual else "")


Rewrite = Callable[[Any, Any], None]


def _member(zf: zipfile.ZipFile, zout: zipfile.ZipFile, name: str,
            rewrite: Rewrite | None) -> None:
    info = zf.getinfo(name)
    target = zipfile.ZipInfo(name, date_time=info.date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    target.external_attr = info.external_attr
    with zf.open(info) as src, zout.open(target, "w", force_zip64=True) as dst:
        if rewrite is None:
            shutil.copyfileobj(src, dst, 1 << 20)
        else:
            rewrite(src, dst)


def _handler(name: str, plan: _Plan) -> Rewrite | None:
    wb = plan.wb
    sheet = next((sh for sh in wb.sheets if sh.part == name), None)
    if name == wb.workbook:
        return lambda src, dst: _whole(src, dst, lambda root: _fix_workbook(root, plan))
    if name == "[Content_Types].xml":
        return lambda src, dst: _whole(src, dst, lambda root: _fix_types(root, plan))
    if name == posixpath.join(posixpath.dirname(wb.workbook), "_rels",
                              posixpath.basename(wb.workbook) + ".rels"):
        return lambda src, dst: _whole(src, dst, lambda root: _fix_rels(root, plan))
    if plan.bilingual:
        return None
    if sheet is not None:
        return lambda src, dst: stream_rewrite(src, dst, s("sheetData"),
                                               _sheet_fixer(sheet, plan))
    owner = next((sh for sh in wb.sheets if sh.comments == name), None)
    if owner is not None:
        return lambda src, dst: _whole(src, dst, lambda root: _fix_comments(root, owner, plan))
    if any(name in sh.threaded for sh in wb.sheets):
        return lambda src, dst: _whole(src, dst, lambda root: _fix_threaded(root, name, plan))
    if name in wb.charts:
        return lambda src, dst: _whole(src, dst, lambda root: _fix_drawing(root, name, plan))
    if name.startswith("xl/pivotCache/") and plan.renames:
        return lambda src, dst: _whole(src, dst, lambda root: _fix_pivot(root, plan))
    return None


def _whole(src: Any, dst: Any, fix: Callable[[Any], None]) -> None:
    root = etree.fromstring(src.read(), parser())
    fix(root)
    dst.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


# --- Shared strings ----------------------------------------------------------------

def _rewrite_sst(src: Any, dst: Any, plan: _Plan) -> None:
    counter = {"n": 0}
    extra: list[tuple[int, list[Run]]] = []

    def fix(si: Any) -> bool:
        i = counter["n"]
        counter["n"] += 1
        runs = plan.runs.get(f"sst/{i}")
        if runs is not None:
            if plan.bilingual:
                extra.append((i, runs))
            else:
                _set_runs(si, runs)
        return True

    def append(xf: Any) -> None:
        for j, (i, runs) in enumerate(extra):
            si = etree.Element(s("si"), nsmap={None: S_NS})
            _set_runs(si, runs)
            xf.write(si)
            plan.sst_map[i] = counter["n"] + j

    def attrs(a: dict[str, str]) -> dict[str, str]:
        if plan.bilingual:  # counts change; both are optional
            a.pop("count", None)
            a.pop("uniqueCount", None)
        return a

    stream_rewrite(src, dst, s("sst"), fix, append if plan.bilingual else None, attrs)


def _set_runs(el: Any, runs: list[Run]) -> None:
    """Rich text from styled runs, cloning the ``rPr`` of a source run of the same style."""
    sources = [(rpr, spreadsheet_style(rpr)) for child in el if child.tag == s("r")
               for rpr in [child.find(s("rPr"))] if rpr is not None]
    if not sources or len(runs) == 1:
        first = sources[0][0] if sources and len(runs) == 1 else None
        set_rich(el, [(runs[0].text if len(runs) == 1 else "".join(r.text for r in runs),
                       first)])
        return
    out = []
    for r in runs:
        rpr = next((x for x, st in sources if st == r.style), None)
        if rpr is None:
            rpr = next((x for x, st in sources if st.emphasis_key() == r.style.emphasis_key()),
                       sources[0][0])
        out.append((r.text, rpr))
    set_rich(el, out)


# --- Sheets --------------------------------------------------------------------------

def _fix_sheet_element(el: Any, sheet: Sheet, plan: _Plan, validations: list[int]) -> None:
    """Translate one streamed element of a sheet: a row's cells, the header/footer, or the
    data validations (``validations[0]`` counts those seen so far: they number the locators)."""
    if el.tag == s("row"):
        for c in el.iter(s("c")):
            _fix_cell(c, sheet, plan)
    elif el.tag == s("headerFooter"):
        _fix_header_footer(el, sheet, plan)
    elif el.tag == s("dataValidations"):
        validations[0] = _fix_validations(el, sheet, plan, validations[0])


def _sheet_fixer(sheet: Sheet, plan: _Plan) -> Callable[[Any], bool]:
    validations = [0]  # data validations seen so far (they number the locators)

    def fix(el: Any) -> bool:
        _fix_sheet_element(el, sheet, plan, validations)
        if plan.renames:
            _rename_formulas(el, plan.renames)
        return True
    return fix


def _fix_cell(c: Any, sheet: Sheet, plan: _Plan) -> None:
    if c.get("t") == "inlineStr":
        row, col = cell_position(c.get("r", ""))
        runs = plan.runs.get(f"sheet:{sheet.index}:inline/{row}.{col}")
        inline = c.find(s("is"))
        if runs is not None and inline is not None:
            _set_runs(inline, runs)
    elif c.get("t") == "s" and plan.sst_map:
        v = c.find(s("v"))
        if v is not None and (v.text or "").strip().isdigit():
            v.text = str(plan.sst_map.get(int(v.text or 0), int(v.text or 0)))


def _fix_header_footer(el: Any, sheet: Sheet, plan: _Plan) -> None:
    for t, tag in enumerate(HEADER_FOOTER_TAGS):
        hf = el.find(s(tag))
        if hf is None or not hf.text:
            continue
        sections = hf_sections(hf.text)
        for k, section in enumerate(sections):
            new = plan.translated(f"sheet:{sheet.index}:hf/{t}.{k}")
            if new is not None:
                source, _ = hf_text(section)
                lead = source[:len(source) - len(source.lstrip())]
                trail = source[len(source.rstrip()):]
                sections[k] = [hf_render(section, lead + new + trail)]
        hf.text = "".join("".join(section) for section in sections)


def _fix_validations(el: Any, sheet: Sheet, plan: _Plan, first: int) -> int:
    """Input messages and error alerts; a text longer than Excel allows is cut there (Excel
    would refuse the file) and its block flagged."""
    n = first
    for dv in el.iter(s("dataValidation")):
        for a, (attr, limit) in enumerate(VALIDATION_TEXTS):
            key = f"sheet:{sheet.index}:dv/{n}.{a}"
            new = plan.translated(key)
            if new is None:
                continue
            if len(new) > limit:
                new = new[:limit - 1].rstrip() + "…"
                block = next((b for b in plan.doc.blocks if b.locator.key() == key), None)
                if block is not None:
                    block.flags.append(f"overflow: Excel allows {limit} characters in a "
                                       "data-validation message; the translation was cut")
            dv.set(attr, new)
        n += 1
    return n


def _rename_formulas(el: Any, renames: dict[str, str]) -> None:
    nodes = el.iter(s("f")) if el.tag == s("row") else el.iter()  # rows: formulas only
    for node in nodes:
        if isinstance(node.tag, str) and etree.QName(node).localname in _FORMULA_TAGS \
                and node.text:
            node.text = rename_in_formula(node.text, renames)


def _copy_part(sheet: Sheet) -> str:
    return posixpath.join(posixpath.dirname(sheet.part), f"passerelle{sheet.index + 1}.xml")


def _copy_fixer(sheet: Sheet, plan: _Plan) -> Callable[[Any], bool]:
    validations = [0]

    def fix(el: Any) -> bool:
        local = etree.QName(el).localname
        if local in _COPY_DROPS:
            return False
        for node in el.iter():
            for attr in [a for a in node.attrib if a.startswith(f"{{{R_NS}}}")]:
                del node.attrib[attr]
        if local == "sheetViews":
            for view in el:
                view.attrib.pop("tabSelected", None)
        _fix_sheet_element(el, sheet, plan, validations)
        return True
    return fix


# --- Workbook, content types, relationships -------------------------------------------

def _fix_workbook(root: Any, plan: _Plan) -> None:
    sheets = list(root.iter(s("sheet")))
    if plan.renames:
        for el in sheets:
            el.set("name", plan.renames.get(el.get("name") or "", el.get("name") or ""))
        for dn in root.iter(s("definedName")):
            if dn.text:
                dn.text = rename_in_formula(dn.text, plan.renames)
    if plan.bilingual:
        next_id = max((int(el.get("sheetId") or 0) for el in sheets), default=0) + 1
        by_index = {sh.index: sh for sh in plan.wb.sheets}
        for n, el in enumerate(sheets):
            if n not in by_index:
                continue
            new = el.makeelement(s("sheet"), {"name": plan.copy_names[
                plan.wb.sheets.index(by_index[n])], "sheetId": str(next_id + n)})
            new.set(f"{{{R_NS}}}id", f"rIdPasserelle{n + 1}")
            el.addnext(new)
        for view in root.iter(s("workbookView")):
            view.attrib.pop("activeTab", None)


def _fix_types(root: Any, plan: _Plan) -> None:
    for el in list(root):
        ctype = el.get("ContentType") or ""
        if ctype == _MACRO_MAIN:
            el.set("ContentType", _PLAIN_MAIN)
        elif "vbaProject" in ctype or (el.get("PartName") or "").lower().endswith(
                "vbaproject.bin"):
            root.remove(el)
    if plan.bilingual:
        for sheet in plan.wb.sheets:
            root.append(root.makeelement(f"{{{CT_NS}}}Override", {
                "PartName": "/" + _copy_part(sheet), "ContentType": CT_SHEET}))


def _fix_rels(root: Any, plan: _Plan) -> None:
    for rel in list(root):
        if (rel.get("Type") or "").endswith("/vbaProject"):
            root.remove(rel)
    if plan.bilingual:
        base = posixpath.dirname(plan.wb.workbook)
        for sheet in plan.wb.sheets:
            root.append(root.makeelement(f"{{{PKG_REL_NS}}}Relationship", {
                "Id": f"rIdPasserelle{sheet.index + 1}", "Type": RT_SHEET,
                "Target": posixpath.relpath(_copy_part(sheet), base)}))


def _fix_comments(root: Any, sheet: Sheet, plan: _Plan) -> None:
    for k, text in enumerate(root.iter(s("text"))):
        runs = plan.runs.get(f"comments:{sheet.index}/{k}")
        if runs is not None:
            _set_runs(text, runs)


def _fix_threaded(root: Any, part: str, plan: _Plan) -> None:
    for k, el in enumerate(threaded_texts(root)):
        text = plan.translated(f"threaded:{part}/{k}")
        if text is not None:
            el.text = text


def _fix_drawing(root: Any, part: str, plan: _Plan) -> None:
    for k, p in enumerate(root.iter(A_P)):
        runs = plan.runs.get(f"drawing:{part}/{k}")
        if runs is not None:
            rewrite_paragraph(p, paragraph_runs(p), runs)
    for k, (el, attr) in enumerate(alt_texts(root)):
        text = plan.translated(f"drawing-alt:{part}/{k}")
        if text is not None:
            el.set(attr, text)
    if plan.renames:
        _rename_formulas(root, plan.renames)


def _fix_pivot(root: Any, plan: _Plan) -> None:
    for src in root.iter(s("worksheetSource")):
        name = src.get("sheet")
        if name in plan.renames:
            src.set("sheet", plan.renames[name])
