"""The summary's child process: text, progress and translations cross, cancel lands, a
crash becomes a clear error, and the child runs below the window's priority with no network.

The functions below stand in for the summarizer: they run in the spawned child, so they
are module-level (sent by name), and report what the child saw.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from app.document import Document, DocumentMeta
from app.ui import summary_child
from engines import offline
from engines.errors import Cancelled, ModelNotFound, with_hints
from engines.translate.base import EngineInfo, Translator


def streams(doc: Any, request: Any, on_text: Any, cancel: Any, translator: Any,
            progress: Any) -> dict[str, Any]:
    progress(0.5, "half way")
    for piece in ("Le ", "résumé."):
        on_text(piece)
    said = translator.translate_batch(["Bonjour.", "Merci."], "fr", "en")
    return {"pid": os.getpid(), "said": said, "supports": translator.supports("fr", "en"),
            "model": translator.info.model_id, "request": request,
            "nice": os.nice(0), "allowed": sorted(offline.allowed()),
            "data": os.environ.get("PASSERELLE_DATA_DIR")}


def waits_for_cancel(doc: Any, request: Any, on_text: Any, cancel: Any, translator: Any,
                     progress: Any) -> None:
    on_text("started")
    while not cancel.is_set():
        time.sleep(0.01)
    raise Cancelled()


def dies(doc: Any, request: Any, on_text: Any, cancel: Any, translator: Any,
         progress: Any) -> None:
    os._exit(3)


def fails(doc: Any, request: Any, on_text: Any, cancel: Any, translator: Any,
          progress: Any) -> None:
    raise with_hints(ModelNotFound("No LLM installed."), "import_gguf")


def _doc() -> Document:
    return Document(meta=DocumentMeta(source_path=Path("report.docx"), sha256="0" * 64,
                                      format="docx"))


class Recording(Translator):
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.thread = 0

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(engine="ct2", model_id="fr-en-test")

    def supports(self, src: str, tgt: str) -> bool:
        return (src, tgt) == ("fr", "en")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.calls.append(tuple(texts))
        self.thread = threading.get_ident()
        return [f"EN:{t}" for t in texts]


@pytest.fixture(autouse=True)
def fresh_child() -> Any:
    summary_child.shutdown()
    yield
    summary_child.shutdown()


def test_text_progress_and_translations_cross_between_the_processes(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "one"))
    texts: list[str] = []
    steps: list[tuple[float, str]] = []
    translator = Recording()
    out = summary_child.run(streams, _doc(), {"length": "brief"}, texts.append,
                            threading.Event(), translator,
                            lambda f, m: steps.append((f, m)))
    assert out["pid"] != os.getpid(), "it ran in the child"
    assert "".join(texts) == "Le résumé." and steps == [(0.5, "half way")]
    assert out["said"] == ["EN:Bonjour.", "EN:Merci."]
    assert translator.calls == [("Bonjour.", "Merci.")], "served by the parent's translator"
    assert translator.thread == threading.get_ident(), "on the caller's thread"
    assert out["supports"] is True and out["model"] == "fr-en-test"
    assert out["request"] == {"length": "brief"}
    assert out["nice"] > os.nice(0), "the child runs below the window's priority"
    assert out["allowed"] == [], "the child's guard allows no host at all"
    assert out["data"] == str(tmp_path / "one")
    # The window's settings change: the next summary in the same child sees them.
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "two"))
    again = summary_child.run(streams, _doc(), None, texts.append, threading.Event(),
                              translator)
    assert again["pid"] == out["pid"], "one child for the application's life"
    assert again["data"] == str(tmp_path / "two")


def test_cancel_in_the_window_stops_the_child() -> None:
    cancel = threading.Event()
    texts: list[str] = []

    def stop_when_started(piece: str) -> None:
        texts.append(piece)
        cancel.set()

    with pytest.raises(Cancelled):
        summary_child.run(waits_for_cancel, _doc(), None, stop_when_started, cancel)
    assert texts == ["started"]


def test_errors_come_back_typed_with_their_hints() -> None:
    with pytest.raises(ModelNotFound) as caught:
        summary_child.run(fails, _doc(), None, lambda s: None, threading.Event())
    assert caught.value.hints == ("import_gguf",)


def test_a_crashed_child_is_a_clear_error_and_the_next_summary_works() -> None:
    with pytest.raises(summary_child.SummaryProcessDied):
        summary_child.run(dies, _doc(), None, lambda s: None, threading.Event())
    out = summary_child.run(streams, _doc(), None, lambda s: None, threading.Event(),
                            Recording())
    assert out["said"] == ["EN:Bonjour.", "EN:Merci."]
