"""A dropped folder or ``.zip`` in the window (issue 17): one queue row with progress and
Cancel, the mirrored output tree and one report, as ``main.py translate DIR``; the batch
takes its turn with the queued documents and borrows their loaded model."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.pipeline.batch import REPORT_NAME
from app.pipeline.job import Job
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from engines.translate.base import Translator
from engines.translate.pseudo import PseudoTranslator
from tests.docgen import simple_docx
from tests.officegen import rich_pptx
from tests.ui.helpers import SHORT_FR, drop_paths


class HeldTranslator(PseudoTranslator):
    """The pseudo engine, each batch of sentences held until the test lets it go."""

    def __init__(self, go: threading.Event, entered: threading.Event) -> None:
        super().__init__()
        self.go, self.entered = go, entered

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.entered.set()
        assert self.go.wait(30), "the test never let the translation go"
        return super().translate_batch(texts, src, tgt)


@pytest.fixture
def loads(window: MainWindow) -> list[Job]:
    """Every model load of the queue (the translator cache's factory calls)."""
    calls: list[Job] = []
    factory = window.controller.cache.factory

    def counting(job: Job) -> Translator:
        calls.append(job)
        return factory(job)

    window.controller.cache.factory = counting
    return calls


def bundle(folder: Path, french_only: bool = False) -> Path:
    """A memo (French), a deck (English unless ``french_only``) and a file not translated."""
    (folder / "sub").mkdir(parents=True)
    simple_docx(folder / "memo.docx", SHORT_FR)
    if french_only:
        simple_docx(folder / "sub" / "deck.docx", SHORT_FR[1:])
    else:
        rich_pptx(folder / "sub" / "deck.pptx")
    (folder / "notes.bin").write_bytes(b"not a document")
    return folder


def test_dropped_folder_mirrored_with_progress_in_the_queue(
        qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.settings.target_lang = "fr"
    folder = bundle(tmp_path / "inbox")
    model = window.controller.model
    seen: list[float] = []
    model.dataChanged.connect(lambda *_: seen.append(model.item(0).progress))
    with qtbot.waitSignal(window.controller.batchFinished, timeout=120_000) as done:
        drop_paths(window.drop, [folder])
        assert model.rowCount() == 1 and model.item(0).path == folder  # one row, not three
    result = done.args[1]
    out = tmp_path / "inbox.fr"
    assert (out / "memo.fr.docx").is_file() and (out / "sub" / "deck.fr.pptx").is_file()
    assert not (out / "notes.bin").exists()
    report = json.loads((out / f"{REPORT_NAME}.json").read_text(encoding="utf-8"))
    assert {i["source"]: i["status"] for i in report["items"]} == {
        "memo.docx": "translated", "sub/deck.pptx": "translated", "notes.bin": "unsupported"}
    item = model.item(0)
    assert item.state is JobState.EXPORTED and item.progress == 1.0
    assert item.outputs == [out, Path(result.report)]
    assert model.data(model.index(0, model.STATUS)) == "Exported"
    assert "2 translated" in item.message and REPORT_NAME in item.message
    assert any(0.0 < p < 1.0 for p in seen), "the queue row showed no progress in between"
    assert "report" in window.statusBar().currentMessage()
    window.queue.selectRow(0)  # selecting the finished batch opens no document to review
    window.show_job(item.id)
    assert window.review.model.document is None and not window.review.export_button.isEnabled()


def test_dropped_archive_waits_for_the_queue_and_shares_its_model(
        qtbot, window: MainWindow, loads: list[Job], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    go, entered = threading.Event(), threading.Event()

    def held(job: Job) -> Translator:
        loads.append(job)
        return HeldTranslator(go, entered)

    window.controller.cache.factory = held
    folder = bundle(tmp_path / "bundle", french_only=True)  # the document's language pair
    archive = Path(shutil.make_archive(str(tmp_path / "bundle"), "zip", folder))
    doc = simple_docx(tmp_path / "a.docx", SHORT_FR)
    drop_paths(window.drop, [doc])
    model = window.controller.model
    assert entered.wait(30)  # the document holds the model
    drop_paths(window.drop, [archive])
    batch = model.item(1)
    assert batch.path == archive and batch.batch_out == tmp_path / "bundle.en"
    qtbot.waitUntil(lambda: batch.state is JobState.WAITING, timeout=10_000)
    qtbot.wait(300)
    assert batch.state is JobState.WAITING and not batch.batch_out.exists()
    go.set()
    qtbot.waitUntil(lambda: batch.state is JobState.EXPORTED, timeout=120_000)
    assert model.item(0).state is JobState.READY
    assert (tmp_path / "bundle.en" / "sub" / "deck.en.docx").is_file()
    assert [j.doc.meta.language for j in loads] == ["fr"], \
        "the batch loaded a second copy of the model"


def test_batch_cancelled_from_the_queue_stops(
        qtbot, window: MainWindow, loads: list[Job], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    go, entered = threading.Event(), threading.Event()
    window.controller.cache.factory = lambda job: HeldTranslator(go, entered)
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(4):
        simple_docx(folder / f"memo{n}.docx", SHORT_FR)
    drop_paths(window.drop, [folder])
    item = window.controller.model.item(0)
    assert entered.wait(30)  # translating the first file
    assert window.controller.cancel(item.id)
    go.set()
    qtbot.waitUntil(lambda: item.state is JobState.CANCELLED, timeout=30_000)
    written = list((tmp_path / "many.en").glob("*.en.docx"))
    assert len(written) < 4 and not (tmp_path / "many.en" / f"{REPORT_NAME}.json").exists()
    # Retry resumes: the files already done are skipped, the rest translated.
    assert window.controller.retry(item.id)
    qtbot.waitUntil(lambda: item.state is JobState.EXPORTED, timeout=60_000)
    assert len(list((tmp_path / "many.en").glob("*.en.docx"))) == 4
    assert f"{len(written)} already done" in item.message
