"""GUI entry point."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def run_gui(files: list[Path]) -> int:
    from app.ui.qt import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.setWindowTitle("Passerelle — offline translation")
    label = QtWidgets.QLabel("Drop documents here (the full window comes with the GUI issue).")
    window.setCentralWidget(label)
    window.resize(900, 600)
    window.show()
    return int(app.exec())
