"""Intranet servers in the model manager: reachable or not, models served, latency.

The servers come from the unit-wide and the user's servers files
(:mod:`app.core.servers`); checking them runs in a worker, never on the GUI thread.
The user's servers are added, edited and removed in a form (:mod:`app.ui.server_form`);
the unit's are shown read-only.
"""

from __future__ import annotations

import logging
from typing import Any

from app.core.errors import OutputError
from app.core.output import write_atomic
from app.core.servers import (
    allow_list,
    configured_servers,
    unit_servers_file,
    user_servers_file,
)
from app.core.servers_file import read_user_servers, save_user_servers, unit_server_names
from app.ui.qt import (
    QAbstractItemView,
    QDesktopServices,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    Qt,
    QTableView,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)
from app.ui.server_form import ServerForm
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
    """The servers' states; the unit's servers (``unit_names``) are marked as such."""

    COLUMNS = 5

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.unit_names: set[str] = set()

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
            if state.name in self.unit_names:
                return self.tr("%1 (set by your unit)").replace("%1", state.name)
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
    """The declared servers, a "Check servers" button (probes in a worker) and the form
    that adds, edits and removes the user's own.

    Signals: ``changed`` after the user's servers file was saved.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ServerStateModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setMaximumHeight(130)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.title = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.check_button = QPushButton()
        self.check_button.clicked.connect(self._on_check_clicked)
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self._on_add_clicked)
        self.change_button = QPushButton()
        self.change_button.clicked.connect(self._on_change_clicked)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.form: ServerForm | None = None
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for button in (self.add_button, self.change_button, self.remove_button,
                       self.edit_button):
            top.addWidget(button)
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
        self.add_button.setText(self.tr("Add…"))
        self.change_button.setText(self.tr("Edit…"))
        self.remove_button.setText(self.tr("Remove"))
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
        unit = str(unit_servers_file())
        self.model.unit_names = {n for n, s in servers.items() if s.origin == unit}
        self.model.set_rows(ServerState(s.name, s.kind, s.url) for s in servers.values())
        self.message.setText("" if servers else
                             self.tr("No intranet server is declared (%1, %2).")
                             .replace("%1", unit).replace("%2", str(user_servers_file())))
        self.check_button.setEnabled(bool(servers))
        self._update_buttons()

    def reload(self) -> None:
        """Re-read the servers files; the offline guard follows them, as at start-up."""
        if offline.is_installed():  # the application's guard: follow the files
            offline.install(allow_list())
        self.list_declared()

    def selected_name(self) -> str:
        state = self.model.row_object(self.view.currentIndex())
        return state.name if isinstance(state, ServerState) else ""

    def select(self, name: str) -> None:
        names = [s.name for s in self.model.states()]
        if name in names:
            self.view.selectRow(names.index(name))

    def _update_buttons(self) -> None:
        name = self.selected_name()
        self.change_button.setEnabled(bool(name))
        self.remove_button.setEnabled(bool(name) and name not in self.model.unit_names)

    def server_form(self, name: str = "") -> ServerForm | None:
        """Open (not modal-blocking) the form for a new server, or for ``name``: the user's
        server to edit, or the unit's shown read-only.  None when the user's file cannot
        be read (the reason is shown)."""
        try:
            servers = read_user_servers()
            unit = configured_servers().get(name) if name in self.model.unit_names else None
        except ServerConfigError as exc:
            self.message.setText(str(exc))
            return None
        form = ServerForm(servers, name if name in servers and unit is None else None,
                          unit_server_names(), unit, self)
        form.finished.connect(self._on_form_finished)
        self.form = form
        form.open()
        return form

    def remove_server(self, name: str) -> bool:
        """Remove ``name`` from the user's file (never the unit's); True when removed."""
        try:
            servers = read_user_servers()
            if name in self.model.unit_names or name not in servers:
                raise ServerConfigError(self.tr("Server '%1' is not in your servers file.")
                                        .replace("%1", name), name)
            del servers[name]
            save_user_servers(servers)
        except (ServerConfigError, OutputError, OSError) as exc:
            self.message.setText(str(exc))
            return False
        self.reload()
        emit(self.changed)
        return True

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
        self.reload()
        self.busy = True
        self.check_button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        start(FunctionWorker(check_all), self, self._on_checked, self._on_check_failed)

    def _on_check_clicked(self) -> None:
        self.check()

    def _on_edit_clicked(self) -> None:
        self.edit_user_file()

    def _on_add_clicked(self) -> None:
        self.server_form()

    def _on_change_clicked(self) -> None:
        if self.selected_name():
            self.server_form(self.selected_name())

    def _on_remove_clicked(self) -> None:
        name = self.selected_name()
        if not name:
            return
        answer = QMessageBox.question(
            self, self.tr("Remove the server?"),
            self.tr("Remove %1 from your servers file?").replace("%1", name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_server(name)

    def _on_form_finished(self, result: int) -> None:
        form, self.form = self.form, None
        if form is None:
            return
        form.deleteLater()
        if result == QDialog.DialogCode.Accepted and not form.read_only:
            self.reload()
            self.select(form.name.text().strip())
            emit(self.changed)

    def _on_selection_changed(self, *_args: Any) -> None:
        self._update_buttons()

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
