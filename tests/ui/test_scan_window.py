"""Scans in the window: a dropped image is read by OCR, reviewed and exported in place;
the OCR settings reach the job."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PIL import ImageFilter

from app.document import TranslationStatus
from app.formats.ocr_reader import OcrOptions, read_pdf_ocr
from app.pipeline.fidelity import check
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from app.ui.qt import Qt
from app.ui.review import FLAGGED, ReviewModel
from app.ui.settings import AppSettings
from app.ui.settings_dialog import SettingsDialog
from tests.app.test_ocr import FRENCH, image_pdf, pytestmark, raster, similarity, typeset
from tests.app.test_ocr_fidelity import NUMBERS
from tests.ui.helpers import drop_paths

__all__ = ["pytestmark"]


def test_dropped_scan_is_read_reviewed_and_exported(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    scan = tmp_path / "fax.png"
    raster(typeset(FRENCH), dpi=200).save(scan)
    drop_paths(window.drop, [scan])
    model = window.controller.model
    assert model.rowCount() == 1, "the drop zone takes image files"
    jid = model.item(0).id
    qtbot.waitUntil(lambda: not model.by_id(jid).state.active, timeout=120_000)
    item = model.by_id(jid)
    assert item.state is JobState.READY, item.error
    window.show_job(jid)
    review = window.review.model
    source = " ".join(review.block(r).text for r in range(review.rowCount()))
    assert similarity(source, FRENCH) > 0.9
    out = tmp_path / "fax.en.pdf"
    with qtbot.waitSignal(window.controller.exported, timeout=60_000):
        assert window.start_export(jid, "pdf", out)
    with pymupdf.open(str(out)) as translated:
        assert translated[0].get_images(), "the scan stays under the translation"
        assert "Pàgé" in translated[0].get_text() or "commission" not in translated[0].get_text()


def test_ocr_settings_reach_the_job_config(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    dialog.tessdata.setText(str(tmp_path))
    dialog.redo_ocr.setChecked(True)
    settings = dialog.result_settings()
    config = settings.job_config(tmp_path / "scan.pdf")
    assert config.ocr_redo is True and config.tessdata == tmp_path
    assert AppSettings().job_config(tmp_path / "scan.pdf").tessdata is None


def test_low_confidence_ocr_blocks_are_highlighted_in_review(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A blurred scan of numbers: the block OCR doubted is flagged, with its reason."""
    image = raster(typeset(NUMBERS, size=9), dpi=150).filter(ImageFilter.GaussianBlur(2.0))
    doc = read_pdf_ocr(image_pdf([image], tmp_path / "n.pdf", dpi=150),
                       ocr=OcrOptions(lang="fra"))
    for b in doc.blocks:
        b.translation.text, b.translation.status = b.text, TranslationStatus.TRANSLATED
    model = ReviewModel()
    model.set_document(doc, check(doc).to_dict())
    rows = model.flagged_rows()
    assert rows
    assert model.data(model.index(rows[0], 0), Qt.ItemDataRole.BackgroundRole) == FLAGGED
    assert "OCR" in model.reason(rows[0])
