"""installer/bundle_filter.py: what the bundle leaves out, and the Windows spec helpers."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from installer import bundle_filter as bf
from installer import spec_windows
from tests.installer.conftest import INSTALLER

QT = "PySide6/Qt"


@pytest.mark.parametrize("dest", [
    f"{QT}/lib/libQt6Quick.so.6", f"{QT}/lib/libQt6WebEngineCore.so.6", "libQt6Qml.so.6",
    f"{QT}/plugins/sqldrivers/libqsqlite.so", f"{QT}/plugins/generic/libqtuiotouchplugin.so",
    f"{QT}/plugins/platforms/libqvnc.so", f"{QT}/plugins/platformthemes/libqgtk3.so",
    f"{QT}/translations/qtbase_de.qm", f"{QT}/translations/qtdeclarative_fr.qm",
    f"{QT}/qml/QtQuick/Controls/qmldir", ".cache/models/x/model.bin", "m/model.bin",
    "weights.gguf", "PySide6\\Qt6Network.dll", f"{QT}/lib/libQt6OpenGLWidgets.so.6",
])
def test_dropped(dest: str) -> None:
    assert bf.dropped(dest)


@pytest.mark.parametrize("dest", [
    f"{QT}/lib/libQt6Widgets.so.6", f"{QT}/lib/libQt6Svg.so.6", f"{QT}/lib/libQt6XcbQpa.so.6",
    f"{QT}/lib/libQt6OpenGL.so.6",
    f"{QT}/plugins/platforms/libqxcb.so", f"{QT}/plugins/platforms/libqoffscreen.so",
    f"{QT}/plugins/platforms/libqwayland.so", f"{QT}/plugins/imageformats/libqsvg.so",
    f"{QT}/plugins/iconengines/libqsvgicon.so", f"{QT}/translations/qtbase_fr.qm",
    "ctranslate2.libs/libctranslate2-a7a60d30.so.4.8.5", "lingua/lingua.so",
    "resources/i18n/passerelle_fr.qm", "PySide6\\plugins\\platforms\\qwindows.dll",
])
def test_kept(dest: str) -> None:
    assert not bf.dropped(dest)


def test_libraries_only_dropped_files_need_go_too() -> None:
    toc = [(f"{QT}/plugins/platformthemes/libqgtk3.so", "/s/libqgtk3.so", "BINARY"),
           ("libgtk-3.so.0", "/s/libgtk-3.so.0", "BINARY"),
           ("libcairo.so.2", "/s/libcairo.so.2", "BINARY"),
           ("libglib-2.0.so.0", "/s/libglib-2.0.so.0", "BINARY"),
           (f"{QT}/lib/libQt6Gui.so.6", "/s/libQt6Gui.so.6", "BINARY"),
           ("libunrelated.so", "/s/libunrelated.so", "BINARY")]
    needed = {"/s/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6"],
              "/s/libgtk-3.so.0": ["libcairo.so.2", "libglib-2.0.so.0"],
              "/s/libQt6Gui.so.6": ["libglib-2.0.so.0"]}
    kept = bf.filter_binaries(toc, lambda src: needed.get(src, []))
    assert [e[0] for e in kept] == ["libglib-2.0.so.0", f"{QT}/lib/libQt6Gui.so.6",
                                    "libunrelated.so"]


def test_forbidden_pattern_catches_models_and_heavy_modules() -> None:
    for bad in ("_internal/model.bin", "_internal/.cache/x", "_internal/torch/lib.so",
                "_internal/PySide6/Qt/lib/libQt6WebEngineCore.so.6", "_internal/tests/x.py"):
        assert bf.FORBIDDEN_IN_BUNDLE.search(bad), bad
    assert not bf.FORBIDDEN_IN_BUNDLE.search("_internal/ctranslate2/_ext.so")


@pytest.mark.skipif(shutil.which("strip") is None or shutil.which("cc") is None,
                    reason="needs strip and a C compiler")
def test_strip_debug_keeps_a_working_binary(tmp_path: Path) -> None:
    (tmp_path / "hello.c").write_text('#include <stdio.h>\nint main(void){puts("hi");return 0;}\n'
                                      + "".join(f"int f{i}(int x){{return x*{i};}}\n"
                                                for i in range(3000)))
    exe = tmp_path / "pkg" / "hello"
    exe.parent.mkdir()
    subprocess.run(["cc", "-g3", "-O0", "-o", str(exe), str(tmp_path / "hello.c")], check=True)
    vendored = tmp_path / "pkg.libs" / "hello"
    vendored.parent.mkdir()
    shutil.copy2(exe, vendored)
    before = exe.stat().st_size
    saved = bf.strip_debug(tmp_path, min_saving=1)
    assert saved == before - exe.stat().st_size > 0
    assert vendored.stat().st_size == before  # auditwheel-vendored folders are left alone
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout == "hi\n"
    assert not list(tmp_path.rglob("*.stripped"))


def test_windows_version_resource() -> None:
    assert spec_windows.version_tuple("1.2rc3") == (1, 2, 0, 0)
    assert spec_windows.version_tuple("2.10.3.7.9") == (2, 10, 3, 7)


def test_windows_version_file_is_python(tmp_path: Path) -> None:
    path = spec_windows.version_file(tmp_path, "Passerelle.exe")
    tree = ast.parse(path.read_text(encoding="utf-8"), mode="eval")
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"  # type: ignore[attr-defined]
    assert "'OriginalFilename', 'Passerelle.exe'" in path.read_text(encoding="utf-8")


def test_spec_compiles_and_names_the_windows_module() -> None:
    source = (INSTALLER / "passerelle.spec").read_text(encoding="utf-8")
    compile(source, "passerelle.spec", "exec")
    assert "import spec_windows" in source and "EXCLUDED_MODULES" in source
