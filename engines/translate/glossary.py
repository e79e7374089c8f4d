"""Glossary: imposed source → target terms, per language pair.

The CSV has a header ``source,target`` and optionally ``src_lang,tgt_lang`` (a row with
no languages applies to every pair).  For NMT, :class:`GlossaryTranslator` masks each
term with a placeholder and substitutes the target term after translation.  For LLM
translation, :func:`prompt_terms` renders the terms for the prompt and :func:`verify`
checks that the output used them.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engines.errors import EngineError
from engines.translate.base import Translator
from engines.translate.batch import Indexed, SentenceNotes, StreamingWrapper, stream
from engines.translate.protected import Placeholders

log = logging.getLogger(__name__)


class GlossaryError(EngineError):
    """The glossary file cannot be read."""


@dataclass(frozen=True)
class Term:
    source: str
    target: str
    src_lang: str = ""  # "" = any
    tgt_lang: str = ""

    def serves(self, src: str, tgt: str) -> bool:
        return self.src_lang in ("", src) and self.tgt_lang in ("", tgt)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: Term
    replacement: str  # the target term, capitalised like the match


class Glossary:
    """A list of terms with a matcher per language pair."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = [t for t in terms if t.source.strip() and t.target.strip()]

    def __len__(self) -> int:
        return len(self.terms)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        try:
            with Path(path).open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise GlossaryError(f"Cannot read the glossary {path}: {exc}") from exc
        if rows and not {"source", "target"} <= set(rows[0]):
            raise GlossaryError(f"The glossary {path} needs the columns source,target "
                                f"(optionally src_lang,tgt_lang)")
        terms = [Term((r.get("source") or "").strip(), (r.get("target") or "").strip(),
                      (r.get("src_lang") or "").strip().lower(),
                      (r.get("tgt_lang") or "").strip().lower()) for r in rows]
        glossary = cls(terms)
        log.info("Glossary %s: %d terms", path, len(glossary))
        return glossary

    def for_pair(self, src: str, tgt: str) -> list[Term]:
        return [t for t in self.terms if t.serves(src, tgt)]

    def find(self, text: str, src: str, tgt: str) -> list[Match]:
        """Non-overlapping term occurrences, longest terms first, case-insensitive."""
        pattern, by_key = self._matcher(src, tgt)
        if pattern is None:
            return []
        out: list[Match] = []
        for m in pattern.finditer(text):
            term = by_key[m.group(0).casefold()]
            out.append(Match(m.start(), m.end(), term, _same_case(m.group(0), term)))
        return out

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one glossary per job, few pairs
    def _matcher(self, src: str, tgt: str) -> tuple[re.Pattern[str] | None, dict[str, Term]]:
        terms = sorted(self.for_pair(src, tgt), key=lambda t: len(t.source), reverse=True)
        if not terms:
            return None, {}
        by_key: dict[str, Term] = {}
        for t in terms:
            by_key.setdefault(t.source.casefold(), t)
        alternatives = "|".join(re.escape(t.source) for t in terms)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), by_key


def _same_case(found: str, term: Term) -> str:
    """The target term, capitalised when the source occurrence is and the term is not."""
    target = term.target
    if found[:1].isupper() and not term.source[:1].isupper():
        return target[:1].upper() + target[1:]
    return target


class GlossaryTranslator(StreamingWrapper):
    """Impose glossary terms on an NMT engine: mask each term, substitute its target."""

    def __init__(self, inner: Translator, glossary: Glossary) -> None:
        super().__init__(inner)
        self.glossary = glossary

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        self._notes = {}
        matches = [self.glossary.find(t, src, tgt) for t in texts]
        masks = [Placeholders.mask(t, [(m.start, m.end, m.replacement) for m in ms])
                 for t, ms in zip(texts, matches, strict=True)]
        inner_texts = [m.text for m in masks]
        for i, out in stream(self.inner, inner_texts, src, tgt, cancel):
            restored, lost = masks[i].restore(out)
            applied = [m.term.source for m in matches[i]]
            if lost:
                log.info("Glossary placeholder(s) lost by the engine, re-inserted: %s", lost)
            self._note(texts[i], SentenceNotes(glossary_applied=applied, glossary_missing=lost),
                       inner_texts[i])
            yield i, restored


# --- LLM translation -----------------------------------------------------------------

def prompt_terms(glossary: Glossary, text: str, src: str, tgt: str) -> str:
    """The glossary lines an LLM prompt needs for ``text`` ("" when no term occurs)."""
    found = dict.fromkeys(m.term for m in glossary.find(text, src, tgt))
    if not found:
        return ""
    lines = [f"- {t.source} → {t.target}" for t in found]
    return "Translate these terms exactly as given:\n" + "\n".join(lines)


def verify(glossary: Glossary, source: str, output: str, src: str,
           tgt: str) -> tuple[list[str], list[str]]:
    """(terms applied, terms missing): which target terms an LLM output contains."""
    applied: list[str] = []
    missing: list[str] = []
    folded = output.casefold()
    for term in dict.fromkeys(m.term for m in glossary.find(source, src, tgt)):
        (applied if term.target.casefold() in folded else missing).append(term.source)
    return applied, missing
