from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.segment import join_segments, lines, split_sentences, split_to_fit


@pytest.mark.parametrize("text,lang,expected", [
    ("Bonjour M. Dupont. Le rapport est prêt. Merci !", "fr",
     ["Bonjour M. Dupont.", "Le rapport est prêt.", "Merci !"]),
    ("Dr. Smith arrived at 10 a.m. today. He left.", "en",
     ["Dr. Smith arrived at 10 a.m. today.", "He left."]),
    ("Первая фраза. Вторая фраза.", "ru", ["Первая фраза.", "Вторая фраза."]),
    ("Перше речення. Друге речення.", "uk", ["Перше речення.", "Друге речення."]),
    ("第一句。第二句。", "zh", ["第一句。", "第二句。"]),
    ("Line one\nLine two", "en", ["Line one", "Line two"]),
])
def test_split_per_language(text: str, lang: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text, lang)] == expected


@pytest.mark.parametrize("text", [
    "  Lead. Two  spaces.\tTab.\n\nBlank line. ", "x", " y ", "A.\nB.\n", "",
])
def test_join_rebuilds_exact_whitespace(text: str) -> None:
    segs = split_sentences(text, "en")
    assert join_segments(segs, [s.text for s in segs]) == text or (not text.strip() and not segs)


def test_join_with_translations_keeps_breaks() -> None:
    segs = split_sentences("Un. Deux.\nTrois.", "fr")
    assert join_segments(segs, ["One.", "Two.", "Three."]) == "One. Two.\nThree."


# --- Cutting texts too long for a model (issue 14) ------------------------------------

_PIECES = st.sampled_from(["Le", "convoi", "part", ".", ",", ";", "—", "(note)", "12,5",
                           "https://x.example/a", " ", "  ", "\n", "\n\n", "\t", "é", "A1/A2"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=60).map(" ".join), st.integers(1, 12))
def test_split_to_fit_and_lines_rebuild_any_text(text: str, budget: int) -> None:
    segs, _ = split_to_fit(text, lambda t: len(t.split()) <= budget, "fr")
    assert join_segments(segs, [s.text for s in segs]) == text or not text.strip()
    assert all(len(s.text.split()) <= budget or len(s.text) <= 16 for s in segs)
    parts = lines(text)
    assert join_segments(parts, [p.text for p in parts]) == text or not text.strip()
    assert all("\n" not in p.text and p.text == p.text.strip() for p in parts)
