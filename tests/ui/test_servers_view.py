"""Model manager: the declared intranet servers, their state, models and latency."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.servers import user_servers_file
from app.ui.labels import engine_label
from app.ui.models_dialog import ModelManagerDialog
from app.ui.settings import available_engines
from tests.faultproxy import FakeUpstream, dead_port


@pytest.fixture()
def declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PASSERELLE_SERVERS_FILE", str(tmp_path / "unit.toml"))
    key = tmp_path / "key"
    key.write_text("sk-test")
    with FakeUpstream() as fake:
        user_servers_file().parent.mkdir(parents=True, exist_ok=True)
        user_servers_file().write_text(
            f'[servers.llm]\nkind = "openai"\nurl = "{fake.url}/v1"\napi_key_file = "{key}"\n'
            f'[servers.nmt]\nkind = "libretranslate"\nurl = "{fake.url}"\n'
            f'api_key_file = "{key}"\n'
            f'[servers.down]\nkind = "libretranslate"\nurl = "http://127.0.0.1:{dead_port()}"\n')
        yield fake


def test_server_state_reachable_models_latency(qtbot, declared: FakeUpstream) -> None:  # type: ignore[no-untyped-def]
    dialog = ModelManagerDialog()
    qtbot.addWidget(dialog)
    panel = dialog.servers
    assert [s.name for s in panel.model.states()] == ["llm", "nmt", "down"]
    panel.check_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
    states = {s.name: s for s in panel.model.states()}
    assert states["llm"].reachable and states["llm"].models == ["fake-llm"]
    assert states["llm"].version == "fake-1" and states["llm"].latency_ms is not None
    assert states["nmt"].reachable and states["nmt"].models == ["fr→en"]
    assert not states["down"].reachable and "cannot connect" in states["down"].error
    model = panel.model
    row = [s.name for s in model.states()].index("down")
    assert model.data(model.index(row, 2)) == "Unreachable"
    assert "Unreachable: down" in panel.message.text()


def test_declared_servers_are_engines_in_the_main_window(declared: FakeUpstream) -> None:
    engines = available_engines()
    assert "openai:llm" in engines and "libretranslate:nmt" in engines
    assert engine_label("libretranslate:nmt") == "Intranet LibreTranslate nmt"


def test_gui_summary_on_a_server_is_labelled(declared: FakeUpstream, tmp_path: Path) -> None:
    import threading

    from app.formats.registry import read_document
    from app.ui import summary_adapter as adapter
    from tests.docgen import simple_docx

    assert "openai:llm" in adapter.engines()
    doc = read_document(simple_docx(tmp_path / "a.docx", ["Le comité s'est réuni le 12 mars."]))
    shown: list[str] = []
    out = adapter.summarize(doc, adapter.SummaryRequest(engine="openai:llm"), shown.append,
                            threading.Event())
    assert out.server.startswith(f"Made on the intranet server llm ({declared.url}/v1)")
    assert "".join(shown).strip().startswith("Answer to:")  # streamed from the server


def test_my_servers_opens_a_template_that_declares_nothing(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui import servers_view
    from engines.remote.config import parse_servers

    monkeypatch.setenv("PASSERELLE_SERVERS_FILE", str(tmp_path / "unit.toml"))
    opened: list[str] = []
    monkeypatch.setattr(servers_view.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    panel = servers_view.ServersPanel()
    qtbot.addWidget(panel)
    panel.edit_button.click()
    assert opened == [str(user_servers_file())]
    assert parse_servers(user_servers_file().read_text()) == {}
    assert not panel.check_button.isEnabled()  # nothing declared yet
