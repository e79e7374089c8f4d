"""Fidelity flags for OCR: blocks read with low confidence, and numbers OCR was unsure of.

Checked on real Tesseract output from blurred scans of a line of numbers: every block
whose numbers came back wrong must be flagged, and the clean scan must raise no flag.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import ImageFilter

from app.document import TranslationStatus
from app.formats.ocr_engine import Word
from app.formats.ocr_reader import OcrOptions, read_pdf_ocr
from app.formats.ocr_worker import suspect_number
from app.pipeline.fidelity import READING_KINDS, check
from tests.app.test_ocr import image_pdf, pytestmark, raster, typeset

__all__ = ["pytestmark"]

NUMBERS = ("Références : dossier 2024-117, facture 48 509, lot 7731, tél. 01 45 67 89 12, "
           "code 3308.")


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


@pytest.mark.parametrize("blur", [0.0, 1.5, 2.0])
def test_every_misread_number_is_flagged(tmp_path: Path, blur: float) -> None:
    image = raster(typeset(NUMBERS, size=9), dpi=150)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    doc = read_pdf_ocr(image_pdf([image], tmp_path / "n.pdf", dpi=150),
                       ocr=OcrOptions(lang="fra"))
    for b in doc.blocks:  # as if translated word for word: only the reading is judged
        b.translation.text, b.translation.status = b.text, TranslationStatus.TRANSLATED
    report = check(doc)
    flagged = {i.block for i in report.issues if i.kind in READING_KINDS}
    misread = {b.id for b in doc.blocks if _numbers(b.text) != _numbers(NUMBERS)}
    assert misread <= flagged, [b.text for b in doc.blocks]
    if blur == 0.0:
        assert not misread and not flagged  # a clean scan raises no false alarm
    else:
        assert flagged, "a blurred scan of numbers is never read with full confidence"


def test_suspect_number_rules() -> None:
    """Look-alikes beside digits and lone zeros-as-letters are suspect even when Tesseract
    was sure; plain words and confident numbers are not."""
    def word(text: str, conf: float = 96.0) -> Word:
        return Word(text, (0, 0, 1, 1), conf, 1, 1, 1)

    assert suspect_number(word("O1")) and suspect_number(word("2O24"))
    assert suspect_number(word("l5")) and suspect_number(word("©"))
    assert suspect_number(word("4850", conf=70.0))
    assert not suspect_number(word("4850")) and not suspect_number(word("2024-117,"))
    assert not suspect_number(word("Oui")) and not suspect_number(word("commission"))
