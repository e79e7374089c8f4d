"""Build the translation engine a job asks for."""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import JobConfig
from app.pipeline import Job
from engines.errors import ModelNotFound
from engines.translate.base import Translator

log = logging.getLogger(__name__)

ENGINES = ("auto", "ct2", "pseudo")


def _missing_model(src: str, tgt: str) -> ModelNotFound:
    return ModelNotFound(
        f"No translation model installed for {src}→{tgt}. Import one "
        f"(main.py models import PATH), or preview the layout with --engine pseudo."
    )


def make_translator(config: JobConfig, src: str) -> Translator:
    engine = config.engine
    if engine == "pseudo":
        from engines.translate.pseudo import PseudoTranslator

        return PseudoTranslator()
    if engine not in ("ct2", "auto"):
        raise ModelNotFound(f"Unknown engine '{engine}': choose one of {', '.join(ENGINES)}.")
    if config.model:
        path = Path(config.model)
        if not path.exists():
            raise ModelNotFound(f"Model not found: {config.model}")
        from engines.translate.ct2 import CT2Translator, DecodeOptions

        return CT2Translator(path, device=config.device, threads=config.threads,
                             options=DecodeOptions(beam_size=config.beam_size))
    raise _missing_model(src, config.target_lang)


def translator_factory(job: Job) -> Translator:
    src = job.doc.meta.language or job.config.source_lang or "?"
    return make_translator(job.config, src)
