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
from app.formats.ocr_worker import repair_digits, suspect_number
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


def _line(*texts: str, conf: float = 90.0) -> list[Word]:
    return [Word(t, (10 * i, 0, 10 * i + 8, 10), conf, 1, 1, 1) for i, t in enumerate(texts)]


def test_repair_digits_undoes_known_misreadings_and_keeps_them_flagged() -> None:
    """Real Tesseract misreadings (bench pages): footnote marks ``[4]`` read ``[41`` or
    ``[4|``, monospace zeros read ``©`` before a lowercase word."""
    got = repair_digits(_line("[41", "Une", "option"))
    assert got[0].text == "[4]" and suspect_number(got[0])
    assert repair_digits(_line("courtes[4|."))[0].text != "courtes[4]."  # mark not at start
    assert repair_digits(_line("[4|.", "Purger"))[0].text == "[4]."
    got = repair_digits(_line("©", "paquets", "mis", "à", "jour,", "2", "nouveaux,", "©",
                              "à", "enlever"))
    assert [w.text for w in got][::7] == ["0", "0"] and all(suspect_number(w) for w in got[::7])


def test_repair_digits_leaves_real_text_alone() -> None:
    """The other direction: brackets closed later, citations, copyright signs, letters."""
    for line in (("[41,", "50]"), ("[12]", "and"), ("[2021]",), ("©", "2005", "Debian"),
                 ("©", "Debian"), ("©",), ("Oui", "O", "temps"), ("voir", "[1]", "et", "[11]"),
                 ("[41",)):
        words = _line(*line)
        want = [w.text for w in words]
        if line == ("[41",):  # alone on its line, it is a mark: the only rewrite here
            want = ["[4]"]
        assert [w.text for w in repair_digits(words)] == want, line
    other_line = [Word("[41", (0, 0, 8, 10), 90.0, 1, 1, 1), Word("50]", (0, 20, 8, 30), 90.0,
                                                                  1, 1, 2)]
    assert repair_digits(other_line)[0].text == "[4]"  # a bracket on another line does not count
