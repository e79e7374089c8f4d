"""OpenDocument paragraphs (``text:p``/``text:h``): their styled text, and its rewriting.

An ODF paragraph is mixed content: text, ``text:span`` (a style), ``text:a`` (a link),
spacing elements (``text:s``, ``text:tab``, ``text:line-break``) and inline objects
(notes, frames, fields, bookmarks, annotations).  It is read as a list of tokens,
styled text pieces and objects; rewriting puts the translation back as spans cloned
from the source's own spans and links, cut around the objects at the same relative
places (see :mod:`app.formats.textcut`), with the objects themselves untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.document import Run, Style
from app.formats.textcut import cut_runs, split_points

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
XLINK_NS = "http://www.w3.org/1999/xlink"


def t(tag: str) -> str:
    return f"{{{TEXT_NS}}}{tag}"


T_P, T_H, T_SPAN, T_A, T_S, T_TAB, T_BR = (t("p"), t("h"), t("span"), t("a"), t("s"),
                                           t("tab"), t("line-break"))
_CONTAINERS = {T_SPAN, T_A}


@dataclass
class Piece:
    text: str | None  # None: an inline object
    style: Style = field(default_factory=Style)
    span: Any = None  # the text:span whose style it has (a template), or None
    link: Any = None  # the text:a around it, or None
    element: Any = None  # the inline object


class TextStyles:
    """Character formatting of the text styles (automatic and common) of a package."""

    def __init__(self, *roots: Any) -> None:
        self._styles: dict[str, Style] = {}
        for root in roots:
            for st in root.iter(f"{{{STYLE_NS}}}style"):
                if st.get(f"{{{STYLE_NS}}}family") != "text":
                    continue
                props = st.find(f"{{{STYLE_NS}}}text-properties")
                if props is not None:
                    self._styles[st.get(f"{{{STYLE_NS}}}name") or ""] = _style(props)

    def get(self, name: str | None) -> Style:
        return self._styles.get(name or "", Style())


def _style(props: Any) -> Style:
    weight = props.get(f"{{{FO_NS}}}font-weight")
    italic = props.get(f"{{{FO_NS}}}font-style")
    underline = props.get(f"{{{STYLE_NS}}}text-underline-style")
    color = props.get(f"{{{FO_NS}}}color")
    size = props.get(f"{{{FO_NS}}}font-size") or ""
    return Style(
        bold=None if weight is None else weight in ("bold", "600", "700", "800", "900"),
        italic=None if italic is None else italic in ("italic", "oblique"),
        underline=None if underline is None else underline != "none",
        size=float(size[:-2]) if size.endswith("pt") and size[:-2].replace(".", "").isdigit()
        else None,
        color=color.lstrip("#").upper() if color and color.startswith("#") else None,
        font=props.get(f"{{{STYLE_NS}}}font-name"),
    )


def pieces(p: Any, styles: TextStyles) -> list[Piece]:
    out: list[Piece] = []
    _walk(p, styles, Style(), None, None, out)
    return out


def _walk(el: Any, styles: TextStyles, style: Style, span: Any, link: Any,
          out: list[Piece]) -> None:
    if el.text:
        out.append(Piece(el.text, style, span, link))
    for child in el:
        tag = child.tag
        if tag == T_SPAN:
            own = styles.get(child.get(t("style-name")))
            merged = _merge(style, own)
            _walk(child, styles, merged, child, link, out)
        elif tag == T_A:
            href = child.get(f"{{{XLINK_NS}}}href")
            _walk(child, styles, Style(**{**style.__dict__, "link": href}), span, child, out)
        elif tag == T_S:
            n = child.get(t("c"))
            out.append(Piece(" " * (int(n) if n and n.isdigit() else 1), style, span, link))
        elif tag == T_TAB:
            out.append(Piece("\t", style, span, link))
        elif tag == T_BR:
            out.append(Piece("\n", style, span, link))
        elif isinstance(tag, str):
            out.append(Piece(None, element=child))
        if child.tail:
            out.append(Piece(child.tail, style, span, link))


def _merge(outer: Style, inner: Style) -> Style:
    values = {k: v if v is not None else getattr(outer, k) for k, v in inner.__dict__.items()}
    return Style(**values)


def runs_of(ps: list[Piece]) -> list[Run]:
    return [Run(pc.text, pc.style) for pc in ps if pc.text]


def rewrite(p: Any, ps: list[Piece], new_runs: list[Run]) -> None:
    """Rebuild ``p``'s content: the translation in spans and links cloned from the source,
    the inline objects where they were (relatively)."""
    texts = [pc for pc in ps if pc.text is not None]
    source = "".join(pc.text or "" for pc in texts)
    slots: list[int] = []  # source offsets at which an object sits
    objects: list[Any] = []
    offset = 0
    for pc in ps:
        if pc.text is None:
            slots.append(offset)
            objects.append(pc.element)
        else:
            offset += len(pc.text)
    text = "".join(r.text for r in new_runs)
    cuts = split_points(source, slots, text)
    chunks = cut_runs(new_runs, cuts)
    for obj in objects:
        parent = obj.getparent()
        if parent is not None:
            parent.remove(obj)
            obj.tail = None
    for child in list(p):
        p.remove(child)
    p.text = None
    builder = _Builder(p, texts)
    for n, chunk in enumerate(chunks):
        for run in chunk:
            builder.add(run)
        if n < len(objects):
            builder.add_element(objects[n])


class _Builder:
    def __init__(self, p: Any, texts: list[Piece]) -> None:
        self.p, self.texts = p, texts
        self.prev = ""  # the last character written (ODF collapses repeated spaces)

    def _container(self, style: Style) -> tuple[Any, Any]:
        """(link to clone or None, span to clone or None) for a run of ``style``."""
        match = next((pc for pc in self.texts if pc.style == style), None)
        if match is None:
            match = next((pc for pc in self.texts
                          if pc.style.emphasis_key() == style.emphasis_key()), None)
        if match is None:
            return None, None
        return match.link, match.span

    def add(self, run: Run) -> None:
        if not run.text:
            return
        link, span = self._container(run.style)
        target = self.p
        if link is not None:
            target = _shallow(link, target)
        if span is not None:
            target = _shallow(span, target)
        self._text(target, run.text)

    def add_element(self, el: Any) -> None:
        self.p.append(el)
        self.prev = ""

    def _text(self, parent: Any, text: str) -> None:
        """Text with ODF spacing: tabs, line breaks and collapsible spaces as elements."""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch in "\t\n":
                parent.append(parent.makeelement(T_TAB if ch == "\t" else T_BR, {}))
                self.prev = ch
            elif ch == " " and self.prev in ("", " ", "\t", "\n"):
                j = i
                while j < len(text) and text[j] == " ":
                    j += 1
                attrs = {t("c"): str(j - i)} if j - i > 1 else {}
                parent.append(parent.makeelement(T_S, attrs))
                self.prev, i = " ", j
                continue
            else:
                _put(parent, ch)
                self.prev = ch
            i += 1


def _put(parent: Any, chunk: str) -> None:
    """Append text at the end of ``parent``'s content."""
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + chunk
    else:
        parent.text = (parent.text or "") + chunk


def _shallow(template: Any, parent: Any) -> Any:
    el = parent.makeelement(template.tag, dict(template.attrib))
    parent.append(el)
    return el
