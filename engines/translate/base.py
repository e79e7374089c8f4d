"""The ``Translator`` interface.

Every engine translates a batch of *sentences*; wrappers (translation memory, glossary,
pivot, protected spans) implement the same interface around an inner engine.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from engines.errors import Cancelled

ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class EngineInfo:
    """Provenance of an engine, as shown in reports and the audit trail."""

    engine: str  # "ct2", "pseudo", "llm"
    model_id: str = ""
    version: str = ""
    checksum: str = ""  # manifest checksum
    demo: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class Translator(ABC):
    """Translate sentences from ``src`` to ``tgt`` (ISO 639-1 codes)."""

    @property
    @abstractmethod
    def info(self) -> EngineInfo: ...

    def supports(self, src: str, tgt: str) -> bool:
        return True

    def whole_paragraphs(self) -> bool:
        """Whether the pipeline should hand this engine whole paragraphs (models trained
        on paragraphs, which it splits itself when too long) rather than sentences."""
        return False

    @abstractmethod
    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate ``texts`` (sentences); the result has the same length and order."""

    def translate_iter(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        cancel: threading.Event | None = None,
        batch_size: int = 32,
    ) -> Iterator[str]:
        """Yield translations in order; cancel takes effect between batches."""
        for start in range(0, len(texts), batch_size):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            yield from self.translate_batch(texts[start:start + batch_size], src, tgt)

    def translate_all(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        cancel: threading.Event | None = None,
        progress: ProgressFn | None = None,
    ) -> list[str]:
        out: list[str] = []
        total = len(texts)
        for text in self.translate_iter(texts, src, tgt, cancel=cancel):
            out.append(text)
            if progress is not None and (len(out) % 8 == 0 or len(out) == total):
                progress(len(out), total)
        if cancel is not None and cancel.is_set() and len(out) < total:
            raise Cancelled()
        return out

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (optional)."""


class TranslatorWrapper(Translator):
    """Base for wrappers: delegates to ``inner`` unless overridden."""

    def __init__(self, inner: Translator) -> None:
        self.inner = inner

    @property
    def info(self) -> EngineInfo:
        return self.inner.info

    def supports(self, src: str, tgt: str) -> bool:
        return self.inner.supports(src, tgt)

    def whole_paragraphs(self) -> bool:
        return self.inner.whole_paragraphs()

    def close(self) -> None:
        self.inner.close()


CharAlignment = list[tuple[int, int, int, int]]  # (tgt_start, tgt_end, src_start, src_end)


@runtime_checkable
class Aligner(Protocol):
    """An engine that can align a translation to its source (forced attention)."""

    def align(self, sources: Sequence[str], targets: Sequence[str], src: str,
              tgt: str) -> list[CharAlignment]: ...


def find_aligner(translator: Any) -> Aligner | None:
    """The first engine in a wrapper chain (``.inner``) that can align, if any."""
    seen = 0
    while translator is not None and seen < 16:
        if callable(getattr(translator, "align", None)):
            return translator  # type: ignore[no-any-return]
        translator, seen = getattr(translator, "inner", None), seen + 1
    return None
