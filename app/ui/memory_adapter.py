"""Seam to the translation memory (``engines.translate.memory``).

A reviewer's correction is stored as user entries, which win over machine output for
every model, so the next job reuses them.  A correction of a block of several
sentences is stored sentence by sentence (source and correction split into as many
sentences, paired in order) as well as whole, so a sentence met again in another
paragraph is served the correction; when the two sides split differently the
correction is stored for the whole block only.  If the memory cannot be opened the
edit still reaches the export; only the reuse is lost, and the log says so.
"""

from __future__ import annotations

import logging

from app.core.config import data_dir
from engines.segment import split_sentences
from engines.translate.memory import TranslationMemory

log = logging.getLogger(__name__)


def correction_pairs(source: str, target: str, src_lang: str,
                     tgt_lang: str) -> list[tuple[str, str]]:
    """(source, correction) entries to store: the whole block, then each sentence pair
    when source and correction have the same number of sentences (two or more)."""
    pairs = [(source.strip(), target.strip())]
    s_segs, t_segs = split_sentences(source, src_lang), split_sentences(target, tgt_lang)
    if len(s_segs) >= 2 and len(s_segs) == len(t_segs):
        pairs += [(s.text, t.text) for s, t in zip(s_segs, t_segs, strict=True)]
    elif len(s_segs) >= 2:
        log.info("Correction of %d sentences written as %d: stored for the whole block",
                 len(s_segs), len(t_segs))
    return pairs


def record_correction(source: str, target: str, src_lang: str, tgt_lang: str) -> bool:
    """Store a correction with priority; False when it could not be stored."""
    if not (source.strip() and target.strip() and src_lang and tgt_lang):
        return False
    try:
        memory = TranslationMemory.open_default(data_dir())
        try:
            for s, t in correction_pairs(source, target, src_lang, tgt_lang):
                memory.add_correction(s, t, src_lang, tgt_lang)
        finally:
            memory.close()
    except Exception:
        log.exception("Could not store the correction in the translation memory")
        return False
    return True
