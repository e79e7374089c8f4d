"""Is a declared server reachable, what does it serve, how fast does it answer?

One short request per question, no retries: the GUI shows the state as it is now.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

from engines.errors import EngineError
from engines.remote.config import ServerConfig
from engines.remote.http import ServerClient
from engines.remote.libretranslate import LibreTranslateTranslator
from engines.remote.openai import OpenAIEngine

log = logging.getLogger(__name__)


@dataclass
class ServerState:
    name: str
    kind: str
    url: str
    reachable: bool = False
    models: list[str] = field(default_factory=list)  # model ids, or "fr→en" pairs
    latency_ms: float | None = None
    version: str = ""
    error: str = ""


def probe(server: ServerConfig, timeout: float = 5.0) -> ServerState:
    """The server's state now (never raises: a failure is in ``error``)."""
    quick = dataclasses.replace(server, retries=0, timeout=min(server.timeout, timeout),
                                connect_timeout=min(server.connect_timeout, timeout))
    state = ServerState(server.name, server.kind, server.url)
    try:
        client = ServerClient(quick, bearer=server.kind == "openai", bounded=False)
    except EngineError as exc:
        state.error = str(exc)
        return state
    try:
        started = time.monotonic()
        if server.kind == "openai":
            llm = OpenAIEngine(quick, client)
            state.models = llm.models()
            state.latency_ms = (time.monotonic() - started) * 1000
            state.version = llm.provenance()["server_version"]
        else:
            nmt = LibreTranslateTranslator(quick, client)
            languages = nmt.languages()
            state.latency_ms = (time.monotonic() - started) * 1000
            state.models = [f"{s}→{t}" for s, targets in sorted(languages.items())
                            for t in sorted(targets)]
            state.version = nmt.version()
        state.reachable = True
    except EngineError as exc:
        state.error = str(exc)
        log.info("Server %s: %s", server.name, exc)
    finally:
        client.close()
    return state
