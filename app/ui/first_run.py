"""First run: with no translation model installed, the window says so before any drop,
with one button to import models from a folder or a USB drive, and the two ways to try
the tool meanwhile (the pseudo preview, and the demo LLM when one is prepared)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.config import JobConfig
from app.core.errors import Presentation, present
from app.pipeline.engine_select import missing_model_for
from app.ui.labels import engine_label
from app.ui.models_dialog import open_store
from app.ui.qt import (
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QObject,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
    emit,
)
from app.ui.workers import FunctionWorker, start
from engines.store import Manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledSummary:
    """What the store held when last probed: the window decides at drop time from it,
    without reading anything on the GUI thread."""

    manifests: tuple[Manifest, ...]
    llm: str  # the id of an installed LLM ("" when none)
    llm_demo: bool

    @property
    def translation(self) -> int:
        return sum(1 for m in self.manifests if m.kind == "translation")

    def refusal(self, config: JobConfig) -> Presentation | None:
        """Why a document with ``config`` cannot be translated, before it is read; the
        source language is the one chosen in the window (None: to be detected)."""
        missing = missing_model_for(self.manifests, config, config.source_lang or None)
        return present(missing) if missing is not None else None


def installed_summary(shared_stores: list[str] | None = None) -> InstalledSummary:
    """What the store holds (reads the manifests: call it in a worker)."""
    models = open_store(shared_stores).installed()
    llms = sorted((m for m in models if m.manifest.kind == "llm"),
                  key=lambda m: (m.manifest.demo, m.shared))
    return InstalledSummary(tuple(m.manifest for m in models), llms[0].id if llms else "",
                            bool(llms and llms[0].manifest.demo))


class FirstRunPanel(QFrame):
    """"No translation model yet" with [Import models…], [pseudo preview], [demo LLM].

    Signals:
        importRequested(): the user wants to import models from a folder or a drive.
        engineRequested(str): try an engine meanwhile ("pseudo" or "llm").
    """

    importRequested = Signal()
    engineRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#firstRunPanel { background: #fff8e1; border: 1px solid #e0c070; "
                           "border-radius: 6px; }")
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.import_button = QPushButton()
        self.import_button.setDefault(True)
        self.pseudo_button = QPushButton()
        self.llm_button = QPushButton()
        self.llm_button.setVisible(False)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.pseudo_button.clicked.connect(self._on_pseudo_clicked)
        self.llm_button.clicked.connect(self._on_llm_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addSpacing(24)
        buttons.addWidget(self.pseudo_button)
        buttons.addWidget(self.llm_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.llm_id = ""
        self.setVisible(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("No translation model is installed yet"))
        self.text.setText(self.tr(
            "Passerelle translates with models installed on this computer; nothing is sent "
            "over the network. Import the models your IT team gave you, from a folder or a "
            "USB drive (.argosmodel, .gguf or model folders): each file is verified before "
            "use. Meanwhile you can try the window with the pseudo preview, or with the demo "
            "LLM when one is installed."))
        self.import_button.setText(self.tr("Import models from a folder or USB drive…"))
        self.import_button.setAccessibleName(self.tr("Import models"))
        self.pseudo_button.setText(self.tr("Try: %1").replace("%1", engine_label("pseudo")))
        self.pseudo_button.setToolTip(self.tr(
            "Accented fake text in the real layout: no real translation."))
        label = engine_label("llm")
        if self.llm_id:
            label += f" — {self.llm_id}"
        self.llm_button.setText(self.tr("Try: %1").replace("%1", label))
        self.llm_button.setToolTip(self.tr(
            "A small language model, for trying the tool only: translations are poor."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_summary(self, summary: InstalledSummary) -> None:
        """Shown while no translation model is installed; the LLM button when one is."""
        self.llm_id = summary.llm
        self.llm_button.setVisible(bool(summary.llm))
        self.retranslate()
        self.setVisible(summary.translation == 0)

    def _on_import_clicked(self) -> None:
        emit(self.importRequested)

    def _on_pseudo_clicked(self) -> None:
        emit(self.engineRequested, "pseudo")

    def _on_llm_clicked(self) -> None:
        emit(self.engineRequested, "llm")


class ModelsWatcher(QObject):
    """Reads what the store holds in a worker, at start and after each change.

    Signals:
        changed(object): the new :class:`InstalledSummary`.
    """

    changed = Signal(object)

    def __init__(self, stores: Callable[[], list[str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stores = stores
        self.summary: InstalledSummary | None = None  # None until the first probe ends

    def probe(self) -> None:
        shared = list(self.stores())
        start(FunctionWorker(lambda _r: installed_summary(shared)), self, self._on_probed,
              self._on_probe_failed)

    def _on_probed(self, summary: InstalledSummary) -> None:
        self.summary = summary
        emit(self.changed, summary)

    def _on_probe_failed(self, exc: BaseException) -> None:
        log.warning("Could not list the installed models: %s", exc)


class MissingModelBox(QMessageBox):
    """Explains which model is missing; offers the import, the pseudo preview and the LLM.

    ``job_id`` is the failed job, or None for documents refused at drop time (``files``).
    """

    def __init__(self, message: str, job_id: int | None, parent: QWidget | None = None,
                 files: list[Path] | None = None, llm: str = "") -> None:
        super().__init__(parent)
        self.job_id, self.files = job_id, list(files or [])
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle(self.tr("Translation model needed"))
        self.setText(message)
        self.setInformativeText(self.tr(
            "Import the model from a folder or a USB drive, or preview the layout with the "
            "pseudo engine (accented fake text, no real translation)."))
        self.models = self.addButton(self.tr("Import models…"),
                                     QMessageBox.ButtonRole.ActionRole)
        self.llm = None
        if llm:
            self.llm = self.addButton(self.tr("Use %1").replace(
                "%1", f"{engine_label('llm')} — {llm}"), QMessageBox.ButtonRole.ActionRole)
        self.pseudo = self.addButton(self.tr("Use %1").replace("%1", engine_label("pseudo")),
                                     QMessageBox.ButtonRole.ActionRole)
        self.addButton(QMessageBox.StandardButton.Close)
