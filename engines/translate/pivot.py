"""Pivot through English when no direct model serves a pair: src → en → tgt."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import Indexed, Unordered, collect, stream

log = logging.getLogger(__name__)

PIVOT = "en"


class PivotTranslator(Unordered):
    """Chain two engines through a pivot language (English by default).

    It has no ``inner``: an aligner found in the first engine would align against the
    pivot text, not the final translation.
    """

    def __init__(self, first: Translator, second: Translator, pivot: str = PIVOT) -> None:
        self.first = first
        self.second = second
        self.pivot = pivot
        a, b = first.info, second.info
        self._info = EngineInfo(
            engine=a.engine if a.engine == b.engine else f"{a.engine}+{b.engine}",
            model_id=f"{a.model_id}+{b.model_id}", version=a.version,
            checksum=f"{a.checksum}+{b.checksum}" if a.checksum or b.checksum else "",
            demo=a.demo or b.demo, extra={"pivot": pivot},
        )

    @property
    def info(self) -> EngineInfo:
        return self._info

    def supports(self, src: str, tgt: str) -> bool:
        return self.first.supports(src, self.pivot) and self.second.supports(self.pivot, tgt)

    def whole_paragraphs(self) -> bool:
        return self.first.whole_paragraphs() and self.second.whole_paragraphs()

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        if src == self.pivot:
            yield from stream(self.second, texts, src, tgt, cancel)
            return
        middle = collect(self.first, texts, src, self.pivot, cancel)
        if tgt == self.pivot:
            yield from enumerate(middle)
            return
        log.debug("Pivot %s→%s→%s: %d sentences", src, self.pivot, tgt, len(texts))
        yield from stream(self.second, middle, self.pivot, tgt, cancel)

    def close(self) -> None:
        self.first.close()
        self.second.close()
