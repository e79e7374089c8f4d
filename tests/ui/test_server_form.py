"""The server form: add, edit and remove the user's intranet servers from the window.

Every server is on loopback or on a reserved ``.test`` name (RFC 2606) that no test
connects to: the guard's allow-list is only read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.servers import configured_servers, user_servers_file
from app.core.servers_file import dump_servers, read_user_servers, save_user_servers
from app.ui import servers_view
from app.ui.qt import QDialogButtonBox, QMessageBox
from app.ui.server_form import ServerForm
from app.ui.servers_view import ServersPanel
from engines import offline
from engines.remote.config import KINDS, ServerConfig, parse_servers
from tests.faultproxy import FakeUpstream

OK = QDialogButtonBox.StandardButton.Ok
UNIT = '[servers.unit-nmt]\nkind = "libretranslate"\nurl = "https://nmt.unit.test"\n'


@pytest.fixture()
def unit_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A unit-wide file with one server; the session's guard (loopback only) comes back."""
    unit = tmp_path / "unit.toml"
    unit.write_text(UNIT)
    monkeypatch.setenv("PASSERELLE_SERVERS_FILE", str(unit))
    assert offline.is_installed()  # tests/conftest.py: the app's guard is on
    yield unit
    offline.install()


@pytest.fixture()
def panel(qtbot, unit_file: Path) -> ServersPanel:  # type: ignore[no-untyped-def]
    widget = ServersPanel()
    qtbot.addWidget(widget)
    return widget


def plain(servers: dict[str, ServerConfig]) -> dict[str, ServerConfig]:
    return {n: dataclasses.replace(s, origin="") for n, s in servers.items()}


def fill(form: ServerForm, name: str, kind: str, url: str, **settings: object) -> None:
    form.name.setText(name)
    form.kind.setCurrentIndex(form.kind.findData(kind))
    form.url.setText(url)
    for key, value in settings.items():
        if key in form.texts:
            form.texts[key].setText(str(value))
        elif key in form.flags:
            form.flags[key].setChecked(bool(value))
        else:
            (form.floats.get(key) or form.ints[key]).setValue(value)  # type: ignore[arg-type]


def select(panel: ServersPanel, name: str) -> None:
    panel.select(name)
    assert panel.selected_name() == name


def test_form_offers_the_kinds_parse_servers_accepts(panel: ServersPanel) -> None:
    panel.add_button.click()
    form = panel.form
    assert form is not None and form.isVisible()
    assert sorted(form.kind.itemData(i) for i in range(form.kind.count())) == sorted(KINDS)
    settings = set(form.texts) | set(form.floats) | set(form.ints) | set(form.flags)
    fields = {f.name for f in dataclasses.fields(ServerConfig)} - {"name", "kind", "url",
                                                                  "origin"}
    assert settings == fields


