"""Summarization: LLM map-reduce with key facts, or an extractive fallback; both checked
for language and faithfulness (numbers, links, names and units must come from the
source)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

from app.document import RUNNING_KINDS, Document, Run, TranslationStatus
from app.summarize.checks import check_key_facts, enforce_language
from app.summarize.extractive import summarize_extractive
from app.summarize.faithfulness import unsupported_facts
from app.summarize.llm_summarizer import LLMSummarizer
from app.summarize.types import SummaryOptions, SummaryResult
from engines.llm.backend import LLMBackend
from engines.remote.openai import OpenAIEngine
from engines.translate.base import Translator
from engines.translate.batch import translate_texts

log = logging.getLogger(__name__)

__all__ = ["SummaryOptions", "SummaryResult", "summarize_document"]


def source_text(doc: Document) -> str:
    return "\n".join(b.text for b in doc.blocks
                     if b.text.strip() and b.kind not in RUNNING_KINDS)


def summarize_document(
    doc: Document,
    options: SummaryOptions,
    llm: LLMBackend | None = None,
    translator: Translator | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[float, str], None] | None = None,
    on_text: Callable[[str], None] | None = None,
    window: int = 4096,
) -> SummaryResult:
    """Summarize with ``llm`` when given, else extractively (no model needed).

    With ``options.basis == "translation"`` the document's translation is summarized (in
    the target language); else the source is, and the summary translated when needed."""
    basis = ""
    if any(b.translation.status is TranslationStatus.TRANSLATED for b in doc.blocks):
        basis = options.basis
        if basis == "translation":
            doc = translated_view(doc, options.lang)
    source = source_text(doc)
    src_lang = doc.meta.language or "en"
    if llm is not None:
        summarizer = LLMSummarizer(llm, options, cancel, progress, on_text, window)
        text = summarizer.summarize(doc)
        result = SummaryResult(
            text=text, engine="llm", language=options.lang, model_id=llm.info.model_id,
            demo=llm.info.demo, chunks=summarizer.trace.chunks,
            reduce_rounds=summarizer.trace.reduce_rounds,
            context_length=summarizer.window,
        )
        if isinstance(llm, OpenAIEngine):
            result.server = llm.provenance()
        enforce_language(result, options.lang, summarizer.rewrite_in_language,
                         translator if translator is not None and src_lang != options.lang
                         else None, cancel)
        if options.key_facts:
            facts, warning = summarizer.key_facts(source)
            result.key_facts = facts
            if warning:
                result.warnings.append(warning)
        result.max_prompt_tokens = max(summarizer.trace.prompt_tokens, default=0)
        if summarizer.trace.condensed:
            parts, kept = summarizer.trace.condensed
            result.warnings.append(
                f"Long document ({parts} parts of the model's context): the model read its "
                f"{kept} most representative sentences, section by section, not every line.")
        if llm.info.demo:
            result.warnings.append(
                f"{llm.info.model_id} is a DEMO-quality model: verify the summary.")
    else:
        if progress is not None:
            progress(0.1, "Ranking sentences")
        text = summarize_extractive(doc, options.length, bullets=options.style == "bullets")
        result = SummaryResult(text=text, engine="extractive", language=src_lang)
        if options.lang != src_lang:
            if translator is not None:
                if progress is not None:
                    progress(0.5, "Translating the summary")
                out = translate_texts(translator, [text], src_lang, options.lang, cancel=cancel)
                if out[0].ok:
                    result.text, result.language = out[0].text, options.lang
                    result.model_id, result.translated = translator.info.model_id, True
            if result.language != options.lang:
                result.warnings.append(
                    f"Extractive summary left in {src_lang}: no {src_lang}→{options.lang} "
                    "translation model is installed.")
        if on_text is not None:
            on_text(result.text)
    same_language = result.language == src_lang
    result.unsupported = unsupported_facts(result.text, source, same_language)
    if result.key_facts:
        facts, unsupported, warnings = check_key_facts(result.key_facts, source, same_language)
        result.key_facts = facts
        result.unsupported += unsupported
        result.warnings += warnings
    if result.unsupported:
        result.warnings.append(
            f"{len(result.unsupported)} item(s) of the summary (numbers, names, links, "
            "units) are not found in the source: they are listed, check them.")
    result.basis = basis
    if progress is not None:
        progress(1.0, "Summary ready")
    return result


def translated_view(doc: Document, lang: str) -> Document:
    """A copy of ``doc`` whose blocks read as their translation (source where none)."""
    blocks = [dataclasses.replace(b, runs=[Run(b.output_text)]) for b in doc.blocks]
    meta = dataclasses.replace(doc.meta, language=lang)
    return dataclasses.replace(doc, meta=meta, blocks=blocks)
