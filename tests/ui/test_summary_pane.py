"""Summary pane: a real summary (extractive: no model needed) with the options applied."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from app.formats.registry import read_document
from app.ui import summary_adapter
from app.ui.qt import Qt
from app.ui.summary import SummaryPane
from tests.docgen import simple_docx

pytestmark = pytest.mark.skipif(importlib.util.find_spec("app.summarize") is None,
                                reason="the summarizer (app.summarize) is not there yet")

REPORT = [
    "The border agency recorded 1337 crossings at the northern station in March.",
    "Officers inspected 42 vehicles and seized 7 forged documents during the operation.",
    "The weather was mild and the roads were open for the whole month.",
    "A new scanner will be installed at the southern station before the summer.",
    "The regional director thanked the teams for their work during the busy period.",
]


def _pane(qtbot, tmp_path: Path) -> SummaryPane:  # type: ignore[no-untyped-def]
    doc = read_document(simple_docx(tmp_path / "report.docx", REPORT))
    doc.meta.language = "en"
    pane = SummaryPane()
    qtbot.addWidget(pane)
    pane.set_document(doc, "en")
    return pane


def test_extractive_summary_streams_into_the_pane(qtbot, tmp_path: Path) -> None:
    pane = _pane(qtbot, tmp_path)
    pane.engine_combo.setCurrentIndex(pane.engine_combo.findData("extractive"))
    pane.length_combo.setCurrentIndex(pane.length_combo.findData("brief"))
    pane.style_combo.setCurrentIndex(pane.style_combo.findData("bullets"))
    assert pane.run_button.isEnabled()
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    assert not pane.run_button.isEnabled() or pane.result is not None
    qtbot.waitUntil(lambda: pane.result is not None, timeout=30_000)
    result = pane.result
    assert result is not None and result.extractive
    text = pane.text.toPlainText()
    assert text == result.text and text.strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 3  # brief: three sentences at most, one bullet each
    assert all(any(s in ln for s in REPORT) for ln in lines), "extractive: quoted sentences"
    assert pane.unsupported.count() == 0
    assert "extractive" in pane.status.text()
    assert pane.run_button.isEnabled()


def test_unavailable_summarizer_is_reported_not_faked(qtbot, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary_adapter, "MODULE", "app.summarize_absent")
    pane = _pane(qtbot, tmp_path)
    assert not pane.run_button.isEnabled()
    assert "not part of this build" in pane.status.text()
    with pytest.raises(summary_adapter.SummarizerUnavailable):
        summary_adapter.summarize(pane.document, pane.request(), lambda s: None,  # type: ignore[arg-type]
                                  __import__("threading").Event())


def test_summary_of_the_translation_chosen_in_the_pane(qtbot, tmp_path: Path) -> None:
    from app.document import TranslationStatus

    pane = _pane(qtbot, tmp_path)
    assert pane.document is not None
    for block in pane.document.blocks:
        block.translation.text = block.text.replace("station", "gare")
        block.translation.status = TranslationStatus.TRANSLATED
    pane.engine_combo.setCurrentIndex(pane.engine_combo.findData("extractive"))
    pane.basis_combo.setCurrentIndex(pane.basis_combo.findData("translation"))
    assert pane.request().basis == "translation"
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.result is not None, timeout=30_000)
    assert "gare" in pane.text.toPlainText() and "station" not in pane.text.toPlainText()
    assert "Summarized from the translation" in pane.status.text()
