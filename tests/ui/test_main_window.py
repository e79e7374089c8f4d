"""Main window: drops run jobs to completion, review edits reach the export, cancel."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import docx
import pytest

from app.core.config import data_dir
from app.document import TranslationStatus
from app.ui import mainwindow as mainwindow_module
from app.ui.controller import JobController
from app.ui.first_run import InstalledSummary
from app.ui.i18n import LanguageManager
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow, MissingModelBox
from app.ui.qt import QApplication, QDesktopServices, QLineEdit, Qt
from app.ui.review import ReviewModel
from app.ui.settings import AppSettings
from engines.store import Manifest
from engines.translate.base import EngineInfo, Translator
from engines.translate.memory import TranslationMemory
from engines.translate.pseudo import PseudoTranslator, pseudo_localize
from tests.docgen import simple_docx
from tests.ui.helpers import SHORT_FR, drop_paths


def wait_states(qtbot, window: MainWindow, ids: Sequence[int], state: JobState,  # type: ignore[no-untyped-def]
                timeout: int = 30_000) -> None:
    model = window.controller.model
    qtbot.waitUntil(lambda: all(model.by_id(i).state is state for i in ids), timeout=timeout)


def test_dropping_docx_files_and_a_folder_runs_every_job(qtbot, window: MainWindow,
                                                         tmp_path: Path) -> None:
    a = simple_docx(tmp_path / "a.docx", SHORT_FR)
    folder = tmp_path / "inbox"
    folder.mkdir()
    simple_docx(folder / "b.docx", SHORT_FR[:1], table=[["Nom", "12"]])
    (folder / "notes.bin").write_bytes(b"ignored")  # not a document format
    drop_paths(window.drop, [a, folder])
    model = window.controller.model
    # A folder is one batch row (mirrored into inbox.en: tests/ui/test_batches_gui.py).
    assert [model.item(r).path.name for r in range(model.rowCount())] == ["inbox", "a.docx"]
    wait_states(qtbot, window, [model.item(0).id], JobState.EXPORTED)
    assert (tmp_path / "inbox.en" / "b.en.docx").is_file()
    ids = [model.item(1).id]
    wait_states(qtbot, window, ids, JobState.READY)
    for jid in ids:
        item = model.by_id(jid)
        assert item.progress == 1.0
        assert item.job is not None and item.job.fidelity is not None
        assert item.job.fidelity["untranslated"] == 0
    assert model.data(model.index(1, model.STATUS)) == "Ready to review"
    assert model.data(model.index(1, model.LANGS)) == "fr → en"
    assert not list(tmp_path.glob("*.en.*")), "review first: nothing is written before export"


@pytest.mark.skipif(importlib.util.find_spec("app.formats.pdf_reader") is None,
                    reason="the PDF reader (app/formats/pdf_reader.py) is not there yet")
def test_dropping_a_pdf_runs_to_completion_and_exports_in_place(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    import pymupdf

    from tests.pdfgen import two_column_pdf

    window.settings.target_lang = "fr"  # the generated PDF is English
    pdf = two_column_pdf(tmp_path / "memo.pdf", pages=2, paragraphs=1, words=25)
    drop_paths(window.drop, [pdf])
    jid = window.controller.model.item(0).id
    wait_states(qtbot, window, [jid], JobState.READY, timeout=60_000)
    item = window.controller.model.by_id(jid)
    assert item.pages == 2
    preview = window.review.preview
    assert preview.isVisibleTo(window.review)
    qtbot.waitUntil(lambda: preview.image.pixmap() is not None
                    and not preview.image.pixmap().isNull(), timeout=20_000)
    assert preview.caption.text() == "Page 1 of 2"
    out = tmp_path / "memo.fr.pdf"
    with qtbot.waitSignal(window.controller.exported, timeout=60_000):
        assert window.start_export(jid, "pdf", out)
    with pymupdf.open(str(out)) as translated:
        assert translated.page_count == 2
        assert "Pàgé" in translated[0].get_text() or "[" in translated[0].get_text()


def test_review_edit_reaches_the_exported_docx(qtbot, window: MainWindow, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    src = simple_docx(tmp_path / "memo.docx", SHORT_FR)
    (jid,) = window.add_files([src])
    wait_states(qtbot, window, [jid], JobState.READY)
    assert window._review_job == jid  # the first finished job opens in the review pane
    window.tabs.setCurrentWidget(window.review)
    view, model = window.review.view, window.review.model
    row = next(r for r in range(model.rowCount()) if model.block(r).text == SHORT_FR[1])
    index = model.index(row, ReviewModel.TRANSLATION)
    assert model.data(index) == pseudo_localize(SHORT_FR[1])
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = view.viewport().findChild(QLineEdit) or view.findChild(QLineEdit)
    assert editor is not None, "double-click opens an editor"
    editor.selectAll()
    qtbot.keyClicks(editor, "The commission reviews.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits through a queued call
    block = model.block(row)
    qtbot.waitUntil(lambda: block.translation.text == "The commission reviews.", timeout=5000)
    assert block.translation.edited and block.translation.runs == []
    assert block.translation.status is TranslationStatus.TRANSLATED
    memory = TranslationMemory.open_default(data_dir())
    try:  # the correction is in the translation memory, as a user entry (priority)
        assert memory.count(origin="user") == 1
        assert memory.lookup([SHORT_FR[1]], "any-model", "fr", "en") == {
            SHORT_FR[1]: "The commission reviews."}
    finally:
        memory.close()

    window._on_export_triggered()
    dialog = window.export_dialog
    fmt, out = dialog.choice()
    assert (fmt, out) == ("docx", tmp_path / "memo.en.docx")
    with qtbot.waitSignal(window.controller.exported, timeout=20_000):
        dialog.accept()
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "The commission reviews." in texts
    assert pseudo_localize(SHORT_FR[0]) in texts
    assert window.export_notice.isVisibleTo(window)

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    qtbot.mouseClick(window.export_notice.open_folder, Qt.MouseButton.LeftButton)
    assert opened == [str(tmp_path)]

    # Exporting again to the same name asks first; "No" leaves the file alone.
    before = out.stat().st_mtime_ns
    answers: list[Path] = []

    def refuse(parent: object, path: Path) -> bool:
        answers.append(path)
        return False

    monkeypatch.setattr(mainwindow_module, "confirm_overwrite", refuse)
    assert not window.start_export(jid, "docx", out)
    assert answers == [out] and out.stat().st_mtime_ns == before
    monkeypatch.setattr(mainwindow_module, "confirm_overwrite", lambda parent, path: True)
    with qtbot.waitSignal(window.controller.exported, timeout=20_000):
        assert window.start_export(jid, "docx", out)


class HeldTranslator(Translator):
    """The pseudo engine, held in its second batch until ``release`` is set, so that a job
    is cancelled mid-way however fast or slow the machine is."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(engine="slow", model_id="slow")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.calls += 1
        if self.calls >= 2:
            self.release.wait(60)
        return [pseudo_localize(t) for t in texts]


