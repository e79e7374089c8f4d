"""Mixed-content paragraphs (text, styled containers, links, spacing elements and inline
objects), as in OpenDocument and HTML: read as styled pieces, rewritten from runs.

A paragraph is read as a list of :class:`Piece`: styled text, or an inline object.
Rewriting puts the translation back in containers cloned from the source's own
(a ``text:span`` or ``<b>`` of the same style, a link to the same target), cut around
the objects at the same relative places (see :mod:`app.formats.textcut`), with the
objects themselves untouched.  A :class:`Dialect` says what each element is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.document import Run, Style
from app.formats.textcut import cut_runs, split_points


@dataclass(frozen=True)
class Dialect:
    """What the elements of one markup language are."""

    style_of: Callable[[Any], Style | None]  # a style container's own style, else None
    href_of: Callable[[Any], str | None]  # a link's target, else None
    spacing_of: Callable[[Any], str | None]  # what a spacing element stands for, else None
    write_spacing: Callable[[Any, str, int], None]  # append a tab/line break/space run
    collapses_spaces: bool = True


@dataclass
class Piece:
    text: str | None  # None: an inline object
    style: Style = field(default_factory=Style)
    span: Any = None  # the text:span whose style it has (a template), or None
    link: Any = None  # the text:a around it, or None
    element: Any = None  # the inline object


def pieces(p: Any, dialect: Dialect) -> list[Piece]:
    out: list[Piece] = []
    _walk(p, dialect, Style(), None, None, out)
    return out


def _walk(el: Any, dialect: Dialect, style: Style, span: Any, link: Any,
          out: list[Piece]) -> None:
    if el.text:
        out.append(Piece(el.text, style, span, link))
    for child in el:
        own = dialect.style_of(child) if isinstance(child.tag, str) else None
        href = dialect.href_of(child) if isinstance(child.tag, str) else None
        spacing = dialect.spacing_of(child) if isinstance(child.tag, str) else None
        if own is not None:
            _walk(child, dialect, _merge(style, own), child, link, out)
        elif href is not None:
            _walk(child, dialect, Style(**{**style.__dict__, "link": href}), span, child, out)
        elif spacing is not None:
            out.append(Piece(spacing, style, span, link))
        else:  # an inline object (also comments and processing instructions)
            out.append(Piece(None, element=child))
        if child.tail:
            out.append(Piece(child.tail, style, span, link))


def _merge(outer: Style, inner: Style) -> Style:
    values = {k: v if v is not None else getattr(outer, k) for k, v in inner.__dict__.items()}
    return Style(**values)


def runs_of(ps: list[Piece]) -> list[Run]:
    return [Run(pc.text, pc.style) for pc in ps if pc.text]


def rewrite(p: Any, ps: list[Piece], new_runs: list[Run], dialect: Dialect) -> None:
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
    builder = _Builder(p, texts, dialect)
    for n, chunk in enumerate(chunks):
        for run in chunk:
            builder.add(run)
        if n < len(objects):
            builder.add_element(objects[n])


class _Builder:
    def __init__(self, p: Any, texts: list[Piece], dialect: Dialect) -> None:
        self.p, self.texts, self.dialect = p, texts, dialect
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
        """Text with its spacing: tabs, line breaks and (where the markup collapses them)
        repeated or leading spaces written as the dialect's elements."""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch in "\t\n":
                self.dialect.write_spacing(parent, ch, 1)
                self.prev = ch
            elif ch == " " and self.dialect.collapses_spaces and self.prev in ("", " ", "\t",
                                                                              "\n"):
                j = i
                while j < len(text) and text[j] == " ":
                    j += 1
                self.dialect.write_spacing(parent, " ", j - i)
                self.prev, i = " ", j
                continue
            else:
                put_text(parent, ch)
                self.prev = ch
            i += 1


def put_text(parent: Any, chunk: str) -> None:
    """Append text at the end of ``parent``'s content."""
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + chunk
    else:
        parent.text = (parent.text or "") + chunk


def _shallow(template: Any, parent: Any) -> Any:
    el = parent.makeelement(template.tag, dict(template.attrib))
    parent.append(el)
    return el
