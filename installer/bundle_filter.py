"""What the bundle leaves out: modules never imported by the app, unused Qt parts, models.

Used by ``installer/passerelle.spec`` (``excludes=`` and a filter over the collected files)
and by ``tests/installer`` to check a built bundle.  Plain Python, no PyInstaller import.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import TypeVar

# Modules the import graph reaches but the app does not need at run time.
EXCLUDED_MODULES = [
    # optional PyMuPDF add-ons (ONNX layout analyser, markdown export): the app blocks them
    # (app/formats/pdf_worker.py), and they weigh 150 MB and 1.3 s of start-up
    "pymupdf.layout", "pymupdf4llm", "onnxruntime", "networkx",
    # heavy frameworks some optional import paths mention
    "torch", "tensorflow", "transformers", "huggingface_hub", "hf_xet", "IPython",
    "matplotlib", "pandas", "scipy",
    # (Pillow stays: OCR reads image files with it)
    # GUI toolkits and Qt modules the app does not use (it imports QtCore/QtGui/QtWidgets)
    "tkinter", "_tkinter", "PyQt5", "PyQt6",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick",
    "PySide6.QtQuick", "PySide6.QtQuick3D", "PySide6.QtQuickWidgets", "PySide6.QtQml",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.QtMultimedia", "PySide6.QtCharts",
    "PySide6.QtDataVisualization", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
    "PySide6.QtNetwork", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSql",
    "PySide6.QtTest", "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtHelp",
    # test and build tooling
    "tests", "pytest", "_pytest", "hypothesis", "pikepdf", "mypy", "ruff", "PyInstaller",
    "setuptools", "pip",
]

# Collected files dropped from the bundle (destination paths, POSIX separators).
_DROPPED = [
    # Qt libraries that only unused modules or plugins load
    r"(^|/)(lib)?Qt6(Quick|Qml|WebEngine|3D|Pdf|Multimedia|Charts|DataVis|Designer|"
    r"VirtualKeyboard|Sql|Test|Network|OpenGLWidgets)[^/]*$",
    # Qt plugins outside platforms/imageformats/iconengines/styles/themes/input/xcb-gl/wayland
    # (generic/ holds the TUIO touch plugin, which needs QtNetwork)
    r"/Qt/plugins/(?!platforms/|imageformats/|iconengines/|styles/|platformthemes/|"
    r"platforminputcontexts/|xcbglintegrations/|wayland|egldeviceintegrations/)",
    r"/Qt/plugins/platforms/libqvnc",  # the VNC platform needs QtNetwork
    # the GTK3 theme pulls in GTK, cairo and pango (and needs GTK3 on the machine anyway)
    r"/Qt/plugins/platformthemes/libqgtk3",
    # Qt's own translations except the base catalogues (French and English dialogs)
    r"/Qt/translations/(?!qtbase_(fr|en)\.qm$)",
    # QML and model files, never part of the app
    r"/Qt/qml/", r"(^|/)model\.bin$", r"(^|/)\.cache/", r"\.gguf$", r"\.safetensors$",
]
_DROPPED_RE = re.compile("|".join(f"(?:{p})" for p in _DROPPED))

# A bundle must not contain these (checked by tests/installer/test_bundle.py).
FORBIDDEN_IN_BUNDLE = re.compile(
    r"(^|/)(model\.bin|[^/]+\.gguf|[^/]+\.safetensors)$|(^|/)(\.cache|torch|tkinter|tests)/"
    r"|(^|/)(lib)?Qt6(WebEngine|Quick|Qml|3D)")  # (libQt6OpenGL stays: EGL/Wayland need it)

T = TypeVar("T", bound=tuple[str, ...])
log = logging.getLogger(__name__)
_ELF_MAGIC = b"\x7fELF"


def dropped(dest: str) -> bool:
    return bool(_DROPPED_RE.search("/" + PurePosixPath(dest.replace("\\", "/")).as_posix()))


def filter_toc(toc: Iterable[T]) -> list[T]:
    """PyInstaller TOC entries ``(dest, src, typecode)`` minus the dropped ones."""
    return [entry for entry in toc if not dropped(entry[0])]


def _closure(roots: Iterable[str], needed: Callable[[str], Iterable[str]],
             known: dict[str, str]) -> set[str]:
    """Basenames reachable from ``roots`` through ``needed`` (DT_NEEDED), within ``known``."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in known:
            continue
        seen.add(name)
        todo += [n for n in needed(known[name]) if n not in seen]
    return seen


def filter_binaries(toc: Iterable[T], needed: Callable[[str], Iterable[str]]) -> list[T]:
    """:func:`filter_toc`, then also drop the libraries only the dropped files needed.

    ``needed(src)`` lists the sonames a binary links against.  Only top-level entries (the
    system libraries PyInstaller's dependency analysis adds) can go this way, and only when
    no other kept file reaches them; a package's own files stay.
    """
    entries = list(toc)
    name_of = {e[0]: PurePosixPath(e[0].replace("\\", "/")).name for e in entries}
    top_level = {name_of[e[0]] for e in entries if "/" not in e[0].replace("\\", "/")}
    known = {name_of[e[0]]: e[1] for e in entries}
    gone = [name_of[e[0]] for e in entries if dropped(e[0])]
    candidates = (_closure(gone, needed, known) - set(gone)) & top_level
    kept = [e for e in entries if not dropped(e[0])]
    roots = [name_of[e[0]] for e in kept if name_of[e[0]] not in candidates]
    keep = _closure(roots, needed, known)
    return [e for e in kept if name_of[e[0]] not in candidates or name_of[e[0]] in keep]


def strip_debug(folder: Path, min_saving: int = 1 << 20) -> int:
    """Remove the debug sections of the ELF files under ``folder`` that carry a lot of them.

    CTranslate2's extension module alone carries 66 MB of DWARF, libpython 16 MB.  Files
    that auditwheel vendored (``*.libs/``) were rewritten by patchelf, and ``strip`` breaks
    those (NumPy's OpenBLAS no longer loads), so they are left alone, as is any file that
    would save less than ``min_saving``.  Returns the bytes saved; 0 without ``strip``.
    """
    tool = shutil.which("strip")
    if tool is None:
        log.warning("strip is not installed: debug sections stay in the bundle")
        return 0
    saved = 0
    for path in sorted(folder.rglob("*")):
        if (path.is_symlink() or not path.is_file()
                or any(part.endswith(".libs") for part in path.parts)):
            continue
        with path.open("rb") as fh:
            if fh.read(4) != _ELF_MAGIC:
                continue
        stripped = path.with_name(path.name + ".stripped")
        result = subprocess.run([tool, "--strip-debug", "-o", str(stripped), str(path)],
                                capture_output=True, text=True, check=False)
        gain = path.stat().st_size - stripped.stat().st_size if stripped.exists() else 0
        if result.returncode == 0 and gain >= min_saving:
            stripped.replace(path)
            saved += gain
        else:
            stripped.unlink(missing_ok=True)
    return saved
