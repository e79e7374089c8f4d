"""The offline guard refuses non-loopback traffic *before* the real socket call.

No test here lets a packet leave loopback: every real lookup and socket method is replaced
by a *sentinel* before the guard is installed.  A sentinel passes loopback calls to the real
function and only records the others (returning a made-up answer), so a guard failure is
caught by the sentinel, never sent.  192.0.2.0/24 is TEST-NET-1, 2001:db8::/32 the IPv6
documentation prefix, ``*.example`` a reserved name: none is routed or resolvable anyway.
"""

from __future__ import annotations

import _socket
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engines import offline
from engines.errors import NetworkBlocked

ROOT = Path(__file__).resolve().parents[2]
INTRANET_IP = "10.1.2.3"
LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
METHODS = ("connect", "connect_ex", "sendto", "sendmsg")


def _fake_lookup(name: str, args: tuple[Any, ...]) -> Any:
    if name == "getaddrinfo":
        port = args[1] if len(args) > 1 else 0
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (INTRANET_IP, int(port or 0)))]
    if name == "gethostbyname":
        return INTRANET_IP
    if name in ("gethostbyname_ex", "gethostbyaddr"):
        return (str(args[0]), [], [INTRANET_IP])
    return (INTRANET_IP, "0")


def _host_of(name: str, args: tuple[Any, ...]) -> Any:
    """The destination host of a call (``args`` without ``self`` for the methods)."""
    if name in ("connect", "connect_ex", "sendto"):
        address = args[-1]
    elif name == "sendmsg":
        address = args[3] if len(args) > 3 else None
    elif name == "getnameinfo":
        address = args[0]
    else:
        return args[0] if args else None
    return address[0] if isinstance(address, tuple) else address


@dataclass
class Sentinels:
    """What reached the real functions' places: (function name, host) per call."""

    passed: list[tuple[str, Any]] = field(default_factory=list)  # loopback, really called
    caught: list[tuple[str, Any]] = field(default_factory=list)  # non-loopback, NOT sent

    def hosts(self, name: str) -> list[Any]:
        return [h for n, h in self.caught if n == name]


def _sentinel_lookup(rec: Sentinels, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def sentinel(*args: Any, **kwargs: Any) -> Any:
        host = _host_of(name, args)
        if host is None or offline.is_loopback(host):
            rec.passed.append((name, host))
            return real(*args, **kwargs)
        rec.caught.append((name, host))
        return _fake_lookup(name, args)
    return sentinel


def _sentinel_method(rec: Sentinels, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def sentinel(self: socket.socket, *args: Any) -> Any:
        host = "localhost" if self.family == socket.AF_UNIX else _host_of(name, args)
        if host is None or offline.is_loopback(host):
            rec.passed.append((name, host))
            return real(self, *args)
        rec.caught.append((name, host))
        return 0 if name != "connect" else None
    return sentinel


@pytest.fixture
def sentinels() -> Iterator[Sentinels]:
    """Sentinels under a fresh guard (empty allow-list); the session guard comes back after."""
    offline.uninstall()
    rec = Sentinels()
    saved: list[tuple[Any, str, Any]] = []
    for module in (socket, _socket):
        for name in LOOKUPS:
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, _sentinel_lookup(rec, name, getattr(module, name)))
    for name in METHODS:
        saved.append((socket.socket, name, getattr(socket.socket, name)))
        setattr(socket.socket, name, _sentinel_method(rec, name, getattr(socket.socket, name)))
    offline.install()
    try:
        yield rec
    finally:
        offline.uninstall()
        for owner, name, real in saved:
            setattr(owner, name, real)
        offline.install()


@pytest.fixture
def listener() -> Iterator[tuple[str, int]]:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server.getsockname()
    finally:
        server.close()


@pytest.mark.parametrize("module", [socket, _socket], ids=["socket", "_socket"])
@pytest.mark.parametrize("call", [
    ("getaddrinfo", ("example.org", 443)),
    ("getaddrinfo", ("192.0.2.1", None)),
    ("gethostbyname", ("example.org",)),
    ("gethostbyname_ex", ("example.org",)),
    ("gethostbyaddr", ("192.0.2.1",)),
    ("gethostbyaddr", ("example.org",)),
    ("getnameinfo", (("192.0.2.1", 80), 0)),
    ("getnameinfo", (("2001:db8::1", 80, 0, 0), socket.NI_NUMERICHOST)),
])
def test_every_lookup_is_refused_before_the_resolver(sentinels: Sentinels, module: Any,
                                                     call: tuple[str, tuple[Any, ...]]) -> None:
    name, args = call
    with pytest.raises(NetworkBlocked, match="Network access is disabled"):
        getattr(module, name)(*args)
    assert sentinels.caught == []


def test_outbound_socket_paths_are_refused(sentinels: Sentinels,
                                           caplog: pytest.LogCaptureFixture) -> None:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for attempt in (lambda: tcp.connect(("192.0.2.1", 443)),
                        lambda: tcp.connect_ex(("192.0.2.1", 80)),
                        lambda: tcp.connect(("example.org", 80)),  # C resolves: guarded first
                        lambda: tcp6.connect(("2001:db8::1", 443, 0, 0)),
                        lambda: udp.sendto(b"x", ("192.0.2.1", 53)),
                        lambda: udp.sendto(b"x", 0, ("192.0.2.1", 53)),
                        lambda: udp.sendmsg([b"x"], [], 0, ("192.0.2.1", 53)),
                        lambda: socket.create_connection(("example.org", 443), timeout=1),
                        lambda: socket.create_connection(("192.0.2.1", 443), timeout=1)):
            with pytest.raises(NetworkBlocked):
                attempt()
    finally:
        for s in (tcp, tcp6, udp):
            s.close()
    assert sentinels.caught == []
    assert "blocked connection" in caplog.text


def test_loopback_and_local_sockets_pass(sentinels: Sentinels,
                                         listener: tuple[str, int]) -> None:
    host, port = listener
    with socket.create_connection(("localhost", port), timeout=5):
        pass
    with socket.socket() as s:
        assert s.connect_ex((host, port)) == 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b"x", ("127.0.0.1", port))
        u.sendmsg([b"x"], [], 0, ("127.0.0.1", port))
    a, b = socket.socketpair()
    a.sendmsg([b"ping"])
    assert b.recv(4) == b"ping"
    a.close()
    b.close()
    assert socket.gethostbyname("localhost").startswith("127.")
    assert sentinels.caught == []
    assert {"getaddrinfo", "connect", "connect_ex", "sendto", "sendmsg"} <= {
        n for n, _ in sentinels.passed}


