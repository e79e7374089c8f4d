"""Build the translation engine a job asks for."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.config import JobConfig, data_dir
from app.pipeline.base import Job
from app.pipeline.llm_select import load_llm
from app.pipeline.model_store import open_store
from app.pipeline.remote_select import is_remote, make_remote_translator
from engines.errors import ModelNotFound
from engines.store import InstalledModel, ModelStore, valid_id
from engines.translate.base import Translator
from engines.translate.chain import build_chain, load_glossary
from engines.translate.pivot import PIVOT, PivotTranslator
from engines.translate.pseudo import PseudoTranslator

log = logging.getLogger(__name__)

ENGINES = ("auto", "ct2", "llm", "pseudo")  # and openai:NAME, libretranslate:NAME


def _missing_model(src: str, tgt: str) -> ModelNotFound:
    return ModelNotFound(
        f"No translation model installed for {src}→{tgt}. Import one with "
        f"'main.py models import PATH': an opus-mt-{src}-{tgt} CTranslate2 folder, a "
        f"translate-{src}_{tgt} .argosmodel package, or an NLLB-200 / M2M-100 folder; "
        f"or preview the layout with --engine pseudo."
    )


def _load_ct2(path: Path, config: JobConfig, model: InstalledModel | None = None) -> Translator:
    from engines.translate.ct2 import CT2Translator, DecodeOptions

    manifest = model.manifest if model is not None else None
    return CT2Translator(path, device=config.device, threads=config.threads,
                         options=DecodeOptions(beam_size=config.beam_size),
                         model_id=manifest.id if manifest else "",
                         checksum=manifest.checksum if manifest else "",
                         demo=manifest.demo if manifest else False)


def _installed(store: ModelStore, model_id: str, src: str, tgt: str) -> InstalledModel:
    """An installed translation model, size-checked (and re-hashed where changed)."""
    model = store.check(model_id)
    manifest = model.manifest
    if manifest.kind != "translation":
        raise ModelNotFound(f"Model '{model_id}' is an LLM, not a translation model: "
                            f"use --engine llm.")
    if src != "?" and not manifest.serves(src, tgt):
        raise ModelNotFound(f"Model '{model_id}' translates {manifest.describe_languages()}, "
                            f"not {src}→{tgt}.")
    return model


def _pivot(store: ModelStore, config: JobConfig, src: str, tgt: str) -> Translator | None:
    """src → en → tgt through two installed models, when no model serves the pair."""
    if PIVOT in (src, tgt) or src == "?":
        return None
    first, second = store.find_translation(src, PIVOT), store.find_translation(PIVOT, tgt)
    if first is None or second is None:
        return None
    log.info("No %s→%s model: pivoting through English (%s, then %s)", src, tgt,
             first.id, second.id)
    a, b = _installed(store, first.id, src, PIVOT), _installed(store, second.id, PIVOT, tgt)
    return PivotTranslator(_load_ct2(a.path, config, a), _load_ct2(b.path, config, b))


def _load_llm_translator(config: JobConfig) -> Translator:
    """Prompted translation through the installed LLM (or ``--model`` naming one)."""
    from engines.translate.llm import LLMTranslator

    llm = load_llm(config.model, device=config.device, threads=config.threads)
    if llm.info.demo:
        log.warning("Translating with %s, a DEMO-quality model", llm.info.model_id)
    return LLMTranslator(llm, glossary=load_glossary(config.glossary))


def make_translator(config: JobConfig, src: str) -> Translator:
    engine = config.engine
    if engine == "pseudo":
        return PseudoTranslator()
    if engine == "llm":
        return _load_llm_translator(config)
    if is_remote(engine):  # an intranet server
        return make_remote_translator(config, src)
    if engine not in ("ct2", "auto"):
        raise ModelNotFound(f"Unknown engine '{engine}': choose one of {', '.join(ENGINES)}.")
    tgt = config.target_lang
    if config.model:
        path = Path(config.model)
        if path.is_dir():  # a model folder outside the store
            return _load_ct2(path, config)
        if not valid_id(config.model):
            raise ModelNotFound(f"Model not found: {config.model} (no such folder; installed "
                                f"model ids are listed by: main.py models list)")
        model = _installed(open_store(), config.model, src, tgt)
        return _load_ct2(model.path, config, model)
    store = open_store()
    found = store.find_translation(src, tgt)
    if found is None:
        pivot = _pivot(store, config, src, tgt)
        if pivot is not None:
            return pivot
        raise _missing_model(src, tgt)
    model = _installed(store, found.id, src, tgt)
    log.info("Using installed model %s for %s→%s", model.id, src, tgt)
    return _load_ct2(model.path, config, model)


def with_chain(engine: Translator, config: JobConfig) -> Translator:
    """Wrap an NMT engine with protected spans, the job's glossary and the translation
    memory (``data_dir()/memory.sqlite3``; ``extra["memory"] = "off"`` disables it)."""
    if engine.info.engine == "pseudo":
        return engine  # keeps spans by itself; nothing worth remembering
    llm = engine.info.engine in ("llm", "openai")  # glossary in the prompt, no placeholders
    from engines.translate.memory import TranslationMemory

    memory = (TranslationMemory.open_default(data_dir())
              if config.extra.get("memory", "on") != "off" else None)
    if llm:
        return build_chain(engine, memory=memory, protect=False)
    return build_chain(engine, memory=memory, glossary=load_glossary(config.glossary))


def translator_factory(job: Job) -> Translator:
    src = job.doc.meta.language or job.config.source_lang or "?"
    return with_chain(make_translator(job.config, src), job.config)
