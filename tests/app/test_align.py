"""Styled-span projection: tags (pseudo engine), attention alignment (real model), heuristic."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from app.core.config import JobConfig
from app.document import Run, Style
from app.pipeline.align import (
    find_aligner,
    markup,
    project_alignment,
    project_heuristic,
    source_spans,
    strip_markers,
    unmarkup,
)
from app.pipeline.fidelity import _styled_spans
from app.pipeline.job import Job, run
from engines.translate.base import TranslatorWrapper
from engines.translate.pseudo import PseudoTranslator
from tests.docgen import add_hyperlink

BOLD, LINK = Style(bold=True), Style(link="https://help.example.org/open")


def bold_sentence() -> list[Run]:
    return [Run("Choisissez Fichier - "), Run("Enregistrer", BOLD),
            Run(" pour enregistrer le document.")]


def link_sentence() -> list[Run]:
    return [Run("Cliquez sur le bouton Ouvrir pour "), Run("ouvrir un document", LINK),
            Run(".")]


def styled(runs: list[Run]) -> list[tuple[str, Style]]:
    return [(r.text, r.style) for r in runs if not r.style.is_plain()]


def test_source_spans_trim_and_merge() -> None:
    runs = [Run("A "), Run(" big", BOLD), Run(" "), Run("deal ", BOLD), Run("here.")]
    background, spans = source_spans(runs)
    assert background == Style()
    assert [(s.start, s.end, s.style) for s in spans] == [(3, 11, BOLD)]


def test_tags_round_trip_through_pseudo() -> None:
    runs = [Run("Click "), Run("Save", BOLD), Run(" then read the "),
            Run("guide", LINK), Run(".")]
    mk = markup(runs)
    assert mk is not None and mk.text == "Click <b1>Save</b1> then read the <a2>guide</a2>."
    translated = PseudoTranslator().translate_batch([mk.text], "en", "fr")[0]
    out = unmarkup(translated, mk)
    assert out is not None
    assert styled(out) == [("Šàvé", BOLD), ("gûîđé", LINK)]
    assert "<" not in "".join(r.text for r in out)


def test_tags_tolerate_engine_spacing() -> None:
    mk = markup([Run("Click "), Run("Save", BOLD), Run(" now.")])
    assert mk is not None
    out = unmarkup("Cliquez < b1 > Enregistrer </ b1 > maintenant.", mk)
    assert out is not None
    assert [(r.text, r.style) for r in out] == [
        ("Cliquez ", Style()), ("Enregistrer", BOLD), (" maintenant.", Style())]


@pytest.mark.parametrize("broken", [
    "Cliquez Enregistrer maintenant.",  # marker dropped
    "Cliquez <b1>Enregistrer maintenant.",  # never closed
    "Cliquez <b1></b1> Enregistrer.",  # empty
    "<b1>Cliquez</b1> <b1>Enregistrer</b1>",  # repeated
    "Cliquez <b7>Enregistrer</b7>.",  # unknown id
])
def test_broken_tags_are_refused(broken: str) -> None:
    mk = markup([Run("Click "), Run("Save", BOLD), Run(" now.")])
    assert mk is not None
    assert unmarkup(broken, mk) is None
    assert "<" not in strip_markers(broken)


def test_no_tags_when_source_has_markers() -> None:
    assert markup([Run("Use the "), Run("<b1>", BOLD), Run(" element.")]) is None
    assert markup([Run("All plain.")]) is None


def test_alignment_projection_keeps_one_span_per_source_span() -> None:
    runs = bold_sentence()
    translation = "Choose File - Save to save the document."
    # Target "Save" (14..18) attends to source "Enregistrer" (21..32); the rest elsewhere.
    alignment = [(0, 6, 0, 10), (7, 11, 11, 18), (14, 18, 21, 32), (22, 26, 38, 49),
                 (31, 39, 53, 61)]
    out = project_alignment(runs, translation, alignment)
    assert "".join(r.text for r in out) == translation
    assert styled(out) == [("Save", BOLD)]


def test_alignment_projection_fills_gaps_and_never_drops() -> None:
    runs = [Run("Le "), Run("bouton rouge", BOLD), Run(" est ici.")]
    translation = "The red big button is here."
    # "red" and "button" point into the bold span: "big" in between joins them.
    out = project_alignment(runs, translation, [(4, 7, 10, 15), (12, 18, 3, 9)])
    assert styled(out) == [("red big button", BOLD)]
    # No alignment at all: the span still lands somewhere (relative position).
    out = project_alignment(runs, translation, [])
    assert _styled_spans(out) == _styled_spans(runs) == 1


def test_heuristic_prefers_verbatim_then_position() -> None:
    runs = [Run("Set the value of "), Run("MAX_SPEED", BOLD), Run(" to a safe number.")]
    out = project_heuristic(runs, "Réglez MAX_SPEED à une valeur sûre.")
    assert styled(out) == [("MAX_SPEED", BOLD)]
    runs = [Run("Début. "), Run("Milieu", BOLD), Run(" et fin de la phrase ici.")]
    out = project_heuristic(runs, "Beginning. Middle and end of the sentence here.")
    assert len(styled(out)) == 1


def test_find_aligner_looks_through_wrappers() -> None:
    class FakeAligner(PseudoTranslator):
        def align(self, sources, targets, src, tgt):  # type: ignore[no-untyped-def]
            return [[] for _ in sources]

    class Wrapper(TranslatorWrapper):
        def translate_batch(self, texts, src, tgt):  # type: ignore[no-untyped-def]
            return self.inner.translate_batch(texts, src, tgt)

    inner = FakeAligner()
    assert find_aligner(Wrapper(Wrapper(inner))) is inner
    assert find_aligner(PseudoTranslator()) is None


# --- The real model: fr→en trained on LibreOffice help --------------------------------

@pytest.fixture(scope="module")
def lohelp(lohelp_model: Path):  # type: ignore[no-untyped-def]
    from engines.translate.ct2 import CT2Translator

    translator = CT2Translator(lohelp_model, device="cpu", threads=2)
    yield translator
    translator.close()


def test_translate_aligned_projects_bold_and_link(lohelp) -> None:  # type: ignore[no-untyped-def]
    sentences = [bold_sentence(), link_sentence()]
    results = lohelp.translate_aligned(["".join(r.text for r in s) for s in sentences],
                                       "fr", "en")
    (bold_text, bold_al), (link_text, link_al) = results
    assert "Save" in bold_text and "open" in link_text
    assert all(0 <= ts < te <= len(bold_text) for ts, te, _, _ in bold_al)
    bold = styled(project_alignment(sentences[0], bold_text, bold_al))
    assert len(bold) == 1 and "Save" in bold[0][0] and "document" not in bold[0][0]
    link = styled(project_alignment(sentences[1], link_text, link_al))
    assert len(link) == 1 and link[0][1] == LINK
    assert "open" in link[0][0] and "Click" not in link[0][0]


def test_forced_alignment_of_a_given_translation(lohelp) -> None:  # type: ignore[no-untyped-def]
    source = "".join(r.text for r in bold_sentence())
    target = "Choose File - Save to save the document."
    [alignment] = lohelp.align([source], [target], "fr", "en")
    save = next(a for a in alignment if target[a[0]:a[1]] == "Save")
    assert source[save[2]:save[3]].strip() == "Enregistrer"
    out = project_alignment(bold_sentence(), target, alignment)
    assert styled(out) == [("Save", BOLD)]


def _styled_fr_docx(path: Path) -> Path:
    d = docx.Document()
    p = d.add_paragraph("Choisissez Fichier - ")
    p.add_run("Enregistrer").bold = True
    p.add_run(" pour enregistrer le document.")
    q = d.add_paragraph("Cliquez sur le bouton Ouvrir pour ")
    add_hyperlink(q, "ouvrir un document", "https://help.example.org/open")
    q.add_run(".")
    d.save(str(path))
    return path


def test_docx_pipeline_with_real_model(lohelp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _styled_fr_docx(tmp_path / "aide.docx")
    out = tmp_path / "aide.en.docx"
    job = Job(JobConfig(input=src, target_lang="en", source_lang="fr", output=out))
    job.translator = lohelp
    run(job)
    assert job.fidelity is not None
    assert job.fidelity["styled_spans_source"] == job.fidelity["styled_spans_target"] == 2
    result = docx.Document(str(out))
    bold = [r.text for r in result.paragraphs[0].runs if r.bold]
    assert len(bold) == 1 and "Save" in bold[0]
    links = result.paragraphs[1]._p.findall(qn("w:hyperlink"))
    assert len(links) == 1
    link_text = "".join(t.text for t in links[0].iter(qn("w:t")))
    assert "open" in link_text.lower() and "Click" not in link_text


def test_docx_pipeline_with_pseudo_tags(tmp_path: Path) -> None:
    src = _styled_fr_docx(tmp_path / "aide.docx")
    out = tmp_path / "aide.xx.docx"
    job = Job(JobConfig(input=src, target_lang="en", source_lang="fr", output=out))
    job.translator = PseudoTranslator()
    run(job)
    result = docx.Document(str(out))
    assert [r.text for r in result.paragraphs[0].runs if r.bold] == ["Éñrégîštrér"]
    links = result.paragraphs[1]._p.findall(qn("w:hyperlink"))
    assert "".join(t.text for t in links[0].iter(qn("w:t"))) == "öûvrîr ûñ đöçûméñt"
    assert job.fidelity is not None and job.fidelity["ok"]


def test_alignment_goes_sentence_by_sentence() -> None:
    from app.document import Block, BlockKind, Locator
    from app.pipeline.align import _align

    calls: list[tuple[str, str]] = []

    class Recorder:
        def align(self, sources, targets, src, tgt):  # type: ignore[no-untyped-def]
            calls.extend(zip(sources, targets, strict=True))
            return [[(0, len(t), 0, len(s))] for s, t in zip(sources, targets, strict=True)]

    block = Block(0, BlockKind.PARAGRAPH, [Run("Il pleut. "), Run("Cliquez", BOLD),
                                           Run(" ici.")], Locator("body", (0,)))
    block.translation.text = "It rains. Click here."
    [(_, alignment)] = _align(Recorder(), [block], "fr", "en").items()
    assert calls == [("Il pleut.", "It rains."), ("Cliquez ici.", "Click here.")]
    assert alignment == [(0, 9, 0, 9), (10, 21, 10, 22)]


def test_real_model_two_sentence_block(lohelp) -> None:  # type: ignore[no-untyped-def]
    from app.document import Block, BlockKind, Locator
    from app.pipeline.align import _align

    runs = [Run("Cette commande enregistre le document actif. Choisissez Fichier - "),
            Run("Enregistrer", BOLD), Run(" pour enregistrer le document.")]
    block = Block(0, BlockKind.PARAGRAPH, runs, Locator("body", (0,)))
    block.translation.text = lohelp.translate_batch(
        ["Cette commande enregistre le document actif.",
         "Choisissez Fichier - Enregistrer pour enregistrer le document."], "fr", "en")[0]
    block.translation.text += " Choose File - Save to save the document."
    alignment = _align(lohelp, [block], "fr", "en")[0]
    assert styled(project_alignment(runs, block.translation.text, alignment)) == [
        ("Save", BOLD)]
