"""Seam between the summary pane and the summarizer (``app.summarize``).

The pane talks only to :func:`summarize`, :func:`availability` and :func:`llm_status`.
Local summaries run in the summary's child process (:mod:`app.ui.summary_child`), where the
LLM is loaded and kept for the next summary; summaries on an intranet server run in the
calling worker.  When the summarizer module is absent the pane says so plainly: no result
is ever invented here.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import ConfigError
from app.document import Document
from app.ui import summary_child
from engines.translate.base import Translator

log = logging.getLogger(__name__)

MODULE = "app.summarize"
LENGTHS = ("brief", "standard", "detailed")
STYLES = ("prose", "bullets")
ENGINES = ("auto", "llm", "extractive")

_llm_lock = threading.Lock()
_llm_cache: dict[tuple[str, ...], Any] = {}  # in the summary's child process
STORE_ENV = ("PASSERELLE_DATA_DIR", "PASSERELLE_MODELS", "PASSERELLE_SHARED_MODELS")


class SummarizerUnavailable(ConfigError):
    title = "Summaries unavailable"


@dataclass
class SummaryRequest:
    language: str = "en"
    length: str = "standard"
    style: str = "prose"
    engine: str = "auto"  # auto: the LLM when one is installed, else extractive
    device: str = "auto"
    threads: int = 0
    basis: str = "source"  # summarize the source (then translate) or the translation


@dataclass
class KeyFact:
    label: str
    value: str


@dataclass
class SummaryOutput:
    text: str
    facts: list[KeyFact] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # facts not found in the source
    warnings: list[str] = field(default_factory=list)
    engine: str = ""
    model_id: str = ""
    demo: bool = False
    extractive: bool = False  # sentences quoted from the document
    server: str = ""  # "Made on the intranet server NAME (URL), model M, version V."


def engines() -> list[str]:
    """The summary engines: the local ones, then each declared OpenAI-compatible server."""
    from app.core.servers import configured_servers
    from engines.remote.errors import ServerConfigError

    try:
        servers = configured_servers()
    except ServerConfigError as exc:
        log.error("Intranet servers ignored: %s", exc)
        return list(ENGINES)
    return list(ENGINES) + [f"openai:{name}" for name, s in servers.items()
                            if s.kind == "openai"]


def availability() -> tuple[bool, str]:
    """(available, reason when not)."""
    try:
        found = importlib.util.find_spec(MODULE) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return False, ("the summarizer is not part of this build (module app.summarize is "
                       "missing), so no summary can be produced.")
    return True, ""


def llm_status() -> tuple[bool, str, bool]:
    """(an LLM is installed, its id, demo quality); reads the model store: use a worker."""
    try:
        from app.pipeline.llm_select import resolve_llm
        from engines.errors import ModelNotFound
    except ImportError:
        return False, "", False
    try:
        _path, model_id, demo = resolve_llm(None)
    except ModelNotFound:
        return False, "", False
    return True, model_id, demo


def _load_llm(request: SummaryRequest) -> Any:
    from app.pipeline.llm_select import load_llm

    key = (request.device, str(request.threads), *(os.environ.get(k, "") for k in STORE_ENV))
    with _llm_lock:
        if key not in _llm_cache:
            _llm_cache.clear()
            _llm_cache[key] = load_llm(None, device=request.device, threads=request.threads)
        return _llm_cache[key]


def summarize(doc: Document, request: SummaryRequest, on_text: Callable[[str], None],
              cancel: threading.Event, translator: Translator | None = None,
              progress: Callable[[float, str], None] | None = None) -> SummaryOutput:
    """Summarize ``doc`` (call from a worker); the LLM streams text through ``on_text``.

    Local summaries run in the summary's child process; this call waits for them."""
    ok, reason = availability()
    if not ok:
        raise SummarizerUnavailable(reason)
    if request.engine.startswith("openai:"):  # network-bound: the worker's thread will do
        return _summarize(doc, request, on_text, cancel, translator, progress)
    return summary_child.run(_summarize, doc, request, on_text, cancel, translator, progress)  # type: ignore[no-any-return]


def _summarize(doc: Document, request: SummaryRequest, on_text: Callable[[str], None],
               cancel: threading.Event, translator: Translator | None,
               progress: Callable[[float, str], None] | None) -> SummaryOutput:
    """The summary itself (``summarize`` checked the summarizer is there)."""
    from app.summarize import SummaryOptions, summarize_document

    use_llm = request.engine == "llm" or (request.engine == "auto" and llm_status()[0])
    llm = _load_llm(request) if use_llm else None
    if request.engine.startswith("openai:"):  # an intranet LLM server
        from app.pipeline.remote_select import load_remote_llm

        llm = load_remote_llm(request.engine)
    options = SummaryOptions(lang=request.language, length=request.length, style=request.style,
                             basis=request.basis)
    result = summarize_document(doc, options, llm=llm, translator=translator, cancel=cancel,
                                progress=progress, on_text=on_text)
    return convert(result)


def convert(result: Any) -> SummaryOutput:
    from app.summarize.types import server_label

    facts = [KeyFact(str(k), "; ".join(str(v) for v in values))
             for k, values in (result.key_facts or {}).items() if values]
    unsupported = [f"{getattr(u, 'kind', 'number')}: {u.text} — “{u.context}”"
                   if getattr(u, "context", "") else str(u.text) for u in result.unsupported]
    basis = result.basis_label() if hasattr(result, "basis_label") else ""
    return SummaryOutput(
        text=result.text, facts=facts, unsupported=unsupported,
        warnings=list(result.warnings) + ([basis] if basis else []),
        engine=result.engine, model_id=result.model_id, demo=bool(result.demo),
        extractive=result.engine == "extractive",
        server=server_label(result.server) if getattr(result, "server", None) else "")
