"""Glossary: CSV loading, NMT enforcement (mask, then substitute), LLM prompt and check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import translate_texts
from engines.translate.chain import build_chain
from engines.translate.glossary import (
    Glossary,
    GlossaryError,
    GlossaryTranslator,
    Term,
    prompt_terms,
    verify,
)

CSV = """source,target,src_lang,tgt_lang
état-major,headquarters,fr,en
état,state,fr,en
OTAN,NATO,fr,en
bouton,widget,,
chef,Chef,fr,de
"""

WORDS = {"le": "the", "la": "the", "a": "has", "reçu": "received", "du": "from the",
         "un": "a", "ordre": "order", "cliquez": "click", "sur": "on", "l'": "the "}


class WordByWord(Translator):
    """A dictionary engine: known words are translated, anything else is copied."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("test", "words")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.seen += texts
        return [re.sub(r"[\w']+", lambda m: WORDS.get(m.group(0).lower(), m.group(0)), t)
                for t in texts]


@pytest.fixture
def glossary(tmp_path: Path) -> Glossary:
    path = tmp_path / "glossary.csv"
    path.write_text(CSV, encoding="utf-8")
    return Glossary.load(path)


def test_load_and_filter_by_pair(glossary: Glossary) -> None:
    assert len(glossary) == 5
    fr_en = {t.source for t in glossary.for_pair("fr", "en")}
    assert fr_en == {"état-major", "état", "OTAN", "bouton"}  # "bouton" serves any pair
    assert {t.source for t in glossary.for_pair("fr", "de")} == {"chef", "bouton"}


def test_two_column_csv_and_bad_files(tmp_path: Path) -> None:
    simple = tmp_path / "simple.csv"
    simple.write_text("source,target\nconvoi,convoy\n", encoding="utf-8")
    assert Glossary.load(simple).for_pair("fr", "en") == [Term("convoi", "convoy")]
    bad = tmp_path / "bad.csv"
    bad.write_text("term;translation\nconvoi;convoy\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="source,target"):
        Glossary.load(bad)
    with pytest.raises(GlossaryError):
        Glossary.load(tmp_path / "missing.csv")


def test_longest_term_wins_and_case_follows_the_source(glossary: Glossary) -> None:
    found = glossary.find("État-major et état : l'OTAN.", "fr", "en")
    assert [(m.term.source, m.replacement) for m in found] == [
        ("état-major", "Headquarters"), ("état", "state"), ("OTAN", "NATO")]
    assert glossary.find("Les états-unis", "fr", "en") == []  # whole words only


def test_nmt_enforcement_masks_then_substitutes(glossary: Glossary) -> None:
    engine = WordByWord()
    chain = GlossaryTranslator(engine, glossary)
    result = translate_texts(chain, ["L'état-major a reçu un ordre de l'OTAN."], "fr", "en")[0]
    assert "headquarters" in result.text and "NATO" in result.text
    assert "état-major" not in engine.seen[0] and "OTAN" not in engine.seen[0]
    assert sorted(result.glossary_applied) == ["OTAN", "état-major"]
    assert result.glossary_missing == []


def test_glossary_term_wins_over_acronym_protection(glossary: Glossary) -> None:
    """In the full chain, "OTAN" is an ALL-CAPS acronym *and* a glossary term."""
    chain = build_chain(WordByWord(), glossary=glossary)
    out = chain.translate_batch(["Le chef de l'OTAN a reçu 12 colis."], "fr", "en")[0]
    assert "NATO" in out and "OTAN" not in out and "12" in out


def test_lost_term_is_reinserted_and_reported(glossary: Glossary) -> None:
    class Lossy(WordByWord):
        def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
            return [t.replace("<0>", "") for t in super().translate_batch(texts, src, tgt)]

    result = translate_texts(GlossaryTranslator(Lossy(), glossary),
                             ["Cliquez sur le bouton."], "fr", "en")[0]
    assert "widget" in result.text
    assert result.glossary_missing == ["bouton"]


def test_llm_prompt_and_verification(glossary: Glossary) -> None:
    source = "L'état-major de l'OTAN a validé le plan."
    prompt = prompt_terms(glossary, source, "fr", "en")
    assert "état-major → headquarters" in prompt and "OTAN → NATO" in prompt
    assert "bouton" not in prompt  # only the terms that occur
    assert prompt_terms(glossary, "Rien ici.", "fr", "en") == ""
    applied, missing = verify(glossary, source, "NATO staff approved the plan.", "fr", "en")
    assert applied == ["OTAN"] and missing == ["état-major"]


def test_real_model_with_glossary(lohelp_model: Path, glossary: Glossary) -> None:
    from engines.translate.ct2 import CT2Translator

    chain = build_chain(CT2Translator(lohelp_model, threads=2), glossary=glossary)
    results = translate_texts(chain, ["Cliquez sur le bouton pour ouvrir la boîte de dialogue."],
                              "fr", "en")
    assert "widget" in results[0].text and "button" not in results[0].text
    assert results[0].glossary_applied == ["bouton"]
