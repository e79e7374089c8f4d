"""Translate many texts (blocks) efficiently and robustly.

All sentences of all blocks are collected, deduplicated and handed to the engine in
one stream (engines sort by length and batch by tokens).  A failure is isolated to
the sentences that caused it: those blocks are reported, the rest is translated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engines.errors import Cancelled
from engines.segment import Segment, join_segments, split_sentences
from engines.translate.base import Translator

log = logging.getLogger(__name__)


@dataclass
class TextResult:
    text: str
    ok: bool = True
    error: str = ""
    sentences: int = 0
    lost_spans: list[str] = field(default_factory=list)


def _isolate(translator: Translator, sentences: list[str], src: str, tgt: str,
             cancel: threading.Event | None) -> dict[str, str | Exception]:
    """Translate one by one, so that a bad sentence fails alone."""
    out: dict[str, str | Exception] = {}
    for s in sentences:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            out[s] = translator.translate_batch([s], src, tgt)[0]
        except Cancelled:
            raise
        except Exception as exc:  # engine failure on this sentence only
            log.warning("Sentence failed to translate: %s", exc)
            out[s] = exc
    return out


def translate_texts(
    translator: Translator,
    texts: Sequence[str],
    src: str,
    tgt: str,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[TextResult]:
    """Translate each text sentence by sentence; whitespace and line breaks are kept."""
    segmented: list[list[Segment]] = [split_sentences(t, src) for t in texts]
    unique: list[str] = list(dict.fromkeys(s.text for segs in segmented for s in segs))
    log.info("%d texts, %d sentences (%d unique)", len(texts),
             sum(len(s) for s in segmented), len(unique))
    translated: dict[str, str | Exception] = {}
    try:
        for sentence, result in zip(unique, translator.translate_all(
                unique, src, tgt, cancel=cancel, progress=progress), strict=True):
            translated[sentence] = result
    except Cancelled:
        raise
    except Exception as exc:
        log.warning("Batch translation failed (%s); isolating the failing sentences", exc)
        translated = _isolate(translator, unique, src, tgt, cancel)
        if progress is not None:
            progress(len(unique), len(unique))
    results: list[TextResult] = []
    for text, segs in zip(texts, segmented, strict=True):
        if not segs:
            results.append(TextResult(text, ok=True, sentences=0))
            continue
        outs = [translated[s.text] for s in segs]
        errors = [o for o in outs if isinstance(o, Exception)]
        if errors:
            results.append(TextResult(text, ok=False, error=str(errors[0]), sentences=len(segs)))
            continue
        results.append(TextResult(join_segments(segs, [str(o) for o in outs]),
                                  sentences=len(segs)))
    return results
