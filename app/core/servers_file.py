"""The user's own servers file, read and written as data (the GUI's server form).

The file is rewritten from its parsed content (:func:`dump_servers`): comments and layout
are not kept, and the header written says so.  Only settings that differ from their
default are written.  What is written is parsed back before it replaces the file, so a
file :func:`engines.remote.config.parse_servers` would refuse, or read differently, is
never saved.  The unit-wide file is never written here.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import tomli_w

from app.core.output import write_atomic
from app.core.servers import unit_servers_file, user_servers_file
from engines.remote.config import ServerConfig, load_servers, parse_servers
from engines.remote.errors import ServerConfigError

log = logging.getLogger(__name__)

HEADER = """\
# Your own intranet servers (the unit-wide file, if any, wins for a same name).
# Written by Passerelle's server form (Models > Intranet servers): the form rewrites this
# file from its settings, so comments and layout added here are not kept.
# Format: README "Intranet servers". API keys never go here: api_key_file or api_key_keyring.
"""
_DEFAULTS = ServerConfig(name="", kind="", url="")
_ORDER = tuple(f.name for f in dataclasses.fields(ServerConfig)
               if f.name not in ("name", "origin"))


def entry_of(server: ServerConfig) -> dict[str, Any]:
    """The ``[servers.NAME]`` table of ``server``: kind, url and the non-default settings."""
    entry: dict[str, Any] = {}
    for key in _ORDER:
        value = getattr(server, key)
        if key in ("kind", "url") or value != getattr(_DEFAULTS, key):
            entry[key] = value
    return entry


def dump_servers(servers: dict[str, ServerConfig]) -> str:
    """The TOML text of ``servers`` (names in the given order), with :data:`HEADER`."""
    tables = {name: entry_of(server) for name, server in servers.items()}
    return HEADER + "\n" + tomli_w.dumps({"servers": tables})


def same_servers(a: dict[str, ServerConfig], b: dict[str, ServerConfig]) -> bool:
    """Equal settings, names and order, whatever file each came from."""
    def plain(servers: dict[str, ServerConfig]) -> list[tuple[str, ServerConfig]]:
        return [(n, dataclasses.replace(s, origin="")) for n, s in servers.items()]
    return plain(a) == plain(b)


def read_user_servers(path: Path | None = None) -> dict[str, ServerConfig]:
    """The servers of the user's file only ({} when it does not exist)."""
    path = path or user_servers_file()
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ServerConfigError(f"Cannot read the servers file {path}: {exc}") from exc
    return parse_servers(text, str(path))


def unit_server_names() -> set[str]:
    """The names the unit-wide file declares (none when it is missing or invalid)."""
    try:
        return set(load_servers([unit_servers_file()]))
    except ServerConfigError as exc:
        log.warning("Unit servers file ignored by the server form: %s", exc)
        return set()


def save_user_servers(servers: dict[str, ServerConfig], path: Path | None = None) -> Path:
    """Write ``servers`` as the user's servers file, atomically; raises ServerConfigError
    when the text would not read back as ``servers`` (nothing is written then), OutputError
    when the file cannot be written."""
    path = path or user_servers_file()
    if path.resolve() == unit_servers_file().resolve():
        raise ServerConfigError(f"{path} is the unit-wide servers file: not written.")
    text = dump_servers(servers)
    if not same_servers(parse_servers(text, str(path)), servers):
        raise ServerConfigError(f"The servers could not be written to {path} as they are.")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite=True)
    log.info("Saved %d server(s) to %s", len(servers), path)
    return path
