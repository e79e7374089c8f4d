"""Protected spans around an engine: masked before, restored after, losses flagged."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

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

SENTENCE = ("Le convoi FR-2024-0173 part le 12/03/2024 à 14h30 vers 31U DQ 48251 11932 "
            "avec 1 250 litres (OTAN), voir https://intradef.example/doc ou ops@defense.gouv.fr.")
SPANS = ["FR-2024-0173", "12/03/2024", "14h30", "31U DQ 48251 11932", "1 250", "OTAN",
         "https://intradef.example/doc", "ops@defense.gouv.fr"]


class Upper(Translator):
    """Upper-cases words; optionally drops the placeholders it is given."""

    def __init__(self, drop: Sequence[str] = ()) -> None:
        self.drop = set(drop)
        self.seen: list[str] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("test", "upper")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.seen += texts
        out = []
        for t in texts:
            for ph in self.drop:
                t = t.replace(ph, "")
            out.append(re.sub(r"[a-zé]+", lambda m: m.group(0).upper(), t))
        return out


def test_mask_hides_every_kind_of_span_and_restores_them() -> None:
    masked = Placeholders.mask(SENTENCE, protected_spans(SENTENCE))
    assert sorted(masked.sources.values()) == sorted(SPANS)
    without = PLACEHOLDER_RE.sub("", masked.text)
    assert not re.search(r"\d", without)  # no digit left for the engine to mangle
    assert "OTAN" not in masked.text and "@" not in masked.text
    assert masked.restore(masked.text) == (SENTENCE, [])


def test_wrapper_restores_spans_through_an_engine() -> None:
    engine = Upper()
    out = ProtectedSpans(engine).translate_batch([SENTENCE], "fr", "en")[0]
    for span in SPANS:
        assert span in out
    assert "CONVOI" in out
    assert "intradef" not in engine.seen[0]  # the engine never saw the URL


def test_lost_placeholder_is_reinserted_and_flagged() -> None:
    text = "Le dossier FR-2024-0173 est clos."
    engine = Upper(drop=["<0>"])
    chain = ProtectedSpans(engine)
    result = translate_texts(chain, [text], "fr", "en")[0]
    assert "FR-2024-0173" in result.text
    assert result.lost_spans == ["FR-2024-0173"]
    # At about the same place: after "DOSSIER", before the final full stop.
    assert result.text.index("DOSSIER") < result.text.index("FR-2024-0173")
    assert result.text.endswith(".")


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
    assert scores["<n>"] == 1.0, scores
    assert all(scores["<n>"] >= v for v in scores.values()), scores
    assert scores["⟦n⟧"] < 0.5, scores  # why the foundation's ⟦n⟧ shape was replaced


def test_real_model_keeps_every_protected_span(lohelp_model: Path) -> None:
    from engines.translate.ct2 import CT2Translator

    chain = ProtectedSpans(CT2Translator(lohelp_model, threads=2))
    results = translate_texts(chain, REAL, "fr", "en")
    for source, r in zip(REAL, results, strict=True):
        assert r.ok
        for span in find_spans(source):
            assert span.text in r.text, (span.text, r.text)
        assert r.lost_spans == []
