"""English names of language codes, for prompts."""

from __future__ import annotations

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "ar": "Arabic", "ru": "Russian",
    "uk": "Ukrainian", "zh": "Chinese", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "fa": "Persian", "tr": "Turkish", "ja": "Japanese",
    "ko": "Korean", "he": "Hebrew", "ro": "Romanian", "el": "Greek", "cs": "Czech",
}


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get((code or "en").lower(), code or "English")
