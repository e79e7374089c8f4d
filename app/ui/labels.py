"""User-facing names of engines and languages (translated at call time)."""

from __future__ import annotations

from app.pipeline.fidelity import KIND_LABELS
from app.ui.qt import QCoreApplication

DEMO_ENGINES = ("llm",)  # the small demo LLM is always labelled "demo quality"


def engine_label(engine: str) -> str:
    labels = {
        "auto": QCoreApplication.translate("Engines", "Automatic (installed models)"),
        "ct2": QCoreApplication.translate("Engines", "Installed translation model"),
        "pseudo": QCoreApplication.translate("Engines", "Pseudo preview (layout test)"),
        "llm": QCoreApplication.translate("Engines", "LLM (demo quality)"),
    }
    kind, sep, name = engine.partition(":")
    if sep and kind in ("openai", "libretranslate"):
        template = (QCoreApplication.translate("Engines", "Intranet LLM server %1")
                    if kind == "openai" else
                    QCoreApplication.translate("Engines", "Intranet LibreTranslate %1"))
        return template.replace("%1", name)
    return labels.get(engine, engine)


def demo_suffix() -> str:
    return QCoreApplication.translate("Engines", " (demo quality)")


def with_demo_badge(label: str, demo: bool) -> str:
    if demo and demo_suffix().strip(" ()").lower() not in label.lower():
        return label + demo_suffix()
    return label


LANGUAGE_CODES = ("en", "fr", "de", "es", "it", "pt", "nl", "ar", "ru", "uk", "zh", "fa")


def language_label(code: str) -> str:
    names = {
        "en": QCoreApplication.translate("Languages", "English"),
        "fr": QCoreApplication.translate("Languages", "French"),
        "de": QCoreApplication.translate("Languages", "German"),
        "es": QCoreApplication.translate("Languages", "Spanish"),
        "it": QCoreApplication.translate("Languages", "Italian"),
        "pt": QCoreApplication.translate("Languages", "Portuguese"),
        "nl": QCoreApplication.translate("Languages", "Dutch"),
        "ar": QCoreApplication.translate("Languages", "Arabic"),
        "ru": QCoreApplication.translate("Languages", "Russian"),
        "uk": QCoreApplication.translate("Languages", "Ukrainian"),
        "zh": QCoreApplication.translate("Languages", "Chinese"),
        "fa": QCoreApplication.translate("Languages", "Persian"),
    }
    return f"{names.get(code, code)} ({code})"


def kind_label(kind: str) -> str:
    """The fidelity issue kind in words, in the UI language (lupdate sees each literal)."""
    labels = {
        "untranslated": QCoreApplication.translate("Fidelity", "not translated"),
        "unreadable": QCoreApplication.translate("Fidelity", "unreadable text"),
        "unread": QCoreApplication.translate("Fidelity", "page not read"),
        "language": QCoreApplication.translate("Fidelity", "no model for its language"),
        "numbers": QCoreApplication.translate("Fidelity", "numbers or dates lost or changed"),
        "markup": QCoreApplication.translate("Fidelity", "markup debris"),
        "length": QCoreApplication.translate("Fidelity", "length out of bounds"),
        "repetition": QCoreApplication.translate("Fidelity", "repeated words or characters"),
        "coverage": QCoreApplication.translate("Fidelity", "sentence missing"),
        "identical": QCoreApplication.translate("Fidelity", "left untranslated (identical)"),
        "styles": QCoreApplication.translate("Fidelity", "styled spans"),
        "overflow": QCoreApplication.translate("Fidelity", "text overflow"),
        "typeset": QCoreApplication.translate("Fidelity", "typesetting"),
        "protected": QCoreApplication.translate("Fidelity", "protected span restored"),
        "debris": QCoreApplication.translate("Fidelity", "debris repaired"),
        "pages": QCoreApplication.translate("Fidelity", "page count"),
        "ocr": QCoreApplication.translate("Fidelity", "read by OCR with low confidence"),
        "ocr-number": QCoreApplication.translate("Fidelity",
                                                 "numbers read by OCR with low confidence"),
    }
    return labels.get(kind, KIND_LABELS.get(kind, kind))
