"""Find the models a folder (or a USB drive) holds, before importing them one by one.

Found: ``.argosmodel`` packages, model bundles (``.zip``), ``.gguf`` files, CTranslate2
model folders (``model.bin``), Argos packages already unpacked and folders copied from
another store (``manifest.json``).  A model folder is not searched further inside.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from engines.errors import EngineError
from engines.importers import ARGOS_METADATA, detect_source
from engines.store import MANIFEST

log = logging.getLogger(__name__)

MAX_DEPTH = 4  # a USB drive's folder tree is not walked deeper than this
FILE_SUFFIXES = (".argosmodel", ".gguf", ".zip")
SKIPPED_DIRS = {"$RECYCLE.BIN", "System Volume Information", "__pycache__", "node_modules"}


@dataclass(frozen=True)
class FoundModel:
    path: Path
    kind: str  # detect_source(): argos, bundle, gguf, ct2-opus-mt, ct2-nllb, store-folder…
    size: int  # bytes


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _is_model_folder(path: Path) -> bool:
    return ((path / "model.bin").is_file() or (path / MANIFEST).is_file()
            or ((path / ARGOS_METADATA).is_file() and (path / "model" / "model.bin").is_file()))


def _found(path: Path) -> FoundModel | None:
    try:
        kind = detect_source(path)
    except (EngineError, OSError, ValueError) as exc:  # not importable: not listed
        log.info("Not a model: %s (%s)", path, exc)
        return None
    return FoundModel(path, kind, _size(path))


def find_models(root: Path, max_depth: int = MAX_DEPTH) -> list[FoundModel]:
    """Every importable model under ``root`` (``root`` itself may be one), sorted by path."""
    root = Path(root)
    if root.is_file() or _is_model_folder(root):
        found = _found(root)
        return [found] if found else []
    models: list[FoundModel] = []
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            log.info("Cannot list %s: %s", folder, exc)
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                continue
            if entry.is_dir(follow_symlinks=False):
                if _is_model_folder(path):
                    found = _found(path)
                elif depth < max_depth:
                    stack.append((path, depth + 1))
                    continue
                else:
                    continue
            elif entry.name.lower().endswith(FILE_SUFFIXES):
                found = _found(path)
            else:
                continue
            if found is not None:
                models.append(found)
    return sorted(models, key=lambda m: str(m.path))
