"""A quick sample of a document's text, read in a capped child process.

At drop time the window wants the language of a document whose source language is to be
detected, before any job reads the whole of it (:mod:`app.ui.drop_check`).
:func:`sample_text` reads only the beginning: the first pages of a PDF, the first
paragraphs of a Word, PowerPoint, Excel or OpenDocument file, the first kilobytes of plain
text, Markdown or HTML.  The file is untrusted, so it is read as the PDF reader reads: in a
child process (:func:`app.formats.pdf_worker.run_child`: offline guard and memory cap, XML
streamed through :class:`~app.formats.safe_xml.XmlPartCheck`), killed when it runs past
a few seconds.  Whatever cannot be sampled cheaply (scans, legacy Office files, e-mail,
images) or fails in any way gives None: the job then reads it as usual and says what is
wrong with it.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
import threading
import time
import zipfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from lxml import etree

from app.formats.pdf_worker import (
    WorkerTask,
    child_context,
    import_pymupdf,
    open_document,
    run_child,
)
from app.formats.safe_xml import XmlPartCheck
from app.formats.sniff import detect_format
from app.formats.textenc import decode

log = logging.getLogger(__name__)

POLL_S = 0.1
CHUNK = 64 << 10


@dataclass(frozen=True)
class SampleOptions:
    max_chars: int = 4000  # what language detection looks at (engines.langdetect)
    max_pages: int = 5  # PDF pages read at most
    max_xml_bytes: int = 4 << 20  # decompressed XML read at most from a package
    max_text_bytes: int = 64 << 10  # bytes read at most from a text file
    timeout_s: float = 10.0
    memory_limit_mb: int = 1024


def sample_text(path: Path, options: SampleOptions | None = None,
                cancel: threading.Event | None = None) -> str | None:
    """Up to ``max_chars`` of the text at the start of ``path`` (whitespace collapsed), or
    None when it cannot be sampled cheaply, fails, runs past ``timeout_s`` or ``cancel`` is
    set.  Blocks (call it in a worker); the file is parsed in a child process only."""
    o = options or SampleOptions()
    if cancel is not None and cancel.is_set():
        return None
    ctx = child_context()
    conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=sample_main, args=(child_conn, str(path), o), daemon=True,
                       name="document-sampler")
    proc.start()
    child_conn.close()
    deadline = time.monotonic() + o.timeout_s
    try:
        while not conn.poll(POLL_S):
            if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                log.info("No sample of %s: stopped after %.1f s", Path(path).name, o.timeout_s)
                return None
        message = conn.recv()
    except (EOFError, OSError):  # the child died (crash, memory cap)
        log.info("No sample of %s: the sampler ended without an answer", Path(path).name)
        return None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)
        conn.close()
    if message[0] != "sample":
        log.info("No sample of %s: %s", Path(path).name, message[-1])
        return None
    return message[1]  # type: ignore[no-any-return]


# --- the child's side -------------------------------------------------------------------
def sample_main(conn: Connection, path: str, options: SampleOptions) -> None:
    """Entry point of the child: sends ``("sample", text or None)`` or an error."""
    run_child(conn, options.memory_limit_mb,
              lambda: conn.send(("sample", _sample(Path(path), options))))


def _sample(path: Path, o: SampleOptions) -> str | None:
    fmt = detect_format(path)
    if fmt == "pdf":
        text = _pdf(path, o)
    elif fmt in _PLANS:
        text = _package(path, fmt, o)
    elif fmt in ("txt", "md", "html"):
        text = _plain(path, fmt, o)
    else:  # scans (OCR), legacy Office (LibreOffice), e-mail: not cheap
        return None
    return " ".join(text.split())[:o.max_chars]


def _pdf(path: Path, o: SampleOptions) -> str:
    doc, _info = open_document(import_pymupdf(), WorkerTask(path=str(path)))
    parts: list[str] = []
    size = 0
    for index in range(min(doc.page_count, o.max_pages)):
        text = doc.load_page(index).get_text()
        parts.append(text)
        size += len(text)
        if size >= o.max_chars:
            break
    return " ".join(parts)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


@dataclass(frozen=True)
class _Plan:
    """Where a package keeps its text: paragraph tags, and the tag of their text runs
    (None: all the paragraph's text)."""

    paragraphs: tuple[str, ...]
    runs: str | None
    label: str


_PLANS = {
    "docx": _Plan((_W + "p",), _W + "t", "Word document"),
    "pptx": _Plan((_A + "p",), _A + "t", "PowerPoint presentation"),
    "xlsx": _Plan((_S + "si",), _S + "t", "Excel workbook"),
    **{fmt: _Plan((_T + "p", _T + "h"), None, "OpenDocument file")
       for fmt in ("odt", "odp", "ods")},
}


def _parts(names: list[str], fmt: str) -> list[str]:
    if fmt == "docx":
        return ["word/document.xml"]
    if fmt == "xlsx":
        return ["xl/sharedStrings.xml"]
    if fmt == "pptx":
        slides = [n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        return sorted(slides, key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[1])))
    return ["content.xml"]


def _package(path: Path, fmt: str, o: SampleOptions) -> str:
    """The first paragraphs of the package's text parts, reading at most ``max_xml_bytes``
    of decompressed XML."""
    plan = _PLANS[fmt]
    texts: list[str] = []
    size, budget = 0, o.max_xml_bytes
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        for part in (p for p in _parts(names, fmt) if p in set(names)):
            check = XmlPartCheck(part, plan.label)  # DTDs, depth, huge texts: refused
            parser = etree.XMLPullParser(events=("end",), tag=plan.paragraphs,
                                         resolve_entities=False, no_network=True,
                                         load_dtd=False, huge_tree=False)
            with zf.open(part) as fh:
                while size < o.max_chars and budget > 0:
                    chunk = fh.read(min(CHUNK, budget))
                    if not chunk:
                        break
                    budget -= len(chunk)
                    check.feed(chunk)
                    parser.feed(chunk)
                    for _event, element in parser.read_events():
                        found = ("".join(t.text or "" for t in element.iter(plan.runs))
                                 if plan.runs else "".join(element.itertext()))
                        element.clear()
                        if found.strip():
                            texts.append(found)
                            size += len(found)
            if size >= o.max_chars or budget <= 0:
                break
    return "\n".join(texts)


def _plain(path: Path, fmt: str, o: SampleOptions) -> str:
    with open(path, "rb") as fh:
        data = fh.read(o.max_text_bytes)
    text = _decode_head(data)
    if fmt == "html":
        text = re.sub(r"(?is)<(script|style)\b.*?(</\1\s*>|$)|<!--.*?(-->|$)|<[^>]*>", " ", text)
        text = html.unescape(text)
    return text


def _decode_head(data: bytes) -> str:
    """The beginning of a text file: a character cut at the end of ``data`` is dropped."""
    if data.startswith(codecs.BOM_UTF8):
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")().decode(data)
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data)
    except UnicodeDecodeError:
        return decode(data).text  # a legacy code page (charset-normalizer)
