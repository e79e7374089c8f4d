"""HTML ``.html``/``.htm``: text nodes and ``alt``/``title`` attributes translated, the
markup kept.

The page is parsed by libxml2's HTML parser (lxml), which never fetches anything
(no network, no external entities) and runs nothing.  Each block element (paragraph,
heading, list item, table cell…) is one block made of its own mixed content
(:mod:`app.formats.mixed`): ``<b>``, ``<i>``, ``<a href>`` and friends become styled
runs, projected back on the translation; nested blocks, images, code, scripts, styles
and every other element are inline objects left exactly as they were.  ``<script>``,
``<style>``, ``<pre>``, ``<code>`` and ``<textarea>`` are never read.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from lxml import etree, html

from app.core.errors import CorruptDocument
from app.core.hashing import sha256_file
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, Style, TranslationStatus
from app.formats.mixed import Dialect, pieces, put_text, rewrite, runs_of
from app.formats.textcut import target_runs
from app.formats.textenc import read_text, write_translated

log = logging.getLogger(__name__)

_BLOCKS = {"p": BlockKind.PARAGRAPH, "div": BlockKind.PARAGRAPH, "li": BlockKind.LIST_ITEM,
           "td": BlockKind.TABLE_CELL, "th": BlockKind.TABLE_CELL, "dt": BlockKind.LIST_ITEM,
           "dd": BlockKind.LIST_ITEM, "caption": BlockKind.CAPTION,
           "figcaption": BlockKind.CAPTION, "blockquote": BlockKind.PARAGRAPH,
           "title": BlockKind.HEADING, "option": BlockKind.PARAGRAPH,
           "button": BlockKind.PARAGRAPH, "label": BlockKind.PARAGRAPH,
           "summary": BlockKind.PARAGRAPH, "legend": BlockKind.CAPTION,
           "section": BlockKind.PARAGRAPH, "article": BlockKind.PARAGRAPH,
           "header": BlockKind.PARAGRAPH, "footer": BlockKind.PARAGRAPH,
           "nav": BlockKind.PARAGRAPH, "main": BlockKind.PARAGRAPH, "aside": BlockKind.PARAGRAPH,
           "body": BlockKind.PARAGRAPH, "address": BlockKind.PARAGRAPH,
           **{f"h{n}": BlockKind.HEADING for n in range(1, 7)}}
_UNTOUCHED = {"script", "style", "pre", "code", "textarea", "noscript", "template", "svg",
              "math", "kbd", "samp", "var"}
_STYLES = {"b": Style(bold=True), "strong": Style(bold=True), "i": Style(italic=True),
           "em": Style(italic=True), "cite": Style(italic=True), "u": Style(underline=True),
           "ins": Style(underline=True)}
_NEUTRAL = {"span", "font", "mark", "small", "big", "abbr", "q", "s", "del", "sub", "sup",
            "time", "bdi", "bdo", "dfn", "data"}
_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", re.I)


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _style_of(el: Any) -> Style | None:
    tag = _tag(el)
    if tag in _STYLES:
        return _STYLES[tag]
    return Style() if tag in _NEUTRAL else None


def _href_of(el: Any) -> str | None:
    return (el.get("href") or "") if _tag(el) == "a" else None


def _spacing_of(el: Any) -> str | None:
    return "\n" if _tag(el) == "br" else None


def _write_spacing(parent: Any, ch: str, count: int) -> None:
    if ch == "\n":
        parent.append(parent.makeelement("br", {}))
    else:
        put_text(parent, ch * count)


DIALECT = Dialect(_style_of, _href_of, _spacing_of, _write_spacing, collapses_spaces=False)


def _walk(root: Any, part: str = "html") -> list[tuple[Locator, Any, BlockKind, str | None]]:
    """(locator, element, kind, attribute or None) in document order."""
    out: list[tuple[Locator, Any, BlockKind, str | None]] = []
    for k, el in enumerate(root.iter()):
        tag = _tag(el)
        if not tag or any(_tag(a) in _UNTOUCHED for a in el.iterancestors()) \
                or tag in _UNTOUCHED:
            continue
        if tag in _BLOCKS:
            out.append((Locator(part, (k,)), el, _BLOCKS[tag], None))
        for n, attr in enumerate(_ATTRIBUTES):
            if (el.get(attr) or "").strip():
                out.append((Locator(f"{part}-attr", (k, n)), el, BlockKind.ALT_TEXT, attr))
    return out


def _normalise(runs: list[Run]) -> list[Run]:
    """Source formatting whitespace (newlines, indentation) read as single spaces."""
    out = [Run(re.sub(r"[ \t\r\n]+", " ", r.text) if r.text != "\n" else r.text, r.style)
           for r in runs]
    return [r for r in out if r.text]


def _parse(text: str, name: str) -> Any:
    parser = html.HTMLParser(no_network=True, remove_comments=False, remove_pis=False)
    try:
        root = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise CorruptDocument(f"{name} is not a readable HTML page ({exc}).") from exc
    return root


def read_html(path: Path, password: str | None = None) -> Document:
    path = Path(path)
    text = read_text(path).text
    doc = Document(meta=DocumentMeta(source_path=path, sha256=sha256_file(path), format="html"))
    root = add_html_blocks(doc, text, path.name)
    title = root.find(".//title")
    doc.meta.title = title.text_content().strip() or None if title is not None else None
    log.info("Read %s: %d blocks", path.name, len(doc.blocks))
    return doc


def add_html_blocks(doc: Document, text: str, name: str, part: str = "html") -> Any:
    """Add the blocks of the HTML ``text`` to ``doc``; returns the parsed page."""
    root = _parse(text, name)
    for locator, el, kind, attr in _walk(root, part):
        runs = [Run(el.get(attr))] if attr else _normalise(runs_of(pieces(el, DIALECT)))
        if "".join(r.text for r in runs).strip():
            level = int(_tag(el)[1]) if kind is BlockKind.HEADING and _tag(el) != "title" else 0
            doc.add_block(kind, runs, locator, level=level)
    return root


def translate_html(text: str, doc: Document, name: str, part: str = "html") -> str:
    """The HTML ``text`` with the translations of ``doc``'s blocks put in."""
    root = _parse(text, name)
    by_key = {b.locator.key(): b for b in doc.blocks}
    found = _walk(root, part)  # attributes first: rewritten paragraphs copy their links'
    for locator, el, _kind, attr in sorted(found, key=lambda f: f[3] is None):
        block = by_key.get(locator.key())
        if block is None or block.translation.status is not TranslationStatus.TRANSLATED:
            continue
        if attr:
            el.set(attr, block.translation.text)
            continue
        ps = pieces(el, DIALECT)
        rewrite(el, ps, target_runs(block, _normalise(runs_of(ps))), DIALECT)
    if doc.target_language:
        root.set("lang", doc.target_language)
    doctype = root.getroottree().docinfo.doctype
    return str(html.tostring(root, encoding="unicode", method="html", doctype=doctype or None))


def write_html(doc: Document, out: Path) -> None:
    name = doc.meta.source_path.name
    write_translated(doc, out, lambda text: translate_html(text, doc, name), _declare_utf8)


def _declare_utf8(data: bytes) -> bytes:
    return _CHARSET.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + b"utf-8", data)
