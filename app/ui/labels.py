"""User-facing names of engines and languages (translated at call time)."""

from __future__ import annotations

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
