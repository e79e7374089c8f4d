"""Offline language detection with lingua (per document and per block)."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# The languages our users meet; restricting lingua keeps it fast and accurate.
SUPPORTED = ("en", "fr", "de", "ar", "ru", "uk", "zh", "es", "it", "pt", "nl", "pl", "fa",
             "tr", "ja", "ko", "he", "ro", "el", "cs")
_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    language: str | None
    confidence: float


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for code in SUPPORTED:
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            log.debug("lingua has no language %s", code)
    return LanguageDetectorBuilder.from_languages(*langs).build()


def detect(text: str, min_chars: int = 12) -> Detection:
    """Most likely language of ``text`` with its confidence (0..1)."""
    sample = text.strip()[:4000]
    weight = sum(3 if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" else 1
                 for c in sample if c.isalpha())
    if weight < min_chars:
        return Detection(None, 0.0)
    with _lock:
        values = _detector().compute_language_confidence_values(sample)
    if not values:
        return Detection(None, 0.0)
    best = values[0]
    return Detection(best.language.iso_code_639_1.name.lower(), float(best.value))


def detect_document(texts: list[str]) -> Detection:
    """Detect on a sample of the document's longest blocks."""
    sample = " ".join(sorted(texts, key=len, reverse=True)[:40])
    return detect(sample)
