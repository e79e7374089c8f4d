"""The offline guard inside the OCR workers (the PDF workers' and the GUI isolation child's
are in test_pdf_reader.py and tests/ui/test_isolation.py).  Nothing leaves loopback: see
tests/offline_probe.py."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pymupdf
import pytest

from app.formats import ocr_reader
from engines import offline
from tests import offline_probe


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_the_offline_guard_is_active_inside_an_ocr_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = pymupdf.open()
    page = pdf.new_page(width=300, height=120)
    page.insert_text((20, 60), "Le convoi est parti.", fontsize=18)
    image = tmp_path / "scan.png"
    page.get_pixmap(dpi=150).save(str(image))
    out = tmp_path / "probe.json"
    monkeypatch.setattr(ocr_reader, "worker_main", functools.partial(
        offline_probe.probe_in_child, "app.formats.ocr_worker", "_open", str(out),
        "app.formats.ocr_worker:worker_main"))
    offline.install(allow=[("intranet.example", 8080)])  # the worker must not inherit it
    try:
        doc = ocr_reader.read_image(image)
    finally:
        offline.install()
    assert doc.meta.format == "image", "the worker went on reading after the probe"
    results = json.loads(out.read_text(encoding="utf-8"))
    offline_probe.assert_all_blocked(results)
    assert results["allowed"] == [], "OCR workers get an empty allow-list"
