"""installer/build_wheelhouse.py and the offline install (``pip --no-index --require-hashes``).

The install test needs a wheelhouse built beforehand by ``make wheelhouse`` (the one step
that downloads); it never touches the network itself.  Run it with
``PASSERELLE_TEST_WHEELHOUSE=1`` (uses ./wheelhouse) or ``=/path/to/wheelhouse``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from installer import build_wheelhouse as bw
from tests import docgen
from tests.installer.conftest import INSTALLER, ROOT

FAKE_WHEELS = ("pysbd-0.3.4-py3-none-any.whl",
               "PySide6_Essentials-6.12.0-cp39-abi3-manylinux_2_28_x86_64.whl",
               "numpy-2.1.0-cp311-cp311-win_amd64.whl",
               "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl")


def test_wheel_names_are_parsed() -> None:
    assert bw.wheel_name_version(FAKE_WHEELS[1]) == ("pyside6-essentials", "6.12.0")
    assert bw.wheel_name_version("foo_bar-1.0-1build-py3-none-any.whl") == ("foo-bar", "1.0")
    with pytest.raises(ValueError, match="not a wheel"):
        bw.wheel_name_version("pysbd-0.3.4.tar.gz")


def test_lock_pins_every_wheel_with_its_hash(tmp_path: Path) -> None:
    for i, name in enumerate(FAKE_WHEELS):
        (tmp_path / name).write_bytes(f"wheel {i}".encode())
    (tmp_path / "notes.txt").write_text("ignored")
    lines = [ln for ln in bw.write_lock(tmp_path).read_text().splitlines()
             if not ln.startswith("#")]
    digest = {n: hashlib.sha256(f"wheel {i}".encode()).hexdigest()
              for i, n in enumerate(FAKE_WHEELS)}
    numpy_hashes = sorted([digest[FAKE_WHEELS[2]], digest[FAKE_WHEELS[3]]])
    assert lines == [
        f"numpy==2.1.0 --hash=sha256:{numpy_hashes[0]} --hash=sha256:{numpy_hashes[1]}",
        f"pysbd==0.3.4 --hash=sha256:{digest[FAKE_WHEELS[0]]}",
        f"pyside6-essentials==6.12.0 --hash=sha256:{digest[FAKE_WHEELS[1]]}",
    ]


def test_target_arguments_for_pip() -> None:
    win = bw.Target(("win_amd64",), "311", "cp", "cp311")
    assert win.pip_args() == ["--platform", "win_amd64", "--python-version", "311",
                              "--implementation", "cp", "--abi", "cp311"]
    assert win.windows and win.describe() == {"platform": "win_amd64", "python": "311"}
    assert bw.Target().pip_args() == []


def test_requirements_and_pins_come_from_the_project() -> None:
    requirements = bw.project_requirements()
    assert any(r.startswith("ctranslate2") for r in requirements)
    assert not any(r.startswith("pytest") for r in requirements)  # extras stay out
    pins = bw.installed_pins()
    assert any(p.lower().startswith("pyside6") and "==" in p for p in pins)
    assert not any(p.lower().startswith(("pytest", "pyinstaller")) for p in pins)


def test_install_script_refuses_a_folder_without_a_lock(tmp_path: Path) -> None:
    result = subprocess.run(["bash", str(INSTALLER / "install_offline.sh"), "--venv",
                             str(tmp_path / "venv"), str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "No requirements.lock" in result.stderr
    assert not (tmp_path / "venv").exists()


# -- the real thing (slow; needs a wheelhouse built by `make wheelhouse`) ----------------------

def _wheelhouse() -> Path:
    setting = os.environ.get("PASSERELLE_TEST_WHEELHOUSE", "")
    if not setting:
        pytest.skip("set PASSERELLE_TEST_WHEELHOUSE=1 (./wheelhouse) or =DIR to run")
    folder = ROOT / "wheelhouse" if setting == "1" else Path(setting)
    if not (folder / bw.LOCK_NAME).is_file():
        pytest.skip(f"no wheelhouse in {folder}: run `make wheelhouse` first")
    return folder


def _offline_env(tmp_path: Path) -> dict[str, str]:
    # no pip configuration (index mirrors), no index: the wheelhouse is all pip may read
    return dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
                PASSERELLE_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))


def _python311() -> str:
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the wheelhouse targets Python 3.11")
    return sys.executable


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_offline_install_from_the_wheelhouse(tmp_path: Path) -> None:
    wheelhouse = _wheelhouse()
    for line in (wheelhouse / bw.LOCK_NAME).read_text().splitlines():
        if line.startswith("#"):
            continue
        name, version = line.split()[0].split("==")
        wheels = [w for w in wheelhouse.glob("*.whl")
                  if bw.wheel_name_version(w.name) == (name, version)]
        assert wheels, f"{name} {version} is locked but absent"
        assert {f"--hash=sha256:{bw.sha256(w)}" for w in wheels} <= set(line.split()[1:])
    venv = tmp_path / "venv"
    env = dict(_offline_env(tmp_path), PYTHON=_python311())
    result = subprocess.run(["bash", str(wheelhouse / "install_offline.sh"), "--venv", str(venv),
                             str(wheelhouse)], capture_output=True, text=True, env=env,
                            timeout=840, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passerelle 0.1.0" in result.stdout
    # the installed app (not this checkout: cwd is elsewhere) translates a document
    source = docgen.simple_docx(tmp_path / "note.docx", ["Bonjour le monde."])
    run = subprocess.run([str(venv / "bin" / "passerelle"), "translate", str(source), "--from",
                          "fr", "--to", "en", "--engine", "pseudo", "--quiet"],
                         capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "note.en.docx").is_file()
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import app, engines.translate.ct2, PySide6.QtWidgets; "
                            "print(app.__file__)"],
                           capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(venv))


@pytest.mark.slow
def test_a_tampered_wheel_is_refused_offline(tmp_path: Path) -> None:
    wheelhouse = _wheelhouse()
    small = sorted(wheelhouse.glob("pysbd-*.whl"))
    if not small:
        pytest.skip("pysbd wheel absent from the wheelhouse")
    mini = tmp_path / "mini"
    mini.mkdir()
    shutil.copy2(small[0], mini / small[0].name)
    lock = bw.write_lock(mini)
    data = bytearray((mini / small[0].name).read_bytes())
    data[-1] ^= 0xFF
    (mini / small[0].name).write_bytes(bytes(data))
    subprocess.run([_python311(), "-m", "venv", "--without-pip", str(tmp_path / "v")],
                   check=True, timeout=120)
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(tmp_path / "v"),
                             "install", "--no-index", "--find-links", str(mini),
                             "--require-hashes", "-r", str(lock)],
                            capture_output=True, text=True, env=_offline_env(tmp_path),
                            timeout=300)
    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr
