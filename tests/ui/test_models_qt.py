"""The table models pass pytest-qt's model tester (QAbstractItemModelTester)."""

from __future__ import annotations

from pathlib import Path

from app.core.config import JobConfig
from app.formats.registry import read_document
from app.ui.jobs import JobItem, JobQueueModel, JobState, format_eta
from app.ui.models_dialog import ModelListModel
from app.ui.qt import Qt
from app.ui.review import EDITED, UNTRANSLATED, ReviewModel
from app.ui.summary import FactsModel
from app.ui.summary_adapter import KeyFact
from app.ui.table_model import RowTableModel
from tests.docgen import simple_docx
from tests.ui.helpers import SHORT_FR


def test_job_queue_model(qtmodeltester, tmp_path: Path) -> None:
    model = JobQueueModel()
    for i, state in enumerate((JobState.QUEUED, JobState.TRANSLATING, JobState.FAILED)):
        item = JobItem(id=i + 1, config=JobConfig(input=tmp_path / f"d{i}.docx",
                                                  target_lang="en"))
        item.state, item.progress = state, 0.5
        model.add(item)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3 and model.columnCount() == JobQueueModel.COLUMNS
    assert model.data(model.index(1, model.PROGRESS)) == "50 %"
    assert model.data(model.index(2, model.STATUS)) == "Failed"
    assert model.remove_finished() == 1
    qtmodeltester.check(model, force_py=True)
    assert format_eta(75) == "1:15" and format_eta(9.6) == "10 s" and format_eta(None) == ""


def test_review_model_edits(qtmodeltester, tmp_path: Path) -> None:
    doc = read_document(simple_docx(tmp_path / "a.docx", SHORT_FR))
    for b in doc.blocks:
        b.translation.text = b.text.upper()
    model = ReviewModel()
    model.set_document(doc, {"issues": [{"block": 0, "kind": "numbers", "detail": "3"}]})
    qtmodeltester.check(model, force_py=True)
    assert model.flagged_rows() == [0, 1, 2]  # pending blocks count as untranslated
    assert model.setData(model.index(1, ReviewModel.TRANSLATION), "Edited")
    assert doc.blocks[1].translation.edited
    assert model.flagged_rows() == [0, 2]
    background = Qt.ItemDataRole.BackgroundRole
    assert model.data(model.index(0, 1), background) == UNTRANSLATED
    assert model.data(model.index(1, 1), background) == EDITED
    assert not model.setData(model.index(1, ReviewModel.SOURCE), "nope")


def test_model_list_and_facts_models(qtmodeltester) -> None:
    models = ModelListModel()
    qtmodeltester.check(models, force_py=True)
    facts = FactsModel()
    facts.set_facts([KeyFact("Dates", "3 March 2024"), KeyFact("Places", "Calais; Lille")])
    qtmodeltester.check(facts, force_py=True)
    assert facts.rowCount() == 2


def test_the_tables_share_one_base_for_counts_and_headers(qtbot, tmp_path: Path) -> None:
    """RowTableModel: titles per column, nothing out of range or for other roles, a stale
    index gives no row, and retranslate() announces every column."""
    doc = read_document(simple_docx(tmp_path / "a.docx", SHORT_FR))
    doc.meta.language, doc.target_language = "fr", "en"
    review = ReviewModel()
    review.set_document(doc, None)
    facts = FactsModel()
    facts.set_facts([KeyFact("Dates", "3 March 2024")])
    models: list[RowTableModel] = [JobQueueModel(), review, facts, ModelListModel()]
    horizontal, display = Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole
    for model in models:
        assert isinstance(model, RowTableModel)
        titles = [model.headerData(c, horizontal, display) for c in range(model.columnCount())]
        assert len(titles) == model.COLUMNS and all(isinstance(t, str) and t for t in titles)
        assert model.headerData(model.COLUMNS, horizontal, display) is None
        assert model.headerData(0, horizontal, Qt.ItemDataRole.ToolTipRole) is None
        assert model.row_object(model.index(model.rowCount(), 0)) is None
        if model.rowCount():  # a flat table: a cell has no children
            cell = model.index(0, 0)
            assert cell.isValid() and model.row_object(cell) is not None
            assert model.rowCount(cell) == 0 and model.columnCount(cell) == 0
        with qtbot.waitSignal(model.headerDataChanged) as blocker:
            model.retranslate()
        assert blocker.args == [horizontal, 0, model.COLUMNS - 1]
    assert review.headerData(0, horizontal, display) == "Source (fr)"
    assert review.headerData(1, horizontal, display) == "Translation (en)"
    assert review.headerData(2, Qt.Orientation.Vertical, display) == "3"
    assert review.headerData(len(review._rows), Qt.Orientation.Vertical, display) is None
    assert facts.data(facts.index(0, 1)) == "3 March 2024"
