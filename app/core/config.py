"""Typed job configuration.  Nothing is read or created at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def data_dir() -> Path:
    """User data directory (models, translation memory, audit log); overridable."""
    override = os.environ.get("PASSERELLE_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("passerelle", appauthor=False))


def prepared_models_dir() -> Path:
    """Models prepared beside the application by ``make run``/``make test`` (the demo LLM)."""
    override = os.environ.get("PASSERELLE_PREPARED_MODELS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / ".cache" / "models"


@dataclass
class JobConfig:
    input: Path
    target_lang: str
    source_lang: str | None = None  # None: detect
    engine: str = "auto"  # "ct2", "pseudo", "llm" or "auto"
    model: str | None = None  # a model folder or an installed model id
    output: Path | None = None
    output_format: str | None = None  # "docx", "pdf", "pdf-bilingual"; None: like the source
    overwrite: bool = False
    password: str | None = None
    device: str = "auto"
    threads: int = 0
    beam_size: int = 4  # measured: bench/quality.py (README, translation quality)
    glossary: Path | None = None
    ocr_redo: bool = False  # OCR scanned pages again even when they carry an OCR text layer
    tessdata: Path | None = None  # OCR language data folder (None: found automatically)
    fidelity_json: bool = True
    debug_dump: Path | None = None  # dump the document JSON after each stage
    extra: dict[str, str] = field(default_factory=dict)
