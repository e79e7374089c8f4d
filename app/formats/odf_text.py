"""OpenDocument paragraphs (``text:p``/``text:h``) as mixed content (:mod:`mixed`).

An ODF paragraph holds text, ``text:span`` (a style), ``text:a`` (a link), spacing
elements (``text:s``, ``text:tab``, ``text:line-break``) and inline objects (notes,
frames, fields, bookmarks, annotations), which stay untouched.
"""

from __future__ import annotations

from typing import Any

from app.document import Style
from app.formats.mixed import Dialect, pieces, rewrite, runs_of

__all__ = ["T_H", "T_P", "TextStyles", "pieces", "rewrite", "runs_of", "t"]

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
XLINK_NS = "http://www.w3.org/1999/xlink"


def t(tag: str) -> str:
    return f"{{{TEXT_NS}}}{tag}"


T_P, T_H, T_SPAN, T_A, T_S, T_TAB, T_BR = (t("p"), t("h"), t("span"), t("a"), t("s"),
                                           t("tab"), t("line-break"))


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




def dialect(styles: TextStyles) -> Dialect:
    """The ODF dialect of :mod:`mixed`, with the package's text styles."""

    def style_of(el: Any) -> Style | None:
        return styles.get(el.get(t("style-name"))) if el.tag == T_SPAN else None

    def href_of(el: Any) -> str | None:
        return (el.get(f"{{{XLINK_NS}}}href") or "") if el.tag == T_A else None

    def spacing_of(el: Any) -> str | None:
        if el.tag == T_S:
            n = el.get(t("c"))
            return " " * (int(n) if n and n.isdigit() else 1)
        return {T_TAB: "\t", T_BR: "\n"}.get(el.tag)

    def write_spacing(parent: Any, ch: str, count: int) -> None:
        if ch == " ":
            attrs = {t("c"): str(count)} if count > 1 else {}
            parent.append(parent.makeelement(T_S, attrs))
        else:
            parent.append(parent.makeelement(T_TAB if ch == "\t" else T_BR, {}))

    return Dialect(style_of, href_of, spacing_of, write_spacing)
