"""Start-up check: with the xcb plugin's system libraries missing, main.py prints the
``apt-get install`` line and exits, instead of Qt's "could not load the Qt platform
plugin" abort (core dump)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui import syslibs

ROOT = Path(__file__).resolve().parents[2]
LDD_MISSING = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => not found
\tlibQt6XcbQpa.so.6 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""
DPKG_ALL = "".join(f"{p} install ok installed\n" for p in syslibs.PACKAGES)


def _fake_bin(folder: Path, name: str, output: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}EOF\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux only")
def test_main_prints_the_apt_line_instead_of_qt_abort(tmp_path: Path) -> None:
    """A fake dpkg-query (nothing installed) and a fake ldd (libxcb-cursor not found) hide
    the libraries; the old main.py went on to create the QApplication and Qt aborted."""
    fake = tmp_path / "bin"
    fake.mkdir()
    _fake_bin(fake, "dpkg-query", "libegl1 install ok installed\n")
    _fake_bin(fake, "ldd", LDD_MISSING)
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY",)}
    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=":97", PATH=f"{fake}{os.pathsep}{env['PATH']}",
               PASSERELLE_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    env.pop("PASSERELLE_NO_QT_CHECK", None)
    done = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert "could not load the Qt platform plugin" not in done.stderr
    line = next(ln for ln in done.stderr.splitlines() if "apt-get install" in ln)
    packages = line.split("apt-get install -y", 1)[1].split()
    assert packages[:2] == ["libxcb-cursor0", "libxcb-icccm4"]  # from ldd, first
    assert set(packages) == set(syslibs.PACKAGES) - {"libegl1"}  # and from dpkg-query
    assert "libxcb-cursor.so.0" in done.stderr


def test_ldd_names_only_system_libraries(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    outputs = {"ldd": LDD_MISSING, "dpkg-query": DPKG_ALL}
    missing = syslibs.check({"QT_QPA_PLATFORM": "xcb"}, lambda cmd: outputs[cmd[0]], plugin)
    if missing is None:  # no ldd nor dpkg-query on this system
        pytest.skip("neither ldd nor dpkg-query is installed")
    assert missing.libraries == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]  # Qt's own: no
    assert missing.apt_line == "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4"


def test_nothing_missing_gives_none(tmp_path: Path) -> None:
    outputs = {"ldd": "\tlibc.so.6 => /lib/libc.so.6\n", "dpkg-query": DPKG_ALL}
    assert syslibs.check({"QT_QPA_PLATFORM": "xcb"}, lambda cmd: outputs[cmd[0]],
                         tmp_path / "libqxcb.so") is None


def test_dpkg_line_with_architecture_and_half_installed() -> None:
    out = ("libxcb-cursor0:amd64 install ok installed\n"
           "libgl1 deinstall ok config-files\n")
    missing = syslibs.missing_from_dpkg(lambda cmd: out)
    assert "libxcb-cursor0" not in missing and "libgl1" in missing


@pytest.mark.parametrize(("env", "expected"), [
    ({"QT_QPA_PLATFORM": "offscreen"}, False),
    ({"QT_QPA_PLATFORM": "wayland"}, False),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:foo=1"}, True),
    ({}, True),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, False),
])
def test_only_xcb_is_checked(env: dict[str, str], expected: bool) -> None:
    assert syslibs.uses_xcb(env, platform="linux") is expected
    if not expected:  # the runner would fail the test if it were called
        assert syslibs.check(env, lambda cmd: pytest.fail(f"ran {cmd}")) is None


def test_other_systems_are_not_checked() -> None:
    assert syslibs.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, platform="win32") is False
