"""Offline guard: refuse every socket connection that does not stay on loopback.

``install()`` is called at start-up by both the GUI and the CLI.  It wraps
``socket.socket.connect``/``connect_ex``/``sendto`` and ``socket.getaddrinfo`` so that
a non-loopback destination raises :class:`NetworkBlocked` *before* the real call is
reached: nothing leaves the machine, not even a DNS query.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from typing import Any

from engines.errors import NetworkBlocked

log = logging.getLogger(__name__)

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_originals: dict[str, Any] = {}


def is_loopback(host: object) -> bool:
    """True for loopback IPs and the usual loopback names."""
    if host is None:
        return True  # getaddrinfo(None, port) means a local address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOOPBACK_NAMES or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _address_host(family: int, address: object) -> object:
    if family == getattr(socket, "AF_UNIX", -1):
        return "localhost"
    if isinstance(address, tuple) and address:
        return address[0]
    return address


def _refuse(what: str, host: object) -> NetworkBlocked:
    log.error("Offline guard: blocked %s to %r (only loopback is allowed)", what, host)
    return NetworkBlocked(
        f"Network access is disabled: blocked {what} to {host!r}. "
        "This tool works offline; only loopback connections are allowed."
    )


def _guard_connect(real: Callable[..., Any], what: str) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any, *args: Any) -> Any:
        host = _address_host(self.family, address)
        if not is_loopback(host):
            raise _refuse(what, host)
        return real(self, address, *args)

    guarded.__wrapped__ = real  # type: ignore[attr-defined]
    return guarded


def _guard_sendto(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, data: Any, *args: Any) -> Any:
        address = args[-1]
        host = _address_host(self.family, address)
        if not is_loopback(host):
            raise _refuse("sendto", host)
        return real(self, data, *args)

    guarded.__wrapped__ = real  # type: ignore[attr-defined]
    return guarded


def _guard_getaddrinfo(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise _refuse("name lookup", host)
        return real(host, *args, **kwargs)

    guarded.__wrapped__ = real  # type: ignore[attr-defined]
    return guarded


def install() -> None:
    """Activate the guard (idempotent)."""
    if _originals:
        return
    _originals["connect"] = socket.socket.connect
    _originals["connect_ex"] = socket.socket.connect_ex
    _originals["sendto"] = socket.socket.sendto
    _originals["getaddrinfo"] = socket.getaddrinfo
    socket.socket.connect = _guard_connect(_originals["connect"], "connection")  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard_connect(_originals["connect_ex"], "connection")  # type: ignore[method-assign]
    socket.socket.sendto = _guard_sendto(_originals["sendto"])  # type: ignore[method-assign]
    socket.getaddrinfo = _guard_getaddrinfo(_originals["getaddrinfo"])
    log.info("Offline guard active: only loopback network connections are allowed")


def uninstall() -> None:
    """Restore the original socket functions (tests only)."""
    if not _originals:
        return
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.socket.sendto = _originals.pop("sendto")  # type: ignore[method-assign]
    socket.getaddrinfo = _originals.pop("getaddrinfo")


def is_installed() -> bool:
    return bool(_originals)
