"""Hostile-input fixtures: Hypothesis profiles and the valid documents the cases start from.

``make test`` uses the "ci" profile (deterministic, a few hundred examples in all);
``make fuzz`` sets ``HYPOTHESIS_PROFILE=fuzz`` (random, twenty times more, with a database
of failing examples to replay).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.hostile import corpus

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture]
settings.register_profile("ci", deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small valid documents (read-only by convention: copy before mutating)."""
    folder = tmp_path_factory.mktemp("valid")
    return {"docx": corpus.base_docx(folder / "base.docx"),
            "pdf": corpus.text_pdf(folder / "base.pdf")}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """The folder a hostile file is dropped into (the default output goes beside it)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder
