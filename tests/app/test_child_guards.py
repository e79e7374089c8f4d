"""No network from the child processes: the offline guard inside the OCR workers (the PDF
workers' and the GUI isolation child's are in test_pdf_reader.py and
tests/ui/test_isolation.py), and LibreOffice (native) in a network namespace.  Nothing
leaves loopback: see tests/offline_probe.py."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pymupdf
import pytest

from app.formats import ocr_reader, soffice
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


def _interfaces(netdev: str) -> set[str]:
    return {line.split(":", 1)[0].strip() for line in netdev.splitlines()[2:] if ":" in line}


def test_libreoffice_runs_without_network(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice is native (out of the Python guard's reach): it runs in an empty network
    namespace.  A stand-in ``soffice`` records the interfaces it sees (no traffic at all)."""
    if not soffice.no_network_prefix():
        pytest.skip("unshare -rn is not available here")
    host = _interfaces(Path("/proc/net/dev").read_text(encoding="utf-8"))
    if host <= {"lo"}:
        pytest.skip("this machine has no network interface to hide")
    fake = tmp_path / "soffice"
    fake.write_text(
        '#!/bin/sh\nprev=""\nfor a in "$@"; do\n  [ "$prev" = "--outdir" ] && out="$a"\n'
        '  prev="$a"; src="$a"\ndone\ncat /proc/net/dev > "$out/netdev.txt"\n'
        'name=$(basename "$src"); printf x > "$out/${name%.*}.docx"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(soffice.SOFFICE_ENV, str(fake))
    source = tmp_path / "old.rtf"
    source.write_text("{\\rtf1 Le convoi.}", encoding="ascii")
    produced = soffice.convert(source, "docx", tmp_path / "out")
    assert produced.read_text(encoding="ascii") == "x"
    assert _interfaces((tmp_path / "out" / "netdev.txt").read_text(encoding="utf-8")) == {"lo"}
