"""Linux desktop integration: the .desktop entry, the icons and their install script."""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.installer.conftest import INSTALLER, ROOT

DESKTOP = INSTALLER / "linux" / "passerelle.desktop"
SCRIPT = INSTALLER / "linux" / "install_desktop.sh"
ICONS = INSTALLER / "icons"
MIME = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml."
        "document")


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_declares_the_app_and_its_document_types() -> None:
    entry = _entry(DESKTOP)
    assert entry["Type"] == "Application" and entry["Name"] == "Passerelle"
    assert entry["Icon"] == "passerelle" and entry["Terminal"] == "false"
    assert entry["Exec"].endswith(" %F")  # several files open as one queue
    assert entry["MimeType"].split(";")[:-1] == list(MIME)
    assert entry["Categories"].endswith(";")
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icons_match_the_app_svg() -> None:
    svg = ROOT / "resources" / "icons" / "app.svg"
    assert (ICONS / "passerelle.svg").read_bytes() == svg.read_bytes()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert _png_size(ICONS / f"passerelle-{size}.png") == (size, size)
    ico = (ICONS / "passerelle.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    assert ico[6] == 16 and ico[6 + 16 * (count - 1)] == 0  # 16 px first, 256 px ("0") last


def _fake_bundle(root: Path) -> Path:
    bundle = root / "Passerelle $HOME \"v1\""
    bundle.mkdir(parents=True)
    exe = bundle / "passerelle"
    exe.write_text("#!/bin/sh\necho fake\n")
    exe.chmod(0o755)
    return bundle


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "share"))
    env["PATH"] = "/usr/bin:/bin"  # whatever xdg tools this machine has; none are required
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_and_uninstall_for_the_user(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path)
    result = _run(["--bundle", str(bundle)], tmp_path)
    assert result.returncode == 0, result.stderr
    share = tmp_path / "share"
    installed = share / "applications" / "passerelle.desktop"
    entry = _entry(installed)
    # quoted per the Desktop Entry spec: \" and \$ inside quotes, the backslash doubled
    quoted = str(bundle / "passerelle").replace('"', '\\\\"').replace("$", "\\\\$")
    assert installed.read_text(encoding="utf-8").count(f'Exec="{quoted}" %F') == 1
    assert entry["TryExec"] == str(bundle / "passerelle")
    assert entry["MimeType"] == _entry(DESKTOP)["MimeType"]
    assert (share / "icons/hicolor/48x48/apps/passerelle.png").read_bytes() == \
        (ICONS / "passerelle-48.png").read_bytes()
    assert (share / "icons/hicolor/scalable/apps/passerelle.svg").is_file()
    link = tmp_path / "home" / ".local" / "bin" / "passerelle"
    assert link.resolve() == (bundle / "passerelle").resolve()

    result = _run(["--uninstall"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not installed.exists() and not link.exists()
    assert not (share / "icons/hicolor/48x48/apps/passerelle.png").exists()


def test_install_refuses_a_folder_without_the_app(tmp_path: Path) -> None:
    result = _run(["--bundle", str(tmp_path)], tmp_path)
    assert result.returncode == 1
    assert "No Passerelle bundle found" in result.stderr
    assert not (tmp_path / "share" / "applications").exists()
