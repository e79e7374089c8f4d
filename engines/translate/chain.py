"""Compose the wrappers around an engine, in the one order that works.

    memory( glossary( protected_spans( engine ) ) )

- The translation memory is outermost: a known sentence costs nothing, and the user's
  corrections (keyed by the sentence they saw) win.  Its model key includes a
  fingerprint of the glossary, so changing the glossary invalidates machine entries.
- The glossary masks its terms before the protected spans do, so a term that looks
  like an acronym (``OTAN`` → ``NATO``) is substituted rather than kept verbatim.
- Protected spans are verified right after the engine (or a pivot pair of engines),
  and the damaged ones repaired (:mod:`engines.translate.protected`).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from engines.translate.base import Translator
from engines.translate.glossary import Glossary, GlossaryTranslator
from engines.translate.memory import MemoryTranslator, TranslationMemory, engine_key
from engines.translate.protected import ProtectedSpans

log = logging.getLogger(__name__)


def glossary_fingerprint(glossary: Glossary | None) -> str:
    if glossary is None or not len(glossary):
        return ""
    h = hashlib.sha256()
    for t in sorted(glossary.terms, key=lambda t: (t.source, t.target, t.src_lang, t.tgt_lang)):
        h.update("\x1f".join((t.source, t.target, t.src_lang, t.tgt_lang)).encode() + b"\x1e")
    return h.hexdigest()[:12]


def model_key(engine: Translator, glossary: Glossary | None = None) -> str:
    """The memory key: the engine's (model, checksum, decoding settings), the glossary."""
    key = engine_key(engine.info)
    fp = glossary_fingerprint(glossary)
    return f"{key}:g={fp}" if fp else key


def build_chain(engine: Translator, memory: TranslationMemory | None = None,
                glossary: Glossary | None = None, protect: bool = True,
                protect_mode: str = "verify") -> Translator:
    """Wrap ``engine`` with protected spans, the glossary and the memory (each optional);
    ``protect_mode="mask"`` masks every span up front (the former way, for comparison)."""
    chain: Translator = engine
    if protect:
        chain = ProtectedSpans(chain, mode=protect_mode)
    if glossary is not None and len(glossary):
        chain = GlossaryTranslator(chain, glossary)
    if memory is not None:
        key = model_key(engine, glossary) + (":p=mask" if protect_mode == "mask" else "")
        chain = MemoryTranslator(chain, memory, key)
    return chain


def load_glossary(path: Path | None) -> Glossary | None:
    return Glossary.load(path) if path is not None else None
