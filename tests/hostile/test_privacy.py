"""Privacy rules that reach past the core: no network client anywhere in the project, and
no library that phones home (or leaves telemetry files) loaded by a job."""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import docx
import pymupdf
import pytest

from tests.docgen import simple_docx
from tests.hostile.helpers import sha256
from tests.test_architecture import NETWORK_MODULES, _imports

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "scripts" / "prepare_demo_model.py",  # setup-time download, never at run time
           ROOT / "tests" / "engines" / "test_offline.py",  # loopback HTTP to test the guard
           # The intranet engines' one HTTP module (declared servers only, through the guard),
           # and the loopback fault proxy and server launcher of their tests.
           ROOT / "engines" / "remote" / "http.py", ROOT / "tests" / "faultproxy.py",
           ROOT / "engines" / "remote" / "config.py",  # urllib.parse: URL parsing only
           ROOT / "scripts" / "intranet_servers.py"}
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


# --- nothing written outside the data dir and the chosen outputs: every path -------------
# The existing DOCX/PDF pseudo-engine case is tests/hostile/test_environment.py
# (test_a_job_writes_only_its_output_and_data_dir); these cover the real paths.

LOHELP = ROOT.parent / "shared" / "models" / "fr-en-lohelp-small"
TOY = ROOT / "tests" / "fixtures" / "toy_model"
LOHELP_FR = ["Choisissez Format - Cellules, puis cliquez sur l'onglet Nombres.",
             "Pour insérer un tableau, choisissez Tableau - Insérer un tableau.",
             "Cette fonction n'est disponible que si la barre d'outils est affichée.",
             "Sélectionnez le texte que vous souhaitez modifier."]
TOY_EN = ["the cat sees the dog.", "the officer reads the report.", "my dog likes water."]


@dataclass
class Fresh:
    """A subprocess environment whose HOME, TMPDIR, XDG folders and working directory are
    fresh empty folders; ``inbox`` holds the sources and the outputs, ``data`` the data dir."""

    watched: dict[str, Path]
    inbox: Path
    data: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              cwd=self.watched["cwd"], env=self.env, timeout=timeout)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self.run(str(ROOT / "main.py"), *args)
        assert proc.returncode == 0, proc.stderr
        return proc

    def assert_untouched(self) -> None:
        for name, folder in self.watched.items():
            found = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
            assert not found, f"{name} received {found}"


