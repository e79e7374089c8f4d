"""Privacy rules that reach past the core: no network client anywhere in the project, and
no library that phones home (or leaves telemetry files) loaded by a job."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.test_architecture import NETWORK_MODULES, _imports

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "scripts" / "prepare_demo_model.py"}  # setup-time download, never at run time
SKIP_DIRS = {".venv", "build", "dist", ".git", "__pycache__", ".mypy_cache", ".ruff_cache"}


def _project_files() -> list[Path]:
    tops = [d for d in ROOT.iterdir() if d.is_dir() and d.name not in SKIP_DIRS
            and not d.name.startswith(".")]
    files = [p for d in tops for p in d.rglob("*.py")] + list(ROOT.glob("*.py"))
    return [p for p in files if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)]


def _dynamic_imports(path: Path) -> list[str]:
    """Module names given as string literals to ``importlib.import_module``/``__import__``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if called in ("import_module", "__import__") and isinstance(first, ast.Constant) \
                and isinstance(first.value, str):
            names.append(first.value)
    return names


def _is_network(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)


def test_no_network_client_anywhere_in_the_project() -> None:
    """Scripts, benchmarks, tests and the installer too, static and dynamic imports."""
    files = _project_files()
    assert len(files) > 50 and ROOT / "main.py" in files
    offenders = [f"{p.relative_to(ROOT)} imports {name}"
                 for p in files if p not in ALLOWED
                 for name in _imports(p) + _dynamic_imports(p) if _is_network(name)]
    assert not offenders, offenders


def test_the_scanner_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import urllib.request\nfrom http import client\n"
                      "from PySide6 import QtNetwork\nimport importlib\n"
                      "importlib.import_module('requests')\n__import__('http.client')\n")
    found = [n for n in _imports(sample) + _dynamic_imports(sample) if _is_network(n)]
    assert set(found) >= {"urllib.request", "http.client", "PySide6.QtNetwork", "requests"}


def test_pdf_code_never_loads_onnxruntime() -> None:
    """PyMuPDF 2 pulls in its ONNX layout analyser, and onnxruntime writes a telemetry
    session file into the temp folder: neither the writers nor the reader may load it."""
    code = ("import sys\n"
            "import app.formats.builtin, app.formats.pdf_writer, app.formats.pdf_bilingual\n"
            "import app.formats.pdf_preload\n"
            "import pymupdf\n"
            "bad = [m for m in ('onnxruntime', 'pymupdf4llm') if sys.modules.get(m)]\n"
            "print('loaded:', bad)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "loaded: []"
