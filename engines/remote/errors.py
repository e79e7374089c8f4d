"""Typed errors of the intranet server engines (one readable sentence each)."""

from __future__ import annotations

from engines.errors import EngineError


class ServerError(EngineError):
    """Base of every intranet-server failure; ``server`` names the configured server."""

    def __init__(self, message: str, server: str = "") -> None:
        super().__init__(message)
        self.server = server


class ServerConfigError(ServerError):
    """The servers file or a server entry is invalid (or its API key cannot be read)."""


class ServerUnavailable(ServerError):
    """The server did not answer (refused, timed out, overloaded) after the retries."""


class ServerAuthError(ServerError):
    """The server refused the API key (401/403)."""


class CertificateProblem(ServerError):
    """TLS verification failed: the server's certificate is not trusted or does not match."""


class RedirectRefused(ServerError):
    """The server redirected to another address; redirects are never followed."""


class ServerProtocolError(ServerError):
    """The server's answer is not what the API promises (malformed JSON, cut stream)."""


class ServerRejected(ServerError):
    """The server rejected the request itself (4xx other than auth and rate limits)."""
