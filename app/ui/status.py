"""Status bar pieces: detected device, current model, and the "Open folder" export notice."""

from __future__ import annotations

from pathlib import Path

from app.ui.qt import (
    QDesktopServices,
    QEvent,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QUrl,
    QWidget,
)


def describe_decoding(device: str, threads: int, beam_size: int) -> str:
    """"int8, 1 thread, beam 2": what a translation model will run with (the measured
    defaults unless the settings give values); imports CTranslate2: call in a worker."""
    from engines.device import resolve_translation
    from engines.translate.ct2 import DecodeOptions

    config = resolve_translation(device, threads)
    beam = beam_size or DecodeOptions().beam_size
    return f"{config.compute_type}, {config.intra_threads} thread(s), beam {beam}"


def describe_device() -> tuple[str, bool]:
    """("CPU, 16 cores" or "GPU (CUDA), …", gpu found); probes CTranslate2: call in a worker."""
    from engines.device import cpu_count, cuda_available

    cores = cpu_count()
    if cuda_available():
        return f"GPU (CUDA) + CPU {cores} cores", True
    return f"CPU, {cores} cores", False


class ExportNotice(QWidget):
    """"Exported: name.en.docx [Open folder]", shown after an export."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.label = QLabel()
        self.open_folder = QPushButton()
        self.open_folder.clicked.connect(self._on_open_folder_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.open_folder)
        self.setVisible(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.open_folder.setText(self.tr("Open folder"))
        self.open_folder.setAccessibleName(self.tr("Open the folder of the exported file"))
        if self.path is not None:
            self.label.setText(self.tr("Exported: %1").replace("%1", self.path.name))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_exported(self, path: Path) -> None:
        self.path = Path(path)
        self.retranslate()
        self.setVisible(True)

    def _on_open_folder_clicked(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))
