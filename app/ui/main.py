"""GUI entry point: ``python main.py`` (or ``main.py gui [FILES]``)."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from pathlib import Path

from app.core.childproc import lower_thread_priority
from app.ui import isolation
from app.ui import settings as settings_store
from app.ui.errors import install_excepthook
from app.ui.i18n import LanguageManager
from app.ui.icons import icon
from app.ui.mainwindow import MainWindow
from app.ui.qt import QApplication, QCoreApplication, QGuiApplication, Qt, QTimer

log = logging.getLogger(__name__)

EXIT_AFTER_SHOW_ENV = "PASSERELLE_EXIT_AFTER_SHOW"  # quit once the first window is shown
# How long a worker thread may keep the GIL while the GUI thread waits for it (Python's
# default is 5 ms, paid at every slot a repaint calls).  Measured with bench/gui_latency.py:
# translation p99 lateness 4.9-5.2 ms at 5 ms, 2.1 ms at 1 ms; CTranslate2 and the child
# processes do not compete for it.
GUI_SWITCH_INTERVAL_S = 0.001


def create_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(settings_store.ORGANIZATION)
    QCoreApplication.setApplicationName(settings_store.APPLICATION)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setWindowIcon(icon("app"))
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    return app


def preload() -> None:
    """Import the pipeline's heavy modules now, off the first job's path.

    Importing C extensions (lxml, PyMuPDF, CTranslate2) holds the GIL; done on the first
    job, that would stall the event loop for a few hundred milliseconds.  ``run_gui`` runs
    it in a thread once the window is shown (0.6 s that the first window no longer waits).

    The garbage collector stays off meanwhile: the imports create some 200,000 objects,
    and each full collection they triggered walked all of them with the GIL held (50 ms
    stalls, measured by ``bench/gui_latency.py``).  They are then frozen without a
    collection (``gc.collect`` was itself a 55 ms stall): start-up objects live as long as
    the application, and later full passes walk only what the jobs create.
    """
    lower_thread_priority()  # a background thread: the window's repaints come first
    enabled = gc.isenabled()
    gc.disable()
    try:
        import app.formats.registry  # imports and registers the built-in readers and writers
        import app.pipeline.stages
        import app.report  # noqa: F401 - registers the report writers
        import engines.segment
        import engines.translate.batch  # noqa: F401
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def import_before_window() -> None:
    """Before the window: the imports that hold the GIL in one piece, and CTranslate2 on
    the main thread.

    pybind11 (CTranslate2's binding) keeps the Python thread state of the thread that
    first imports it; on a QThreadPool thread Shiboken deletes that state when the task
    ends, and the next CTranslate2 call with a Python callback on that OS thread (an LLM
    translation's generation) deadlocked or crashed (``tests/ui/test_llm_translate_gui.py``).
    The main thread lives as long as the application.  PyMuPDF's 3.7 MB of bytecode is read
    and unmarshalled, and its C library initialised, each in one GIL-holding call (20, 12
    and 10 ms): cheaper before the window than as stalls after it.  About 90 ms in all.
    """
    import ctranslate2  # noqa: F401
    import pymupdf  # noqa: F401


def build_window(files: list[Path] | None = None) -> MainWindow:
    """The window with the saved settings and UI language; ``files`` are queued."""
    settings = settings_store.load()
    languages = LanguageManager()
    languages.set_language(settings.ui_language)
    window = MainWindow(settings, languages)
    if files:
        window.add_files(list(files))
    return window


def run_gui(files: list[Path]) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app()
    install_excepthook()
    isolation.warm_up()  # the language detector loads in its child while the window opens
    import_before_window()
    window = build_window(files)
    window.show()
    # The heavy imports follow in a thread: the window shows without waiting for them.
    threading.Thread(target=preload, name="preload", daemon=True).start()
    if os.environ.get(EXIT_AFTER_SHOW_ENV):  # start-up measurement (installer/measure.py)
        log.info("First window shown")
        QTimer.singleShot(0, app.quit)
    try:
        return int(app.exec())
    finally:
        isolation.shutdown()
