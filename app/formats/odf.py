"""OpenDocument ``.odt``, ``.ods``, ``.odp``: read and rewritten as XML (no odfpy needed).

The package passes the same zip and XML checks as Office files, then ``content.xml``
and ``styles.xml`` are parsed with entities, DTDs and the network off.  Every paragraph
and heading is a block: body text, lists, tables, text boxes, slides and their speaker
notes, footnotes and endnotes, comments, and the headers and footers of the page
styles (in ``styles.xml``; the rest of a master page is layout, not content).
Spreadsheet cells holding a number, date, time, percentage, currency or boolean are
skipped (their text is a rendering of the value); formulas are attributes and are
never touched.  Writing rewrites only those paragraphs' text: styles, lists, tables,
frames, notes and fields stay as they were.  Macros (``Basic/``, ``Scripts/``) are
dropped from the copy.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from app.core.errors import CorruptDocument, UnsupportedDocument
from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, TranslationStatus
from app.formats.mixed import Dialect
from app.formats.odf_text import T_H, T_P, TextStyles, dialect, pieces, rewrite, runs_of, t
from app.formats.sniff import OPENDOCUMENT, check_package
from app.formats.textcut import target_runs
from app.formats.xlsx_package import valid_sheet_names

log = logging.getLogger(__name__)

MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
PRES_NS = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_HEADER_FOOTER = {f"{{{STYLE_NS}}}{n}": kind for n, kind in (
    ("header", BlockKind.HEADER), ("header-left", BlockKind.HEADER),
    ("header-first", BlockKind.HEADER), ("footer", BlockKind.FOOTER),
    ("footer-left", BlockKind.FOOTER), ("footer-first", BlockKind.FOOTER))}
_MACRO_FOLDERS = ("Basic/", "Scripts/")
_TABLE = f"{{{TABLE_NS}}}table"
_TABLE_NAME = f"{{{TABLE_NS}}}name"
# Attributes that may name a sheet: formulas, conditions, cell and range addresses.
_REFERENCE_ATTR = re.compile(r"formula|condition|expression|address|range")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET_REF = re.compile(r"(\$?)('(?:[^']|'')+'|[^\W\d][\w]*)(?=\.\$?[A-Za-z]{1,3}\$?\d)")
MACROS_DROPPED = "Macros in this document were dropped (never run) from the translation."


@dataclass
class OdfRef:
    locator: Locator
    element: Any
    kind: BlockKind
    level: int = 0


@dataclass
class OdfPackage:
    format: str
    content: Any
    styles: Any | None
    dialect: Dialect
    macros: bool

    @classmethod
    def open(cls, path: Path) -> OdfPackage:
        check_package(path, OPENDOCUMENT)
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mime = zf.read("mimetype").decode("ascii", "replace").strip() \
                if "mimetype" in names else ""
            fmt = MIMETYPES.get(mime)
            if fmt is None:
                raise UnsupportedDocument(
                    f"{path.name} is not an OpenDocument text, spreadsheet or presentation "
                    f"(its type is {mime or 'missing'}).")
            try:
                content = etree.fromstring(zf.read("content.xml"), _parser())
                styles = (etree.fromstring(zf.read("styles.xml"), _parser())
                          if "styles.xml" in names else None)
            except etree.XMLSyntaxError as exc:
                raise CorruptDocument(f"The file is not a valid OpenDocument file ({exc}).") \
                    from exc
            macros = any(n.startswith(_MACRO_FOLDERS) for n in names)
        roots = [r for r in (content, styles) if r is not None]
        return cls(fmt, content, styles, dialect(TextStyles(*roots)), macros)

    def walk(self) -> Iterator[OdfRef]:
        for k, p in enumerate(self.content.iter(T_P, T_H)):
            kind = _kind(p)
            if kind is not None:
                yield OdfRef(Locator("content", (k,)), p, kind, _level(p))
        if self.styles is not None:
            for k, p in enumerate(self.styles.iter(T_P, T_H)):
                kind = _running_kind(p)
                if kind is not None:
                    yield OdfRef(Locator("styles", (k,)), p, kind)

    def sheets(self) -> list[Any]:
        """The ``table:table`` elements of a spreadsheet (its sheets, in order)."""
        if self.format != "ods":
            return []
        body = self.content.find(f"{{{OFFICE_NS}}}body")
        return list(body.iter(_TABLE)) if body is not None else []


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


def _kind(p: Any) -> BlockKind | None:
    """The block kind from the paragraph's ancestors (the nearest note, comment, speaker
    notes or table cell decides, then a text box, then a list); None for a value cell's
    display."""
    heading = p.tag == T_H
    in_box = in_list = False
    node = p.getparent()
    while node is not None:
        tag = node.tag
        if tag in (f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell"):
            if node.get(f"{{{OFFICE_NS}}}value-type") not in (None, "string"):
                return None
            return BlockKind.HEADING if heading else BlockKind.TABLE_CELL
        if tag == t("note-body"):
            note = node.getparent()
            endnote = note is not None and note.get(t("note-class")) == "endnote"
            return BlockKind.ENDNOTE if endnote else BlockKind.FOOTNOTE
        if tag == f"{{{OFFICE_NS}}}annotation":
            return BlockKind.COMMENT
        if tag == f"{{{PRES_NS}}}notes":
            return BlockKind.NOTE
        in_box = in_box or tag == f"{{{DRAW_NS}}}text-box"
        in_list = in_list or tag == t("list-item")
        node = node.getparent()
    if heading:
        return BlockKind.HEADING
    return BlockKind.TEXTBOX if in_box else BlockKind.LIST_ITEM if in_list else \
        BlockKind.PARAGRAPH


def _running_kind(p: Any) -> BlockKind | None:
    node = p.getparent()
    while node is not None:
        if node.tag in _HEADER_FOOTER:
            return _HEADER_FOOTER[node.tag]
        node = node.getparent()
    return None


def _level(p: Any) -> int:
    if p.tag == T_H:
        level = p.get(t("outline-level"))
        return int(level) if level and level.isdigit() else 1
    depth, node = 0, p.getparent()
    while node is not None:
        if node.tag == t("list"):
            depth += 1
        node = node.getparent()
    return max(depth - 1, 0)


def read_odf(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    pkg = OdfPackage.open(path)
    doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path),
                                     format=pkg.format))
    if pkg.macros:
        doc.warnings.append(MACROS_DROPPED)
    for n, table in enumerate(pkg.sheets()):
        name = table.get(_TABLE_NAME) or ""
        if name.strip():
            doc.add_block(BlockKind.LABEL, [Run(name)], Locator("sheetname", (n,)))
    for ref in pkg.walk():
        runs = runs_of(pieces(ref.element, pkg.dialect))
        if "".join(r.text for r in runs).strip():
            doc.add_block(ref.kind, runs, ref.locator, level=ref.level)
    log.info("Read %s (%s): %d blocks", path.name, pkg.format, len(doc.blocks))
    return doc


def write_odf(doc: Document, out: Path) -> None:
    source = doc.meta.source_path
    pkg = OdfPackage.open(source)
    by_key = {b.locator.key(): b for b in doc.blocks}
    refs = list(pkg.walk())  # every paragraph found before any is rewritten
    written = 0
    for ref in refs:
        block = by_key.get(ref.locator.key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        ps = pieces(ref.element, pkg.dialect)
        rewrite(ref.element, ps, target_runs(block, runs_of(ps)), pkg.dialect)
        written += 1
    _set_language(pkg, doc.target_language)
    renames = _rename_sheets(pkg, by_key)
    parts = {"content.xml": pkg.content}
    if pkg.styles is not None:
        parts["styles.xml"] = pkg.styles
    with zipfile.ZipFile(source) as zf, zipfile.ZipFile(out, "w") as zout:
        if renames:  # embedded charts name the sheets of their data ranges
            for name in zf.namelist():
                if name.endswith("/content.xml") and name.count("/") == 1:
                    parts[name] = etree.fromstring(zf.read(name), _parser())
        for root in parts.values():
            _rename_references(root, renames)
        infos = sorted(zf.infolist(), key=lambda i: i.filename != "mimetype")
        for info in infos:
            name = info.filename
            if name.startswith(_MACRO_FOLDERS):
                continue
            if name in parts:
                data = etree.tostring(parts[name], xml_declaration=True, encoding="UTF-8")
            elif name == "META-INF/manifest.xml" and pkg.macros:
                data = _manifest_without_macros(zf.read(name))
            else:
                data = zf.read(name)
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(zipfile.ZipInfo(name, date_time=info.date_time), data,
                          compress_type=compress)
    log.info("ODF writer: %d paragraphs rewritten", written)


def _manifest_without_macros(data: bytes) -> bytes:
    root = etree.fromstring(data, _parser())
    for entry in list(root):
        if (entry.get(f"{{{MANIFEST_NS}}}full-path") or "").startswith(_MACRO_FOLDERS):
            root.remove(entry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _set_language(pkg: OdfPackage, lang: str | None) -> None:
    """The default paragraph language of the document becomes the target language."""
    if not lang or pkg.styles is None:
        return
    fo = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
    for props in pkg.styles.iter(f"{{{STYLE_NS}}}text-properties"):
        parent = props.getparent()
        if parent is not None and parent.tag == f"{{{STYLE_NS}}}default-style" \
                and props.get(f"{{{fo}}}language") is not None:
            props.set(f"{{{fo}}}language", lang)
            props.attrib.pop(f"{{{fo}}}country", None)


def _rename_sheets(pkg: OdfPackage, by_key: dict[str, Any]) -> dict[str, str]:
    """Give the sheets their translated names (valid and unique); old name → new."""
    tables = pkg.sheets()
    originals = [t.get(_TABLE_NAME) or "" for t in tables]
    wanted = []
    for n, name in enumerate(originals):
        block = by_key.get(Locator("sheetname", (n,)).key())
        if block is not None and block.translation.status is TranslationStatus.TRANSLATED:
            wanted.append(block.translation.text)
        else:
            wanted.append(name)
    renames = {}
    for table, old, new in zip(tables, originals, valid_sheet_names(wanted, originals),
                               strict=True):
        if new != old:
            table.set(_TABLE_NAME, new)
            renames[old] = new
    return renames


def _rename_references(root: Any, renames: dict[str, str]) -> None:
    """Formulas, conditions and addresses follow the renamed sheets (string literals of
    formulas left alone)."""
    if not renames:
        return
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in el.attrib.items():
            if "." in value and _REFERENCE_ATTR.search(etree.QName(attr).localname):
                el.set(attr, _rename_in(value, renames))


def _rename_in(value: str, renames: dict[str, str]) -> str:
    def ref(m: re.Match[str]) -> str:
        name = m.group(2)
        plain = name[1:-1].replace("''", "'") if name.startswith("'") else name
        new = renames.get(plain)
        if new is None:
            return m.group(0)
        quoted = new if re.fullmatch(r"[^\W\d]\w*", new) else "'" + new.replace("'", "''") + "'"
        return m.group(1) + quoted

    out, pos = [], 0
    for m in _STRING.finditer(value):
        out += [_SHEET_REF.sub(ref, value[pos:m.start()]), m.group(0)]
        pos = m.end()
    out.append(_SHEET_REF.sub(ref, value[pos:]))
    return "".join(out)
