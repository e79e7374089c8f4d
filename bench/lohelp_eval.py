"""An in-domain French→English evaluation set from LibreOffice's help (dev/bench only).

Debian's ``libreoffice-help-fr`` and ``libreoffice-help-en-us`` packages hold the same
help pages (HTML) with the same element ids.  :func:`ensure_help` fetches the two
``.deb`` with ``apt-get download`` and unpacks them with ``dpkg-deb -x`` under
``.cache/lohelp/`` (once; it prints what it runs).  :func:`paragraph_pairs` pairs the
``<p class="paragraph">`` elements by page and id; :func:`select` picks a
deterministic sample (by a hash of page and id, so the same paragraphs every run).

The lohelp model was trained on segments of these very packages, so the set may
overlap its training data: absolute chrF figures are optimistic.  What the benchmark
compares is the pipeline against the raw model on the same paragraphs.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("libreoffice-help-fr", "libreoffice-help-en-us")
HELP = Path("usr/share/libreoffice/help")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Pair:
    page: str  # path of the help page under the language folder
    element: str  # element id
    fr: str
    en: str


def ensure_help(cache: Path) -> Path:
    """The unpacked help tree (``cache/root/usr/share/libreoffice/help``)."""
    root = cache / "root"
    done = root / ".complete"
    if done.is_file():
        return root / HELP
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        cmd = ["apt-get", "download", *PACKAGES]
        print("+", " ".join(cmd), f"(in {tmp})", flush=True)
        subprocess.run(cmd, cwd=tmp, check=True)
        if root.exists():
            shutil.rmtree(root)
        for deb in sorted(Path(tmp).glob("*.deb")):
            cmd = ["dpkg-deb", "-x", str(deb), str(root)]
            print("+", " ".join(cmd), flush=True)
            subprocess.run(cmd, check=True)
    done.write_text("ok\n")
    return root / HELP


def _paragraphs(page: Path) -> dict[str, str]:
    from lxml import html

    tree = html.parse(str(page))
    out: dict[str, str] = {}
    for el in tree.iter("p"):
        ident = el.get("id")
        if not ident or el.get("class") != "paragraph" or ident in out:
            continue
        out[ident] = _SPACE.sub(" ", el.text_content()).strip()
    return out


def paragraph_pairs(help_root: Path) -> Iterator[Pair]:
    """Paragraphs present on the same page with the same id in both languages."""
    fr_root, en_root = help_root / "fr", help_root / "en-US"
    for fr_page in sorted(fr_root.rglob("*.html")):
        rel = fr_page.relative_to(fr_root)
        en_page = en_root / rel
        if not en_page.is_file():
            continue
        en = _paragraphs(en_page)
        for ident, fr_text in _paragraphs(fr_page).items():
            en_text = en.get(ident, "")
            if fr_text and en_text and fr_text != en_text:
                yield Pair(str(rel), ident, fr_text, en_text)


def select(pairs: Iterator[Pair], n: int = 250, min_chars: int = 40,
           max_chars: int = 2000) -> list[Pair]:
    """``n`` pairs of sensible length and distinct French text, chosen by hash."""
    seen: set[str] = set()
    keyed: list[tuple[str, Pair]] = []
    for p in pairs:
        if not min_chars <= len(p.fr) <= max_chars or p.fr in seen:
            continue
        seen.add(p.fr)
        keyed.append((hashlib.sha256(f"{p.page}#{p.element}".encode()).hexdigest(), p))
    keyed.sort(key=lambda kp: kp[0])
    return [p for _, p in keyed[:n]]


def write_docx(pairs: list[Pair], path: Path) -> None:
    """One plain paragraph per pair (the French side)."""
    import docx

    document = docx.Document()
    for p in pairs:
        document.add_paragraph(p.fr)
    document.save(str(path))


def read_docx(path: Path) -> list[str]:
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs]