def test_cancel_stops_the_job_and_writes_nothing(qtbot, app_settings: AppSettings,
                                                 tmp_path: Path) -> None:
    engine = HeldTranslator()
    controller = JobController(lambda: app_settings, factory=lambda job: engine)
    try:
        paragraphs = [f"Paragraphe numéro {i} du rapport." for i in range(200)]
        src = simple_docx(tmp_path / "long.docx", paragraphs)
        (jid,) = controller.add_files([src], source_lang="fr")
        item = controller.model.by_id(jid)
        # The second batch is held: the job is mid-way until it is released.
        qtbot.waitUntil(lambda: item.state is JobState.TRANSLATING and engine.calls >= 2,
                        timeout=20_000)
        assert controller.cancel(jid)
        engine.release.set()
        qtbot.waitUntil(lambda: item.state is JobState.CANCELLED, timeout=10_000)
        assert 0 < item.progress < 1.0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["long.docx"]
        controller.cache.factory = lambda job: PseudoTranslator()
        assert controller.retry(jid)
        qtbot.waitUntil(lambda: item.state is JobState.READY, timeout=20_000)
        assert item.progress == 1.0
    finally:
        engine.release.set()
        assert controller.shutdown(10_000)


def test_missing_model_offers_the_pseudo_preview(qtbot, window: MainWindow, tmp_path: Path
                                                 ) -> None:
    """A model reaches English, so the drop is accepted; the French sample is too short for
    the drop-time check, and the job finds French not served after reading it (the
    drop-time refusals are tested in test_first_run and test_drop_language)."""
    window.settings.engine = "auto"  # no model is installed in the test data folder
    qtbot.waitUntil(lambda: window.models_state.summary is not None, timeout=10_000)
    window.models_state.summary = InstalledSummary(
        (Manifest(id="opus-mt-de-en", kind="translation", format="ct2-opus-mt",
                  pairs=[("de", "en")]),), "", False)
    src = simple_docx(tmp_path / "memo.docx", SHORT_FR)
    assert window.add_files([src]) == []  # queued once its sample is checked
    model = window.controller.model
    qtbot.waitUntil(lambda: bool(model.items()), timeout=60_000)
    jid = model.item(0).id
    wait_states(qtbot, window, [jid], JobState.FAILED)
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, MissingModelBox) and w.isVisible())
    assert "fr→en" in box.text()
    qtbot.mouseClick(box.pseudo, Qt.MouseButton.LeftButton)
    wait_states(qtbot, window, [jid], JobState.READY)
    assert model.by_id(jid).config.engine == "pseudo"


def test_switching_the_ui_language_changes_visible_labels(window: MainWindow) -> None:
    queue = window.controller.model
    assert window.tabs.tabText(0) == "Queue"
    assert window.act_open.text() == "Open…"
    window.set_ui_language("fr")
    assert window.tabs.tabText(0) == "File d'attente"
    assert window.act_open.text() == "Ouvrir…"
    assert window.drop.label.text() == "Déposez ici des documents ou des dossiers"
    assert queue.headerData(queue.FILE, Qt.Orientation.Horizontal) == "Fichier"
    assert window.menu_file.title() == "&Fichier"
    window.set_ui_language("en")
    assert window.tabs.tabText(0) == "Queue"
    assert queue.headerData(queue.FILE, Qt.Orientation.Horizontal) == "File"


def test_window_geometry_is_remembered(qtbot, app_settings: AppSettings) -> None:
    first = MainWindow(app_settings, LanguageManager())
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 560)
    qtbot.waitUntil(lambda: first.width() == 760)
    first.close()
    second = MainWindow(app_settings, LanguageManager())
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (760, 560)
    second.controller.shutdown()


def test_about_box_shows_version_and_licences(window: MainWindow) -> None:
    from app import __version__

    box = window.show_about()
    text = box.text()
    assert f"Passerelle {__version__}" in text
    assert "licen" in text.lower()
    assert window.menu_help.title() == "&Help"
    window.set_ui_language("fr")
    try:
        assert window.menu_help.title() == "&Aide"
        assert window.act_about.text() == "À propos de Passerelle…"
    finally:
        window.set_ui_language("en")  # the translator is application-wide
        box.close()
