"""Export dialog: output format (from the writer registry) and file name."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from app.ui.qt import (
    QComboBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)


def writer_registry() -> ModuleType:
    """The writer registry, with the report writers registered.

    Imported on first use for start-up speed: the registry imports every reader and
    writer (PyMuPDF, python-docx, lxml…), which ``preload()`` loads once the window's
    background work has started."""
    import app.report  # noqa: F401 - registers report-docx and report-pdf
    from app.formats import registry

    return registry


def format_label(name: str, source_format: str) -> str:
    labels = {
        "docx": QCoreApplication.translate("Formats", "Word document (DOCX)"),
        "pdf": QCoreApplication.translate("Formats", "Translated PDF (same layout)"),
        "pdf-bilingual": QCoreApplication.translate("Formats", "Bilingual PDF (side by side)"),
        "report": QCoreApplication.translate("Formats", "Report"),
    }
    if name in labels:
        return labels[name]
    return str(writer_registry().writer_for(name, source_format).description)


def confirm_overwrite(parent: QWidget | None, path: Path) -> bool:
    """Ask before replacing an existing file (the default answer is No)."""
    answer = QMessageBox.question(
        parent, QCoreApplication.translate("Export", "Replace the file?"),
        QCoreApplication.translate("Export", "%1 already exists. Replace it?")
        .replace("%1", str(path)),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ExportDialog(QDialog):
    """Pick the output format and file; ``choice()`` returns them after ``accept``."""

    def __init__(self, source: Path, source_format: str, target_lang: str,
                 folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source, self.source_format = Path(source), source_format
        self.target_lang, self.folder = target_lang, folder
        self.job_id: int | None = None
        self.setWindowTitle(self.tr("Export the translation"))
        self.formats = QComboBox()
        self.formats.setAccessibleName(self.tr("Output format"))
        for name in writer_registry().output_formats(source_format):
            self.formats.addItem(format_label(name, source_format), name)
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Output file"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Format:"), self.formats)
        form.addRow(self.tr("File:"), row)
        form.addRow(buttons)
        self.formats.currentIndexChanged.connect(self._on_formats_current_index_changed)
        self._on_formats_current_index_changed(self.formats.currentIndex())
        self.resize(560, 140)

    def selected_format(self) -> str:
        return str(self.formats.currentData())

    def set_format(self, name: str) -> None:
        index = self.formats.findData(name)
        if index >= 0:
            self.formats.setCurrentIndex(index)

    def _on_formats_current_index_changed(self, index: int) -> None:
        if index < 0:
            return
        spec = writer_registry().writer_for(self.selected_format(), self.source_format)
        self.path.setText(str(spec.output_path(self.source, self.target_lang, self.folder)))

    def _on_browse_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export to"), self.path.text(),
            options=QFileDialog.Option.DontConfirmOverwrite)  # asked once, on export
        if name:
            self.path.setText(name)

    def choice(self) -> tuple[str, Path]:
        return self.selected_format(), Path(self.path.text())
