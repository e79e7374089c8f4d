"""Build the translation engine a job asks for."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from app.core.config import JobConfig, data_dir
from app.pipeline.base import Job
from app.pipeline.llm_select import load_llm
from app.pipeline.model_store import open_store
from app.pipeline.remote_select import is_remote, make_remote_translator
from engines.errors import ModelNotFound, with_hints
from engines.store import InstalledModel, Manifest, ModelStore, valid_id
from engines.translate.base import Translator
from engines.translate.chain import build_chain, load_glossary
from engines.translate.pivot import PIVOT, PivotTranslator
from engines.translate.pseudo import PseudoTranslator

log = logging.getLogger(__name__)

ENGINES = ("auto", "ct2", "llm", "pseudo")  # and openai:NAME, libretranslate:NAME


def _missing_model(src: str, tgt: str) -> ModelNotFound:
    return with_hints(ModelNotFound(
        f"No translation model installed for {src}→{tgt}. An opus-mt-{src}-{tgt} "
        f"CTranslate2 folder, a translate-{src}_{tgt} .argosmodel package or an NLLB-200 / "
        f"M2M-100 folder would serve it."), "import_model", "pseudo_preview")


def missing_model_for(manifests: Sequence[Manifest], config: JobConfig,
                      src: str | None) -> ModelNotFound | None:
    """Before reading (at drop time): the missing-model error when the job's engine is the
    installed models (``manifests``) and none serves ``src``→target, directly or through
    English; None when the job can run.  With ``src`` unknown (to be detected), only a
    target language that no model reaches is refused."""
    if config.engine not in ("auto", "ct2") or config.model:
        return None
    tgt = config.target_lang

    def serves(a: str, b: str) -> bool:
        return any(m.serves(a, b) for m in manifests)

    if src:
        if src == tgt or serves(src, tgt):
            return None
        if PIVOT not in (src, tgt) and serves(src, PIVOT) and serves(PIVOT, tgt):
            return None
        return _missing_model(src, tgt)
    if any(m.kind == "translation" and (tgt in m.languages or any(t == tgt for _, t in m.pairs))
           for m in manifests):
        return None
    return with_hints(ModelNotFound(
        f"No translation model installed that translates into {tgt}."),
        "import_model", "pseudo_preview")


def check_model_for(config: JobConfig, src: str | None) -> None:
    """:func:`missing_model_for` over the store's models, raised."""
    missing = missing_model_for([m.manifest for m in open_store().installed()], config, src)
    if missing is not None:
        raise missing


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
        raise with_hints(ModelNotFound(
            f"Model '{model_id}' is an LLM, not a translation model."), "use_llm")
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
            raise with_hints(ModelNotFound(f"Model not found: {config.model} (no such "
                                           f"folder)."), "list_models")
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
