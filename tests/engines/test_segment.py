from __future__ import annotations

import pytest

from engines.segment import join_segments, split_sentences


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
