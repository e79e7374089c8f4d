from __future__ import annotations

from engines.protect import NUMERIC_KINDS, missing_spans
from engines.translate.pseudo import PseudoTranslator, pseudo_localize


def test_deterministic_longer_accented_and_keeps_codes() -> None:
    text = "The convoy FR-2024-0173 left at 14:30 with 1 250 litres for NATO."
    out = pseudo_localize(text)
    assert out == pseudo_localize(text)
    assert 1.25 <= len(out) / len(text) <= 1.40
    assert "ç" in out and "ö" in out
    assert missing_spans(text, out, NUMERIC_KINDS) == []
    assert "FR-2024-0173" in out and "14:30" in out and "1 250" in out and "NATO" in out


def test_batch_keeps_order_and_blank_text() -> None:
    t = PseudoTranslator()
    assert t.translate_batch(["a b c d e f g h i j", "", "x"], "en", "fr")[1] == ""
    assert t.info.engine == "pseudo"