@pytest.fixture
def fresh(tmp_path: Path) -> Fresh:
    watched = {name: tmp_path / name for name in ("home", "tmp", "cwd", "cache", "config")}
    for folder in watched.values():
        folder.mkdir()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PASSERELLE_"))}
    env.update(HOME=str(watched["home"]), TMPDIR=str(watched["tmp"]),
               XDG_CACHE_HOME=str(watched["cache"]), XDG_CONFIG_HOME=str(watched["config"]),
               XDG_DATA_HOME=str(watched["home"] / ".local" / "share"),
               PASSERELLE_DATA_DIR=str(tmp_path / "data"), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    if "PASSERELLE_PREPARED_MODELS" in os.environ:  # where the demo LLM was prepared
        env["PASSERELLE_PREPARED_MODELS"] = os.environ["PASSERELLE_PREPARED_MODELS"]
    return Fresh(watched, inbox, tmp_path / "data", env)


@pytest.fixture(scope="module")
def real_model() -> tuple[Path, str, str, list[str]]:
    """(folder, source, target, sentences): the real lohelp model when the shared folder
    has it, else the toy CTranslate2 fixture (the same CTranslate2 + sentencepiece path)."""
    if (LOHELP / "model.bin").is_file():
        return LOHELP, "fr", "en", LOHELP_FR
    return TOY, "en", "xx", TOY_EN


def _memory_rows(data: Path) -> int:
    db = data / "memory.sqlite3"
    assert db.is_file(), "the translation memory was not used"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return sum(con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)


def test_ct2_with_detection_and_memory_writes_only_output_and_data_dir(
        fresh: Fresh, real_model: tuple[Path, str, str, list[str]]) -> None:
    """A real CTranslate2 model, the source language detected (no --from), the translation
    memory filled then reused: only the output, the dump asked for and the data dir."""
    model, src_lang, tgt, sentences = real_model
    src = simple_docx(fresh.inbox / "aide.docx", sentences)
    digest = sha256(src)
    dump = fresh.inbox / "dump"
    fresh.cli("translate", str(src), "--to", tgt, "--model", str(model), "--device", "cpu",
              "--dump", str(dump), "--quiet")
    out = fresh.inbox / f"aide.{tgt}.docx"
    first = [p.text for p in docx.Document(str(out)).paragraphs]
    rows = _memory_rows(fresh.data)
    assert rows >= len(sentences)
    languages = {b.get("language") for f in dump.glob("*.json")
                 for b in json.loads(f.read_text(encoding="utf-8")).get("blocks", [])}
    assert src_lang in languages, f"detection gave {languages}"
    fresh.cli("translate", str(src), "--to", tgt, "--model", str(model), "--device", "cpu",
              "--overwrite", "--quiet")
    assert [p.text for p in docx.Document(str(out)).paragraphs] == first
    assert _memory_rows(fresh.data) == rows, "the second run is served by the memory"
    assert sorted(p.name for p in fresh.inbox.iterdir()) == sorted(
        ["aide.docx", out.name, f"{out.name}.fidelity.json", "dump"])
    assert sha256(src) == digest
    fresh.assert_untouched()


def test_summarize_and_report_write_only_their_outputs_and_data_dir(
        fresh: Fresh, real_model: tuple[Path, str, str, list[str]]) -> None:
    model, _src_lang, tgt, sentences = real_model
    src = simple_docx(fresh.inbox / "aide.docx", sentences * 3,
                      header="DIFFUSION RESTREINTE")
    fresh.cli("summarize", str(src), "--engine", "extractive", "--out",
              str(fresh.inbox / "summary.md"), "--quiet")
    fresh.cli("report", str(src), "--to", tgt, "--model", str(model), "--device", "cpu",
              "--summary-engine", "extractive", "--out", str(fresh.inbox / "report.pdf"),
              "--quiet")
    assert (fresh.inbox / "summary.md").read_text(encoding="utf-8").strip()
    with pymupdf.open(fresh.inbox / "report.pdf") as pdf:
        assert "DIFFUSION RESTREINTE" in pdf[0].get_text()
    assert {p.name for p in fresh.inbox.iterdir()} >= {"aide.docx", "summary.md", "report.pdf"}
    assert not [p.name for p in fresh.inbox.iterdir()
                if not p.name.startswith(("aide.docx", "summary.md", "report.pdf"))]
    fresh.assert_untouched()


GUI_SESSION = """
import sys, time
from pathlib import Path
from app.ui import isolation
from app.ui.i18n import LanguageManager
from app.ui.jobs import JobState
from app.ui.main import create_app, preload
from app.ui.mainwindow import MainWindow
from app.ui.settings import AppSettings
from engines import offline

offline.install()
src, out, model, tgt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
app = create_app()
preload()
window = MainWindow(AppSettings(model=model, target_lang=tgt, device="cpu"), LanguageManager())
window.show()
exported = []
window.controller.exported.connect(lambda jid, path: exported.append(path))
(jid,) = window.add_files([src])
item = window.controller.model.by_id(jid)
deadline = time.monotonic() + 300
while item.state is not JobState.READY and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
    if item.state in (JobState.FAILED, JobState.CANCELLED):
        sys.exit(f"job {item.state}: {item.error}")
assert window.start_export(jid, "docx", out)
while not exported and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
window.save_geometry()
assert window.controller.shutdown(10_000)
window.close()
isolation.shutdown()
print("exported", exported)
"""


def test_gui_session_translates_and_exports_writing_only_output_and_data_dir(
        fresh: Fresh, real_model: tuple[Path, str, str, list[str]]) -> None:
    """The offscreen GUI: the job (detection in the isolation child, the real model, the
    memory), the export, the settings and window geometry: nothing outside the data dir."""
    model, _src_lang, tgt, sentences = real_model
    src = simple_docx(fresh.inbox / "aide.docx", sentences)
    out = fresh.inbox / f"aide.{tgt}.docx"
    proc = fresh.run("-c", GUI_SESSION, str(src), str(out), str(model), tgt)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "exported" in proc.stdout and out.is_file()
    assert [p.text for p in docx.Document(str(out)).paragraphs] != sentences
    assert (fresh.data / "settings.ini").is_file()
    _memory_rows(fresh.data)
    assert not [p.name for p in fresh.inbox.iterdir()
                if not p.name.startswith(("aide.docx", out.name))]
    fresh.assert_untouched()
