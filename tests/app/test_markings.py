"""Classification marking detection: patterns, places, conflicts, override."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.document import BlockKind, Document, DocumentMeta, Locator, Run
from app.formats.registry import read_document
from app.report.markings import LEVELS, decide, find_in_text, find_markings, level_of
from tests.docgen import french_rapport


def _doc(*blocks: tuple[BlockKind, str]) -> Document:
    doc = Document(DocumentMeta(Path("x.docx"), "0" * 64, "docx"))
    for i, (kind, text) in enumerate(blocks):
        part = {"header": "header:0", "footer": "footer:0"}.get(kind.value, "body")
        doc.add_block(kind, [Run(text)], Locator(part, (i,)))
    return doc


@pytest.mark.parametrize(("written", "label"), [
    ("DIFFUSION RESTREINTE", "DIFFUSION RESTREINTE"),
    ("Diffusion restreinte", "DIFFUSION RESTREINTE"),
    ("CONFIDENTIEL DÉFENSE", "CONFIDENTIEL DÉFENSE"),
    ("confidentiel defense", "CONFIDENTIEL DÉFENSE"),
    ("SECRET DÉFENSE", "SECRET DÉFENSE"),
    ("S E C R E T   D É F E N S E", "SECRET DÉFENSE"),
    ("TRÈS SECRET DÉFENSE", "TRÈS SECRET DÉFENSE"),
    ("Tres Secret", "TRÈS SECRET"),
    ("NON PROTÉGÉ", "NON PROTÉGÉ"),
    ("non-protege", "NON PROTÉGÉ"),
    ("NATO RESTRICTED", "NATO RESTRICTED"),
    ("nato  confidential", "NATO CONFIDENTIAL"),
    ("NATO SECRET", "NATO SECRET"),
    ("OTAN SECRET", "NATO SECRET"),
    ("COSMIC TOP SECRET", "COSMIC TOP SECRET"),
    ("NATO UNCLASSIFIED", "NATO UNCLASSIFIED"),
    ("UNCLASSIFIED", "UNCLASSIFIED"),
    ("OFFICIAL", "OFFICIAL"),
    ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"),
    ("Official Sensitive", "OFFICIAL-SENSITIVE"),
    ("RESTRICTED", "RESTRICTED"),
    ("CONFIDENTIAL", "CONFIDENTIAL"),
    ("SECRET", "SECRET"),
    ("TOP  SECRET", "TOP SECRET"),
])
@pytest.mark.parametrize(("kind", "where"), [(BlockKind.HEADER, "header"),
                                             (BlockKind.FOOTER, "footer"),
                                             (BlockKind.PARAGRAPH, "first page")])
def test_each_pattern_is_found_in_headers_footers_and_body(
        written: str, label: str, kind: BlockKind, where: str) -> None:
    doc = _doc((BlockKind.PARAGRAPH, "Le texte du rapport."), (kind, f"{written} — page 1"))
    found = find_markings(doc)
    assert [(f.level.label, f.where) for f in found] == [(label, where)]
    assert decide(doc).label == label


def test_longest_marking_wins_over_the_words_it_contains() -> None:
    hits = find_in_text("Classification : TOP SECRET / NATO SECRET")
    assert [h[0].label for h in hits] == ["TOP SECRET", "NATO SECRET"]
    assert "UNCLASSIFIED" not in [h[0].label for h in find_in_text("DECLASSIFIED")]


def test_ranks_follow_the_scale() -> None:
    rank = {lv.label: lv.rank for lv in LEVELS}
    order = ["UNCLASSIFIED", "OFFICIAL", "OFFICIAL-SENSITIVE", "RESTRICTED", "CONFIDENTIAL",
             "SECRET", "TOP SECRET"]
    assert [rank[x] for x in order] == sorted(rank[x] for x in order)
    assert len({rank[x] for x in order}) == len(order)
    assert rank["DIFFUSION RESTREINTE"] == rank["NATO RESTRICTED"] == rank["RESTRICTED"]
    assert rank["SECRET DÉFENSE"] == rank["NATO SECRET"] < rank["COSMIC TOP SECRET"]


def test_body_marking_counts_in_capitals_or_alone_but_not_in_a_sentence() -> None:
    alone = _doc((BlockKind.PARAGRAPH, "Confidentiel Défense"),
                 (BlockKind.PARAGRAPH, "Le rapport suit."))
    assert decide(alone).label == "CONFIDENTIEL DÉFENSE"
    caps = _doc((BlockKind.PARAGRAPH, "Ce document est classé SECRET DÉFENSE par l'émetteur."))
    assert decide(caps).label == "SECRET DÉFENSE"
    sentence = _doc((BlockKind.PARAGRAPH, "Le secret des correspondances est garanti et "
                                          "la diffusion restreinte aux seuls destinataires."))
    assert decide(sentence).label == ""
    assert decide(sentence).source == "none"


def test_body_beyond_the_first_page_is_ignored() -> None:
    doc = Document(DocumentMeta(Path("x.pdf"), "0" * 64, "pdf", page_count=3))
    doc.add_block(BlockKind.PARAGRAPH, [Run("Premier paragraphe.")], Locator("page", (0, 0), 0))
    doc.add_block(BlockKind.PARAGRAPH, [Run("SECRET")], Locator("page", (2, 0), 2))
    assert find_markings(doc) == []
    doc.add_block(BlockKind.PARAGRAPH, [Run("DIFFUSION RESTREINTE")], Locator("page", (0, 1), 0))
    assert decide(doc).label == "DIFFUSION RESTREINTE"


def test_conflict_keeps_the_highest_and_warns() -> None:
    doc = _doc((BlockKind.HEADER, "DIFFUSION RESTREINTE"), (BlockKind.PARAGRAPH, "Texte."),
               (BlockKind.FOOTER, "SECRET DÉFENSE"))
    decision = decide(doc)
    assert decision.label == "SECRET DÉFENSE"
    assert decision.conflict and decision.source == "detected"
    assert any("DIFFUSION RESTREINTE" in w and "SECRET DÉFENSE" in w for w in decision.warnings)


def test_same_marking_twice_is_no_conflict() -> None:
    doc = _doc((BlockKind.HEADER, "NATO RESTRICTED"), (BlockKind.FOOTER, "nato restricted"))
    decision = decide(doc)
    assert decision.label == "NATO RESTRICTED" and not decision.conflict
    assert decision.warnings == []


def test_user_override_wins_and_is_normalised() -> None:
    doc = _doc((BlockKind.HEADER, "DIFFUSION RESTREINTE"))
    decision = decide(doc, "nato  secret")
    assert decision.label == "NATO SECRET" and decision.source == "user"
    assert any("DIFFUSION RESTREINTE" in w for w in decision.warnings)
    free = decide(_doc((BlockKind.PARAGRAPH, "Texte.")), "SPÉCIAL FRANCE  EXERCICE")
    assert free.label == "SPÉCIAL FRANCE EXERCICE" and free.rank is None
    assert level_of("Secret  Défense") is not None


def test_docx_header_of_the_generated_rapport(tmp_path: Path) -> None:
    src = french_rapport(tmp_path / "rapport.docx", footer_marking="CONFIDENTIEL DÉFENSE",
                         body_marking="NON PROTÉGÉ")
    doc = read_document(src)
    found = {(f.level.label, f.where) for f in find_markings(doc)}
    assert found == {("DIFFUSION RESTREINTE", "header"), ("CONFIDENTIEL DÉFENSE", "footer"),
                     ("NON PROTÉGÉ", "first page")}
    decision = decide(doc)
    assert decision.label == "CONFIDENTIEL DÉFENSE" and decision.conflict
