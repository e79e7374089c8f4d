"""The translation path's own check of protected spans and markup debris, which decides
what gets repaired after decoding (engines/translate/verify.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.protect import SpanKind, find_spans
from engines.translate.verify import (
    damaged_spans,
    find_debris,
    localize,
    number_values,
    strip_debris,
)


@pytest.mark.parametrize(("source", "output", "damaged"), [
    # The holes of the former substring/digit-pool check (issue 14):
    ("Il y a 7 caisses et 70 sacs.", "There are crates and 70 bags.", ["7"]),
    ("Température : -12 degrés.", "Temperature: 12 degrees.", ["-12"]),
    ("Il mesure 3,5 m.", "It is 5.3 m.", ["3,5"]),
    ("Il mesure 3,5 m.", "It is 3.6 m.", ["3,5"]),
    ("Version 7.2 et plus.", "Version 7.3 and later.", ["7.2"]),
    # Same values written the target's way, or verbatim:
    ("Il mesure 3,5 m.", "It is 3.5 m.", []),
    ("Total : 1 250,5 euros.", "Total: 1,250.5 euros.", []),
    ("Total : 1 250 euros.", "Total: 1250 euros.", []),
    ("Le dossier FR-2024-0173 du 12/03/2024.", "File FR-2024-0173 of 12/03/2024.", []),
    ("Le dossier FR-2024-0173.", "File F20-24-01.", ["FR-2024-0173"]),
    ("Écrivez à ops@defense.gouv.fr.", "Write to ops@defense.gouv.", ["ops@defense.gouv.fr"]),
    # Each output number serves one source number:
    ("Entre 5 et 5 jours.", "Between 5 and days.", ["5"]),
    # Formula references may be re-spaced; acronyms are the model's to translate:
    ("=SI(A1/A2)", "=IF(A1 / A2)", []),
    ("L'OTAN et le HTML.", "NATO and HTML.", []),
    # Identifiers mixing letters and digits keep their digits (the word may change):
    ("nombre1;nombre254 sont des nombres", "Number1; Number254 are numbers", []),
    ("nombre1;nombre254 sont des nombres", "Number1; Number4 are numbers", ["nombre254"]),
    ("array1_1D : une matrice", "11_1d: an array", ["array1_1D"]),
])
def test_damaged_spans(source: str, output: str, damaged: list[str]) -> None:
    assert [s.text for s in damaged_spans(source, output)] == damaged


@pytest.mark.parametrize(("number", "src", "tgt", "written"), [
    ("-12,5", "fr", "en", "-12.5"), ("1 250,75", "fr", "en", "1,250.75"),
    ("1.250,5", "de", "en", "1,250.5"), ("7.2", "fr", "en", "7.2"), ("1.250", "fr", "en", "1.250"),
    ("12", "fr", "en", "12"), ("-12,5", "fr", "de", "-12,5"), ("12.5", "en", "fr", "12.5"),
])
def test_localize_numbers(number: str, src: str, tgt: str, written: str) -> None:
    span = next(s for s in find_spans(f"x {number} y") if s.kind is SpanKind.NUMBER)
    assert localize(span, src, tgt) == written
    assert number_values(written) & number_values(number)  # the same value


def test_number_values_are_locale_aware() -> None:
    assert "1250.5" in number_values("1 250,5") & number_values("1,250.5")
    assert number_values("-12") & number_values("12") == set()
    assert number_values("−12") & number_values("-12")  # Unicode minus
    assert number_values("3,5") & number_values("5.3") == set()
    assert number_values("7.2") == {"7.2"}  # "." before one digit cannot group thousands


@pytest.mark.parametrize(("source", "output", "found"), [
    ("Disponible à partir de 7.2.", "Available from LibreOffice 7.2> onwards.", ["7.2>"]),
    ("Il y a 0 fichier.", "There are <0 files>.", ["<0", "files>."]),
    ("Si a < b alors", "If a < b then", []),  # the source has it
    ("Texte simple.", "Plain text.", []),
])
def test_debris(source: str, output: str, found: list[str]) -> None:
    assert find_debris(source, output) == found


def test_strip_debris_removes_only_what_the_source_lacks() -> None:
    text, removed = strip_debris("Si a < b, 7.2 ou 3 fichiers.",
                                 "If a < b, 7.2> or <3 files> <12>.")
    assert text == "If a < b, 7.2 or 3 files ." and removed
    assert not find_debris("Si a < b, 7.2 ou 3 fichiers.", text)


_NUM = re.compile(r"\d+(?:,\d+)?")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 99999), min_size=1, max_size=4),
       st.integers(0, 3), st.sampled_from(["drop", "change", "sign", "swap"]),
       st.integers(1, 9))
def test_any_mutated_number_is_caught(values: list[int], which: int, how: str,
                                      delta: int) -> None:
    """Property: a correct translation passes; mutating one of its numbers (dropping
    it, changing a digit, flipping its sign, swapping its decimal part) is caught."""
    numbers = [f"{v // 100},{v % 100:02d}" if v % 3 == 0 else str(v) for v in values]
    source = "Les valeurs sont " + " puis ".join(numbers) + "."
    english = [n.replace(",", ".") for n in numbers]
    output = "The values are " + " then ".join(english) + "."
    assert damaged_spans(source, output) == []
    k = which % len(english)
    target = english[k]
    if how == "drop":
        mutated = ""
    elif how == "change":
        i = len(target) - 1
        mutated = target[:i] + str((int(target[i]) + delta) % 10) + target[i + 1:]
    elif how == "sign":
        if not target.strip("0."):
            return  # -0 is 0
        mutated = "-" + target
    else:
        head, dot, tail = target.partition(".")
        if not dot or head == tail:
            return
        mutated = f"{tail}.{head}"
    if mutated and Decimal(mutated) == Decimal(target):
        return  # same value ("0.00" → "00.0"): nothing to catch
    if sorted(english[:k] + [mutated] + english[k + 1:]) == sorted(english):
        return  # the mutation happens to give another number of the list back
    words = english[:k] + ([mutated] if mutated else []) + english[k + 1:]
    mutated_output = "The values are " + " then ".join(words) + "."
    assert [s.text for s in damaged_spans(source, mutated_output)], (source, mutated_output)
