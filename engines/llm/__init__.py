"""Local LLM: CTranslate2 Generator over converted models, chat templates, streaming."""

from engines.llm.chat import ChatFormatter, Message
from engines.llm.generator import ContextOverflow, GenerationOptions, LLMEngine

__all__ = ["ChatFormatter", "ContextOverflow", "GenerationOptions", "LLMEngine", "Message"]
