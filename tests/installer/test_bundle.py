"""Smoke tests of the PyInstaller bundle (dist/passerelle): the offline workstation's view.

Slow, and never part of ``make test``: they run with ``PASSERELLE_TEST_BUNDLE=1`` against an
existing ``dist/passerelle`` (``make bundle``), or with ``PASSERELLE_BUILD_BUNDLE=1``, which
builds it first (75–95 s on two cores).  ``make bundle-test`` builds and runs them.  (A
bundle left in dist/ is usually older than the code, hence the explicit switch.)
Everything runs the bundled executable with a private data folder, as on a machine
that has only the bundle folder and a model bundle.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pymupdf
import pytest

from app.cli import main as dev_cli
from app.core import buildinfo
from engines.translate.pseudo import pseudo_localize
from installer import bundle_filter, measure
from tests import docgen, modelgen
from tests.installer.conftest import INSTALLER, ROOT

pytestmark = pytest.mark.slow

BUNDLE = ROOT / "dist" / "passerelle"
EXE = BUNDLE / "passerelle"
FRENCH = ["Le rapport annuel de la commission est publié aujourd'hui à Paris.",
          "Les résultats du programme sont présentés dans le tableau suivant."]
ENGLISH = ["The annual report of the commission is published today in London.",
           "The results of the programme are presented in the following table."]


@pytest.fixture(scope="module")
def exe() -> Path:
    if os.environ.get("PASSERELLE_BUILD_BUNDLE") == "1":
        subprocess.run([str(ROOT / ".venv" / "bin" / "pyinstaller"), "--noconfirm", "--clean",
                        "--log-level", "WARN", "--distpath", str(ROOT / "dist"), "--workpath",
                        str(ROOT / "build"), str(INSTALLER / "passerelle.spec")],
                       check=True, cwd=ROOT, timeout=1200)
    elif os.environ.get("PASSERELLE_TEST_BUNDLE") != "1":
        pytest.skip("bundle smoke tests: `make bundle-test`, or PASSERELLE_TEST_BUNDLE=1 "
                    "(existing dist/passerelle) / PASSERELLE_BUILD_BUNDLE=1 (build first)")
    if not EXE.is_file():
        pytest.skip("no bundle in dist/passerelle: run `make bundle` first")
    return EXE


def run(exe: Path, args: list[str], home: Path, timeout: float = 180,
        ) -> subprocess.CompletedProcess[str]:
    """The bundled executable with its own data folder; never the checkout's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PASSERELLE"))}
    env.update(PASSERELLE_DATA_DIR=str(home / "data"), HOME=str(home),
               XDG_CONFIG_HOME=str(home / "cfg"), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=home)


def test_version(exe: Path, tmp_path: Path) -> None:
    result = run(exe, ["--version"], tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"passerelle 0\.1\.0 \(\d{4}-\d\d-\d\d(, commit [0-9a-f]{8})?, "
                        r"Linux-x86_64\)\n", result.stdout), result.stdout


def test_contents(exe: Path) -> None:
    internal = BUNDLE / "_internal"
    files = [p.relative_to(BUNDLE).as_posix() for p in BUNDLE.rglob("*")]
    assert not [f for f in files if bundle_filter.FORBIDDEN_IN_BUNDLE.search(f)]
    qt = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so",
                   "platforms/libqwayland.so", "imageformats/libqsvg.so",
                   "iconengines/libqsvgicon.so"):
        assert (qt / plugin).is_file(), plugin
    assert list(internal.glob("ctranslate2.libs/libctranslate2-*.so*"))
    assert list(internal.glob("lingua/lingua*.so"))  # its language models are inside
    assert list(internal.glob("pymupdf/libmupdf.so*"))
    assert (internal / "resources" / "i18n" / "passerelle_fr.qm").is_file()
    assert (internal / "resources" / "icons" / "app.svg").is_file()
    assert json.loads((internal / "app" / "core" / "_build_info.json").read_text())["version"] == "0.1.0"
    licences = (internal / "licenses" / "THIRD_PARTY_LICENSES.txt").read_text(encoding="utf-8")
    for name in ("ctranslate2", "PySide6_Essentials", "lingua-language-detector", "pysbd",
                 "NotoSans (font, pymupdf-fonts)", "SIL OPEN FONT LICENSE"):
        assert name in licences, name
    assert "onnxruntime" not in licences  # excluded from the bundle, so not listed
    about = buildinfo.about_text(internal)  # what the About box shows in this bundle
    assert "Build: 20" in about and re.search(r"  ctranslate2 [\d.]+: MIT", about)
    assert f"Full licence texts: {internal / 'licenses'}" in about
    assert (BUNDLE / "linux" / "install_desktop.sh").is_file()
    assert (BUNDLE / "icons" / "passerelle-256.png").is_file()


