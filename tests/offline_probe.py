"""Prove, inside a child process, that the offline guard refuses traffic there.

Used by the tests of every kind of child the application starts (PDF workers, OCR workers,
the GUI's isolation child).  Nothing ever leaves loopback:

1. :func:`arm` (in the child, *before* the code under test installs its guard) removes any
   guard inherited from a fork and puts sentinels in place of the real lookups and socket
   methods.  A sentinel records a non-loopback call and returns a made-up answer: it never
   reaches the real function.
2. The code under test runs and installs the guard (which now wraps the sentinels).
3. :func:`probe` attempts a non-loopback connect, ``sendto`` and the name lookups, and
   reports, for each, "blocked" (``NetworkBlocked`` raised by the guard), "LEAKED" (the
   attempt reached a sentinel: the guard is missing) or the error met.
"""

from __future__ import annotations

import _socket
import importlib
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines import offline
from engines.errors import NetworkBlocked

LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
METHODS = ("connect", "connect_ex", "sendto", "sendmsg")
TARGET = ("192.0.2.1", 443)  # TEST-NET-1: documentation only, never routed
NAME = "example.org"

leaks: list[str] = []


def _lookup_sentinel(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def sentinel(*args: Any, **kwargs: Any) -> Any:
        host = args[0][0] if name == "getnameinfo" else (args[0] if args else None)
        if offline.is_loopback(host):
            return real(*args, **kwargs)
        leaks.append(f"{name}({host!r})")
        if name == "getaddrinfo":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", TARGET)]
        return TARGET[0] if name == "gethostbyname" else (str(host), [], [TARGET[0]])
    return sentinel


def _method_sentinel(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def sentinel(self: socket.socket, *args: Any) -> Any:
        address = args[3] if name == "sendmsg" and len(args) > 3 else (
            None if name == "sendmsg" else args[-1])
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or address is None or offline.is_loopback(host):
            return real(self, *args)
        leaks.append(f"{name}({host!r})")
        return 0 if name != "connect" else None
    return sentinel


def arm() -> None:
    """Sentinels under whatever guard the code under test installs next (see module doc)."""
    offline.uninstall()
    for module in (socket, _socket):
        for name in LOOKUPS:
            setattr(module, name, _lookup_sentinel(name, getattr(module, name)))
    for name in METHODS:
        setattr(socket.socket, name, _method_sentinel(name, getattr(socket.socket, name)))


def armed(target: str, *args: Any) -> Any:
    """:func:`arm`, then call ``target`` ("module:function") with ``args``.

    To wrap a product initializer in a pool::

        monkeypatch.setattr(isolation, "_child_init",
                            functools.partial(offline_probe.armed, "app.ui.isolation:_child_init"))

    The child then gets the real initializer (a fresh import in a spawned child) with the
    real initargs, but with sentinels underneath whatever guard it installs.
    """
    arm()
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)(*args)


def probe_in_child(module: str, function: str, out: str, target: str, *args: Any) -> Any:
    """A process target: :func:`arm`, make ``module.function`` write :func:`probe` to
    ``out`` the first time it is called, then run ``target`` ("module:function") with
    ``args``.  ``function`` should be one the child calls after installing its guard::

        monkeypatch.setattr(ocr_reader, "worker_main", functools.partial(
            offline_probe.probe_in_child, "app.formats.ocr_worker", "_open", str(out),
            "app.formats.ocr_worker:worker_main"))
    """
    arm()
    owner = importlib.import_module(module)
    real = getattr(owner, function)

    def probing(*a: Any, **kw: Any) -> Any:
        if not Path(out).exists():
            write(out)
        return real(*a, **kw)

    setattr(owner, function, probing)
    name, _, attr = target.partition(":")
    return getattr(importlib.import_module(name), attr)(*args)


def _attempt(action: Callable[[], object]) -> str:
    before = len(leaks)
    try:
        action()
    except NetworkBlocked:
        return "blocked"
    except OSError as exc:
        return f"error {type(exc).__name__}: {exc}"
    return "LEAKED" if len(leaks) > before else "passed"


def probe() -> dict[str, Any]:
    """Try every way out; each answer should be "blocked"."""
    results: dict[str, Any] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        results["connect"] = _attempt(lambda: tcp.connect(TARGET))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        results["sendto"] = _attempt(lambda: udp.sendto(b"x", TARGET))
    results["getaddrinfo"] = _attempt(lambda: socket.getaddrinfo(NAME, 443))
    results["gethostbyname"] = _attempt(lambda: socket.gethostbyname(NAME))
    results["gethostbyaddr"] = _attempt(lambda: socket.gethostbyaddr(TARGET[0]))
    results["create_connection"] = _attempt(lambda: socket.create_connection((NAME, 443), 1))
    results["installed"] = offline.is_installed()
    results["allowed"] = sorted(offline.allowed())
    results["leaks"] = list(leaks)
    return results


def write(path: str | Path) -> None:
    """Probe and write the answers as JSON (for a child that cannot return them)."""
    Path(path).write_text(json.dumps(probe()), encoding="utf-8")


def assert_all_blocked(results: dict[str, Any]) -> None:
    answers = {k: v for k, v in results.items() if k not in ("installed", "allowed", "leaks")}
    assert results["installed"], results
    assert set(answers.values()) == {"blocked"}, answers
    assert results["leaks"] == [], results["leaks"]
