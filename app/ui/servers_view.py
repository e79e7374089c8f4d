"""Intranet servers in the model manager: reachable or not, models served, latency.

The servers come from the unit-wide and the user's servers files
(:mod:`app.core.servers`); checking them runs in a worker, never on the GUI thread.
"""

from __future__ import annotations

import logging
from typing import Any

from app.core.output import write_atomic
from app.core.servers import (
    allow_list,
    configured_servers,
    unit_servers_file,
    user_servers_file,
)
from app.ui.qt import (
    QDesktopServices,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from app.ui.table_model import Index, RowTableModel
from app.ui.workers import FunctionWorker, start
from engines import offline
from engines.remote.errors import ServerConfigError
from engines.remote.probe import ServerState, probe

log = logging.getLogger(__name__)

USER_TEMPLATE = """\
# Your own intranet servers (the unit-wide file, if any, wins for a same name).
# Format: README "Intranet servers". API keys never go here: api_key_file or api_key_keyring.
#
# [servers.my-llm]
# kind = "openai"
# url = "https://llm.intranet.example:8443/v1"
# api_key_keyring = "passerelle/my-llm"
# max_concurrency = 2
"""


def check_all(report: Any = None) -> list[ServerState]:
    """Probe every declared server (run in a worker)."""
    servers = list(configured_servers().values())
    states = []
    for i, server in enumerate(servers):
        if report is not None:
            report(i / max(1, len(servers)), server.name)
        states.append(probe(server))
    return states


class ServerStateModel(RowTableModel):
    COLUMNS = 5

    def headers(self) -> list[str]:
        return [self.tr("Server"), self.tr("Kind"), self.tr("State"), self.tr("Models"),
                self.tr("Latency")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        state: ServerState | None = self.row_object(index)
        if state is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return state.error or f"{state.url} {state.version}".strip()
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return state.name
        if column == 1:
            return {"openai": "OpenAI API", "libretranslate": "LibreTranslate"}.get(
                state.kind, state.kind)
        if column == 2:
            return self.tr("Reachable") if state.reachable else self.tr("Unreachable")
        if column == 3:
            return ", ".join(state.models)
        return "" if state.latency_ms is None else f"{state.latency_ms:.0f} ms"

    def states(self) -> list[ServerState]:
        return list(self._rows)


class ServersPanel(QWidget):
    """The declared servers and a "Check servers" button (probes in a worker)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ServerStateModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setMaximumHeight(130)
        self.title = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.check_button = QPushButton()
        self.check_button.clicked.connect(self._on_check_clicked)
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self._on_edit_clicked)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.edit_button)
        top.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view)
        layout.addWidget(self.message)
        self.busy = False
        self.retranslate()
        self.list_declared()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Intranet servers"))
        self.check_button.setText(self.tr("Check servers"))
        self.edit_button.setText(self.tr("My servers…"))
        self.edit_button.setToolTip(self.tr("Open your own servers file (%1)")
                                    .replace("%1", str(user_servers_file())))
        self.view.setAccessibleName(self.tr("Intranet servers"))
        self.model.retranslate()

    def list_declared(self) -> None:
        """The declared servers, not yet checked."""
        try:
            servers = configured_servers()
        except ServerConfigError as exc:
            self.message.setText(str(exc))
            return
        self.model.set_rows(ServerState(s.name, s.kind, s.url) for s in servers.values())
        if not servers:
            self.message.setText(self.tr("No intranet server is declared (%1, %2).")
                                 .replace("%1", str(unit_servers_file()))
                                 .replace("%2", str(user_servers_file())))
        self.check_button.setEnabled(bool(servers))

    def edit_user_file(self) -> None:
        """Open the user's servers file in the system editor (created from a template)."""
        path = user_servers_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, lambda tmp: tmp.write_text(USER_TEMPLATE, encoding="utf-8"))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def check(self) -> None:
        """Re-read the servers files (the offline guard follows them), then probe."""
        if self.busy:
            return
        if offline.is_installed():  # the application's guard: follow the files
            offline.install(allow_list())
        self.list_declared()
        self.busy = True
        self.check_button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        start(FunctionWorker(check_all), self, self._on_checked, self._on_check_failed)

    def _on_check_clicked(self) -> None:
        self.check()

    def _on_edit_clicked(self) -> None:
        self.edit_user_file()

    def _on_checked(self, states: list[ServerState]) -> None:
        self.busy = False
        self.check_button.setEnabled(True)
        self.model.set_rows(states)
        down = [s.name for s in states if not s.reachable]
        self.message.setText(self.tr("Unreachable: %1").replace("%1", ", ".join(down))
                             if down else self.tr("All servers answer."))

    def _on_check_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.check_button.setEnabled(True)
        self.message.setText(str(exc))