def test_python_modules(exe: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    modules = set(CArchiveReader(str(exe)).open_embedded_archive("PYZ.pyz").toc)
    assert {"pymupdf_fonts.NotoSans_Regular", "pysbd.lang.french", "app.cli.models",
            "app.cli.summarize", "engines.bundle", "app.ui.mainwindow", "tokenizers"} <= modules
    assert not modules & {"onnxruntime", "pymupdf.layout", "tkinter", "torch", "pytest"}


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf")
def test_every_qt_library_a_plugin_needs_is_bundled(exe: Path) -> None:
    internal = BUNDLE / "_internal"
    present = {p.name for p in internal.rglob("libQt6*")}
    missing = []
    for elf in (internal / "PySide6").rglob("*.so*"):
        out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True).stdout
        missing += [f"{elf.name} → {n}" for n in re.findall(r"\[(libQt6[^\]]+)\]", out)
                    if n not in present]
    assert not missing


def test_translate_a_docx_with_the_pseudo_engine(exe: Path, tmp_path: Path) -> None:
    source = docgen.simple_docx(tmp_path / "rapport.docx", FRENCH)
    result = run(exe, ["translate", str(source), "--to", "en", "--engine", "pseudo"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "rapport.en.docx"
    assert result.stdout.splitlines()[0] == str(out)
    assert "fr→en" in result.stderr  # the language was detected by the bundled lingua
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert texts == [pseudo_localize(t) for t in FRENCH]


def _pdf(path: Path, lines: list[str]) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    for i, line in enumerate(lines):
        page.insert_text((72, 72 + 20 * i), line, fontsize=10)
    doc.save(path)
    return path


def test_translate_a_pdf_and_summarize(exe: Path, tmp_path: Path) -> None:
    # the PDF reader runs in a child process: this checks multiprocessing in the bundle
    source = _pdf(tmp_path / "note.pdf", FRENCH)
    result = run(exe, ["translate", str(source), "--from", "fr", "--to", "en", "--engine",
                       "pseudo", "--quiet"], tmp_path)
    assert result.returncode == 0, result.stderr
    with pymupdf.open(tmp_path / "note.en.pdf") as out:
        text = " ".join(out[0].get_text().split())
    assert "Lé ràppört àññûél" in text  # set in the bundled Noto fonts

    # (lines repeated 3 times would be taken for running headers and never summarized)
    report = docgen.simple_docx(tmp_path / "long.docx", FRENCH)
    result = run(exe, ["summarize", str(report), "--engine", "extractive", "--lang", "fr",
                       "--output-format", "json", "--quiet"], tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert any(s in json.dumps(summary, ensure_ascii=False) for s in FRENCH)


def test_offline_model_bundle_chain(exe: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Preparation side (the dev CLI) exports a model; the bundle imports and uses it."""
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "internet-side"))
    monkeypatch.delenv("PASSERELLE_MODELS", raising=False)
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    folder = modelgen.plain_folder(tmp_path / "opus-mt-en-fr")
    assert dev_cli(["models", "import", str(folder), "--quiet", "--licence", "CC-BY-4.0"]) == 0
    carry = tmp_path / "carry" / "models.zip"
    assert dev_cli(["models", "export", "opus-mt-en-fr", "--out", str(carry), "--quiet"]) == 0

    offline = tmp_path / "offline"
    offline.mkdir()
    imported = run(exe, ["models", "import", str(carry), "--quiet"], offline)
    assert imported.returncode == 0, imported.stderr
    assert "Imported opus-mt-en-fr" in imported.stdout
    verified = run(exe, ["models", "verify"], offline)
    assert verified.returncode == 0 and "OK opus-mt-en-fr" in verified.stdout

    source = docgen.simple_docx(offline / "memo.docx", ENGLISH)
    result = run(exe, ["translate", str(source), "--from", "en", "--to", "fr", "--quiet"],
                 offline)
    assert result.returncode == 0, result.stderr
    texts = [p.text for p in docx.Document(str(offline / "memo.fr.docx")).paragraphs if p.text]
    # The rigged model writes "bonjour le monde" for every unit it is given (how the pipeline
    # cuts a paragraph into units is the pipeline's business): the bundle must write exactly
    # what the checkout writes with the same model.
    assert dev_cli(["translate", str(source), "--from", "en", "--to", "fr", "--quiet",
                    "--out", str(tmp_path / "checkout.fr.docx")]) == 0
    expected = [p.text for p in docx.Document(str(tmp_path / "checkout.fr.docx")).paragraphs
                if p.text]
    assert texts == expected and len(texts) == 2
    assert all(t.startswith("bonjour le monde") for t in texts)

    result = run(exe, ["summarize", str(source), "--engine", "extractive", "--lang", "en",
                       "--output-format", "json", "--quiet"], offline)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"].startswith(ENGLISH[0])


def test_first_window_offscreen(exe: Path, tmp_path: Path) -> None:
    # Fails (RuntimeError) if the window never shows. How fast it shows is a figure, not a
    # test (it depends on the machine): `make bundle` prints it (installer/measure.py).
    seconds = measure.time_to_window(measure.gui_command(BUNDLE), tmp_path)
    print(f"bundle: first window after {seconds:.2f} s")
