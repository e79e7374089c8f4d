"""Fonts for re-typesetting translated text in PDFs, chosen per script.

Latin, Cyrillic and Greek use Noto Sans (package ``pymupdf-fonts``) or, for serif and
monospaced sources, MuPDF's built-in Times and Courier clones (which cover the three
scripts).  Arabic uses Noto Naskh Arabic, Hebrew Noto Serif Hebrew and CJK Droid Sans
Fallback, all built into MuPDF.  MuPDF's HTML engine shapes them with HarfBuzz; the
writer subsets every font before saving, so only the glyphs used stay in the file.

:class:`FontBook` collects the ``@font-face`` rules and the font buffers (an
``pymupdf.Archive``) that a document's stories need, loading each family once.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pymupdf

log = logging.getLogger(__name__)

# Script groups that need their own font.  "base" is Latin, Cyrillic, Greek and the rest.
BASE, ARABIC, HEBREW, CJK = "base", "arabic", "hebrew", "cjk"
RTL_SCRIPTS = frozenset({ARABIC, HEBREW})

# (bold, italic) -> loader of the font buffer
Faces = dict[tuple[bool, bool], Callable[[], bytes]]


def _builtin(name: str) -> Callable[[], bytes]:
    return lambda: bytes(pymupdf.Font(name).buffer)


def _by_script(script: int) -> Callable[[], bytes]:
    return lambda: bytes(pymupdf.Font(script=script).buffer)


def _pymupdf_fonts(code: str) -> Callable[[], bytes]:
    def load() -> bytes:
        import pymupdf_fonts

        return bytes(pymupdf_fonts.fontdescriptors[code]["loader"]())

    return load


def _four(regular: str, bold: str, italic: str, bold_italic: str,
          loader: Callable[[str], Callable[[], bytes]]) -> Faces:
    return {(False, False): loader(regular), (True, False): loader(bold),
            (False, True): loader(italic), (True, True): loader(bold_italic)}


def _families() -> dict[str, Faces]:
    try:
        import pymupdf_fonts  # noqa: F401

        sans = _four("notos", "notosbo", "notosit", "notosbi", _pymupdf_fonts)
        mono = _four("ubuntm", "ubuntmbo", "ubuntmit", "ubuntmbi", _pymupdf_fonts)
    except ImportError:  # pragma: no cover - pymupdf-fonts is a declared dependency
        log.warning("pymupdf-fonts is missing: falling back to Helvetica")
        sans = _four("helv", "hebo", "heit", "hebi", _builtin)
        mono = _four("cour", "cobo", "coit", "cobi", _builtin)
    return {
        "sans": sans,
        "serif": _four("tiro", "tibo", "tiit", "tibi", _builtin),
        "mono": mono,
        # Single-face families: MuPDF synthesises bold and italic.
        ARABIC: {(False, False): _by_script(6)},  # Noto Naskh Arabic
        HEBREW: {(False, False): _by_script(5)},  # Noto Serif Hebrew
        CJK: {(False, False): _builtin("cjk")},  # Droid Sans Fallback
    }


_SERIF_HINTS = ("serif", "times", "roman", "georgia", "garamond", "cambria", "minion",
                "book", "tiro", "charis", "palatino")
_MONO_HINTS = ("mono", "courier", "consol", "code", "typewriter")


def base_family(source_font: str | None) -> str:
    """"sans", "serif" or "mono", guessed from the source font's name."""
    name = (source_font or "").lower()
    if any(h in name for h in _MONO_HINTS):
        return "mono"
    if "sans" not in name and any(h in name for h in _SERIF_HINTS):
        return "serif"
    return "sans"


def script_of(char: str) -> str | None:
    """The font group of a letter, or ``None`` for neutral characters (digits, spaces)."""
    code = ord(char)
    if (0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF):
        return ARABIC
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return HEBREW
    if (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F):
        return CJK
    if unicodedata.category(char).startswith("L"):
        return BASE
    return None


_SPECIAL = re.compile("[\u0590-\u08ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
                      "\ufb1d-\ufdff\ufe70-\uffef\U00020000-\U0002fa1f]")


def split_scripts(text: str) -> list[tuple[str, str]]:
    """Cut ``text`` into (piece, script) runs; neutral characters join the run before them."""
    if not _SPECIAL.search(text):  # the common case: one piece in the base fonts
        return [(text, BASE)] if text else []
    pieces: list[tuple[str, str]] = []
    current, script = "", None
    for ch in text:
        s = script_of(ch)
        if s is None or s == script or script is None:
            current += ch
            script = script or s
            continue
        pieces.append((current, script))
        current, script = ch, s
    if current:
        pieces.append((current, script or BASE))
    return pieces


def is_rtl(text: str) -> bool:
    """True when the first strong letter of ``text`` is right-to-left."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


@dataclass
class FontBook:
    """The ``@font-face`` rules and font buffers needed so far by one output document."""

    archive: pymupdf.Archive = field(default_factory=pymupdf.Archive)
    _css: list[str] = field(default_factory=list)
    _loaded: set[str] = field(default_factory=set)
    _families: dict[str, Faces] = field(default_factory=_families)

    def family(self, name: str) -> str:
        """Make family ``name`` available and return its CSS name."""
        css_name = f"pp-{name}"
        if name in self._loaded:
            return css_name
        for (bold, italic), load in self._families[name].items():
            file_name = f"{css_name}-{int(bold)}{int(italic)}.ttf"
            self.archive.add(load(), file_name)
            weight = "font-weight: bold;" if bold else ""
            style = "font-style: italic;" if italic else ""
            self._css.append(f"@font-face {{font-family: {css_name}; src: url({file_name});"
                             f"{weight}{style}}}")
        self._loaded.add(name)
        log.debug("Font family %s loaded", name)
        return css_name

    def for_script(self, script: str, base: str) -> str:
        """CSS family for a piece of text in ``script`` inside a block of family ``base``."""
        return self.family(base if script == BASE else script)

    @property
    def css(self) -> str:
        return "\n".join(self._css)


def flow_html(chunks: list[str], css: str, book: FontBook, page: pymupdf.Rect,
              body: pymupdf.Rect) -> bytes:
    """Lay HTML chunks out with MuPDF's Story over as many ``page``-sized pages as they need
    (each chunk starts a new page), text inside ``body``, fonts from ``book``; the PDF bytes."""
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    for chunk in chunks:
        story = pymupdf.Story(html=f"<body>{chunk}</body>", user_css=css, archive=book.archive)
        more = 1
        while more:
            device = writer.begin_page(page)
            more, _ = story.place(body)
            story.draw(device)
            writer.end_page()
    writer.close()
    return buffer.getvalue()
