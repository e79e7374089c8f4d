"""Where the intranet servers are declared, and the offline guard's allow-list from them.

Two TOML files (format: :mod:`engines.remote.config`), read in this order:

1. the unit-wide file an IT team deploys read-only: ``$PASSERELLE_SERVERS_FILE``, else
   the platform's site configuration folder (``/etc/xdg/passerelle/servers.toml`` on
   Linux, ``C:\\ProgramData\\passerelle\\servers.toml`` on Windows);
2. the user's own file, ``servers.toml`` in the data folder (written from Settings).

A unit entry wins over a user entry of the same name.  Nothing is read at import time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.core.config import data_dir
from engines.remote.config import ServerConfig, allow_pairs, load_servers
from engines.remote.errors import ServerConfigError

log = logging.getLogger(__name__)

FILE_NAME = "servers.toml"
ENGINE_KINDS = ("openai", "libretranslate")


def unit_servers_file() -> Path:
    override = os.environ.get("PASSERELLE_SERVERS_FILE")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.site_config_dir("passerelle", appauthor=False)) / FILE_NAME


def user_servers_file() -> Path:
    return data_dir() / FILE_NAME


def configured_servers() -> dict[str, ServerConfig]:
    """Every declared server (raises ServerConfigError for an invalid file)."""
    return load_servers([unit_servers_file(), user_servers_file()])


def allow_list() -> list[tuple[str, int]]:
    """The ``(host, port)`` pairs to allow; an invalid servers file allows nothing."""
    try:
        return allow_pairs(configured_servers().values())
    except ServerConfigError as exc:
        log.error("Intranet servers disabled: %s", exc)
        return []


def parse_engine(engine: str) -> tuple[str, str] | None:
    """``("openai", "NAME")`` for ``openai:NAME`` (or libretranslate:NAME); None otherwise."""
    kind, sep, name = engine.partition(":")
    if sep and kind in ENGINE_KINDS:
        return kind, name
    return None


def server_for(engine: str) -> ServerConfig:
    """The declared server that ``--engine KIND:NAME`` names, of that kind."""
    parsed = parse_engine(engine)
    if parsed is None:
        raise ServerConfigError(f"'{engine}' is not KIND:NAME with KIND one of "
                                f"{', '.join(ENGINE_KINDS)}.")
    kind, name = parsed
    servers = configured_servers()
    server = servers.get(name)
    if server is None or server.kind != kind:
        same = sorted(n for n, s in servers.items() if s.kind == kind)
        raise ServerConfigError(
            f"No {kind} server named '{name}' is declared"
            + (f" (declared: {', '.join(same)})." if same else
               f" (none is: see {unit_servers_file()} or {user_servers_file()})."), name)
    return server


PROVENANCE_KEYS = ("server", "url", "server_kind", "model_reported", "server_version")


def server_fields(extra: dict[str, str]) -> dict[str, str]:
    """What reports and the audit log record of an engine on a server (nothing for a
    local engine): its name, URL, kind, the model it reported and its version."""
    if not extra.get("server"):
        return {}
    return {key: extra.get(key, "") for key in PROVENANCE_KEYS}


def describe_server(extra: dict[str, str]) -> str:
    """"on server NAME (URL), model M, version V" for a report; "" for a local engine."""
    fields = server_fields(extra)
    if not fields:
        return ""
    parts = [f"on server {fields['server']} ({fields['url']})"]
    if fields["model_reported"]:
        parts.append(f"model {fields['model_reported']}")
    if fields["server_version"]:
        parts.append(f"version {fields['server_version']}")
    return ", ".join(parts)
