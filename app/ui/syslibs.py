"""Before the QApplication exists: does Qt's xcb platform plugin find its system libraries?

A fresh Debian lacks some of them (``libxcb-cursor0``, ``libxcb-icccm4``…); Qt then prints
"could not load the Qt platform plugin" and aborts with a core dump.  :func:`check` looks
first (``ldd`` on the plugin, and ``dpkg-query`` on Debian-like systems, the same package
list as ``scripts/check_qt_syslibs.sh``) and returns the exact ``apt-get install`` line.

This module imports no Qt: it runs before Qt is loaded.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Debian packages the xcb plugin needs (same list as scripts/check_qt_syslibs.sh).
PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
            "libxcb-render-util0", "libxcb-xkb1", "libxkbcommon-x11-0", "libxcb-shape0",
            "libxcb-randr0", "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3")
# Shared objects ``ldd`` may report as "not found", and the package that provides each.
SONAME_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0", "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)

Runner = Callable[[list[str]], str]


@dataclass
class Missing:
    """Packages to install, and the shared objects that showed they are missing."""

    packages: list[str]
    libraries: list[str]

    @property
    def apt_line(self) -> str:
        return "sudo apt-get install -y " + " ".join(self.packages)

    def message(self) -> str:
        libs = f" ({', '.join(self.libraries)} not found)" if self.libraries else ""
        return ("Passerelle cannot open its window: Qt's display plugin (xcb) needs system "
                f"libraries that are missing{libs}.\nInstall them, then start Passerelle "
                f"again:\n\n    {self.apt_line}\n")


def _run(cmd: list[str]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    return done.stdout + done.stderr


def uses_xcb(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will load the xcb plugin (offscreen, wayland… need no check)."""
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland")


def plugin_path() -> Path | None:
    """``libqxcb.so`` of the PySide6 that will run (also inside the PyInstaller bundle)."""
    roots: list[Path] = []
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "PySide6")
    for root in roots:
        for rel in ("Qt/plugins/platforms/libqxcb.so", "plugins/platforms/libqxcb.so"):
            if (root / rel).is_file():
                return root / rel
    return None


def missing_from_ldd(plugin: Path, run: Runner = _run) -> list[str]:
    """System libraries ``ldd`` cannot find for the plugin (Qt's own ones are ignored:
    inside the bundle they are found at run time through the bundle's path)."""
    try:
        out = run(["ldd", str(plugin)])
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("ldd failed: %s", exc)
        return []
    return sorted({s for s in _NOT_FOUND.findall(out) if s in SONAME_PACKAGES})


def missing_from_dpkg(run: Runner = _run) -> list[str]:
    """Packages of :data:`PACKAGES` that dpkg does not list as installed."""
    try:
        out = run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *PACKAGES])
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("dpkg-query failed: %s", exc)
        return []
    installed = {line.split()[0].split(":")[0] for line in out.splitlines()
                 if line.strip().endswith("install ok installed")}
    return [p for p in PACKAGES if p not in installed]


def check(env: Mapping[str, str] | None = None, run: Runner = _run,
          plugin: Path | None = None) -> Missing | None:
    """What to install before Qt can open a window, or None (nothing missing, or not xcb)."""
    if not uses_xcb(env):
        return None
    plugin = plugin or plugin_path()
    libraries = missing_from_ldd(plugin, run) if plugin and shutil.which("ldd") else []
    packages = [SONAME_PACKAGES[s] for s in libraries]
    if shutil.which("dpkg-query"):
        packages += missing_from_dpkg(run)
    packages = list(dict.fromkeys(packages))
    return Missing(packages, libraries) if packages else None
