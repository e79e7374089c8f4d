"""GUI settings live in the data folder (INI), and a GUI session writes nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.ui import settings as settings_store
from app.ui.qt import QSettings
from tests.hostile.helpers import tree

ROOT = Path(__file__).resolve().parents[2]

SESSION = """
from app.ui import settings as st
from app.ui.main import create_app, build_window
app = create_app()
window = build_window()
window.show()
app.processEvents()
s = st.load()
s.target_lang = "de"
s.classification = "DIFFUSION RESTREINTE"
st.save(s)
window.save_geometry()
window.close()
app.processEvents()
print("store:", st.store().fileName())
"""


def test_a_gui_session_with_an_empty_home_writes_only_the_data_folder(tmp_path: Path) -> None:
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), TMPDIR=str(tmp), PASSERELLE_DATA_DIR=str(data),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", SESSION], capture_output=True, text=True,
                          cwd=tmp, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"store: {data / 'settings.ini'}" in proc.stdout
    assert not tree(home), f"HOME received {sorted(tree(home))}"
    assert not tree(tmp), f"TMPDIR received {sorted(tree(tmp))}"
    ini = (data / "settings.ini").read_text(encoding="utf-8")
    assert "target_lang=de" in ini and "geometry=" in ini


def test_store_is_the_data_folder_ini(isolated_settings: Path) -> None:
    qs = settings_store.store()
    assert qs.format() is QSettings.Format.IniFormat
    assert Path(qs.fileName()) == isolated_settings / "data" / "settings.ini"
    assert not Path(qs.fileName()).exists(), "reading creates nothing"


def test_settings_of_an_older_version_are_read_until_the_first_save(
        isolated_settings: Path) -> None:
    legacy = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                       settings_store.ORGANIZATION, settings_store.APPLICATION)
    legacy.setValue("settings/target_lang", "es")
    legacy.sync()
    assert settings_store.load().target_lang == "es"
    s = settings_store.load()
    s.target_lang = "it"
    settings_store.save(s)
    assert settings_store.load().target_lang == "it"
    assert QSettings(legacy.fileName(), QSettings.Format.IniFormat).value(
        "settings/target_lang") == "es", "the old file is never written"
