"""A real streamed LLM summary (the demo model) through the summary pane, end to end.

Regression: the GUI's summary hung for ever inside CTranslate2's ``generate_tokens``
(0 % CPU) while the same summary from the CLI finished.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from app.formats.registry import read_document
from app.pipeline.llm_select import demo_dir
from app.ui.qt import Qt, QThreadPool
from app.ui.summary import SummaryPane
from tests.docgen import simple_docx

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("app.summarize") is None,
                       reason="the summarizer (app.summarize) is not there yet"),
    pytest.mark.skipif(not (demo_dir() / "model.bin").is_file(),
                       reason="no demo LLM (make demo-model)"),
]

REPORT = [
    "The border agency recorded 1337 crossings at the northern station in March.",
    "Officers inspected 42 vehicles and seized 7 forged documents during the operation.",
    "A new scanner will be installed at the southern station before the summer.",
]


@pytest.fixture
def one_pool_thread() -> object:
    """The GUI's pool reuses its threads: with one thread every task lands on the same one,
    as the summary did after the translation in the application."""
    pool = QThreadPool.globalInstance()
    before = pool.maxThreadCount()
    pool.setMaxThreadCount(1)
    yield pool
    pool.waitForDone(60_000)
    pool.setMaxThreadCount(before)


def _summarize(qtbot, pane: SummaryPane) -> list[str]:  # type: ignore[no-untyped-def]
    chunks: list[str] = []
    original = pane._on_chunk

    def seen(cancel: object, piece: str) -> None:
        chunks.append(piece)
        original(cancel, piece)  # type: ignore[arg-type]

    pane._on_chunk = seen  # type: ignore[method-assign]
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane._cancel is None, timeout=130_000)  # finished or failed
    pane._on_chunk = original  # type: ignore[method-assign]
    return chunks


@pytest.mark.timeout(300)
def test_demo_llm_summary_streams_and_finishes_in_the_pane(qtbot, tmp_path: Path,
                                                           one_pool_thread: object) -> None:
    doc = read_document(simple_docx(tmp_path / "report.docx", REPORT))
    doc.meta.language = "en"
    pane = SummaryPane()
    qtbot.addWidget(pane)
    pane.set_document(doc, "en")
    pane.engine_combo.setCurrentIndex(pane.engine_combo.findData("llm"))
    pane.length_combo.setCurrentIndex(pane.length_combo.findData("brief"))
    assert pane.request().engine == "llm"
    for run in range(2):  # the second run: a pool thread that already ran a generation
        pane.result = None
        chunks = _summarize(qtbot, pane)
        result = pane.result
        assert result is not None, f"run {run + 1}: {pane.status.text()}"
        assert not result.extractive and result.demo
        assert chunks, f"run {run + 1}: no text streamed into the pane"
        assert result.text.strip() and pane.text.toPlainText() == result.text
        assert pane.run_button.isEnabled() and not pane.stop_button.isEnabled()
