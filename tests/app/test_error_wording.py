"""The one presenter words each error for the window (no command-line syntax) and for the
terminal (the commands to type).  The errors are raised by the real code paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.core.errors import HINTS, ConfigError, Presentation, present
from app.pipeline import engine_select, llm_select
from engines.errors import EngineError
from engines.importers import ImportOptions, import_model
from engines.store import ModelStore

CLI_SYNTAX = ("main.py", "--")


def _no_cli_syntax(text: str) -> bool:
    return not any(s in text for s in CLI_SYNTAX)


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PASSERELLE_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    monkeypatch.setattr("app.pipeline.model_store.prepared_models_dir",
                        lambda: tmp_path / "no-prepared")
    return engine_select.open_store()


def _raised(fn: object, *args: object) -> Presentation:
    with pytest.raises((EngineError, ConfigError)) as info:
        fn(*args)  # type: ignore[operator]
    return present(info.value)


def test_every_hint_is_worded_for_both(empty_store: ModelStore) -> None:
    for key, (gui, cli) in HINTS.items():
        assert gui and cli, key
        assert _no_cli_syntax(gui), (key, gui)


def test_missing_model_window_and_terminal(empty_store: ModelStore, tmp_path: Path) -> None:
    config = JobConfig(input=tmp_path / "a.docx", target_lang="de", engine="auto")
    shown = _raised(engine_select.make_translator, config, "fr")
    assert "fr→de" in shown.gui_message and "fr→de" in shown.cli_message
    assert _no_cli_syntax(shown.gui_message), shown.gui_message
    assert "Import models" in shown.gui_message
    assert "main.py models import PATH" in shown.cli_message
    assert "--engine pseudo" in shown.cli_message


def test_drop_time_check(empty_store: ModelStore, tmp_path: Path) -> None:
    config = JobConfig(input=tmp_path / "a.docx", target_lang="en", engine="auto")
    for src in ("fr", None):
        shown = _raised(engine_select.check_model_for, config, src)
        assert _no_cli_syntax(shown.gui_message) and "main.py" in shown.cli_message
    # engines that need no installed translation model are never refused
    for engine in ("pseudo", "llm", "openai:intranet"):
        engine_select.check_model_for(
            JobConfig(input=config.input, target_lang="en", engine=engine), "fr")


def test_other_real_errors(empty_store: ModelStore, tmp_path: Path) -> None:
    shown = [
        _raised(llm_select.resolve_llm, None),
        _raised(empty_store.get, "nope"),
        _raised(engine_select.make_translator,
                JobConfig(input=tmp_path / "a.docx", target_lang="en", engine="ct2",
                          model="nope"), "fr"),
    ]
    folder = tmp_path / "mystery-model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0")
    (folder / "source.spm").write_bytes(b"\0")
    (folder / "target.spm").write_bytes(b"\0")
    with pytest.raises(EngineError) as info:
        import_model(empty_store, folder, ImportOptions())
    shown.append(present(info.value))
    for s in shown:
        assert s.hints, s.message
        assert _no_cli_syntax(s.gui_message), s.gui_message
        assert s.cli_message != s.gui_message
