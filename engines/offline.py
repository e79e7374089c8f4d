"""Offline guard: refuse every socket path that leaves loopback, except an explicit allow-list.

``install()`` is called at start-up by both the GUI and the CLI, and again in every child
process the application starts (see :func:`child_initializer` and :func:`run_guarded`).
It wraps, before anything can use them:

* the name lookups ``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``,
  ``gethostbyaddr`` and ``getnameinfo`` (in both ``socket`` and ``_socket``, so a caller
  that bound the Python ``socket.getaddrinfo`` early is covered too);
* the socket methods ``connect``, ``connect_ex``, ``sendto`` and ``sendmsg`` (with an
  address) of :class:`socket.socket`, which also covers ``create_connection``, ``ssl``,
  ``http.client``, ``urllib`` and ``asyncio``.

A refused call raises :class:`~engines.errors.NetworkBlocked` *before* the real function
is reached: nothing leaves the machine, not even a DNS query.  ``socketpair``, ``bind`` and
``AF_UNIX`` sockets are local and pass.

Rule.  Loopback (127.0.0.0/8, ::1, ``localhost``) is always allowed.  Everything else is
refused unless its exact ``(host, port)`` pair is in the allow-list, which is empty by
default (the "intranet engines" setting fills it).  For an allowed host *name*, a lookup of
that name is allowed, and the addresses it returns are then allowed on that pair's ports
only.  A lookup of, or a connection to, any other host (an HTTP redirect to another server,
for instance) is refused, as is an allowed host on another port.

Limits.  This is a guard against accidental and library-initiated traffic (telemetry,
update checks, model downloads, redirects), not a sandbox: code that calls the C
``_socket.socket.connect`` directly, or native code that opens its own sockets, is not
seen.  A lookup of an allowed host name uses the system resolver as usual.
"""

from __future__ import annotations

import _socket
import ipaddress
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from engines.errors import NetworkBlocked

log = logging.getLogger(__name__)

Pair = tuple[str, int]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
_METHODS = ("connect", "connect_ex", "sendto", "sendmsg")

_lock = threading.Lock()
_originals: dict[str, Any] = {}  # "module.name" -> the function that was there before
_allow: frozenset[Pair] = frozenset()
_resolved: dict[str, frozenset[int]] = {}  # address of an allowed name -> its allowed ports


def normalize_host(host: object) -> str | None:
    """Lower-case name or canonical IP text (no brackets, no zone); None if not a host."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return None
    name = host.strip().strip("[]").split("%", 1)[0].lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def is_loopback(host: object) -> bool:
    """True for loopback IPs and the usual loopback names."""
    if host is None:
        return True  # getaddrinfo(None, port) means a local address
    name = normalize_host(host)
    if name is None:
        return False
    if name in _LOOPBACK_NAMES or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _port(port: object) -> int | None:
    """An int port from an int, a digit string or a service name; None when absent."""
    if port is None:
        return None
    if isinstance(port, bytes):
        port = port.decode("ascii", "replace")
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isdigit():
            return int(port)
        try:
            return socket.getservbyname(port)  # /etc/services: a local file, no traffic
        except OSError:
            return -1
    return -1


def _validated(allow: Iterable[tuple[str, int]]) -> frozenset[Pair]:
    pairs = set()
    for item in allow:
        try:
            host, port = item
        except (TypeError, ValueError):
            raise ValueError(f"allow-list entries are (host, port) pairs, not {item!r}") from None
        name = normalize_host(host)
        if not name or isinstance(port, bool) or not isinstance(port, int) \
                or not 0 < port < 65536:
            raise ValueError(f"invalid allow-list entry {item!r}: need a host and a port 1-65535")
        pairs.add((name, port))
    return frozenset(pairs)


def _ports_for(name: str) -> frozenset[int]:
    return frozenset(p for h, p in _allow if h == name)


def _pair_allowed(host: object, port: object) -> bool:
    if is_loopback(host):
        return True
    name = normalize_host(host)
    number = _port(port)
    if name is None or number is None:
        return False
    return (name, number) in _allow or number in _resolved.get(name, ())


def _lookup_allowed(host: object, port: object = None) -> bool:
    """A forward lookup: loopback, or an allow-listed name (on one of its ports if given)."""
    if is_loopback(host):
        return True
    name = normalize_host(host)
    if name is None:
        return False
    ports = _ports_for(name)
    number = _port(port)
    return bool(ports) and (number is None or number == 0 or number in ports)


def _address_allowed(host: object) -> bool:
    """A reverse lookup: loopback, or an address that is allowed on some port."""
    name = normalize_host(host)
    return is_loopback(host) or (name is not None and (bool(_ports_for(name))
                                                       or name in _resolved))


def _remember(name: object, addresses: Iterable[object], port: object = None) -> None:
    """Addresses returned for an allowed name become allowed on that name's ports."""
    host = normalize_host(name)
    if host is None or is_loopback(name):
        return
    ports = _ports_for(host)
    number = _port(port)
    if number and number in ports:
        ports = frozenset({number})
    with _lock:
        for address in addresses:
            ip = normalize_host(address)
            if ip is not None and not is_loopback(ip):
                _resolved[ip] = _resolved.get(ip, frozenset()) | ports


def _refuse(what: str, host: object, port: object = None) -> NetworkBlocked:
    where = f"{host!r}" if port is None else f"{host!r} port {port!r}"
    log.error("Offline guard: blocked %s to %s (only loopback and the allow-list)", what, where)
    return NetworkBlocked(
        f"Network access is disabled: blocked {what} to {where}. This tool works offline; "
        "only loopback connections and the configured intranet servers are allowed.")


def _split(family: int, address: object) -> tuple[object, object]:
    if family == getattr(socket, "AF_UNIX", -1):
        return "localhost", None
    if isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    if isinstance(address, tuple) and address:
        return address[0], None
    return address, None


def _check_address(sock: socket.socket, address: object, what: str) -> None:
    host, port = _split(sock.family, address)
    if not _pair_allowed(host, port):
        raise _refuse(what, host, port)


def _wrap(real: Callable[..., Any], guarded: Callable[..., Any]) -> Callable[..., Any]:
    guarded.__wrapped__ = real  # type: ignore[attr-defined]
    guarded.__name__ = getattr(real, "__name__", guarded.__name__)
    return guarded


def _guard_method(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    if name in ("connect", "connect_ex"):
        def connect(self: socket.socket, address: Any, *args: Any) -> Any:
            _check_address(self, address, "connection")
            return real(self, address, *args)
        return _wrap(real, connect)
    if name == "sendto":
        def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
            if args:
                _check_address(self, args[-1], "sendto")
            return real(self, data, *args)
        return _wrap(real, sendto)

    def sendmsg(self: socket.socket, buffers: Any, *args: Any) -> Any:
        if len(args) >= 3 and args[2] is not None:  # (ancdata, flags, address)
            _check_address(self, args[2], "sendmsg")
        return real(self, buffers, *args)
    return _wrap(real, sendmsg)


def _guard_lookup(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    if name == "getaddrinfo":
        def getaddrinfo(host: Any, port: Any = None, *args: Any, **kwargs: Any) -> Any:
            if not _lookup_allowed(host, port):
                raise _refuse("name lookup", host, port)
            result = real(host, port, *args, **kwargs)
            _remember(host, (info[4][0] for info in result
                             if isinstance(info[4], tuple) and info[4]), port)
            return result
        return _wrap(real, getaddrinfo)
    if name == "gethostbyname":
        def gethostbyname(host: Any) -> Any:
            if not _lookup_allowed(host):
                raise _refuse("name lookup", host)
            result = real(host)
            _remember(host, [result])
            return result
        return _wrap(real, gethostbyname)
    if name == "gethostbyname_ex":
        def gethostbyname_ex(host: Any) -> Any:
            if not _lookup_allowed(host):
                raise _refuse("name lookup", host)
            result = real(host)
            _remember(host, result[2])
            return result
        return _wrap(real, gethostbyname_ex)
    if name == "gethostbyaddr":
        def gethostbyaddr(host: Any) -> Any:
            if not _address_allowed(host):
                raise _refuse("reverse lookup", host)
            return real(host)
        return _wrap(real, gethostbyaddr)

    def getnameinfo(sockaddr: Any, flags: Any) -> Any:
        host = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr
        if not _address_allowed(host):
            raise _refuse("reverse lookup", host)
        return real(sockaddr, flags)
    return _wrap(real, getnameinfo)


def install(allow: Iterable[tuple[str, int]] = ()) -> None:
    """Activate the guard with exactly ``allow`` as the non-loopback ``(host, port)`` pairs.

    Calling it again replaces the allow-list (``install()`` narrows it back to empty); the
    socket functions are wrapped only once.  Raises ``ValueError`` for a malformed pair.
    """
    global _allow
    pairs = _validated(allow)
    with _lock:
        _allow = pairs
        _resolved.clear()
        if not _originals:
            for module in (socket, _socket):
                for name in _LOOKUPS:
                    real = getattr(module, name)
                    _originals[f"{module.__name__}.{name}"] = real
                    setattr(module, name, _guard_lookup(name, real))
            for name in _METHODS:
                real = getattr(socket.socket, name)
                _originals[f"socket.socket.{name}"] = real
                setattr(socket.socket, name, _guard_method(name, real))
    if pairs:
        log.info("Offline guard active: loopback and %s allowed",
                 ", ".join(f"{h}:{p}" for h, p in sorted(pairs)))
    else:
        log.info("Offline guard active: only loopback network connections are allowed")


def allowed() -> frozenset[Pair]:
    """The current allow-list (empty when only loopback is allowed)."""
    return _allow


def uninstall() -> None:
    """Restore the original socket functions (tests only)."""
    global _allow
    with _lock:
        for key, real in _originals.items():
            owner, name = key.rsplit(".", 1)
            target: Any = socket.socket if owner == "socket.socket" else (
                socket if owner == "socket" else _socket)
            setattr(target, name, real)
        _originals.clear()
        _allow = frozenset()
        _resolved.clear()


def is_installed() -> bool:
    return bool(_originals)


# --- child processes ------------------------------------------------------------------

def child_initializer(allow: Iterable[tuple[str, int]] | None = None
                      ) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """``(initializer, initargs)`` that install the guard first thing in a child process.

    For a pool (``concurrent.futures.ProcessPoolExecutor`` or ``multiprocessing.Pool``)::

        init, initargs = offline.child_initializer()
        pool = ProcessPoolExecutor(mp_context=ctx, initializer=init, initargs=initargs)

    ``allow`` defaults to this process's current allow-list (:func:`allowed`); pass ``()``
    for a child that never needs the network (a parser of untrusted files, say).  A child
    does not inherit the guard: ``spawn`` starts a fresh interpreter, and a fork-server
    child is forked from a server that was started before the parent's guard settings.
    """
    pairs = tuple(sorted(allowed() if allow is None else _validated(allow)))
    return install, (pairs,)


def run_guarded(allow: Iterable[tuple[str, int]], target: Callable[..., Any],
                *args: Any) -> Any:
    """Process target wrapper: install the guard with ``allow``, then run ``target(*args)``.

    For a single ``multiprocessing.Process`` (``target`` must be picklable)::

        ctx.Process(target=offline.run_guarded, args=(offline.allowed(), work, arg1))
    """
    install(allow)
    return target(*args)
