"""Round trips through the pipeline with the pseudo engine, and the LibreOffice reopen check
shared by the format tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.formats.soffice import convert, find_soffice
from app.pipeline.job import Job, run
from engines.translate.pseudo import PseudoTranslator, pseudo_localize


def accented(words: str) -> str:
    """What the pseudo engine makes of ``words`` inside a longer text (no brackets)."""
    return pseudo_localize(words)[1:].rstrip("]~ ")


def translate(src: Path, out: Path, source_lang: str = "en", target_lang: str = "fr",
              output_format: str | None = None) -> Job:
    job = Job(JobConfig(input=src, target_lang=target_lang, source_lang=source_lang,
                        engine="pseudo", output=out, overwrite=True,
                        output_format=output_format))
    job.translator = PseudoTranslator()
    return run(job)


def assert_faithful(job: Job, min_ratio: float = 0.99) -> None:
    """Translated ≥ ``min_ratio`` of the blocks with words, every number kept."""
    f = job.fidelity
    assert f is not None
    with_words = f["blocks"] - f["skipped"]
    assert f["translated"] >= min_ratio * with_words, f
    assert f["numbers_lost"] == 0, f["issues"]


def reopens_in_libreoffice(path: Path, tmp: Path) -> Path:
    """Convert ``path`` to PDF with LibreOffice headless; the PDF must have pages."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install "
                    "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui")
    import pymupdf

    pdf = convert(path, "pdf", tmp / "reopened")
    with pymupdf.open(pdf) as d:
        assert d.page_count >= 1
    return pdf
