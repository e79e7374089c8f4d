"""Settings dialog: device, threads, model stores, target language, glossary, output
folder, classification marking, OCR (language data folder, redo OCR) and UI language."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from app.ui.i18n import LANGUAGES
from app.ui.labels import LANGUAGE_CODES, language_label
from app.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from app.ui.settings import AppSettings, pinned, unit_settings_file


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings()`` returns it after ``accept``.

    ``detected`` describes the detected hardware, e.g. "CPU, 16 cores; no GPU".
    """

    def __init__(self, settings: AppSettings, detected: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = dataclasses.replace(settings)
        self.setWindowTitle(self.tr("Settings"))
        s = self._settings
        self.device = QComboBox()
        for code, label in (("auto", self.tr("Automatic")), ("cpu", self.tr("CPU")),
                            ("cuda", self.tr("GPU (CUDA)"))):
            self.device.addItem(label, code)
        self.device.setCurrentIndex(max(0, self.device.findData(s.device)))
        self.device.setToolTip(detected)
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText(self.tr("Measured default"))
        self.threads.setValue(s.threads)
        self.beam = QSpinBox()
        self.beam.setRange(0, 8)
        self.beam.setSpecialValueText(self.tr("Measured default"))
        self.beam.setValue(s.beam_size)
        self.pinned = pinned()
        locks: list[tuple[str, QWidget]] = [("device", self.device),
                                            ("threads", self.threads), ("beam_size", self.beam)]
        for name, locked in locks:
            if name in self.pinned:  # the unit's IT team decided: shown, not editable
                locked.setEnabled(False)
                locked.setToolTip(self.tr("Pinned by your IT team in %1")
                                  .replace("%1", str(unit_settings_file())))
        self.stores = QPlainTextEdit("\n".join(s.model_stores))
        self.stores.setPlaceholderText(self.tr("One folder per line (shared, read-only stores)"))
        self.stores.setMaximumHeight(70)
        self.target = QComboBox()
        for code in LANGUAGE_CODES:
            self.target.addItem(language_label(code), code)
        self.target.setCurrentIndex(max(0, self.target.findData(s.target_lang)))
        self.glossary = QLineEdit(s.glossary)
        self.output = QLineEdit(s.output_folder)
        self.output.setPlaceholderText(self.tr("Beside the source document"))
        self.classification = QLineEdit(s.classification)
        self.classification.setPlaceholderText(self.tr("e.g. DIFFUSION RESTREINTE"))
        self.tessdata = QLineEdit(s.tessdata)
        self.tessdata.setPlaceholderText(self.tr("Found automatically"))
        self.redo_ocr = QCheckBox(self.tr("Read scans again even when they carry a text layer"))
        self.redo_ocr.setChecked(s.redo_ocr)
        self.ui_language = QComboBox()
        self.ui_language.addItem(self.tr("Follow the system"), "system")
        for code, name in LANGUAGES.items():
            self.ui_language.addItem(name, code)
        self.ui_language.setCurrentIndex(max(0, self.ui_language.findData(s.ui_language)))
        form = QFormLayout(self)
        form.addRow(self.tr("Device:"), self.device)
        if detected:
            form.addRow("", _note(self.tr("Detected: %1").replace("%1", detected)))
        form.addRow(self.tr("Threads:"), self.threads)
        form.addRow(self.tr("Beam size:"), self.beam)
        if self.pinned:
            form.addRow("", _note(self.tr("Locked settings are pinned for the whole unit by "
                                          "your IT team (%1).")
                                  .replace("%1", str(unit_settings_file()))))
        form.addRow(self.tr("Model stores:"), self.stores)
        form.addRow(self.tr("Default target language:"), self.target)
        form.addRow(self.tr("Glossary (CSV):"),
                    self._with_browse(self.glossary, self._on_glossary_browse_clicked))
        form.addRow(self.tr("Output folder:"),
                    self._with_browse(self.output, self._on_output_browse_clicked))
        form.addRow(self.tr("Classification marking:"), self.classification)
        form.addRow(self.tr("OCR language data:"),
                    self._with_browse(self.tessdata, self._on_tessdata_browse_clicked))
        form.addRow(self.tr("OCR:"), self.redo_ocr)
        form.addRow(self.tr("Interface language:"), self.ui_language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for widget, name in ((self.device, self.tr("Device")), (self.threads, self.tr("Threads")),
                             (self.beam, self.tr("Beam size")),
                             (self.stores, self.tr("Model stores")),
                             (self.target, self.tr("Default target language")),
                             (self.glossary, self.tr("Glossary file")),
                             (self.output, self.tr("Output folder")),
                             (self.classification, self.tr("Classification marking")),
                             (self.tessdata, self.tr("OCR language data folder")),
                             (self.redo_ocr, self.tr("Redo OCR")),
                             (self.ui_language, self.tr("Interface language"))):
            widget.setAccessibleName(name)

    def _with_browse(self, edit: QLineEdit, slot: Callable[[], None]) -> QWidget:
        return browse_row(edit, slot, self.tr("Browse…"))

    def _on_glossary_browse_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a glossary"),
                                              self.glossary.text(), self.tr("CSV files (*.csv)"))
        if name:
            self.glossary.setText(name)

    def _on_tessdata_browse_clicked(self) -> None:
        name = QFileDialog.getExistingDirectory(self, self.tr("Choose the tessdata folder"),
                                                self.tessdata.text())
        if name:
            self.tessdata.setText(name)

    def _on_output_browse_clicked(self) -> None:
        name = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"),
                                                self.output.text())
        if name:
            self.output.setText(name)

    def result_settings(self) -> AppSettings:
        s = self._settings
        s.device = str(self.device.currentData())
        s.threads = self.threads.value()
        s.beam_size = self.beam.value()
        for name, value in self.pinned.items():
            setattr(s, name, value)
        s.model_stores = [x.strip() for x in self.stores.toPlainText().splitlines() if x.strip()]
        s.target_lang = str(self.target.currentData())
        s.glossary = self.glossary.text().strip()
        s.output_folder = self.output.text().strip()
        s.classification = self.classification.text().strip()
        s.tessdata = self.tessdata.text().strip()
        s.redo_ocr = self.redo_ocr.isChecked()
        s.ui_language = str(self.ui_language.currentData())
        return s


def _note(text: str) -> QWidget:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #5b6b7b;")
    return label


def browse_row(edit: QLineEdit, slot: Callable[[], None], label: str) -> QWidget:
    """``edit`` with a [Browse…] button (``label``, translated by the caller) that calls
    ``slot``."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    button = QPushButton(label)
    button.clicked.connect(slot)
    row.addWidget(button)
    return box
