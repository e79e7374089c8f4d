"""Seam to the translation memory (``engines.translate.memory``).

A reviewer's correction is stored as a user entry, which wins over machine output for
every model, so the next job reuses it.  If the memory cannot be opened the edit still
reaches the export; only the reuse is lost, and the log says so.
"""

from __future__ import annotations

import logging

from app.core.config import data_dir

log = logging.getLogger(__name__)


def record_correction(source: str, target: str, src_lang: str, tgt_lang: str) -> bool:
    """Store a correction with priority; False when it could not be stored."""
    if not (source.strip() and target.strip() and src_lang and tgt_lang):
        return False
    try:
        from engines.translate.memory import TranslationMemory
    except ImportError:
        log.warning("No translation memory module: the correction is kept for this export")
        return False
    try:
        memory = TranslationMemory.open_default(data_dir())
        try:
            memory.add_correction(source, target, src_lang, tgt_lang)
        finally:
            memory.close()
    except Exception:
        log.exception("Could not store the correction in the translation memory")
        return False
    return True
