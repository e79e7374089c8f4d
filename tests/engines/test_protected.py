"""Protected spans around an engine: plain text first, damaged spans repaired after
(re-decoded masked, spliced by alignment, or re-inserted and flagged), debris removed."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.protect import find_spans
from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import translate_texts
from engines.translate.protected import (
    PLACEHOLDER_RE,
    Placeholders,
    ProtectedSpans,
    protected_spans,
    reinsert,
)
from engines.translate.verify import damaged_spans, find_debris

SENTENCE = ("Le convoi FR-2024-0173 part le 12/03/2024 à 14h30 vers 31U DQ 48251 11932 "
            "avec 1 250 litres (OTAN), voir https://intradef.example/doc ou ops@defense.gouv.fr.")
SPANS = ["FR-2024-0173", "12/03/2024", "14h30", "31U DQ 48251 11932", "1 250", "OTAN",
         "https://intradef.example/doc", "ops@defense.gouv.fr"]


def test_mask_hides_every_kind_of_span_and_restores_them() -> None:
    masked = Placeholders.mask(SENTENCE, protected_spans(SENTENCE))
    assert sorted(masked.sources.values()) == sorted(SPANS)
    without = PLACEHOLDER_RE.sub("", masked.text)
    assert not re.search(r"\d", without)  # no digit left for the engine to mangle
    assert "OTAN" not in masked.text and "@" not in masked.text
    assert masked.restore(masked.text) == (SENTENCE, [])


class Scripted(Translator):
    """A test double: ``plain(text)`` for texts without placeholders, ``masked(text)``
    for texts with some; records what it is given."""

    def __init__(self, plain: Callable[[str], str],
                 masked: Callable[[str], str] | None = None) -> None:
        self.plain, self.masked = plain, masked or plain
        self.seen: list[str] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("test", "scripted")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.seen += texts
        return [(self.masked if PLACEHOLDER_RE.search(t) else self.plain)(t) for t in texts]


class ScriptedAligner(Scripted):
    """Also aligns: each output word to the source word at the same index."""

    def align(self, sources: Sequence[str], targets: Sequence[str], src: str,
              tgt: str) -> list[list[tuple[int, int, int, int]]]:
        out = []
        for s, t in zip(sources, targets, strict=True):
            sw = [m.span() for m in re.finditer(r"\S+", s)]
            tw = [m.span() for m in re.finditer(r"\S+", t)]
            out.append([(a, b, c, d) for (a, b), (c, d) in zip(tw, sw, strict=False)])
        return out


def _bump_digits(text: str) -> str:
    """Change the last digit of every number, but not the placeholders."""
    return re.sub(r"(?<![<\d])(\d*)(\d)(?![>\d])",
                  lambda m: m.group(1) + str((int(m.group(2)) + 1) % 10), text)


def test_plain_text_reaches_the_engine_and_good_output_is_kept() -> None:
    engine = Scripted(lambda t: t.replace("Le convoi", "The convoy"))
    chain = ProtectedSpans(engine)
    result = translate_texts(chain, [SENTENCE], "fr", "en")[0]
    assert engine.seen == [SENTENCE]  # not masked, asked once
    assert result.text == SENTENCE.replace("Le convoi", "The convoy")
    assert result.flags() == []


def test_damaged_spans_are_re_decoded_with_only_those_masked() -> None:
    text = "Le dossier FR-2024-0173 compte 12 pages, voir https://x.example/doc."
    engine = Scripted(_bump_digits)
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert engine.seen[0] == text
    assert engine.seen[1] == "Le dossier <0> compte <1> pages, voir https://x.example/doc."
    assert result.text == text and result.flags() == []


def test_span_lost_even_masked_is_spliced_over_its_aligned_word() -> None:
    text = "Le lot 4417 part."
    engine = ScriptedAligner(lambda t: "The lot 4471 leaves.",
                             masked=lambda t: "The lot leaves.")  # drops the placeholder
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert result.text == "The lot 4417 leaves."
    assert result.repaired_spans == ["4417"] and result.lost_spans == []
    assert result.flags() == ["protected: repaired 4417"]


def test_unplaceable_span_is_reinserted_by_position_and_flagged() -> None:
    text = "Le dossier FR-2024-0173 est clos."
    engine = Scripted(lambda t: "The file is closed.")  # no aligner, drops it always
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert "FR-2024-0173" in result.text
    assert result.lost_spans == ["FR-2024-0173"]
    assert result.flags() == ["protected: restored FR-2024-0173"]
    # At about the same place: after "file", before the final full stop.
    assert result.text.index("file") < result.text.index("FR-2024-0173")
    assert result.text.endswith(".")


def test_debris_is_removed_and_reported() -> None:
    text = "Les 3 fichiers sont là depuis la 7.2."
    engine = Scripted(lambda t: "The <3 files> are here since 7.2>.")
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert "<" not in result.text and ">" not in result.text
    assert "3 files" in result.text and "7.2" in result.text
    assert result.debris and result.flags()[0].startswith("debris: removed")


def test_formula_refs_and_acronyms_are_never_masked() -> None:
    text = "Saisissez =SI(A1/A2) en HTML, 3 fois."
    engine = Scripted(lambda t: "Enter =IF(A1/A2) in HTML, times.",
                      masked=lambda t: "Enter =IF(A1/A2) in HTML, <0> times.")
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert engine.seen[1] == "Saisissez =SI(A1/A2) en HTML, <0> fois."
    assert result.text == "Enter =IF(A1/A2) in HTML, 3 times."


def test_mask_mode_is_kept_for_comparison() -> None:
    engine = Scripted(lambda t: t)
    out = ProtectedSpans(engine, mode="mask").translate_batch([SENTENCE], "fr", "en")[0]
    assert "intradef" not in engine.seen[0] and out == SENTENCE


def test_outer_placeholders_are_left_to_their_owner() -> None:
    text = "Le <0> a reçu 12 colis."
    masked = Placeholders.mask(text, protected_spans(text))
    assert list(masked.sources.values()) == ["12"]  # the "0" of "<0>" is not a number
    assert "<0>" in masked.text and "<1>" in masked.text
    restored, lost = masked.restore("The <0> received <1> parcels.")
    assert restored == "The <0> received 12 parcels." and lost == []


@pytest.mark.parametrize(("text", "position", "expected"), [
    ("The file is closed.", 0.4, "The file X is closed."),
    ("The file is closed.", 0.6, "The file is X closed."),
    ("The file is closed.", 1.0, "The file is closed X."),
    ("The file is closed.", 0.0, "X The file is closed."),
    ("", 0.3, "X"),
])
def test_reinsert_snaps_to_word_boundaries(text: str, position: float, expected: str) -> None:
    assert reinsert(text, "X", position) == expected


# --- With a real NMT model -----------------------------------------------------------

REAL = [
    "Le convoi partira le 12/03/2024 à 14h30 vers la position 31U DQ 48251 11932.",
    "La référence FR-2024-0173 concerne la livraison de 1 250 munitions.",
    "Contactez le PC à l'adresse ops@defense.gouv.fr ou sur https://intradef.example/doc.",
    "L'OTAN a validé le plan le 2024-03-12 à 08:15.",
    "Cliquez sur OK pour valider les 3 modifications.",
    "Saisissez 25 dans la cellule A1 puis appuyez sur Entrée.",
    "Le rapport n° 42 du 15/01/2023 indique 17 incidents.",
    "Le A400M transporte 37 tonnes sur 3 300 km.",
]

SHAPES = {"<n>": "<{}>", "⟦n⟧": "⟦{}⟧", "[Xn]": "[X{}]", "__n__": "__{}__"}


def _kept(model: Path, shape: str) -> float:
    """Share of placeholders of ``shape`` the real model copies into its output."""
    from engines.translate.ct2 import CT2Translator

    engine = CT2Translator(model, threads=2)
    masked = []
    for s in REAL:
        spans = find_spans(s)
        out, pos = [], 0
        for k, sp in enumerate(spans):
            out += [s[pos:sp.start], shape.format(k)]
            pos = sp.end
        masked.append(("".join(out) + s[pos:], len(spans)))
    outputs = engine.translate_batch([m for m, _ in masked], "fr", "en")
    kept = sum(out.count(shape.format(k)) > 0 for (_, n), out in zip(masked, outputs, strict=True)
               for k in range(n))
    return kept / sum(n for _, n in masked)


def test_chosen_placeholder_shape_survives_real_nmt(lohelp_model: Path) -> None:
    scores = {name: _kept(lohelp_model, shape) for name, shape in SHAPES.items()}
    # Measured: 21/21 kept on AVX-512/VNNI, 20/21 with AVX2 forced (int8 sums saturate there,
    # and one beam choice flips); a shape the model garbles scores 0-0.6.
    assert scores["<n>"] >= 0.9, scores
    assert all(scores["<n>"] >= v for v in scores.values()), scores
    assert scores["⟦n⟧"] < 0.5, scores  # why the foundation's ⟦n⟧ shape was replaced


def test_real_model_keeps_every_protected_span(lohelp_model: Path) -> None:
    """Out of its domain the model mangles codes, dates and URLs: each one is put back."""
    from engines.translate.ct2 import CT2Translator

    chain = ProtectedSpans(CT2Translator(lohelp_model, threads=2))
    results = translate_texts(chain, REAL, "fr", "en")
    for source, r in zip(REAL, results, strict=True):
        assert r.ok
        assert damaged_spans(source, r.text) == [], (source, r.text)
        assert find_debris(source, r.text) == [], r.text
    assert chain.stats["re-decoded"] > 0  # the plain outputs did damage spans


IN_DOMAIN = [
    "Cliquez sur OK pour fermer la boîte de dialogue.",
    "Saisissez 25 dans la cellule A1 puis appuyez sur Entrée.",
    "Choisissez Format - Cellules et cliquez sur l'onglet Nombres.",
    "Cette fonction renvoie la somme des valeurs de la plage A1:A10.",
    "Sélectionnez le texte que vous souhaitez mettre en forme.",
]


def test_real_model_clean_outputs_are_left_untouched(lohelp_model: Path) -> None:
    """In its domain the checks must not make the model worse: an output that keeps
    its spans is exactly the model's."""
    from engines.translate.ct2 import CT2Translator

    engine = CT2Translator(lohelp_model, threads=2)
    raw = engine.translate_batch(IN_DOMAIN, "fr", "en")
    chain = ProtectedSpans(engine)
    checked = chain.translate_batch(IN_DOMAIN, "fr", "en")
    clean = [i for i, (s, o) in enumerate(zip(IN_DOMAIN, raw, strict=True))
             if not damaged_spans(s, o) and not find_debris(s, o)]
    assert len(clean) >= 3, raw
    for i in clean:
        assert checked[i] == raw[i]


