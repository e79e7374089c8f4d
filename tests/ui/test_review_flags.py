"""Review pane: damaged blocks highlighted with their reason, "Next flagged block" (F8)
walks through them, and a correction is stored sentence by sentence and reused on the
next run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.document import Document, TranslationStatus
from app.formats.registry import read_document
from app.pipeline.engine_select import with_chain
from app.pipeline.fidelity import check
from app.pipeline.job import Job, run
from app.ui.i18n import LanguageManager
from app.ui.mainwindow import MainWindow
from app.ui.memory_adapter import correction_pairs
from app.ui.qt import Qt, QTranslator
from app.ui.review import FLAGGED, ReviewModel, ReviewPane
from app.ui.settings import AppSettings
from engines.translate.base import EngineInfo, Translator
from tests.docgen import simple_docx

# (source, translation): rows 1, 3 and 4 are damaged, each in its own way.
BLOCKS = [
    ("Le convoi part demain matin.", "The convoy leaves tomorrow morning."),
    ("Il y a 7 camions et 70 soldats.", "There are 70 soldiers."),
    ("Les vivres sont chargés.", "The food is loaded."),
    ("Le carburant est livré à la base avancée.", "Le carburant est livré à la base avancée."),
    ("Cette fonction est disponible depuis la version 7.2.",
     "This function is available since version 7.2>."),
]


def _reviewed_doc(tmp_path: Path) -> tuple[Document, dict]:  # type: ignore[type-arg]
    doc = read_document(simple_docx(tmp_path / "revue.docx", [s for s, _ in BLOCKS]))
    doc.meta.language, doc.target_language = "fr", "en"
    for b, (_, t) in zip(doc.blocks, BLOCKS, strict=True):
        b.language = "fr"
        b.translation.text, b.translation.status = t, TranslationStatus.TRANSLATED
    return doc, check(doc).to_dict()


def test_damaged_blocks_are_highlighted_with_their_reason(qtbot, tmp_path: Path) -> None:
    doc, fidelity = _reviewed_doc(tmp_path)
    pane = ReviewPane()
    qtbot.addWidget(pane)
    pane.show_document(doc, fidelity)
    model = pane.model
    assert model.flagged_rows() == [1, 3, 4]
    for row in range(model.rowCount()):
        colour = model.data(model.index(row, ReviewModel.TRANSLATION),
                            Qt.ItemDataRole.BackgroundRole)
        assert (colour == FLAGGED) == (row in (1, 3, 4))
    reason = model.data(model.index(1, 0), ReviewModel.ReasonRole)
    assert reason.startswith("numbers or dates lost or changed:") and "7" in reason
    assert "left untranslated" in model.data(model.index(3, 0), ReviewModel.ReasonRole)
    assert "markup debris" in model.data(model.index(4, 0), ReviewModel.ReasonRole)
    assert model.data(model.index(0, 0), ReviewModel.ReasonRole) == ""
    assert "numbers or dates lost or changed" in model.data(
        model.index(1, 1), Qt.ItemDataRole.ToolTipRole)
    assert "3 damaged" in pane.summary.text()


def test_next_flagged_block_walks_through_them(qtbot, tmp_path: Path) -> None:
    doc, fidelity = _reviewed_doc(tmp_path)
    pane = ReviewPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.show_document(doc, fidelity)
    visited = []
    for _ in range(4):
        qtbot.mouseClick(pane.next_flag, Qt.MouseButton.LeftButton)
        row = pane.view.currentIndex().row()
        visited.append(row)
        assert pane.reason.isVisible() and pane.reason.text() == pane.model.reason(row)
    assert visited == [1, 3, 4, 1]  # and round again
    pane.view.setCurrentIndex(pane.model.index(2, 1))
    assert not pane.reason.isVisible()


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(AppSettings(engine="pseudo", target_lang="en"), LanguageManager())
    qtbot.addWidget(w)
    yield w
    assert w.controller.shutdown(10_000)


def test_f8_is_the_next_flagged_block_shortcut(qtbot, window: MainWindow,
                                               tmp_path: Path) -> None:
    doc, fidelity = _reviewed_doc(tmp_path)
    window.review.show_document(doc, fidelity)
    assert window.act_next_flag.shortcut().toString() == "F8"
    window.act_next_flag.trigger()
    window.act_next_flag.trigger()
    assert window.review.view.currentIndex().row() == 3


# --- Corrections: stored sentence by sentence, reused on the next run -------------

SOURCE = "Le convoi part demain matin. Il transporte du carburant pour la semaine."
CORRECTION = "The convoy sets off tomorrow morning. It carries fuel for the week."


class Machine(Translator):
    """A bilingual engine double: its output is recognisable as machine output.  It
    takes sentences, or whole paragraphs as the pipeline gives CTranslate2 models."""

    def __init__(self, paragraphs: bool) -> None:
        self.paragraphs = paragraphs

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("ct2", "test-fr-en", checksum="0" * 8)

    def whole_paragraphs(self) -> bool:
        return self.paragraphs

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [f"MT[{t}]" for t in texts]


def _translate(tmp_path: Path, name: str, paragraphs: list[str], units: bool) -> list[str]:
    src = simple_docx(tmp_path / f"{name}.docx", paragraphs)
    config = JobConfig(input=src, target_lang="en", source_lang="fr", engine="ct2",
                       output=tmp_path / f"{name}.en.docx", overwrite=True)
    job = Job(config=config)
    job.translator = with_chain(Machine(units), config)
    try:
        run(job)
    finally:
        job.translator.close()
    return [b.translation.text for b in job.doc.blocks]


def test_a_correction_is_checked_for_numbers_and_debris(qtbot, tmp_path: Path) -> None:
    doc, fidelity = _reviewed_doc(tmp_path)
    model = ReviewModel()
    model.set_document(doc, fidelity)
    assert model.setData(model.index(1, 1), "There are 7 trucks and 70 soldiers.")
    assert model.reason(1) == ""
    assert model.setData(model.index(4, 1), "Available since version 7.3>.")
    assert "numbers or dates" in model.reason(4) and "markup debris" in model.reason(4)
    assert model.setData(model.index(0, 1), "Convoy at dawn.")  # shorter: the reviewer's call
    assert model.flagged_rows() == [3, 4]


def test_correction_pairs_sentence_by_sentence_or_whole() -> None:
    assert correction_pairs(SOURCE, CORRECTION, "fr", "en") == [
        (SOURCE, CORRECTION),
        ("Le convoi part demain matin.", "The convoy sets off tomorrow morning."),
        ("Il transporte du carburant pour la semaine.", "It carries fuel for the week.")]
    merged = "The convoy sets off tomorrow morning with fuel for the week."
    assert correction_pairs(SOURCE, merged, "fr", "en") == [(SOURCE, merged)]


@pytest.mark.parametrize("paragraphs", [False, True], ids=["sentence-engine",
                                                           "paragraph-engine"])
def test_correction_is_reused_sentence_by_sentence(qtbot, tmp_path: Path,
                                                   paragraphs: bool) -> None:
    first = _translate(tmp_path, "premier", [SOURCE], paragraphs)
    assert "MT[" in first[0]
    doc = read_document(simple_docx(tmp_path / "revue.docx", [SOURCE]))
    doc.meta.language, doc.target_language = "fr", "en"
    doc.blocks[0].language = "fr"
    doc.blocks[0].translation.text = first[0]
    doc.blocks[0].translation.status = TranslationStatus.TRANSLATED
    pane = ReviewPane()
    qtbot.addWidget(pane)
    pane.show_document(doc, check(doc).to_dict())
    assert pane.model.setData(pane.model.index(0, ReviewModel.TRANSLATION), CORRECTION)
    # The next run meets each sentence again, in other paragraphs.
    again = _translate(tmp_path, "second", [
        "Il transporte du carburant pour la semaine.",
        "Le convoi part demain matin. Les soldats restent à la base.",
        SOURCE,
    ], paragraphs)
    assert again[0] == "It carries fuel for the week."
    assert again[1].startswith("The convoy sets off tomorrow morning.")
    assert "MT[" in again[1], "the new sentence is machine-translated"
    assert again[2] == CORRECTION


@pytest.mark.parametrize("paragraphs", [False, True], ids=["sentence-engine",
                                                           "paragraph-engine"])
def test_correction_written_differently_is_reused_for_the_whole_block(
        qtbot, tmp_path: Path, paragraphs: bool) -> None:
    """The correction's sentences do not pair with the source's: the whole block's
    entry is used when the block comes again."""
    merged = "The convoy sets off tomorrow morning with fuel for the week."
    doc = read_document(simple_docx(tmp_path / "revue.docx", [SOURCE]))
    doc.meta.language, doc.target_language = "fr", "en"
    doc.blocks[0].language = "fr"
    doc.blocks[0].translation.text = "MT"
    doc.blocks[0].translation.status = TranslationStatus.TRANSLATED
    model = ReviewModel()
    model.set_document(doc, None)
    assert model.setData(model.index(0, ReviewModel.TRANSLATION), merged)
    assert _translate(tmp_path, "encore", [SOURCE], paragraphs) == [merged]


def test_issue_kinds_are_in_the_french_catalogue() -> None:
    translator = QTranslator()
    assert translator.load(str(Path(__file__).resolve().parents[2] / "resources" / "i18n"
                               / "passerelle_fr.qm"))
    assert translator.translate("Fidelity", "markup debris") == "débris de balises"
    assert translator.translate("Fidelity", "sentence missing") == "phrase manquante"
    assert translator.translate("Review", "%1 damaged") == "%1 endommagés"
