"""What the fidelity report counts as NOT translated, what it lists as kept, and how a
block in a third language is handled."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.core.config import JobConfig
from app.document import BlockKind, Document, DocumentMeta, Locator, Run, TranslationStatus
from app.pipeline.fidelity import check, summary_line
from app.pipeline.job import Job, run
from engines.translate.base import EngineInfo, Translator
from engines.translate.pseudo import PseudoTranslator
from tests.docgen import simple_docx


def _doc() -> Document:
    doc = Document(DocumentMeta(Path("x.pdf"), "0" * 64, "pdf", page_count=4, language="fr"),
                   target_language="en")
    loc = Locator("page")
    ok = doc.add_block(BlockKind.PARAGRAPH, [Run("Le convoi part à 7 h.")], loc)
    ok.translation.text, ok.translation.status = "The convoy leaves at 7 h.", \
        TranslationStatus.TRANSLATED
    garbled = doc.add_block(BlockKind.PARAGRAPH, [Run("Ã©Ã¨ Ã  Ã§Ã")], loc, flags=["unreadable"])
    garbled.translation.status = TranslationStatus.SKIPPED  # as an older stage did
    garbled.translation.reason = "unreadable text (broken font encoding)"
    number = doc.add_block(BlockKind.PARAGRAPH, [Run("12")], loc)
    number.translation.status, number.translation.reason = TranslationStatus.SKIPPED, \
        "no words to translate"
    doc.meta.scanned_pages.append(2)
    doc.meta.unread_pages[3] = "cannot parse content stream"
    return doc


def test_unreadable_text_and_unread_pages_are_not_translated() -> None:
    report = check(_doc())
    kinds = [(i.block, i.kind) for i in report.issues]
    assert (1, "unreadable") in kinds
    assert [i.detail[:6] for i in report.issues if i.kind == "unread"] == ["page 3", "page 4"]
    assert report.untranslated == 1 and report.translated == 1 and report.skipped == 1
    assert report.ok is False
    d = report.to_dict()
    assert d["issue_kinds"] == {"unread": 2, "unreadable": 1}
    line = summary_line(d)
    assert "1 NOT translated" in line and "1 kept as is (no words)" in line
    assert "2 unread" in line and "1 unreadable" in line
    assert line.endswith("sentence coverage not checked (the engine cannot align)")
    assert "coverage not checked" not in summary_line(check(_doc(), coverage={}).to_dict())


def test_skipped_blocks_are_listed_with_their_reason() -> None:
    report = check(_doc())
    assert [(s.block, s.reason, s.text) for s in report.skipped_blocks] == [
        (2, "no words to translate", "12")]


class FrenchOnly(Translator):
    """A bilingual engine (like an opus-mt model): French in, marked English out."""

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("ct2", "fr-en-test")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        assert src == "fr", f"{src} text sent to a French model"
        return [f"EN: {t}" for t in texts]


GERMAN = "Der Konvoi verlässt morgen früh die vorgeschobene Basis in Richtung Norden."
FRENCH = ["Le convoi quitte la base avancée demain matin en direction du nord.",
          "Les véhicules transportent du carburant et des vivres pour la semaine."]


def _mixed(tmp_path: Path, translator: Translator) -> Job:
    src = simple_docx(tmp_path / "mixte.docx", [FRENCH[0], GERMAN, FRENCH[1]])
    job = Job(JobConfig(input=src, target_lang="en", engine="ct2",
                        output=tmp_path / "mixte.en.docx", overwrite=True))
    job.translator = translator
    return run(job)


def test_third_language_block_without_a_model_is_reported(tmp_path: Path) -> None:
    job = _mixed(tmp_path, FrenchOnly())
    german = next(b for b in job.doc.blocks if b.text == GERMAN)
    assert german.language == "de"
    assert german.translation.status is TranslationStatus.FAILED
    assert job.fidelity is not None
    issues = [i for i in job.fidelity["issues"] if i["block"] == german.id]
    assert [i["kind"] for i in issues] == ["language"]
    assert "de→en" in issues[0]["detail"] and issues[0]["text"] == GERMAN


def test_third_language_block_goes_to_a_multilingual_engine(tmp_path: Path) -> None:
    job = _mixed(tmp_path, PseudoTranslator())
    german = next(b for b in job.doc.blocks if b.text == GERMAN)
    assert german.translation.status is TranslationStatus.TRANSLATED