def test_numbers_put_back_are_written_the_target_way() -> None:
    text = "La valeur -12,5 passe à 1 250,75 le 12/03/2024."
    engine = Scripted(lambda t: "The value goes to on 12/03/2024.",
                      masked=lambda t: "The value <0> goes to <1> on 12/03/2024.")
    result = translate_texts(ProtectedSpans(engine), [text], "fr", "en")[0]
    assert result.text == "The value -12.5 goes to 1,250.75 on 12/03/2024."
    assert engine.seen[1] == "La valeur <0> passe à <1> le 12/03/2024."


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-9999, 99999), min_size=1, max_size=4), st.randoms(),
       st.booleans(), st.booleans())
def test_whatever_the_engine_does_to_numbers_they_come_back(
        values: list[int], rnd: random.Random, keep_placeholders: bool,
        debris: bool) -> None:
    """Property: an engine that garbles digits (and maybe the placeholders, and leaves
    markup debris) never gets a number lost or changed past the wrapper."""
    numbers = [f"{v // 10},{abs(v) % 10}" if v % 4 == 0 else str(v) for v in values]
    source = "Les valeurs " + " et ".join(numbers) + " sont connues."

    def garble(text: str) -> str:
        text = re.sub(r"(?<![<\d])\d(?![>\d])",
                      lambda m: str(rnd.randrange(10)) if rnd.random() < 0.5 else "", text)
        if not keep_placeholders:
            text = PLACEHOLDER_RE.sub("", text)
        return text + (" <0 values>" if debris else "")

    result = translate_texts(ProtectedSpans(Scripted(garble)), [source], "fr", "en")[0]
    assert damaged_spans(source, result.text) == [], (source, result.text)
    assert find_debris(source, result.text) == [], result.text
