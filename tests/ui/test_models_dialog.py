"""Model manager: imports a generated model, verifies it, refuses a tampered one, removes."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from app.core.config import data_dir
from app.ui.errors import ErrorDialog
from app.ui.models_dialog import ModelManagerDialog
from app.ui.qt import QApplication

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("engines.importers") is None
    or importlib.util.find_spec("engines.store") is None,
    reason="model store not available")


def _dialog(qtbot) -> ModelManagerDialog:  # type: ignore[no-untyped-def]
    dialog = ModelManagerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    return dialog


def _import(qtbot, dialog: ModelManagerDialog, path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.import_path(path)
    assert dialog.is_busy() and dialog.progress.isVisible()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)


def _ids(dialog: ModelManagerDialog) -> list[str]:
    """Models of the local store (the prepared demo LLM may be listed as shared)."""
    model = dialog.model
    return [model.model_at(r).id for r in range(model.rowCount())
            if not model.model_at(r).shared]


def _row(dialog: ModelManagerDialog, model_id: str) -> int:
    return next(r for r in range(dialog.model.rowCount())
                if dialog.model.model_at(r).id == model_id)


def _error_dialogs() -> list[ErrorDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, ErrorDialog) and w.isVisible()]


def test_import_verify_refuse_tampered_and_remove(qtbot, tmp_path: Path) -> None:
    from tests.modelgen import plain_folder

    source = plain_folder(tmp_path / "opus-mt-fr-en")
    dialog = _dialog(qtbot)
    assert _ids(dialog) == []
    _import(qtbot, dialog, source)
    qtbot.waitUntil(lambda: _ids(dialog) == ["opus-mt-fr-en"], timeout=10_000)
    row = _row(dialog, "opus-mt-fr-en")
    installed = dialog.model.model_at(row)
    assert dialog.model.data(dialog.model.index(row, dialog.model.LANGS)) == "fr→en"
    assert dialog.model.data(dialog.model.index(row, dialog.model.KIND)) == "Translation"
    assert (data_dir() / "models" / "opus-mt-fr-en" / "manifest.json").is_file()

    dialog.verify_model("opus-mt-fr-en")
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert dialog.model.status("opus-mt-fr-en") == (
        True, f"{len(installed.manifest.files)} files match their SHA-256")

    # A copy of the store folder with one byte changed is refused, and not installed.
    tampered = tmp_path / "tampered" / "opus-mt-fr-en"
    shutil.copytree(installed.path, tampered)
    blob = bytearray((tampered / "model.bin").read_bytes())
    blob[-1] ^= 0xFF
    (tampered / "model.bin").write_bytes(bytes(blob))
    shutil.rmtree(installed.path)  # so that the id is free again
    dialog.refresh()
    qtbot.waitUntil(lambda: not dialog.is_busy() and _ids(dialog) == [], timeout=10_000)
    _import(qtbot, dialog, tampered)
    errors = _error_dialogs()
    assert errors and "model.bin" in errors[0].message.text()
    assert "checksum" in errors[0].message.text()
    assert _ids(dialog) == []
    assert not (data_dir() / "models" / "opus-mt-fr-en").exists()
    for e in errors:
        e.close()

    # An installed model altered on disk fails verification, then is removed.
    _import(qtbot, dialog, source)
    qtbot.waitUntil(lambda: _ids(dialog) == ["opus-mt-fr-en"], timeout=10_000)
    target = data_dir() / "models" / "opus-mt-fr-en" / "source.spm"
    target.write_bytes(target.read_bytes() + b"x")
    dialog.verify_model("opus-mt-fr-en")
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    ok, message = dialog.model.status("opus-mt-fr-en") or (None, "")
    assert ok is False and "source.spm" in message
    status = dialog.model.index(_row(dialog, "opus-mt-fr-en"), dialog.model.STATUS)
    assert "FAILED" in dialog.model.data(status)
    dialog.remove_model("opus-mt-fr-en")
    qtbot.waitUntil(lambda: not dialog.is_busy() and _ids(dialog) == [], timeout=10_000)
    assert not (data_dir() / "models" / "opus-mt-fr-en").exists()


def test_demo_models_carry_the_badge(qtbot, tmp_path: Path) -> None:
    from app.pipeline.model_store import open_store
    from engines.importers import ImportOptions, import_model
    from tests.modelgen import plain_folder

    import_model(open_store(), plain_folder(tmp_path / "opus-mt-en-fr"),
                 ImportOptions(demo=True))
    dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: "opus-mt-en-fr" in _ids(dialog), timeout=10_000)
    index = dialog.model.index(_row(dialog, "opus-mt-en-fr"), dialog.model.ID)
    assert "[DEMO QUALITY]" in dialog.model.data(index)
