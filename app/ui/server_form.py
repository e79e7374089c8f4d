"""The form that adds or edits one of the user's intranet servers.

It offers exactly the settings :func:`engines.remote.config.parse_server` accepts and
validates its result with that function, so the form refuses what the file would refuse,
with the same message.  On OK it saves the user's ``servers.toml`` atomically
(:mod:`app.core.servers_file`); a unit entry is shown read-only and never written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.core.errors import OutputError
from app.core.servers import unit_servers_file, user_servers_file
from app.core.servers_file import save_user_servers
from app.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from app.ui.settings_dialog import browse_row
from engines.remote.config import ServerConfig, parse_server
from engines.remote.errors import ServerConfigError

log = logging.getLogger(__name__)

_DEFAULTS = ServerConfig(name="", kind="", url="")
TEXTS = ("model", "api_key_file", "api_key_keyring", "ca_bundle")
# (setting, lowest value parse_server accepts, highest the form offers, decimals)
FLOATS = (("timeout", 0.1, 86_400.0, 3), ("connect_timeout", 0.1, 3_600.0, 3),
          ("backoff", 0.0, 3_600.0, 3), ("max_backoff", 0.0, 86_400.0, 3))
INTS = (("max_concurrency", 1, 1_024), ("retries", 0, 100), ("batch_size", 1, 100_000),
        ("context_length", 256, 2**31 - 1))
FLAGS = ("insecure_http", "demo")
OPENAI_ONLY = ("model", "context_length")
LIBRETRANSLATE_ONLY = ("batch_size",)


class ServerForm(QDialog):
    """Adds (``original`` None) or edits the user's server ``original``; on OK it saves
    the user's file and accepts.  ``unit`` shows a unit-wide entry, read-only.

    ``servers`` is the content of the user's file, in order; ``unit_names`` the names the
    unit-wide file declares (a user entry cannot take one).  After ``accept``,
    :attr:`saved` is the user's servers as written.
    """

    def __init__(self, servers: dict[str, ServerConfig], original: str | None = None,
                 unit_names: set[str] | None = None, unit: ServerConfig | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._servers = dict(servers)
        self._original = original
        self._unit_names = set(unit_names or ())
        self.read_only = unit is not None
        self.saved: dict[str, ServerConfig] = {}
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("letters, digits, '.', '_', '-'"))
        self.kind = QComboBox()
        for kind, label in (("libretranslate", self.tr("LibreTranslate (translation)")),
                            ("openai", self.tr("OpenAI-compatible (LLM)"))):
            self.kind.addItem(label, kind)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://translate.intranet.example:5000")
        self.texts = {key: QLineEdit() for key in TEXTS}
        self.texts["model"].setPlaceholderText(self.tr("The server's first model"))
        self.texts["api_key_keyring"].setPlaceholderText(self.tr("service/user"))
        self.texts["ca_bundle"].setPlaceholderText(self.tr("The system's trusted CAs"))
        self.floats = {key: _double(low, high, decimals) for key, low, high, decimals in FLOATS}
        self.ints = {key: _int(low, high) for key, low, high in INTS}
        self.flags = {"insecure_http": QCheckBox(self.tr("Allow plain http to this host")),
                      "demo": QCheckBox(self.tr("Demo-quality model (outputs marked DEMO)"))}
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("serverFormError")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Close if self.read_only else
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        shown = unit or (servers.get(original) if original else None)
        self._fill(shown or ServerConfig(name="", kind="libretranslate", url=""))
        if unit is not None:
            self.setWindowTitle(self.tr("Server set by your unit"))
            self.error.setText(self.tr("Set by your unit in %1: read-only.")
                               .replace("%1", unit.origin or str(unit_servers_file())))
            for widget in self._inputs():
                widget.setEnabled(False)
        else:
            self.setWindowTitle(self.tr("Edit a server") if original else
                                self.tr("Add a server"))

    # --- layout -----------------------------------------------------------------------
    def _lay_out(self) -> None:
        main = QFormLayout()
        main.addRow(self.tr("Name:"), self.name)
        main.addRow(self.tr("Kind:"), self.kind)
        main.addRow(self.tr("Base URL:"), self.url)
        main.addRow(self.tr("Model (OpenAI):"), self.texts["model"])
        main.addRow(self.tr("API key file:"), self._with_browse(
            self.texts["api_key_file"], self._on_key_browse_clicked))
        main.addRow(self.tr("API key in the OS keyring:"), self.texts["api_key_keyring"])
        main.addRow(self.tr("CA bundle (PEM):"), self._with_browse(
            self.texts["ca_bundle"], self._on_ca_browse_clicked))
        main.addRow(self.tr("Requests in parallel:"), self.ints["max_concurrency"])
        main.addRow("", self.flags["insecure_http"])
        main.addRow("", self.flags["demo"])
        tuning = QGroupBox(self.tr("Timeouts, retries and batches"))
        more = QFormLayout(tuning)
        more.addRow(self.tr("Read timeout (s):"), self.floats["timeout"])
        more.addRow(self.tr("Connect timeout (s):"), self.floats["connect_timeout"])
        more.addRow(self.tr("Retries:"), self.ints["retries"])
        more.addRow(self.tr("First backoff (s):"), self.floats["backoff"])
        more.addRow(self.tr("Longest backoff (s):"), self.floats["max_backoff"])
        more.addRow(self.tr("Sentences per request (LibreTranslate):"),
                    self.ints["batch_size"])
        more.addRow(self.tr("Context window in tokens (OpenAI):"),
                    self.ints["context_length"])
        layout = QVBoxLayout(self)
        layout.addLayout(main)
        layout.addWidget(tuning)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name.setAccessibleName(self.tr("Server name"))
        self.url.setAccessibleName(self.tr("Base URL"))

    def _with_browse(self, edit: QLineEdit, slot: Callable[[], None]) -> QWidget:
        return browse_row(edit, slot, self.tr("Browse…"))

    def _inputs(self) -> list[QWidget]:
        widgets: list[QWidget] = [self.name, self.kind, self.url]
        widgets += [*self.texts.values(), *self.floats.values(), *self.ints.values(),
                    *self.flags.values()]
        widgets += self.findChildren(QPushButton)
        return widgets

    # --- values -----------------------------------------------------------------------
    def _fill(self, server: ServerConfig) -> None:
        self.name.setText(server.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(server.kind)))
        self.url.setText(server.url)
        for key, edit in self.texts.items():
            edit.setText(getattr(server, key))
        for key, double in self.floats.items():
            double.setValue(getattr(server, key))
        for key, spin in self.ints.items():
            spin.setValue(getattr(server, key))
        for key, box in self.flags.items():
            box.setChecked(getattr(server, key))
        self._follow_kind()

    def entry(self) -> dict[str, Any]:
        """The ``[servers.NAME]`` table the form describes (settings left at their
        default are left out, as a hand-written file would)."""
        entry: dict[str, Any] = {"kind": self.kind.currentData(), "url": self.url.text().strip()}
        values: dict[str, Any] = {key: edit.text().strip() for key, edit in self.texts.items()}
        values |= {key: double.value() for key, double in self.floats.items()}
        values |= {key: spin.value() for key, spin in self.ints.items()}
        values |= {key: box.isChecked() for key, box in self.flags.items()}
        ignored = self._ignored()
        entry |= {key: value for key, value in values.items()
                  if value != getattr(_DEFAULTS, key) and key not in ignored}
        return entry

    def _ignored(self) -> tuple[str, ...]:
        """The settings the chosen kind does not use (their fields are disabled, left out)."""
        return LIBRETRANSLATE_ONLY if self.kind.currentData() == "openai" else OPENAI_ONLY

    def _widget(self, key: str) -> QWidget:
        return {**self.texts, **self.floats, **self.ints, **self.flags}[key]

    def server(self) -> ServerConfig:
        """The server the form describes, validated as the file would be (raises
        ServerConfigError with parse_server's message), and a name no other entry has."""
        name = self.name.text().strip()
        server = parse_server(name, self.entry(), str(user_servers_file()))
        if name in self._unit_names:
            raise ServerConfigError(self.tr("Server '%1' is set by your unit: choose another "
                                            "name.").replace("%1", name), name)
        if name != self._original and name in self._servers:
            raise ServerConfigError(self.tr("Server '%1' is already in your servers file.")
                                    .replace("%1", name), name)
        return server

    def save(self) -> bool:
        """Validate and write the user's file; False (and the reason shown) otherwise."""
        if self.read_only:
            return False
        try:
            server = self.server()
            servers: dict[str, ServerConfig] = {}
            for name, old in self._servers.items():  # an edited entry keeps its place
                if name == self._original:
                    servers[server.name] = server
                else:
                    servers[name] = old
            servers.setdefault(server.name, server)
            save_user_servers(servers)
        except (ServerConfigError, OutputError, OSError) as exc:
            log.info("Server form refused: %s", exc)
            self.error.setText(str(exc))
            return False
        self.saved = servers
        return True

    def accept(self) -> None:
        if self.read_only or self.save():
            super().accept()

    def _follow_kind(self) -> None:
        if self.read_only:
            return
        ignored = self._ignored()
        for key in (*OPENAI_ONLY, *LIBRETRANSLATE_ONLY):
            self._widget(key).setEnabled(key not in ignored)

    # --- slots ------------------------------------------------------------------------
    def _on_kind_current_index_changed(self, _index: int) -> None:
        self._follow_kind()

    def _on_key_browse_clicked(self) -> None:
        edit = self.texts["api_key_file"]
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the API key file"),
                                              edit.text())
        if name:
            edit.setText(name)

    def _on_ca_browse_clicked(self) -> None:
        edit = self.texts["ca_bundle"]
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the CA bundle"),
                                              edit.text(),
                                              self.tr("Certificates (*.pem *.crt);;All files (*)"))
        if name:
            edit.setText(name)


def _double(low: float, high: float, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    return box


def _int(low: int, high: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    return box
