"""Checks run on every summary: the language it is written in, and key facts.

* Language: detected with lingua (:mod:`engines.langdetect`).  A summary in the wrong
  language is re-prompted once with a stronger instruction, then translated by the NMT
  engine when one is installed, else flagged plainly ("summary is in French, not
  English").
* Key facts: each value is checked like the summary (numbers, links, names, units); a
  field whose values are bare digits with no context ("who: 2; 1") says nothing checkable
  and is dropped with a warning.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from app.summarize.faithfulness import unsupported_facts
from app.summarize.keyfacts import FIELD_LABELS
from app.summarize.types import SummaryResult, Unsupported, language_name
from engines.langdetect import detect
from engines.translate.base import Translator
from engines.translate.batch import translate_texts

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.5
_BARE = re.compile(r"^[\s\d.,;:/+-]*$")


def detected_language(text: str) -> str | None:
    """The language ``text`` is written in, or None when too short or unsure."""
    found = detect(text)
    return found.language if found.confidence >= MIN_CONFIDENCE else None


def wrong_language(text: str, wanted: str) -> str | None:
    """The language ``text`` is in when it is not ``wanted`` (None: right, or unsure)."""
    lang = detected_language(text)
    return lang if lang is not None and lang != wanted.split("-")[0] else None


def enforce_language(result: SummaryResult, wanted: str,
                     rewrite: Callable[[str], str] | None,
                     translator: Translator | None,
                     cancel: threading.Event | None = None) -> None:
    """Make ``result.text`` be in ``wanted``: re-prompt, then translate, else flag."""
    found = wrong_language(result.text, wanted)
    if found is None:
        return
    log.warning("Summary came back in %s instead of %s", found, wanted)
    if rewrite is not None:
        again = rewrite(result.text)
        if again.strip() and wrong_language(again, wanted) is None:
            result.text = again
            result.warnings.append(
                f"The model first answered in {language_name(found)}; it was asked again "
                f"to write in {language_name(wanted)}.")
            return
        found = wrong_language(again, wanted) or found
    if translator is not None and translator.supports(found, wanted):
        out = translate_texts(translator, [result.text], found, wanted, cancel=cancel)
        if out[0].ok and wrong_language(out[0].text, wanted) is None:
            result.text, result.translated = out[0].text, True
            result.warnings.append(
                f"The model answered in {language_name(found)}: the summary was translated "
                f"into {language_name(wanted)} by {translator.info.model_id}.")
            return
    result.language = found
    result.warnings.insert(0, f"Summary is in {language_name(found)}, not "
                              f"{language_name(wanted)}: the model did not follow the "
                              "instruction and no translation model is installed for it.")


def check_key_facts(facts: dict[str, list[str]], source: str, same_language: bool
                    ) -> tuple[dict[str, list[str]], list[Unsupported], list[str]]:
    """(facts kept, values not found in the source, warnings)."""
    kept: dict[str, list[str]] = {}
    unsupported: list[Unsupported] = []
    warnings: list[str] = []
    for field, values in facts.items():
        bare = [v for v in values if _BARE.match(v)]
        if values and len(bare) == len(values):
            warnings.append(f"Key fact '{FIELD_LABELS.get(field, field)}' dropped: its values "
                            f"({'; '.join(values)}) are bare numbers with no context.")
            kept[field] = []
            continue
        kept[field] = [v for v in values if not _BARE.match(v)]
        for value in kept[field]:
            for u in unsupported_facts(value, source, same_language):
                unsupported.append(Unsupported(
                    u.text, f"key fact {FIELD_LABELS.get(field, field)}: {value}", u.kind))
    return kept, unsupported, warnings
