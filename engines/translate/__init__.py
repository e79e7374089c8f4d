"""Translation engines behind one small interface, and wrappers that compose."""

from engines.translate.base import EngineInfo, Translator, TranslatorWrapper

__all__ = ["EngineInfo", "Translator", "TranslatorWrapper"]
