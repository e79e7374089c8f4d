"""The whole pipeline with the real lohelp model (issue 14 §1): no markup debris, no
number lost, nothing truncated; a re-run is served from the memory with the same
flags, and another beam is not served the stale entries.  Skipped without ../shared."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.document import TranslationStatus
from app.pipeline.engine_select import translator_factory
from app.pipeline.job import Job, run
from engines.translate.memory import MemoryTranslator
from tests.docgen import simple_docx

LONG = " ".join(
    f"Dans la cellule A{i}, saisissez la formule =SOMME(B{i}:C{i}) puis appuyez sur Entrée "
    f"pour obtenir le total de la ligne {i}." for i in range(1, 15))
PARAGRAPHS = [
    "Cliquez sur OK pour fermer la boîte de dialogue.",
    "Cette fonction est disponible depuis LibreOffice 7.2. Elle renvoie 0 si la plage est vide.",
    "Saisissez 25 dans la cellule A1 puis appuyez sur Entrée.",
    "nombre1;nombre2;...;nombre254 sont des nombres ou des références à des cellules.",
    "La valeur -12,5 est arrondie à -13 ; la valeur 1 250,75 devient 1 251.",
    "Choisissez Format - Cellules et cliquez sur l'onglet Nombres. Sélectionnez 2 décimales.",
    "Enregistrez le document au format HTML ou PDF, puis fermez la fenêtre.",
    LONG,
]
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f,.](?=\d{3}(?!\d))")


def _digit_groups(text: str) -> Counter[str]:
    """Counted independently of the pipeline's own checks."""
    return Counter(re.findall(r"\d+", _THOUSANDS.sub("", text)))


def _job(doc: Path, out: Path, model: Path, beam: int = 2) -> Job:
    job = Job(JobConfig(input=doc, target_lang="en", source_lang="fr", engine="ct2",
                        model=str(model), output=out, overwrite=True, beam_size=beam),
              translator_factory=translator_factory)
    return run(job)


def test_real_model_document_has_no_debris_and_keeps_every_number(
        lohelp_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    doc = simple_docx(tmp_path / "aide.docx", PARAGRAPHS)
    out = tmp_path / "aide.en.docx"
    job = _job(doc, out, lohelp_model)
    blocks = [b for b in job.doc.blocks if b.text.strip()]
    assert len(blocks) == len(PARAGRAPHS)
    for b in blocks:
        t = b.translation.text
        assert b.translation.status is TranslationStatus.TRANSLATED, b.translation.reason
        assert t.count("<") <= b.text.count("<") and t.count(">") <= b.text.count(">"), t
        lost = _digit_groups(b.text) - _digit_groups(t)
        assert not lost, (b.text, t, lost)
    long_block = next(b for b in blocks if b.text == LONG)
    assert len(long_block.translation.text) > len(LONG) // 2  # not cut short
    assert "split: sentences (longer than the model's positions)" in long_block.flags

    # A re-run: every paragraph from the memory, the same text and the same flags.
    flags = [b.flags[:] for b in blocks]
    texts = [b.translation.text for b in blocks]
    again = _job(doc, out, lohelp_model)
    chain = again.translator
    assert isinstance(chain, MemoryTranslator) and chain.misses == 0
    blocks2 = [b for b in again.doc.blocks if b.text.strip()]
    assert [b.translation.text for b in blocks2] == texts
    assert [b.flags for b in blocks2] == flags

    # Another beam: not served the beam-2 entries.
    beam4 = _job(doc, out, lohelp_model, beam=4)
    assert isinstance(beam4.translator, MemoryTranslator)
    assert beam4.translator.misses == len(PARAGRAPHS)
