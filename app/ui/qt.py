"""The one module that imports Qt.  Everything in app.ui imports Qt names from here."""

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot  # noqa: F401
