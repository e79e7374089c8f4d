"""The offline guard refuses non-loopback traffic *before* the real socket call.

No test here lets a packet leave loopback: the real ``connect``/``getaddrinfo`` are
replaced by recorders before the guard is installed, so a guard failure would be
caught by the recorder, not sent.  192.0.2.1 is TEST-NET-1 (never routed).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from engines import offline
from engines.errors import NetworkBlocked

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorders() -> Iterator[dict[str, mock.Mock]]:
    """Swap the real socket functions for recorders underneath a fresh guard."""
    offline.uninstall()
    recs = {
        "connect": mock.Mock(return_value=None),
        "connect_ex": mock.Mock(return_value=0),
        "sendto": mock.Mock(return_value=0),
        "getaddrinfo": mock.Mock(return_value=[]),
    }
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto,
             socket.getaddrinfo)
    socket.socket.connect = recs["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = recs["connect_ex"]  # type: ignore[method-assign]
    socket.socket.sendto = recs["sendto"]  # type: ignore[method-assign]
    socket.getaddrinfo = recs["getaddrinfo"]
    offline.install()
    try:
        yield recs
    finally:
        offline.uninstall()
        (socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto,
         socket.getaddrinfo) = saved  # type: ignore[method-assign]
        offline.install()


def test_outbound_connect_is_refused_before_the_real_call(recorders: dict[str, mock.Mock],
                                                          caplog: pytest.LogCaptureFixture) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked, match="Network access is disabled"):
            s.connect(("192.0.2.1", 443))
        with pytest.raises(NetworkBlocked):
            s.connect_ex(("192.0.2.1", 80))
    finally:
        s.close()
    recorders["connect"].assert_not_called()
    recorders["connect_ex"].assert_not_called()
    assert "blocked connection" in caplog.text


def test_ipv6_and_udp_are_refused(recorders: dict[str, mock.Mock]) -> None:
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(NetworkBlocked):
            s6.connect(("2001:db8::1", 443, 0, 0))
        with pytest.raises(NetworkBlocked):
            u.sendto(b"x", ("192.0.2.1", 53))
    finally:
        s6.close()
        u.close()
    recorders["connect"].assert_not_called()
    recorders["sendto"].assert_not_called()


def test_name_lookup_is_refused_without_a_dns_query(recorders: dict[str, mock.Mock]) -> None:
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.org", 443)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.org", 443), timeout=1)
    recorders["getaddrinfo"].assert_not_called()
    recorders["connect"].assert_not_called()


def test_loopback_passes_through(recorders: dict[str, mock.Mock]) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.connect(("127.0.0.1", 9))
        s.connect(("localhost", 9))
    finally:
        s.close()
    assert recorders["connect"].call_count == 2
    socket.getaddrinfo("localhost", 80)
    recorders["getaddrinfo"].assert_called_once()


def test_is_loopback_classification() -> None:
    assert offline.is_loopback("127.0.0.5")
    assert offline.is_loopback("::1")
    assert offline.is_loopback("[::1]")
    assert offline.is_loopback("localhost")
    assert not offline.is_loopback("10.0.0.1")
    assert not offline.is_loopback("192.0.2.1")
    assert not offline.is_loopback("example.org")


def test_guard_is_active_for_the_whole_test_session() -> None:
    assert offline.is_installed()


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
