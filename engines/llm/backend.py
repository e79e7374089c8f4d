"""What summaries and LLM translation need from an LLM: a local CTranslate2 model
(:class:`~engines.llm.generator.LLMEngine`) or an OpenAI-compatible intranet server
(:class:`~engines.remote.openai.OpenAIEngine`) both provide it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from engines.llm.chat import Message
from engines.llm.generator import GenerationOptions, LLMInfo


class TextTokenizer(Protocol):
    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


class LLMBackend(Protocol):
    @property
    def info(self) -> LLMInfo: ...

    @property
    def context_length(self) -> int: ...

    @property
    def tokenizer(self) -> Any: ...

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: Sequence[Message], prefix: str = "") -> list[Any]: ...

    def budget(self, prompt_len: int, wanted: int) -> int: ...

    def stream(self, messages: Sequence[Message], options: GenerationOptions | None = None,
               cancel: threading.Event | None = None, prefix: str = "") -> Iterator[str]: ...

    def generate(self, messages: Sequence[Message], options: GenerationOptions | None = None,
                 cancel: threading.Event | None = None,
                 on_text: Callable[[str], None] | None = None, prefix: str = "") -> str: ...

    def generate_many(self, prompts: Sequence[Sequence[Message]],
                      options: GenerationOptions | None = None,
                      cancel: threading.Event | None = None,
                      on_done: Callable[[int], None] | None = None) -> list[str]: ...

    def close(self) -> None: ...
