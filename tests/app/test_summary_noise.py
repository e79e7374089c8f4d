"""The extractive summary never picks page furniture, navigation or non-prose: checked on
blocks extracted by our own readers from real documents nobody here wrote.

Each row names a real block (file, a piece of its text) and what it is.  The test
asserts that the classifier gives a reason of that family, and that no sentence of that
block is eligible for (hence never in) a summary of any length.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from app.document import Block, Document
from app.formats.registry import read_document
from app.summarize.extractive import collect, pick, sentence_count
from app.summarize.noise import (
    block_reason,
    body_font_size,
    repeated_lines,
    sentence_reason,
    text_reason,
)

ROOT = Path(__file__).resolve().parents[2]
REAL_FR = ROOT.parent / "shared" / "corpus" / "real-fr"
# Debian's maint-guide-fr PDF (DocBook/dblatex), fetched by bench/summary_quality.py.
BENCH_CACHE = ROOT / ".cache" / "summary-bench"

CASES = [
    # file, a piece of the block's text, the reason family expected
    ("real-fr/ch03.fr.docx", "Table des matières", "table-of-contents"),
    ("real-fr/ch03.fr.docx", "Tableau\xa03.1.", "caption"),
    ("real-fr/ch03.fr.docx", "menuentry 'Debian GNU/Linux'", "code"),
    ("real-fr/ch03.fr.docx", "insmod part_gpt", "code"),
    ("real-fr/ch03.fr.docx", "$ journalctl -b", "code"),
    ("real-fr/ch03.fr.docx", "I:261", ""),
    ("real-fr/ch01s02.pdf", "aptitude safe-upgrade", "command"),
    ("real-fr/ch01s02.pdf", "aptitude [ install | remove | purge ]", "code"),
    ("real-fr/ch01s02.pdf", "[5] Purger un paquet", "bibliography"),
    ("real-fr/ch01s02.pdf", "Le score est de 41", "code"),
    ("real-fr/ch01s01s04.docx", "[D]", "repeated"),
    ("real-fr/ch01s01s04.docx", "[2] Vous pouvez aussi utiliser", "bibliography"),
    ("bench/maint-guide.fr.pdf", "1.1 Dynamique sociale de Debian . . .", "dot leaders"),
    ("bench/maint-guide.fr.pdf", "1 Partir du bon pied 1", "table-of-contents"),
    ("bench/maint-guide.fr.pdf", "A Empaquetage avancé 54", "table-of-contents"),
    ("bench/maint-guide.fr.pdf", "README.Debian . . .", "dot leaders"),
    ("bench/maint-guide.fr.pdf", "Guide du nouveau responsable Debian 1 / 58", "running header"),
    ("bench/maint-guide.fr.pdf", "Guide du nouveau responsable Debian ii", "repeated"),
    ("bench/maint-guide.fr.pdf", "$ dpkg-buildpackage -sa", "code"),
    ("bench/maint-guide.fr.pdf", "1. Ce document suppose que vous utilisez", "footnote"),
    ("bench/maint-guide.fr.pdf", "Copyright © 1998-2002 Josip Rodin", "copyright"),
    ("bench/maint-guide.fr.pdf", "— charte Perl (http://www.debian.org", "URL only"),
]


def _path(name: str) -> Path:
    folder, _, file = name.partition("/")
    path = (REAL_FR if folder == "real-fr" else BENCH_CACHE) / file
    if not path.is_file():
        where = ("../shared/corpus/real-fr is absent" if folder == "real-fr" else
                 "run `python bench/summary_quality.py --fetch-only` to fetch Debian's PDF")
        pytest.skip(f"{path.name} not available: {where}")
    return path


@functools.cache
def _read(path: Path) -> Document:
    return read_document(path)


def _reason(doc: Document, block: Block) -> str | None:
    return (block_reason(block, repeated_lines(doc.blocks), body_font_size(doc.blocks))
            or text_reason(block.text))


@pytest.mark.parametrize(("name", "piece", "family"), CASES,
                         ids=[f"{c[0].split('/')[-1]}:{c[1][:24]}" for c in CASES])
def test_real_noise_block_never_eligible(name: str, piece: str, family: str) -> None:
    doc = _read(_path(name))
    blocks = [b for b in doc.blocks if piece in b.text]
    assert blocks, f"{piece!r} not extracted from {name}: the case table is stale"
    eligible = {s.block for s in collect(doc).sentences}
    for block in blocks:
        reason = _reason(doc, block)
        assert reason is not None, f"{block.text!r} looks like prose to the classifier"
        assert family.lower() in reason.lower(), f"{block.text!r}: {reason}"
        assert block.id not in eligible, f"a sentence of {block.text!r} is eligible"


def test_real_manual_summary_has_no_noise_and_covers_chapters() -> None:
    doc = _read(_path("bench/maint-guide.fr.pdf"))
    picked = pick(doc, "detailed")
    assert len(picked) == sentence_count("detailed", doc.meta.page_count or 1)
    for s in picked:
        assert sentence_reason(s.text) is None, s.text
        assert ". . ." not in s.text and "/ 58" not in s.text
    outline = collect(doc)
    covered = {s.section for s in picked if s.section >= 0}
    assert len(covered) >= 0.8 * len(outline.sections), (covered, len(outline.sections))
    assert [s.position for s in picked] == sorted(s.position for s in picked)


@pytest.mark.parametrize(("text", "reason"), [
    ("3.1.1 Configuration réseau par défaut . . . . . . . . . . 12", "dot leaders"),
    ("Table des matières", "table-of-contents"),
    ("Figure 3 : le schéma du réseau", "caption"),
    ("https://www.debian.org/doc/", "URL only"),
    ("Dupont, J. et Martin, P. (2019). Réseaux. Eyrolles, pp. 12-30.", "bibliography"),
    ("réseau, 12, 45-47", "index entry"),
    ("$ sudo apt-get install aptitude", "command"),
    ("Page 12 / 103", "page number"),
    ("Rapport annuel 2024 — Direction technique 12", "trailing page number"),
])
def test_text_heuristics(text: str, reason: str) -> None:
    assert reason in (text_reason(text) or ""), text_reason(text)


@pytest.mark.parametrize("text", [
    "Le système Debian normal est le quatrième étage du processus d’amorçage.",
    "La commande dh_make crée un paquet source à partir de l’archive amont.",
    "Make sure the package builds cleanly before you upload it to the archive.",
    "Le bataillon a parcouru 12 km le 3 mars 2024 avant de rejoindre Lyon.",
])
def test_prose_is_kept(text: str) -> None:
    assert sentence_reason(text) is None


@pytest.mark.parametrize(("pages", "expected"), [(1, (3, 6, 12)), (100, (5, 10, 20))])
def test_lengths(pages: int, expected: tuple[int, int, int]) -> None:
    got = tuple(sentence_count(n, pages) for n in ("brief", "standard", "detailed"))
    assert got == expected
