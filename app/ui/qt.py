"""The one module that imports Qt.  Everything in app.ui imports Qt names from here.

Keeping the binding in one place makes a switch of binding (or version shims) a one-file
change, and lets a test check that no other module imports PySide6.
"""

import ctypes
import sys

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from PySide6.QtCore import (  # noqa: F401
    Property,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRunnable,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QThreadPool,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import (  # noqa: F401
    QAction,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (  # noqa: F401
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

# --- PySide6 6.12.0 work-around ------------------------------------------------------------
# ``SignalInstance.emit`` of PySide6 6.12.0 returns its result (True) without taking a
# reference: every emit from Python drops one reference to ``True`` and, after a few
# thousand emits, CPython aborts with "deallocating True or False".  All emits in app.ui
# go through :func:`emit`, which puts the missing reference back when a probe at first use
# shows the bug (so a fixed PySide6 is left alone).
_emit_leaks: bool | None = None


def _probe_emit() -> bool:
    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    probe.ping.emit()  # the first call may allocate; measure the second
    before = sys.getrefcount(True)
    probe.ping.emit()
    return sys.getrefcount(True) < before


def emit(signal: object, *args: object) -> None:
    """``signal.emit(*args)``, safe with PySide6 6.12.0 (see above)."""
    global _emit_leaks
    if _emit_leaks is None:
        _emit_leaks = _probe_emit()
    result = signal.emit(*args)  # type: ignore[attr-defined]
    if _emit_leaks and result is not None:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
