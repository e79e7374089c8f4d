"""Intranet server declarations: a TOML file, typed, validated, read-only at run time.

An IT team writes one unit-wide file (read-only for users); a user may add servers of
their own in a second file.  A unit entry always wins over a user entry of the same
name.  Example::

    [servers.gpu-llm]
    kind = "openai"                       # OpenAI-compatible chat completions
    url = "https://llm.intranet.example:8443/v1"
    model = "mistral-7b-instruct"         # optional: the server's first model otherwise
    api_key_file = "/etc/passerelle/keys/gpu-llm"
    ca_bundle = "/etc/passerelle/intranet-ca.pem"
    timeout = 120                         # seconds without a byte from the server
    max_concurrency = 4                   # = the server's parallel slots for this unit

    [servers.nmt]
    kind = "libretranslate"
    url = "https://translate.intranet.example"
    api_key_keyring = "passerelle/nmt"    # OS keyring: service "passerelle", user "nmt"

API keys are never written in the file: ``api_key_file`` (one line) or
``api_key_keyring`` (``service/user``).  The offline guard allows exactly the
``host:port`` pairs of these URLs (:func:`allow_pairs`).
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from engines.offline import is_loopback
from engines.remote.errors import ServerConfigError

log = logging.getLogger(__name__)

KINDS = ("openai", "libretranslate")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_FIELDS = {"kind", "url", "model", "api_key_file", "api_key_keyring", "ca_bundle", "timeout",
           "connect_timeout", "max_concurrency", "retries", "backoff", "max_backoff",
           "batch_size", "context_length", "insecure_http", "demo"}


@dataclass(frozen=True)
class ServerConfig:
    """One declared server.  ``origin`` is the file it comes from (provenance)."""

    name: str
    kind: str
    url: str  # base URL; for "openai" it includes the /v1 prefix
    model: str = ""
    api_key_file: str = ""
    api_key_keyring: str = ""  # "service/user"
    ca_bundle: str = ""  # PEM file; "" uses the system's trusted CAs
    timeout: float = 120.0  # read timeout: seconds without a byte from the server
    connect_timeout: float = 5.0
    max_concurrency: int = 2
    retries: int = 4  # extra attempts after the first, on 429/5xx/connection errors
    backoff: float = 0.5  # first backoff in seconds (doubled each attempt, full jitter)
    max_backoff: float = 30.0  # cap, Retry-After included
    batch_size: int = 16  # LibreTranslate: sentences per request
    context_length: int = 4096  # OpenAI: the model's context window (tokens)
    insecure_http: bool = False  # plain http to a non-loopback host must be asked for
    demo: bool = False  # a demo-quality model: outputs carry the DEMO badge
    origin: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def pair(self) -> tuple[str, int]:
        return self.host, self.port

    def api_key(self) -> str:
        """The API key from its file or the OS keyring ("" when none is configured)."""
        if self.api_key_file:
            try:
                return Path(self.api_key_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ServerConfigError(
                    f"Server '{self.name}': cannot read its API key file "
                    f"{self.api_key_file} ({exc.strerror or exc}).", self.name) from exc
        if self.api_key_keyring:
            return _keyring_key(self)
        return ""


def _keyring_key(server: ServerConfig) -> str:
    service, _, user = server.api_key_keyring.partition("/")
    import keyring  # optional backend, loaded only when a server uses it
    from keyring.errors import KeyringError

    try:
        key = keyring.get_password(service, user or server.name)
    except KeyringError as exc:
        raise ServerConfigError(f"Server '{server.name}': the OS keyring failed ({exc}).",
                                server.name) from exc
    if not key:
        raise ServerConfigError(
            f"Server '{server.name}': no API key in the OS keyring for service "
            f"'{service}', user '{user or server.name}'.", server.name)
    return key


def _number(name: str, key: str, value: Any, kind: type, low: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
            or (kind is int and not isinstance(value, int)):
        raise ServerConfigError(f"Server '{name}': {key} must be a number ≥ {low}, not "
                                f"{value!r}.", name)
    return kind(value)


def parse_server(name: str, entry: dict[str, Any], origin: str = "") -> ServerConfig:
    """Validate one ``[servers.NAME]`` table."""
    if not _NAME.match(name):
        raise ServerConfigError(f"Invalid server name {name!r}: letters, digits, '.', '_', "
                                "'-' only.", name)
    unknown = set(entry) - _FIELDS
    if unknown:
        raise ServerConfigError(f"Server '{name}': unknown setting(s) "
                                f"{', '.join(sorted(unknown))}.", name)
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ServerConfigError(f"Server '{name}': kind must be one of {', '.join(KINDS)}, "
                                f"not {kind!r}.", name)
    url = str(entry.get("url", "")).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServerConfigError(f"Server '{name}': url must be http(s)://host[:port]/..., "
                                f"not {url!r}.", name)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ServerConfigError(f"Server '{name}': the port in the url must be a number "
                                f"from 1 to 65535, not {url!r}.", name)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ServerConfigError(f"Server '{name}': no credentials, query or fragment in the "
                                "url (use api_key_file or api_key_keyring).", name)
    insecure = bool(entry.get("insecure_http", False))
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not insecure:
        raise ServerConfigError(
            f"Server '{name}': plain http to {parts.hostname} sends documents unencrypted; "
            "use https, or set insecure_http = true if your unit accepts it.", name)
    if entry.get("api_key_file") and entry.get("api_key_keyring"):
        raise ServerConfigError(f"Server '{name}': api_key_file or api_key_keyring, not both.",
                                name)
    kwargs: dict[str, Any] = {}
    for key, kind_, low in (("timeout", float, 0.1), ("connect_timeout", float, 0.1),
                            ("backoff", float, 0.0), ("max_backoff", float, 0.0),
                            ("max_concurrency", int, 1), ("retries", int, 0),
                            ("batch_size", int, 1), ("context_length", int, 256)):
        if key in entry:
            kwargs[key] = _number(name, key, entry[key], kind_, low)
    for key in ("model", "api_key_file", "api_key_keyring", "ca_bundle"):
        if key in entry:
            kwargs[key] = str(entry[key])
    if kwargs.get("ca_bundle") and not Path(kwargs["ca_bundle"]).is_file():
        raise ServerConfigError(f"Server '{name}': CA bundle {kwargs['ca_bundle']} not found.",
                                name)
    return ServerConfig(name=name, kind=str(kind), url=url, insecure_http=insecure,
                        demo=bool(entry.get("demo", False)), origin=origin, **kwargs)


def parse_servers(text: str, origin: str = "") -> dict[str, ServerConfig]:
    """Every server of one TOML document (``[servers.NAME]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ServerConfigError(f"{origin or 'servers file'}: invalid TOML ({exc}).") from exc
    servers = data.get("servers", {})
    if not isinstance(servers, dict) or set(data) - {"servers"}:
        raise ServerConfigError(f"{origin or 'servers file'}: expected only [servers.NAME] "
                                "tables.")
    out = {}
    for name, entry in servers.items():
        if not isinstance(entry, dict):
            raise ServerConfigError(f"{origin}: [servers.{name}] must be a table.", name)
        out[name] = parse_server(name, entry, origin)
    return out


def load_servers(files: Iterable[Path]) -> dict[str, ServerConfig]:
    """Servers from ``files`` in order (unit-wide first); a name keeps its first entry."""
    merged: dict[str, ServerConfig] = {}
    for path in files:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ServerConfigError(f"Cannot read the servers file {path}: {exc}") from exc
        for name, server in parse_servers(text, str(path)).items():
            if name in merged:
                log.warning("Server '%s' in %s ignored: already declared in %s", name, path,
                            merged[name].origin)
                continue
            merged[name] = server
    return merged


def allow_pairs(servers: Iterable[ServerConfig]) -> list[tuple[str, int]]:
    """The ``(host, port)`` pairs the offline guard must allow (loopback is always allowed)."""
    return sorted({s.pair for s in servers if not is_loopback(s.host)})

