"""Engines on intranet servers: ``--engine openai:NAME`` and ``--engine libretranslate:NAME``.

The server is looked up in the declared servers (:mod:`app.core.servers`); the engine it
gives sits behind the same interfaces as the local ones, so the translation memory,
glossary, protected spans and pivot wrap it unchanged.
"""

from __future__ import annotations

import logging

from app.core.config import JobConfig
from app.core.servers import parse_engine, server_for
from engines.errors import ModelNotFound
from engines.remote.libretranslate import LibreTranslateTranslator
from engines.remote.openai import OpenAIEngine, RemoteLLMTranslator
from engines.translate.base import Translator
from engines.translate.chain import load_glossary
from engines.translate.pivot import PIVOT, PivotTranslator

log = logging.getLogger(__name__)

REMOTE_KINDS = ("openai", "libretranslate")


def is_remote(engine: str) -> bool:
    return parse_engine(engine) is not None


def load_remote_llm(engine: str) -> OpenAIEngine:
    """The OpenAI-compatible server that ``openai:NAME`` names, described (model, version)."""
    server = server_for(engine)
    if server.kind != "openai":
        raise ModelNotFound(f"'{engine}' is a {server.kind} server, not an LLM server.")
    llm = OpenAIEngine(server)
    llm.describe()
    log.info("LLM on server %s (%s): model %s", server.name, server.url, llm.model)
    return llm


def make_remote_translator(config: JobConfig, src: str) -> Translator:
    """The translator for ``config.engine`` = ``KIND:NAME``.

    LibreTranslate: the pair the server offers, else src → en → tgt through the same
    server when it offers both legs (pivot); else a clear error naming the server.
    """
    server = server_for(config.engine)
    if server.kind == "openai":
        llm = load_remote_llm(config.engine)
        return RemoteLLMTranslator(llm, glossary=load_glossary(config.glossary))
    nmt = LibreTranslateTranslator(server)
    tgt = config.target_lang
    if src == "?" or nmt.supports(src, tgt):
        return nmt
    if PIVOT not in (src, tgt) and nmt.supports(src, PIVOT) and nmt.supports(PIVOT, tgt):
        log.info("Server %s has no %s→%s: pivoting through English", server.name, src, tgt)
        return PivotTranslator(nmt, LibreTranslateTranslator(server, nmt.client))
    offered = ", ".join(f"{s}→{t}" for s, targets in sorted(nmt.languages().items())
                        for t in sorted(targets)) or "nothing"
    raise ModelNotFound(f"Server '{server.name}' ({server.url}) does not translate "
                        f"{src}→{tgt}; it offers {offered}.")
