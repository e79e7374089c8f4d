"""The parts of an Excel package, read and rewritten as XML without a spreadsheet library.

Working on the package's own XML keeps every number, date, formula, style and cell type
byte for byte: only the parts that hold text are rewritten, and only their text.  Big
parts (worksheets, the shared-string table) are streamed element by element
(:func:`stream_rewrite`), so a sheet of a million cells never sits in memory as a tree.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from app.core.errors import CorruptDocument

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_OFFICE_DOC = f"{R_NS}/officeDocument"
RT_SST = f"{R_NS}/sharedStrings"
RT_SHEET = f"{R_NS}/worksheet"
RT_COMMENTS = f"{R_NS}/comments"
RT_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
TC_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
# Data validation texts (input message, error alert) and Excel's length limit for each.
VALIDATION_TEXTS = (("promptTitle", 32), ("prompt", 255), ("errorTitle", 32), ("error", 225))
RT_DRAWING = f"{R_NS}/drawing"
RT_CHART = f"{R_NS}/chart"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEADER_FOOTER_TAGS = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader",
                      "firstFooter")


def s(tag: str) -> str:
    return f"{{{S_NS}}}{tag}"


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_blank_text=False)


@dataclass
class Sheet:
    index: int
    name: str
    part: str  # xl/worksheets/sheet1.xml
    rel_id: str
    comments: str | None = None
    drawings: list[str] = field(default_factory=list)
    threaded: list[str] = field(default_factory=list)  # threaded comment parts (Excel 365)


@dataclass
class Workbook:
    """Where things are in the package (names only: no content is kept)."""

    workbook: str
    sst: str | None
    sheets: list[Sheet]
    charts: list[str]  # chart and drawing parts holding DrawingML text
    names: set[str]

    @classmethod
    def open(cls, zf: zipfile.ZipFile) -> Workbook:
        names = set(zf.namelist())
        main = next((t for t, rt in relationships(zf, "_rels/.rels").values()
                     if rt == RT_OFFICE_DOC), None)
        if main is None or main not in names:
            raise CorruptDocument("The file is not a valid Excel workbook (no workbook part).")
        rels = relationships(zf, rels_name(main))
        root = etree.fromstring(zf.read(main), parser())
        sheets = []
        for n, el in enumerate(root.iter(s("sheet"))):
            rid = el.get(f"{{{R_NS}}}id") or ""
            target = rels.get(rid, ("", ""))[0]
            if target in names:
                sheets.append(Sheet(n, el.get("name") or "", target, rid))
        sst = next((t for t, rt in rels.values() if rt == RT_SST and t in names), None)
        charts: list[str] = []
        for sheet in sheets:
            for target, rt in relationships(zf, rels_name(sheet.part)).values():
                if rt == RT_COMMENTS and target in names:
                    sheet.comments = target
                elif rt == RT_THREADED and target in names:
                    sheet.threaded.append(target)
                elif rt == RT_DRAWING and target in names:
                    sheet.drawings.append(target)
                    charts.append(target)
                    charts += [t for t, r in relationships(zf, rels_name(target)).values()
                               if r == RT_CHART and t in names]
        return cls(main, sst, sheets, list(dict.fromkeys(charts)), names)


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relationships(zf: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    """rId → (absolute part name, relationship type); external targets left out."""
    if name not in zf.NameToInfo:
        return {}
    base = posixpath.dirname(posixpath.dirname(name))
    root = etree.fromstring(zf.read(name), parser())
    out = {}
    for rel in root:
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base, target))
        out[rel.get("Id") or ""] = (path, rel.get("Type") or "")
    return out


# --- Rich text (shared strings, inline strings, comments) -------------------------

def rich_runs(el: Any) -> list[tuple[str, Any]]:
    """(text, ``rPr`` or None) of a ``si``/``is``/``text`` element: its ``t``, or its ``r``
    runs; phonetic runs (``rPh``) are left out."""
    out: list[tuple[str, Any]] = []
    for child in el:
        if child.tag == s("t"):
            out.append((child.text or "", None))
        elif child.tag == s("r"):
            t = child.find(s("t"))
            out.append(((t.text or "") if t is not None else "", child.find(s("rPr"))))
    return out


def set_rich(el: Any, runs: list[tuple[str, Any]]) -> None:
    """Replace the text of ``el`` by ``runs`` ((text, rPr to copy or None)), keeping its
    phonetic properties."""
    for child in list(el):
        if child.tag in (s("t"), s("r")):
            el.remove(child)
    at = 0
    if len(runs) == 1 and runs[0][1] is None:
        el.insert(at, _t(el, runs[0][0]))
        return
    for text, rpr in runs:
        r = el.makeelement(s("r"), {})
        if rpr is not None:
            r.append(_copy(rpr))
        r.append(_t(el, text))
        el.insert(at, r)
        at += 1


def _t(parent: Any, text: str) -> Any:
    t = parent.makeelement(s("t"), {})
    t.text = text
    if text != text.strip() or "\n" in text:
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return t


def _copy(el: Any) -> Any:
    return deepcopy(el)


# --- Streaming ---------------------------------------------------------------------

def iter_elements(fh: IO[bytes], tags: tuple[str, ...]) -> Iterator[Any]:
    """Elements with one of ``tags`` (Clark names), each freed after use."""
    for _, el in etree.iterparse(fh, events=("end",), tag=tags, resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False):
        yield el
        el.clear()
        parent = el.getparent()
        while parent is not None and el.getprevious() is not None:
            del parent[0]


def stream_rewrite(src: IO[bytes], dst: IO[bytes], container: str,
                   fix: Callable[[Any], bool], append: Callable[[Any], None] | None = None,
                   root_attrs: Callable[[dict[str, str]], dict[str, str]] | None = None
                   ) -> None:
    """Copy an XML part, calling ``fix`` on each child of the ``container`` element
    (``sheetData`` → rows, ``sst`` → strings) and on every other child of the root,
    without ever holding more than one of them as a tree.  A child for which ``fix``
    returns False is dropped; ``append(xf)`` writes more children at the end of the
    container; ``root_attrs`` may change the root element's attributes."""
    events = etree.iterparse(src, events=("start", "end"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)
    with etree.xmlfile(dst, encoding="UTF-8") as xf:
        xf.write_declaration(standalone=True)
        depth, scopes, in_container = 0, [], -1
        for event, el in events:
            if event == "start":
                depth += 1
                if depth == 1 or (depth == 2 and el.tag == container):
                    attrs = dict(el.attrib)
                    if depth == 1 and root_attrs is not None:
                        attrs = root_attrs(attrs)
                    scope = xf.element(el.tag, attrs, nsmap=_own_ns(el))
                    scope.__enter__()
                    scopes.append(scope)
                    if el.tag == container:
                        in_container = depth
                continue
            depth -= 1
            if depth == 0 or (depth == 1 and el.tag == container):
                if el.tag == container and append is not None:
                    append(xf)
                scopes.pop().__exit__(None, None, None)
                if depth == 1:
                    in_container = -1
                    _free(el)
                continue
            if depth == 1 or (in_container > 0 and depth == in_container):
                if fix(el):
                    el.tail = None
                    xf.write(el)
                _free(el)


def _own_ns(el: Any) -> dict[str | None, str]:
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None else {}
    return {k: v for k, v in el.nsmap.items() if inherited.get(k) != v}


def _free(el: Any) -> None:
    el.clear()
    parent = el.getparent()
    while parent is not None and el.getprevious() is not None:
        del parent[0]


# --- Sheet names and formulas -------------------------------------------------------

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def valid_sheet_names(wanted: list[str], originals: list[str]) -> list[str]:
    """Sheet names Excel accepts: no ``[]:*?/\\``, 31 characters at most, no leading or
    trailing apostrophe, not "History", unique ignoring case (a clash gets " (2)")."""
    out: list[str] = []
    taken: set[str] = set()
    for want, original in zip(wanted, originals, strict=True):
        name = _FORBIDDEN.sub(" ", want).strip().strip("'").strip()
        name = " ".join(name.split())[:MAX_SHEET_NAME].strip() or original
        if name.casefold() == "history":
            name = original
        base, n = name, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name = base[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET_REF = re.compile(r"'((?:[^']|'')+)'!|(?<![\w.'\]\"])([^\W\d][\w.]*)!")


def quote_sheet(name: str) -> str:
    if re.fullmatch(r"[^\W\d][\w.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def rename_in_formula(formula: str, renames: dict[str, str]) -> str:
    """``formula`` with every reference to a renamed sheet following the new name;
    string literals are left alone."""
    if not renames:
        return formula
    folded = {k.casefold(): v for k, v in renames.items()}
    out, pos = [], 0
    for m in _STRING.finditer(formula):
        out.append(_rename_refs(formula[pos:m.start()], folded))
        out.append(m.group(0))
        pos = m.end()
    out.append(_rename_refs(formula[pos:], folded))
    return "".join(out)


def _rename_refs(text: str, renames: dict[str, str]) -> str:
    def ref(m: re.Match[str]) -> str:
        name = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
        new = renames.get(name.casefold())
        return quote_sheet(new) + "!" if new is not None else m.group(0)

    return _SHEET_REF.sub(ref, text)
