"""Prompted translation through a local LLM, for pairs that no NMT model serves.

The glossary goes into the prompt and is verified on the output; numbers and codes are
checked by the fidelity report like for every engine.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence

from engines.errors import Cancelled
from engines.llm import GenerationOptions, Message
from engines.llm.backend import LLMBackend
from engines.llm.languages import language_name
from engines.translate.base import EngineInfo, Translator
from engines.translate.glossary import Glossary, prompt_terms, verify

log = logging.getLogger(__name__)

BATCH = 4
_LABEL = re.compile(r"^\s*(?:translation|traduction|output)\s*:\s*", re.I)


def _system(src: str, tgt: str) -> str:
    return (f"You are a professional translator. Translate the user's text from "
            f"{language_name(src)} to {language_name(tgt)}. Reply with the translation only, "
            "without notes. Keep numbers, dates, codes, names and acronyms exactly as written.")


def clean_output(text: str) -> str:
    """Strip what chat models add around a translation (labels, quotes, extra lines)."""
    text = _LABEL.sub("", text.strip())
    pairs = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“"}
    if len(text) >= 2 and pairs.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text.strip()


class LLMTranslator(Translator):
    """Translate sentence by sentence with the model's chat template (greedy decoding)."""

    def __init__(self, engine: LLMBackend, glossary: Glossary | None = None) -> None:
        self.engine = engine
        self.glossary = glossary
        self.missing_terms: list[str] = []
        self._info = EngineInfo("llm", engine.info.model_id, "", "", engine.info.demo)

    @property
    def info(self) -> EngineInfo:
        return self._info

    def _messages(self, text: str, src: str, tgt: str) -> list[Message]:
        system = _system(src, tgt)
        if self.glossary is not None:
            terms = prompt_terms(self.glossary, text, src, tgt)
            if terms:
                system = f"{system}\n{terms}"
        return [Message("system", system), Message("user", text)]

    def _options(self, text: str) -> GenerationOptions:
        budget = min(768, 3 * self.engine.count_tokens(text) + 24)
        return GenerationOptions(max_new_tokens=budget, repetition_penalty=1.05,
                                 no_repeat_ngram_size=8)

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return list(self.translate_iter(texts, src, tgt))

    def translate_iter(self, texts: Sequence[str], src: str, tgt: str,
                       cancel: threading.Event | None = None, batch_size: int = BATCH
                       ) -> Iterator[str]:
        for start in range(0, len(texts), batch_size):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            chunk = list(texts[start:start + batch_size])
            longest = max(chunk, key=len)
            outputs = self.engine.generate_many(
                [self._messages(t, src, tgt) for t in chunk], self._options(longest), cancel)
            for source, output in zip(chunk, outputs, strict=True):
                translated = clean_output(output)
                if self.glossary is not None:
                    _applied, missing = verify(self.glossary, source, translated, src, tgt)
                    if missing:
                        log.warning("LLM output misses glossary terms: %s", ", ".join(missing))
                        self.missing_terms.extend(missing)
                yield translated