def test_add_writes_a_file_that_reads_back_and_the_guard_allows_it(
        panel: ServersPanel, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    key, ca = tmp_path / "key", tmp_path / "ca.pem"
    key.write_text("sk-test\n")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    changed: list[bool] = []
    panel.changed.connect(lambda: changed.append(True))
    assert ("llm.intranet.test", 8443) not in offline.allowed()
    panel.add_button.click()
    form = panel.form
    assert form is not None
    fill(form, "gpu.llm", "openai", "https://llm.intranet.test:8443/v1", model="mistral 7b",
         api_key_file=key, ca_bundle=ca, max_concurrency=4, timeout=60.5, retries=2,
         context_length=8192, demo=True)
    form.buttons.button(OK).click()
    assert panel.form is None and not form.isVisible()
    expected = ServerConfig(name="gpu.llm", kind="openai", url="https://llm.intranet.test:8443/v1",
                            model="mistral 7b", api_key_file=str(key), ca_bundle=str(ca),
                            max_concurrency=4, timeout=60.5, retries=2, context_length=8192,
                            demo=True)
    text = user_servers_file().read_text(encoding="utf-8")
    assert plain(parse_servers(text)) == {"gpu.llm": expected}
    assert "sk-test" not in text  # the key stays in its file
    assert text.startswith("# Your own intranet servers")
    # the panel lists it, and the application's guard now allows exactly its host:port
    assert [s.name for s in panel.model.states()] == ["unit-nmt", "gpu.llm"]
    assert panel.selected_name() == "gpu.llm"
    assert ("llm.intranet.test", 8443) in offline.allowed()
    assert ("nmt.unit.test", 443) in offline.allowed()
    assert changed == [True]


def test_an_added_loopback_server_is_checked(panel: ServersPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with FakeUpstream() as fake:
        form = panel.server_form()
        assert form is not None
        fill(form, "nmt", "libretranslate", fake.url + "/", batch_size=8)
        form.buttons.button(OK).click()
        assert configured_servers()["nmt"].batch_size == 8
        assert configured_servers()["nmt"].url == fake.url  # the trailing / as the file
        panel.check_button.click()
        qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
        states = {s.name: s for s in panel.model.states()}
        assert states["nmt"].reachable and states["nmt"].models == ["fr→en"]


@pytest.mark.parametrize("url, message", [
    ("ftp://llm.intranet.test/v1", "url must be http(s)://host[:port]"),
    ("https://llm.intranet.test:99999/v1", "port in the url must be a number from 1 to 65535"),
    ("http://llm.intranet.test:8000/v1", "plain http to llm.intranet.test"),
    ("https://user:pw@llm.intranet.test/v1", "no credentials"),
])
def test_invalid_url_shows_the_error_and_writes_nothing(panel: ServersPanel, url: str,
                                                        message: str) -> None:
    allowed = offline.allowed()
    panel.add_button.click()
    form = panel.form
    assert form is not None
    fill(form, "llm", "openai", url)
    form.buttons.button(OK).click()
    assert form.isVisible() and panel.form is form  # still open, to correct
    assert message in form.error.text()
    assert not user_servers_file().exists()
    assert offline.allowed() == allowed


def test_invalid_name_missing_ca_and_both_keys_are_refused(panel: ServersPanel,
                                                           tmp_path: Path) -> None:
    form = panel.server_form()
    assert form is not None
    for settings, message in (({"name": "my llm"}, "Invalid server name"),
                              ({"ca_bundle": tmp_path / "none.pem"}, "CA bundle"),
                              ({"api_key_file": "k", "api_key_keyring": "p/u"}, "not both"),
                              ({"name": "unit-nmt"}, "set by your unit")):
        name = str(settings.pop("name", "llm"))
        fill(form, name, "openai", "https://llm.intranet.test/v1", **settings)
        assert not form.save()
        assert message in form.error.text()
        fill(form, "llm", "openai", "https://llm.intranet.test/v1", ca_bundle="",
             api_key_file="", api_key_keyring="")
    assert not user_servers_file().exists()


def test_edit_changes_one_entry_and_keeps_the_others(panel: ServersPanel) -> None:
    save_user_servers({
        "a": ServerConfig("a", "libretranslate", "http://127.0.0.1:5000", batch_size=4),
        "b": ServerConfig("b", "openai", "http://localhost:8080/v1", model="m"),
        "c": ServerConfig("c", "libretranslate", "http://127.0.0.1:5002")})
    panel.reload()
    select(panel, "b")
    panel.change_button.click()
    form = panel.form
    assert form is not None and not form.read_only
    assert form.url.text() == "http://localhost:8080/v1" and form.texts["model"].text() == "m"
    assert form.name.text() == "b"
    fill(form, "b2", "openai", "https://llm.intranet.test:9443/v1", max_concurrency=3)
    form.buttons.button(OK).click()
    assert panel.form is None
    saved = plain(read_user_servers())
    assert list(saved) == ["a", "b2", "c"]  # renamed in place
    assert saved["b2"] == ServerConfig("b2", "openai", "https://llm.intranet.test:9443/v1",
                                       model="m", max_concurrency=3)
    assert saved["a"].batch_size == 4
    assert ("llm.intranet.test", 9443) in offline.allowed()
    # an edited name may not take another entry's
    select(panel, "a")
    panel.change_button.click()
    form = panel.form
    assert form is not None
    form.name.setText("c")
    form.buttons.button(OK).click()
    assert "already in your servers file" in form.error.text()
    assert list(read_user_servers()) == ["a", "b2", "c"]


def test_remove_asks_then_removes(panel: ServersPanel, monkeypatch: pytest.MonkeyPatch) -> None:
    save_user_servers({"a": ServerConfig("a", "libretranslate", "https://a.intranet.test:5000"),
                       "b": ServerConfig("b", "libretranslate", "http://127.0.0.1:5001")})
    panel.reload()
    assert ("a.intranet.test", 5000) in offline.allowed()
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(servers_view.QMessageBox, "question",
                        lambda *args: answers.pop(0))
    select(panel, "a")
    panel.remove_button.click()
    assert list(read_user_servers()) == ["a", "b"]  # answered No
    panel.remove_button.click()
    assert list(read_user_servers()) == ["b"]
    assert [s.name for s in panel.model.states()] == ["unit-nmt", "b"]
    assert ("a.intranet.test", 5000) not in offline.allowed()


def test_unit_entries_are_read_only(panel: ServersPanel, unit_file: Path) -> None:
    model = panel.model
    assert model.data(model.index(0, 0)) == "unit-nmt (set by your unit)"
    select(panel, "unit-nmt")
    assert panel.change_button.isEnabled() and not panel.remove_button.isEnabled()
    assert not panel.remove_server("unit-nmt")
    panel.change_button.click()
    form = panel.form
    assert form is not None and form.read_only
    assert form.url.text() == "https://nmt.unit.test"
    assert "Set by your unit" in form.error.text()
    assert form.buttons.button(OK) is None
    assert not any(w.isEnabled() for w in (form.name, form.url, form.kind,
                                           *form.texts.values(), *form.ints.values()))
    form.url.setText("https://elsewhere.test")
    assert not form.save()
    form.accept()
    assert unit_file.read_text() == UNIT
    assert not user_servers_file().exists()


def test_a_user_file_the_form_cannot_read_is_not_overwritten(panel: ServersPanel) -> None:
    user_servers_file().parent.mkdir(parents=True, exist_ok=True)
    user_servers_file().write_text("[servers.x]\nkind = 'gpt'\n")
    panel.add_button.click()
    assert panel.form is None
    assert "kind must be one of" in panel.message.text()
    assert user_servers_file().read_text() == "[servers.x]\nkind = 'gpt'\n"


@pytest.mark.parametrize("name", ["plain", "dotted.name", "a-b_c"])
def test_dump_reads_back_odd_strings(tmp_path: Path, name: str) -> None:
    odd = ServerConfig(name, "openai", "http://127.0.0.1:1/v1", model='q"uote\\back\tslash é',
                       api_key_file=r"C:\Users\me\key.txt", backoff=0.125, insecure_http=True)
    servers = {name: odd, "z": ServerConfig("z", "libretranslate", "http://[::1]:5000",
                                            api_key_keyring="svc/us er\u0007")}
    assert plain(parse_servers(dump_servers(servers))) == servers
    path = tmp_path / "servers.toml"
    save_user_servers(servers, path)
    assert plain(read_user_servers(path)) == servers


def test_the_form_speaks_french() -> None:
    from app.ui.i18n import I18N_DIR
    from app.ui.qt import QTranslator

    translator = QTranslator()
    assert translator.load(str(I18N_DIR / "passerelle_fr.qm"))
    assert translator.translate("ServerForm", "Add a server") == "Ajouter un serveur"
    assert translator.translate("ServersPanel", "Edit…") == "Modifier…"


def test_a_server_added_in_the_window_appears_in_its_engine_menus(
        unit_file: Path, window) -> None:  # type: ignore[no-untyped-def]
    """The main window's translation engine menu and the summary pane's follow a save."""
    engines = [window.engine_combo.itemData(i) for i in range(window.engine_combo.count())]
    assert "libretranslate:unit-nmt" in engines and "openai:gpu" not in engines
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("libretranslate:unit-nmt"))
    dialog = window.open_model_manager()
    dialog.servers.add_button.click()
    form = dialog.servers.form
    assert form is not None
    fill(form, "gpu", "openai", "https://llm.intranet.test:8443/v1", model="m")
    form.buttons.button(OK).click()
    engines = [window.engine_combo.itemData(i) for i in range(window.engine_combo.count())]
    assert "openai:gpu" in engines
    assert window.engine_combo.currentData() == "libretranslate:unit-nmt", "choice kept"
    summary = [window.summary.engine_combo.itemData(i)
               for i in range(window.summary.engine_combo.count())]
    assert "openai:gpu" in summary
    dialog.close()
