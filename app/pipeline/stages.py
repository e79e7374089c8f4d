"""The stages of the translation pipeline (see :mod:`app.pipeline.job`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import ConfigError, NeedsOCR
from app.core.output import write_atomic
from app.document import TranslationStatus
from app.formats.ocr_reader import OcrOptions
from app.formats.registry import default_output_format, read_document, writer_for
from app.pipeline.align import ProjectStylesStage, TagPlan, find_aligner
from app.pipeline.base import Job, Stage
from app.pipeline.engine_select import make_translator, with_chain
from app.pipeline.fidelity import check, coverage_from, sentence_coverage
from engines.errors import ModelNotFound
from engines.importers import guess_pair
from engines.langdetect import detect, detect_document
from engines.translate.base import Translator

log = logging.getLogger(__name__)

_NOTHING_TO_TRANSLATE = re.compile(r"^[\W\d_]*$", re.UNICODE)
# Blocks that the readers flag as not to be translated, and why (they stay as they are).
_KEPT_FLAGS = {"page_number": "page number", "unreadable": "unreadable text (broken font encoding)"}


@dataclass
class ExtractStage:
    name: str = "extract"
    weight: float = 1.0

    def process(self, job: Job) -> None:
        job.report(0.0, f"Reading {job.config.input.name}")
        cfg = job.config
        ocr = OcrOptions(lang=cfg.source_lang, redo_ocr=cfg.ocr_redo,
                         tessdata=str(cfg.tessdata) if cfg.tessdata else None)
        job.document = read_document(cfg.input, password=cfg.password, progress=job.report,
                                     cancel=job.cancel, ocr=ocr)
        job.document.target_language = job.config.target_lang


@dataclass
class DetectLanguageStage:
    name: str = "detect"
    weight: float = 0.5

    def process(self, job: Job) -> None:
        doc = job.doc
        if not any(b.text.strip() for b in doc.blocks):
            if doc.meta.scanned_pages:
                raise NeedsOCR(
                    f"This PDF has no text layer ({len(doc.meta.scanned_pages)} scanned "
                    "page(s)): it needs OCR, and OCR found no text on them: are they blank, "
                    "faint or too small? (Scan at 300 dpi.)")
            doc.warnings.append("The document contains no text to translate.")
            doc.meta.language = job.config.source_lang
            return
        if job.config.source_lang:  # the user said so: trust it for every block
            doc.meta.language, doc.meta.language_confidence = job.config.source_lang, 1.0
            for b in doc.blocks:
                b.language = job.config.source_lang
            return
        else:
            found = detect_document([b.text for b in doc.blocks])
            doc.meta.language, doc.meta.language_confidence = found.language, found.confidence
            if found.language is None:
                raise ConfigError("Could not detect the source language.",
                                  hints=("source_language",))
            log.info("Detected %s (%.2f)", found.language, found.confidence)
        for b in doc.blocks:
            if len(b.text) >= 40:
                d = detect(b.text)
                b.language = d.language if d.confidence >= 0.8 else doc.meta.language
            else:
                b.language = doc.meta.language


@dataclass
class TranslateStage:
    name: str = "translate"
    weight: float = 8.0

    def process(self, job: Job) -> None:
        from engines.translate.batch import translate_texts

        doc = job.doc
        tgt = job.config.target_lang
        if job.translator is None:
            if job.translator_factory is None:
                raise ConfigError("No translation engine configured.")
            job.report(0.0, "Loading the translation model")
            job.translator = job.translator_factory(job)
        groups: dict[str, list] = {}  # type: ignore[type-arg]
        for b in doc.blocks:
            if "unreadable" in b.flags:  # left as it is, and reported as NOT translated
                b.translation.status = TranslationStatus.FAILED
                b.translation.reason = _KEPT_FLAGS["unreadable"]
                continue
            kept = next((f for f in b.flags if f in _KEPT_FLAGS), None)
            if kept or _NOTHING_TO_TRANSLATE.match(b.text) or (b.language or "") == tgt:
                reason = (_KEPT_FLAGS[kept] if kept
                          else "already in the target language" if (b.language or "") == tgt
                          else "no words to translate")
                b.translation.status = TranslationStatus.SKIPPED
                b.translation.reason = reason
                continue
            groups.setdefault(b.language or doc.meta.language or "en", []).append(b)
        total = sum(len(g) for g in groups.values()) or 1
        done = 0
        engines = LanguageEngines(job)
        for src, blocks in groups.items():
            translator, why_not = engines.get(src, tgt)
            if translator is None:
                for b in blocks:
                    b.translation.status, b.translation.reason = TranslationStatus.FAILED, why_not
                done += len(blocks)
                continue
            def progress(n: int, of: int, _done: int = done, _count: int = len(blocks),
                         _src: str = src) -> None:
                job.report((_done + _count * n / max(of, 1)) / total,
                           f"Translating {_src}→{tgt}: {n}/{of} sentences")

            tags = TagPlan.for_blocks(blocks, translator)  # styled spans wrapped in markers
            results = translate_texts(translator, tags.texts(blocks), src, tgt,
                                      cancel=job.cancel, progress=progress)
            for b, r in zip(blocks, results, strict=True):
                t = b.translation
                t.engine = translator.info.engine
                if r.ok:
                    t.text, t.status = r.text, TranslationStatus.TRANSLATED
                    tags.finish(b)
                    b.flags += r.flags()  # spans repaired, debris removed, text split
                else:
                    t.status, t.reason = TranslationStatus.FAILED, r.error
            done += len(blocks)
        engines.close()
        job.check_cancel()


class LanguageEngines:
    """The engine for each source language met in a document.  The job's engine serves
    the document's language; a block detected in a third language goes to an engine
    that supports it: the same one when it is multilingual (pseudo, LLM, NLLB-200 or
    M2M-100 from the store), else an installed model for that language (or a pivot
    through English).  When there is none, the blocks are reported as not translated."""

    MULTILINGUAL = ("pseudo", "llm")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.extra: dict[str, Translator] = {}

    def get(self, src: str, tgt: str) -> tuple[Translator | None, str]:
        """(engine, "") or (None, why not)."""
        job, main = self.job, self.job.translator
        assert main is not None
        why_not = f"no model for {src}→{tgt} (block detected as {src})"
        folder = Path(job.config.model) if job.config.model else None
        pair = guess_pair(folder.name) if folder is not None and folder.is_dir() else None
        if pair is not None:  # a model folder named for its pair (opus-mt-fr-en…)
            return (main, "") if pair == (src, tgt) else (None, why_not + ": the model "
                                                          f"given translates {pair[0]}→{pair[1]}")
        if src == (job.doc.meta.language or src):
            return main, ""
        if not main.supports(src, tgt):
            return None, why_not
        if main.info.engine in self.MULTILINGUAL:
            return main, ""
        if folder is not None and folder.is_dir():  # a folder of unknown languages
            return None, why_not + f": the model given serves {job.doc.meta.language}"
        if src not in self.extra:
            try:
                self.extra[src] = with_chain(make_translator(job.config, src), job.config)
            except ModelNotFound as exc:
                log.warning("Blocks in %s left untranslated: %s", src, exc)
                return None, why_not
        return self.extra[src], ""

    def close(self) -> None:
        for engine in self.extra.values():
            engine.close()
        self.extra.clear()


@dataclass
class FidelityStage:
    name: str = "verify"
    weight: float = 0.2

    def process(self, job: Job) -> None:
        aligner = find_aligner(job.translator)
        if aligner is not None:  # sentence coverage from the model's forced attention
            job.report(0.0, "Checking that every sentence was translated")
            job.notes["coverage"] = sentence_coverage(job.doc, aligner)
        else:  # an export without the engine: what the last check found still holds
            job.notes["coverage"] = coverage_from(job.fidelity, job.doc)
        job.fidelity = check(job.doc, job.notes["coverage"]).to_dict()


@dataclass
class WriteStage:
    name: str = "write"
    weight: float = 1.0

    def process(self, job: Job) -> None:
        doc, cfg = job.doc, job.config
        fmt = cfg.output_format or default_output_format(doc.meta.format)
        spec = writer_for(fmt, doc.meta.format)
        out = cfg.output or spec.output_path(cfg.input, cfg.target_lang)
        job.check_cancel()
        job.report(0.0, f"Writing {out.name}")
        write_atomic(out, lambda tmp: spec.write(doc, tmp), source=cfg.input,
                     overwrite=cfg.overwrite)
        job.outputs.append(out)
        coverage = (job.notes["coverage"] if "coverage" in job.notes
                    else coverage_from(job.fidelity, doc))
        report = check(doc, coverage)  # again: writers add page counts and overflows
        job.fidelity = report.to_dict()
        if cfg.fidelity_json:
            report_path = out.with_name(out.name + ".fidelity.json")
            write_atomic(report_path, report.write_json, overwrite=True)
            job.outputs.append(report_path)


TRANSLATE_STAGES: list[Stage] = [
    ExtractStage(), DetectLanguageStage(), TranslateStage(), ProjectStylesStage(),
    FidelityStage(), WriteStage(),
]
