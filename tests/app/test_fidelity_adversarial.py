"""The fidelity report against an adversarial engine: a test double that damages correct
translations (canned human translations, or the real lohelp model's output) in one
way per block: a sentence dropped, a digit dropped or changed, a decimal separator
swapped, a sign lost, truncation, markup debris, a loop, the source returned.  Each
damage must be reported on its block, with the right kind, by the whole pipeline
(DOCX in, DOCX out); an undamaged run must be reported ok."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.pipeline.job import Job, run
from app.pipeline.stages import FidelityStage, WriteStage
from engines.segment import join_segments, split_sentences
from engines.translate.base import EngineInfo, Translator, TranslatorWrapper
from tests.docgen import simple_docx

# LibreOffice-help style paragraphs (the lohelp model's domain) and their translations.
PAIRS: list[tuple[str, str]] = [
    ("Pour insérer une nouvelle feuille, choisissez Feuille - Insérer une feuille. "
     "Vous pouvez insérer plusieurs feuilles à la fois dans un classeur. "
     "La nouvelle feuille est placée avant la feuille active.",
     "To insert a new sheet, choose Sheet - Insert Sheet. "
     "You can insert several sheets at once in a spreadsheet. "
     "The new sheet is placed before the active sheet."),
    ("La fonction ARRONDI arrondit un nombre au nombre de décimales indiqué. "
     "Par exemple, =ARRONDI(3,456;2) renvoie 3,46.",
     "The ROUND function rounds a number to the given number of decimal places. "
     "For example, =ROUND(3.456;2) returns 3.46."),
    ("Cette fonction est disponible depuis LibreOffice 7.2.",
     "This function is available since LibreOffice 7.2."),
    ("Le taux de 3,5 % s'applique aux 12 premiers mois.",
     "The rate of 3.5% applies to the first 12 months."),
    ("Cliquez sur OK pour fermer la boîte de dialogue.",
     "Click OK to close the dialog."),
    ("Une valeur négative comme -12 est ignorée.",
     "A negative value such as -12 is ignored."),
]
SENTENCES: dict[str, str] = {}
for _fr, _en in PAIRS:
    for _s, _t in zip(split_sentences(_fr, "fr"), split_sentences(_en, "en"), strict=True):
        SENTENCES[_s.text] = _t.text


class Canned(Translator):
    """Correct human translations, sentence by sentence (whatever unit it is given);
    with ``aligner``, forced alignment comes from that real model."""

    def __init__(self, aligner: Translator | None = None) -> None:
        self.aligner = aligner
        if aligner is not None:
            self.align = aligner.align  # type: ignore[attr-defined]

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("canned")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        out = []
        for text in texts:
            segs = split_sentences(text, src)
            out.append(join_segments(segs, [SENTENCES[s.text] for s in segs]))
        return out


Damage = Callable[[str], str]


class Adversary(TranslatorWrapper):
    """Damages the translation of every unit whose source contains a trigger."""

    def __init__(self, inner: Translator, damages: dict[str, Damage]) -> None:
        super().__init__(inner)
        self.damages = damages
        self.damaged = 0  # outputs actually changed

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        outs = self.inner.translate_batch(texts, src, tgt)
        return [self._damage(s, o) for s, o in zip(texts, outs, strict=True)]

    def _damage(self, source: str, out: str) -> str:
        for trigger, damage in self.damages.items():
            if trigger in source:
                damaged = damage(out)
                self.damaged += damaged != out
                return damaged
        return out


def replace(old: str, new: str) -> Damage:
    """Works on a sentence or on a whole paragraph, whichever unit the pipeline sends."""
    def damage(text: str) -> str:
        return text.replace(old, new, 1)
    return damage


# trigger (in the French source) -> (damage, kind that must be reported on that block)
DAMAGES: dict[str, tuple[Damage, str]] = {
    "La nouvelle feuille": (replace("The new sheet is placed before the active sheet.", ""),
                            "coverage"),
    "3,5 %": (replace("12", "1"), "numbers"),  # a digit dropped
    "ARRONDI": (replace("3.46", "3.47"), "numbers"),  # a digit changed
    "=ARRONDI(3,456;2)": (replace("3.456", "3,456"), "numbers"),  # separator swapped
    "LibreOffice 7.2": (replace("7.2.", "7.2>."), "markup"),  # debris
    "Cliquez sur OK": (lambda t: "Cliquez sur OK pour fermer la boîte de dialogue.",
                       "identical"),  # the source returned
    "négative": (replace("-12", "12"), "numbers"),  # sign lost
    "plusieurs feuilles": (replace("several sheets", "several several sheets"),
                           "repetition"),  # a decoding loop
}


def _run(tmp_path: Path, translator: Translator, paragraphs: list[str]) -> Job:
    src = simple_docx(tmp_path / "aide.docx", paragraphs)
    job = Job(JobConfig(input=src, target_lang="en", source_lang="fr", engine="ct2",
                        output=tmp_path / "aide.en.docx", overwrite=True))
    job.translator = translator
    return run(job)


def _kinds(job: Job, source: str) -> set[str]:
    assert job.fidelity is not None
    return {i["kind"] for i in job.fidelity["issues"] if i["text"] == source[:200]}


def test_correct_translations_are_reported_ok(tmp_path: Path) -> None:
    job = _run(tmp_path, Canned(), [fr for fr, _ in PAIRS])
    assert job.fidelity is not None
    assert job.fidelity["issues"] == [] and job.fidelity["ok"] is True
    assert job.fidelity["numbers_checked"] == 7 and job.fidelity["numbers_lost"] == 0


@pytest.mark.parametrize("trigger", [t for t in DAMAGES if t != "La nouvelle feuille"])
def test_each_damage_is_caught_with_its_kind(tmp_path: Path, trigger: str) -> None:
    damage, kind = DAMAGES[trigger]
    victim = next(fr for fr, _ in PAIRS if trigger in fr)
    adversary = Adversary(Canned(), {trigger: damage})
    job = _run(tmp_path, adversary, [fr for fr, _ in PAIRS])
    assert adversary.damaged >= 1
    assert job.fidelity is not None and job.fidelity["ok"] is False
    assert kind in _kinds(job, victim)
    others = {i["text"] for i in job.fidelity["issues"]} - {victim[:200]}
    assert others == set(), "only the damaged block is reported"


def test_truncation_is_caught(tmp_path: Path) -> None:
    victim = PAIRS[1][0]
    job = _run(tmp_path, Adversary(Canned(), {"ARRONDI": lambda t: t[:len(t) * 2 // 5]}),
               [victim])
    assert {"length"} <= _kinds(job, victim)


def test_dropped_sentence_is_caught_by_real_attention(tmp_path: Path,
                                                      lohelp_model: Path) -> None:
    """Sentence coverage: the lohelp model is forced to align the damaged output."""
    from engines.translate.ct2 import CT2Translator

    aligner = CT2Translator(lohelp_model, device="cpu", threads=1)
    victim = PAIRS[0][0]
    ok = _run(tmp_path, Canned(aligner), [fr for fr, _ in PAIRS])
    assert ok.fidelity is not None and ok.fidelity["coverage_checked"] is True
    assert ok.fidelity["ok"] is True, ok.fidelity["issues"]
    adversary = Adversary(Canned(aligner), {"La nouvelle feuille": DAMAGES[
        "La nouvelle feuille"][0]})
    damaged = _run(tmp_path, adversary, [victim])
    assert adversary.damaged == 1
    assert "coverage" in _kinds(damaged, victim)
    # An export without the engine (GUI, child process) keeps what was found ...
    export = Job(dataclasses.replace(damaged.config, output=tmp_path / "export.docx"),
                 document=damaged.doc, fidelity=damaged.fidelity)
    run(export, [FidelityStage(), WriteStage()])
    assert "coverage" in _kinds(export, victim)
    # ... until the reviewer corrects the block.
    block = damaged.doc.blocks[0]
    block.translation.text, block.translation.edited = PAIRS[0][1], True
    export = Job(dataclasses.replace(damaged.config, output=tmp_path / "export2.docx"),
                 document=damaged.doc, fidelity=export.fidelity)
    run(export, [FidelityStage(), WriteStage()])
    assert export.fidelity is not None and export.fidelity["ok"] is True


def test_damaged_real_model_output_is_caught(tmp_path: Path, lohelp_model: Path) -> None:
    """The adversary wraps the real model: its own output, then one digit dropped and
    the source returned for another block."""
    from engines.translate.ct2 import CT2Translator

    engine = CT2Translator(lohelp_model, device="cpu", threads=1)
    paragraphs = [PAIRS[3][0], PAIRS[4][0]]

    adversary = Adversary(engine, {"3,5 %": lambda t: re.sub(r"\d", "", t, count=1),
                                   "Cliquez": lambda t: PAIRS[4][0]})
    job = _run(tmp_path, adversary, paragraphs)
    assert adversary.damaged == 2
    assert "numbers" in _kinds(job, PAIRS[3][0])
    assert "identical" in _kinds(job, PAIRS[4][0])
