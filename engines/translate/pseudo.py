"""Pseudo-localization: a deterministic fake translation for layout and fidelity tests.

Letters get accents, the text grows by about 30 %, and protected spans (numbers,
dates, codes, URLs, acronyms) are kept verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from engines.protect import find_spans
from engines.translate.base import EngineInfo, Translator

_ACCENTS = str.maketrans(
    "aceinoudyszACEINOUDYSZ",
    "àçéîñöûđýšžÀÇÉÎÑÖÛĐÝŠŽ",
)
GROWTH = 0.30


def pseudo_localize(text: str) -> str:
    if not text.strip():
        return text
    out: list[str] = []
    pos = 0
    for span in find_spans(text):
        out.append(text[pos:span.start].translate(_ACCENTS))
        out.append(span.text)
        pos = span.end
    out.append(text[pos:].translate(_ACCENTS))
    body = "".join(out)
    pad = max(1, math.ceil(len(text) * GROWTH) - 2)
    return f"[{body} {'~' * (pad - 1)}]" if pad > 1 else f"[{body}]"


class PseudoTranslator(Translator):
    """Always available, for every pair."""

    _info = EngineInfo(engine="pseudo", model_id="pseudo", version="1")

    @property
    def info(self) -> EngineInfo:
        return self._info

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [pseudo_localize(t) for t in texts]
