"""The desktop app with the new formats (issue 17): a deck and a workbook dropped, run,
reviewed and exported, the export dialog offering each format's own outputs."""

from __future__ import annotations

from pathlib import Path

import pptx

from app.ui.export_dialog import ExportDialog
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from tests.officegen import rich_pptx, rich_xlsx
from tests.ui.helpers import drop_paths


def test_deck_and_workbook_run_and_export(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.settings.target_lang = "fr"  # the generated files are English
    deck, book = rich_pptx(tmp_path / "deck.pptx"), rich_xlsx(tmp_path / "book.xlsx")
    drop_paths(window.drop, [deck, book])
    model = window.controller.model
    ids = [model.item(r).id for r in range(model.rowCount())]
    assert [model.item(r).path.name for r in range(model.rowCount())] == ["deck.pptx",
                                                                         "book.xlsx"]
    qtbot.waitUntil(lambda: all(model.by_id(i).state is JobState.READY for i in ids),
                    timeout=60_000)
    out = tmp_path / "deck.fr.pptx"
    with qtbot.waitSignal(window.controller.exported, timeout=60_000):
        assert window.start_export(ids[0], "pptx", out)
    assert pptx.Presentation(str(out)).slides[0].shapes.title.text.startswith("[")
    dialog = ExportDialog(book, "xlsx", "fr")
    qtbot.addWidget(dialog)
    offered = [dialog.formats.itemData(i) for i in range(dialog.formats.count())]
    assert offered[:2] == ["xlsx", "xlsx-bilingual"]
    assert dialog.path.text().endswith("book.fr.xlsx")

