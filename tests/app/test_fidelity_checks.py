"""The independent fidelity checks (app/pipeline/numbers.py, app/pipeline/checks.py) on
hand-written French/English pairs, and a property test that mutates the numbers of a
correct translation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.pipeline.checks import (
    check_pair,
    identical,
    length_finding,
    markup_debris,
    uncovered_sentences,
)
from app.pipeline.numbers import compare, extract

# --- Numbers as values ---------------------------------------------------------------

SAME = [
    ("Le budget atteint 1 250,5 €.", "The budget reaches €1,250.5."),
    ("Le budget atteint 1\u202f250,5 €.", "The budget reaches 1,250.5 euros."),
    ("Une pente de 3,5 %.", "A slope of 3.5%."),
    ("Il fait -12 °C.", "It is −12 °C."),
    ("Réunion le 12 mars 2024 à 14h30.", "Meeting on March 12, 2024 at 2:30 pm."),
    ("Réunion le 12/03/2024.", "Meeting on 12/03/2024."),
    ("Version 7.2.1 du module A400M.", "Version 7.2.1 of the A400M module."),
    ("La matrice à deux dimensions.", "The 2-dimensional array."),
    ("Le 1er janvier 2025, 70 véhicules.", "On 1 January 2025, 70 vehicles."),
    ("Pages 10-12 du chapitre 3.", "Pages 10–12 of chapter 3."),
    ("Il reste 12 300 hommes.", "12,300 men remain."),
    ("La valeur 3,5 est copiée.", "The value 3,5 is copied."),  # no English number: French
    ("Départ à 14 h précises.", "Departure at 2 pm sharp."),
]


@pytest.mark.parametrize(("fr", "en"), SAME)
def test_same_values_in_another_locale_pass(fr: str, en: str) -> None:
    result = compare(fr, en, "fr", "en")
    assert result.ok, result.describe()
    assert result.source or result.target, "there are quantities to compare"


CHANGED = [
    ("Il y a 7 camions et 70 soldats.", "There are 70 soldiers.", "7"),  # one dropped
    ("Il fait -12 °C.", "It is 12 °C.", "-12"),  # sign lost
    ("Une pente de 3,5 %.", "A slope of 5.3%.", "3,5"),  # digits swapped
    ("Coût : 1 250,5 €.", "Cost: €1,250.", "1 250,5"),  # decimals dropped
    ("Distance : 5 km.", "Distance: 5 miles away, 5 kg.", None),  # unit changed
    ("Réunion le 12 mars 2024.", "Meeting on March 13, 2024.", "12 mars 2024"),
    ("Réunion à 14h30.", "Meeting at 2:45 pm.", "14h30"),
    ("Le lot FR-2024-0173.", "Batch FR-2024-0137.", None),
]


@pytest.mark.parametrize(("fr", "en", "lost"), CHANGED)
def test_changed_values_are_caught(fr: str, en: str, lost: str | None) -> None:
    result = compare(fr, en, "fr", "en")
    assert not result.ok
    if lost is not None:
        assert lost in [q.text.split(" °")[0].rstrip(" %€") for q in result.lost] or \
            any(q.text.startswith(lost) for q in result.lost), result.describe()


def test_seven_dropped_while_seventy_present() -> None:
    result = compare("7 et 70", "70", "fr", "en")
    assert [q.text for q in result.lost] == ["7"]


def test_values_are_locale_aware() -> None:
    fr = {str(v) for q in extract("1 250,5", ("fr",)) for v in q.values}
    en = {str(v) for q in extract("1,250.5", ("en",)) for v in q.values}
    assert fr == en == {"1250.5"}
    assert {str(v) for q in extract("1,250", ("fr",)) for v in q.values} == {"1.250"}


def test_a_swapped_separator_that_reads_as_another_english_number_is_caught() -> None:
    assert not compare("=ARRONDI(3,456;2)", "=ROUND(3,456;2)", "fr", "en").ok  # 3456
    assert compare("=ARRONDI(3,456;2)", "=ROUND(3.456;2)", "fr", "en").ok


def test_added_number_is_reported() -> None:
    result = compare("Cliquez sur OK.", "Click OK 2 times.", "fr", "en")
    assert [q.text for q in result.added] == ["2"]


# --- Markup debris, identical output, length ---------------------------------------

@pytest.mark.parametrize("target", [
    "This service is available from LibreOffice 7.2> onwards.",
    "Copy <0 files> to the folder.",
    "Result = 0> 2",
    "SI>(<><>.TYPE<A1/A2)==6)}}",
    "Press </b1> to continue.",
])
def test_markup_debris_is_caught(target: str) -> None:
    assert markup_debris("Ce service est disponible depuis LibreOffice 7.2.", target)


def test_brackets_of_the_source_are_not_debris() -> None:
    src = "Si la hauteur est > 1 ligne, utilisez <Entrée>."
    assert markup_debris(src, "If the height is > 1 row, use <Enter>.") == []


def test_identical_output_is_caught_but_code_is_not() -> None:
    assert identical("Le convoi part demain matin.", "Le convoi part demain  matin.")
    assert not identical("apt-get install --no-install-recommends foo",
                         "apt-get install --no-install-recommends foo")
    assert not identical("Le convoi part demain.", "The convoy leaves tomorrow.")


def test_length_bounds() -> None:
    src = "Le convoi logistique part demain matin de la base avancée vers le nord du secteur."
    assert length_finding(src, "The logistics convoy leaves the forward base tomorrow "
                               "morning for the north of the sector.", "fr", "en") is None
    short = length_finding(src, "The convoy.", "fr", "en")
    assert short is not None and "missing" in short.detail
    long = length_finding(src, "The convoy " * 30, "fr", "en")
    assert long is not None and "invented" in long.detail
    assert length_finding(src, "车队明天早上出发。", "fr", "zh") is None  # pair not measured
    assert length_finding(src, "Der Konvoi.", "fr", "de") is not None  # wide default bounds


# --- Coverage from an alignment ------------------------------------------------------

def test_uncovered_sentence_from_alignment() -> None:
    src = "Le convoi part demain matin. Il transporte du carburant et des vivres."
    second = src.index("Il")
    # every output piece points into the first sentence: the second is missing
    only_first = [(0, 5, 0, 2), (6, 12, 3, 9), (13, 19, 10, 14), (20, 28, 15, 21)]
    assert uncovered_sentences(src, "fr", only_first) == [src[second:]]
    both = only_first + [(30, 35, second, second + 2), (36, 45, second + 3, second + 13),
                         (46, 50, second + 17, second + 26)]
    assert uncovered_sentences(src, "fr", both) == []


def test_check_pair_kinds() -> None:
    kinds = {f.kind for f in check_pair("Il y a 7 camions.", "There are <1> trucks.", "fr", "en")}
    assert kinds == {"numbers", "markup"}
    same = "Le convoi transporte 7 camions."
    assert [f.kind for f in check_pair(same, same, "fr", "en")] == ["identical"]


# --- Property: mutating any number of a correct translation is caught ----------------

CORRECT = [
    ("Le 12 mars 2024, 1 250,5 litres de carburant ont été livrés à 3 unités, soit 42 % "
     "du stock.", "On 12 March 2024, 1,250.5 liters of fuel were delivered to 3 units, "
     "that is 42% of the stock."),
    ("La température est descendue à -12 °C pendant 7 jours ; 70 véhicules sur 85 ont "
     "démarré.", "The temperature fell to -12 °C for 7 days; 70 vehicles out of 85 started."),
    ("Le convoi a parcouru 3,5 km en 14 minutes avec 2 400 litres.",
     "The convoy covered 3.5 km in 14 minutes with 2,400 liters."),
]
_DIGIT_RUN = re.compile(r"\d+")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, str]:
    fr, en = draw(st.sampled_from(CORRECT))
    runs = list(_DIGIT_RUN.finditer(en))
    m = draw(st.sampled_from(runs))
    digits = m.group(0)
    op = draw(st.sampled_from(["drop_digit", "change_digit", "drop_number", "negate",
                               "add_digit", "swap_separator"]))
    if op == "drop_digit" and len(digits) > 1:
        k = draw(st.integers(0, len(digits) - 1))
        new = digits[:k] + digits[k + 1:]
    elif op == "change_digit":
        k = draw(st.integers(0, len(digits) - 1))
        d = draw(st.sampled_from([c for c in "0123456789" if c != digits[k]]))
        new = digits[:k] + d + digits[k + 1:]
    elif op == "negate" and m.start() > 0 and en[m.start() - 1] in " (":
        new = "-" + digits
    elif op == "add_digit":
        new = digits + draw(st.sampled_from("123456789"))  # a trailing 0 after "3.5" keeps it
    else:  # drop the number entirely
        new = ""
    mutant = en[:m.start()] + new + en[m.end():]
    if op == "swap_separator":  # a thousands comma read as a decimal point, and back
        mutant = draw(st.sampled_from([en.replace("2,400", "2.400"),
                                       en.replace("1,250.5", "1.250.5"),
                                       en.replace("3.5 km", "3,500 km")]))
    return fr, mutant, op


def _leading_zero_only(en: str, mutant: str) -> bool:
    """A mutation that only added or removed a leading zero keeps the value."""
    return [int(x) for x in _DIGIT_RUN.findall(en)] == [int(x) for x in
                                                        _DIGIT_RUN.findall(mutant)]


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_any_number_mutation_is_caught(case: tuple[str, str, str]) -> None:
    fr, mutant, op = case
    en = next(e for f, e in CORRECT if f == fr)
    if mutant == en or _leading_zero_only(en, mutant):
        return
    result = compare(fr, mutant, "fr", "en")
    assert not result.ok, f"{op}: {mutant!r} passed"
    assert any(f.kind == "numbers" for f in check_pair(fr, mutant, "fr", "en"))


@pytest.mark.parametrize(("fr", "en"), CORRECT)
def test_correct_translations_pass(fr: str, en: str) -> None:
    assert check_pair(fr, en, "fr", "en") == []


def test_repetition_loops_are_caught() -> None:
    kinds = [f.kind for f in check_pair("Le chargement des modules au démarrage.",
                                        "loading loading of modules at startup.", "fr", "en")]
    assert kinds == ["repetition"]
    assert [f.kind for f in check_pair("Voir le fichier de configuration.",
                                       "See the ddddob configuration file.", "fr", "en")] == [
        "repetition"]
    assert check_pair("Il a dit « non, non ».", "He said \"no, no\".", "fr", "en") == []
    assert check_pair("Tiret point point", "Dash dot dot", "fr", "en") == []  # as in source


_NOISY = st.text(alphabet=st.sampled_from(list(
    "0123456789 ,.-−–:/h%€$°CkmgMoGpaAPM<>'’\u202f\u00a0émarsjanvierMayDec\n")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(_NOISY, _NOISY | st.text(max_size=60), st.sampled_from(["fr", "en", "de", "zh", "xx"]))
def test_the_checker_never_fails_on_odd_text(source: str, target: str, lang: str) -> None:
    kinds = {"numbers", "markup", "length", "repetition", "identical", "coverage"}
    for s, t in ((source, target), (target, source)):
        assert {f.kind for f in check_pair(s, t, lang, "en")} <= kinds
    assert compare(source, source, lang, lang).ok  # a text always agrees with itself
