"""The application imports CTranslate2 on its main thread, before any worker can.

pybind11 keeps the thread state of the thread that first imports ``ctranslate2``; a Qt pool
thread loses it at the end of each task, and a later generation with a Python callback on
that OS thread deadlocked or crashed (``tests/ui/test_llm_translate_gui.py``).  Here the
real start-up (``run_gui``, window shown then closed) runs in a fresh interpreter that
records which thread made the first import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import os, sys, threading
seen = []
class First:
    def find_spec(self, name, path=None, target=None):
        if name == "ctranslate2" and not seen:
            seen.append(threading.current_thread() is threading.main_thread())
sys.meta_path.insert(0, First())
os.environ["PASSERELLE_EXIT_AFTER_SHOW"] = "1"
from app.ui.main import run_gui
rc = run_gui([])
print("FIRST-IMPORT-ON-MAIN", seen, rc)
os._exit(0)
"""


def test_ctranslate2_is_first_imported_on_the_main_thread(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PASSERELLE_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen",
               HOME=str(tmp_path))
    try:
        out = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=root, env=env, timeout=90,
                             capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:  # seen without the main-thread import: a deadlock
        raise AssertionError("the start-up did not finish within 90 s") from None
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("FIRST-IMPORT-ON-MAIN")]
    assert line, out.stdout + out.stderr
    assert line[0] == "FIRST-IMPORT-ON-MAIN [True] 0", line[0]