def test_allow_list_admits_exactly_its_pairs(sentinels: Sentinels) -> None:
    offline.install(allow=[("Intranet.Example", 8080), ("10.5.5.5", 443)])
    assert offline.allowed() == frozenset({("intranet.example", 8080), ("10.5.5.5", 443)})
    # the allowed name resolves (to the sentinel), and its address is allowed on 8080 only
    infos = socket.getaddrinfo("intranet.example", 8080)
    assert infos[0][4] == (INTRANET_IP, 8080)
    with socket.socket() as s:
        s.connect((INTRANET_IP, 8080))
        s.connect(("intranet.example", 8080))
        s.connect(("10.5.5.5", 443))
        for refused in ((INTRANET_IP, 8081), ("intranet.example", 80), ("10.5.5.5", 80),
                        ("10.5.5.6", 443), ("192.0.2.1", 8080)):
            with pytest.raises(NetworkBlocked):
                s.connect(refused)
    for host, port in (("other.example", 8080), ("intranet.example", 9999),
                       ("intranet.example.evil.example", 8080)):
        with pytest.raises(NetworkBlocked):
            socket.getaddrinfo(host, port)
    with pytest.raises(NetworkBlocked):
        socket.gethostbyname("other.example")
    assert socket.gethostbyname("intranet.example") == INTRANET_IP
    assert sentinels.hosts("connect") == [INTRANET_IP, "intranet.example", "10.5.5.5"]
    assert set(sentinels.hosts("getaddrinfo")) | set(sentinels.hosts("gethostbyname")) == {
        "intranet.example"}
    # install() with no argument narrows the list back to empty: the pair is refused again
    offline.install()
    assert offline.allowed() == frozenset()
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect((INTRANET_IP, 8080))
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("intranet.example", 8080)


@pytest.mark.parametrize("bad", [[("host",)], [("host", 0)], [("host", 70000)], [("", 80)],
                                 [("host", "80")], [("host", True)], ["host:80"]])
def test_malformed_allow_list_is_rejected(sentinels: Sentinels, bad: list[Any]) -> None:
    with pytest.raises(ValueError):
        offline.install(allow=bad)
    assert offline.allowed() == frozenset()


class _Redirect(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("target", ["http://other.example:8080/x", f"http://{INTRANET_IP}:8081/",
                                    "http://intranet.example:9999/", "http://192.0.2.1:8080/"])
def test_an_http_redirect_to_another_host_is_refused(sentinels: Sentinels, target: str) -> None:
    """A real HTTP exchange on loopback whose redirect leaves the allow-list."""
    offline.install(allow=[("intranet.example", 8080)])
    handler = type("Handler", (_Redirect,), {"target": target})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with pytest.raises(urllib.error.URLError) as info:
            opener.open(f"http://127.0.0.1:{server.server_port}/start", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert isinstance(info.value.reason, NetworkBlocked)
    assert sentinels.caught == []
    assert ("connect", "127.0.0.1") in sentinels.passed  # the first hop really happened


def test_is_loopback_classification() -> None:
    assert offline.is_loopback("127.0.0.5")
    assert offline.is_loopback("::1")
    assert offline.is_loopback("[::1]")
    assert offline.is_loopback("localhost")
    assert offline.is_loopback(b"127.0.0.1")
    assert not offline.is_loopback("10.0.0.1")
    assert not offline.is_loopback("192.0.2.1")
    assert not offline.is_loopback("example.org")
    assert not offline.is_loopback("localhost.example.org")
    assert not offline.is_loopback(42)


def test_guard_is_active_for_the_whole_test_session() -> None:
    assert offline.is_installed()
    assert offline.allowed() == frozenset()


def test_child_initializer_carries_the_allow_list(sentinels: Sentinels) -> None:
    offline.install(allow=[("intranet.example", 8080)])
    init, initargs = offline.child_initializer()
    assert init is offline.install and initargs == ((("intranet.example", 8080),),)
    assert offline.child_initializer(allow=())[1] == ((),)


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _unshare_works(), reason="unshare -rn is not permitted here")
def test_cli_translates_inside_a_network_namespace(tmp_path: Path) -> None:
    """End to end with no network at all (a fresh namespace has only a down loopback)."""
    from tests.docgen import simple_docx

    src = simple_docx(tmp_path / "note ç.docx", ["Le rapport FR-2024-0173 est prêt."])
    proc = subprocess.run(
        ["unshare", "-rn", sys.executable, str(ROOT / "main.py"), "translate", str(src),
         "--to", "en", "--from", "fr", "--engine", "pseudo", "--quiet"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "note ç.en.docx").is_file()


def test_run_guarded_installs_then_runs(sentinels: Sentinels) -> None:
    pairs = offline.run_guarded([("intranet.example", 8080)], offline.allowed)
    assert pairs == frozenset({("intranet.example", 8080)})
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(("192.0.2.1", 8080))
    assert sentinels.caught == []
