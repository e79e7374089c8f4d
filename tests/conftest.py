"""Shared fixtures.  The whole test session runs with the offline guard on."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from engines import offline
from tests.int8_path import forced_isa, int8_path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_report_header(config: pytest.Config) -> str:
    # int8 numbers depend on these kernels (tests/int8_path.py): say which ones ran.
    return f"{int8_path().describe()}; forced: {forced_isa() or 'nothing'}"


def pytest_sessionstart(session: pytest.Session) -> None:
    offline.install()
    # Never touch the real user data dir (models, translation memory, audit trail).
    if "PASSERELLE_DATA_DIR" not in os.environ:
        os.environ["PASSERELLE_DATA_DIR"] = tempfile.mkdtemp(prefix="passerelle-test-data-")


@pytest.fixture(scope="session")
def toy_model() -> Path:
    path = FIXTURES / "toy_model"
    if not (path / "model.bin").is_file():
        pytest.fail("toy model fixture missing: run scripts/make_toy_model.py")
    return path


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    path = SHARED / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus is absent (plain clone without the shared folder)")
    return path


@pytest.fixture(scope="session")
def lohelp_model() -> Path:
    path = SHARED / "models" / "fr-en-lohelp-small"
    if not (path / "model.bin").is_file():
        pytest.skip("../shared/models/fr-en-lohelp-small is absent")
    return path
