"""Excel ``.xlsx``/``.xlsm`` → :class:`~app.document.Document`.

Blocks, in this order: sheet names, the shared strings (each once, however many cells
use it), inline-string cells, header/footer texts and data-validation messages (input
message and error alert) of each sheet, cell comments (legacy notes and Excel 365
threaded comments with their replies), and the DrawingML text of drawings and charts
(titles, axis titles, data labels, text boxes).  Numbers, dates, formulas (and their
cached results) and cell types are never read as text, so they can never be rewritten.
"""

from __future__ import annotations

import logging
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from app.core.errors import CorruptDocument
from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, Style
from app.formats.dml import A_P, paragraph_runs
from app.formats.sniff import EXCEL, check_package
from app.formats.textcut import split_points
from app.formats.xlsx_package import (
    HEADER_FOOTER_TAGS,
    TC_NS,
    VALIDATION_TEXTS,
    Workbook,
    iter_elements,
    parser,
    rich_runs,
    s,
)
from engines.errors import Cancelled

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
PROGRESS_ROWS = 50_000
MACROS_DROPPED = ("Macros in this workbook were dropped (never run): the translation is a "
                  "macro-free .xlsx.")
XDR_CNVPR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}cNvPr"
_HF_TOKEN = re.compile(r'(&"[^"]*"|&\d+|&[A-Za-z]|&&)')


def hf_tokens(text: str) -> list[str]:
    """A header/footer string split into codes (``&L``, ``&P``, ``&"Arial,Bold"``, ``&12``)
    and the texts between them."""
    return [t for t in _HF_TOKEN.split(text) if t]


def hf_sections(text: str) -> list[list[str]]:
    """The tokens of each section (left ``&L``, centre ``&C``, right ``&R``), each section
    starting with its own code, so that joining them gives the text back."""
    sections: list[list[str]] = [[]]
    for token in hf_tokens(text):
        if token in ("&L", "&C", "&R") and sections[-1]:
            sections.append([])
        sections[-1].append(token)
    return sections


def hf_text(tokens: list[str]) -> tuple[str, list[tuple[int, str]]]:
    """A section's text (``&&`` read as ``&``) and its codes as (offset, code): the codes
    (page number, date, font) are inline objects the translation flows around."""
    text, codes = "", []
    for token in tokens:
        if token == "&&" or not _HF_TOKEN.fullmatch(token):
            text += "&" if token == "&&" else token
        else:
            codes.append((len(text), token))
    return text, codes


def hf_render(tokens: list[str], translation: str) -> str:
    """The section with its text replaced by ``translation`` and every code kept, at the
    same relative place."""
    source, codes = hf_text(tokens)
    leading = [code for offset, code in codes if offset == 0]  # section, font, size codes
    inner = [(offset, code) for offset, code in codes if offset > 0]
    cuts = split_points(source, [o for o, _ in inner], translation)
    pieces, start = list(leading), 0
    for cut, (_, code) in zip(cuts, inner, strict=True):
        pieces += [translation[start:cut].replace("&", "&&"), code]
        start = cut
    pieces.append(translation[start:].replace("&", "&&"))
    return "".join(pieces)


def open_workbook(path: Path) -> tuple[zipfile.ZipFile, Workbook]:
    check_package(path, EXCEL)
    zf = zipfile.ZipFile(path)
    try:
        return zf, Workbook.open(zf)
    except (etree.XMLSyntaxError, KeyError, ValueError) as exc:
        zf.close()
        raise CorruptDocument(f"The file is not a valid Excel workbook ({exc}).") from exc


def has_macros(zf: zipfile.ZipFile) -> bool:
    return any(n.lower().endswith("vbaproject.bin") for n in zf.namelist())


def spreadsheet_style(rpr: Any) -> Style:
    if rpr is None:
        return Style()

    def flag(tag: str) -> bool | None:
        el = rpr.find(s(tag))
        return None if el is None else el.get("val") not in ("0", "false", "none")

    size, color, font = rpr.find(s("sz")), rpr.find(s("color")), rpr.find(s("rFont"))
    rgb = color.get("rgb") if color is not None else None
    return Style(bold=flag("b"), italic=flag("i"), underline=flag("u"),
                 size=float(size.get("val")) if size is not None and size.get("val") else None,
                 color=rgb[-6:] if rgb else None,
                 font=font.get("val") if font is not None else None)


def rich_block_runs(el: Any) -> list[Run]:
    return [Run(text, spreadsheet_style(rpr)) for text, rpr in rich_runs(el) if text]


def read_xlsx(path: Path, password: str | None = None, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> Document:
    path = Path(path)
    zf, wb = open_workbook(path)
    with zf:
        doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path),
                                         format="xlsx", page_count=len(wb.sheets)))
        if has_macros(zf):
            doc.warnings.append(MACROS_DROPPED)
        for sheet in wb.sheets:
            if sheet.name.strip():
                doc.add_block(BlockKind.LABEL, [Run(sheet.name)], Locator("sheetname",
                                                                         (sheet.index,)))
        if wb.sst is not None:
            with zf.open(wb.sst) as fh:
                for i, si in enumerate(iter_elements(fh, (s("si"),))):
                    runs = rich_block_runs(si)
                    if "".join(r.text for r in runs).strip():
                        doc.add_block(BlockKind.TABLE_CELL, runs, Locator("sst", (i,)))
                    if cancel is not None and i % PROGRESS_ROWS == 0 and cancel.is_set():
                        raise Cancelled()
        for n, sheet in enumerate(wb.sheets):
            if progress is not None:
                progress(n / max(len(wb.sheets), 1), f"Reading sheet {sheet.name}")
            with zf.open(sheet.part) as fh:
                for kind, locator, runs in _sheet_blocks(fh, sheet.index, sheet.name,
                                                         progress, cancel):
                    doc.add_block(kind, runs, locator)
            if sheet.comments:
                root = etree.fromstring(zf.read(sheet.comments), parser())
                for k, text in enumerate(root.iter(s("text"))):
                    runs = rich_block_runs(text)
                    if "".join(r.text for r in runs).strip():
                        doc.add_block(BlockKind.COMMENT, runs,
                                      Locator(f"comments:{sheet.index}", (k,)))
            for part in sheet.threaded:
                root = etree.fromstring(zf.read(part), parser())
                for k, el in enumerate(threaded_texts(root)):
                    if (el.text or "").strip():
                        doc.add_block(BlockKind.COMMENT, [Run(el.text)],
                                      Locator(f"threaded:{part}", (k,)))
        for part in wb.charts:
            root = etree.fromstring(zf.read(part), parser())
            for k, p in enumerate(root.iter(A_P)):
                runs = [r.run for r in paragraph_runs(p)]
                if "".join(r.text for r in runs).strip():
                    doc.add_block(BlockKind.CAPTION, runs, Locator(f"drawing:{part}", (k,)))
            for k, (el, attr) in enumerate(alt_texts(root)):
                doc.add_block(BlockKind.ALT_TEXT, [Run(el.get(attr))],
                              Locator(f"drawing-alt:{part}", (k,)))
    log.info("Read %s: %d sheets, %d blocks", path.name, len(wb.sheets), len(doc.blocks))
    return doc


def threaded_texts(root: Any) -> list[Any]:
    """The ``text`` element of each threaded comment and reply, in document order."""
    return [t for c in root.iter(f"{{{TC_NS}}}threadedComment")
            for t in c.findall(f"{{{TC_NS}}}text")]


def alt_texts(root: Any) -> list[tuple[Any, str]]:
    """(``cNvPr`` element, attribute) of each picture or shape description in a drawing."""
    return [(el, attr) for el in root.iter(XDR_CNVPR) for attr in ("descr", "title")
            if (el.get(attr) or "").strip()]


def cell_position(ref: str) -> tuple[int, int]:
    """"B12" → (12, 2)."""
    m = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref or "")
    if m is None:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _sheet_blocks(fh: Any, index: int, name: str, progress: Progress | None,
                  cancel: threading.Event | None
                  ) -> Iterator[tuple[BlockKind, Locator, list[Run]]]:
    rows = 0
    validations = 0
    for el in iter_elements(fh, (s("c"), s("headerFooter"), s("row"), s("dataValidation"))):
        if el.tag == s("row"):
            rows += 1
            if rows % PROGRESS_ROWS == 0:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                if progress is not None:
                    progress(0.0, f"Reading sheet {name}: {rows} rows")
        elif el.tag == s("dataValidation"):
            for a, (attr, _) in enumerate(VALIDATION_TEXTS):
                text = el.get(attr) or ""
                if any(c.isalpha() for c in text):
                    kind = BlockKind.LABEL if attr.endswith("Title") else BlockKind.PARAGRAPH
                    yield kind, Locator(f"sheet:{index}:dv", (validations, a)), [Run(text)]
            validations += 1
        elif el.tag == s("c"):
            if el.get("t") == "inlineStr":
                inline = el.find(s("is"))
                runs = rich_block_runs(inline) if inline is not None else []
                if "".join(r.text for r in runs).strip():
                    yield (BlockKind.TABLE_CELL,
                           Locator(f"sheet:{index}:inline", cell_position(el.get("r", ""))), runs)
        else:
            for t, tag in enumerate(HEADER_FOOTER_TAGS):
                hf = el.find(s(tag))
                if hf is None or not hf.text:
                    continue
                kind = BlockKind.HEADER if "Header" in tag else BlockKind.FOOTER
                for k, section in enumerate(hf_sections(hf.text)):
                    text, _ = hf_text(section)
                    if any(c.isalpha() for c in text):
                        yield kind, Locator(f"sheet:{index}:hf", (t, k)), [Run(text.strip())]
