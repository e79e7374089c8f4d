"""UI language: Qt ``.ts``/``.qm`` catalogues in ``resources/i18n``, switchable at run time.

English is the source language.  :class:`LanguageManager` installs (or removes) a
``QTranslator`` for Passerelle's own strings plus Qt's catalogue for the standard dialogs;
Qt then sends ``LanguageChange`` to every widget, which retranslates its labels.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.ui.qt import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGUAGES = {"en": "English", "fr": "Français"}


def system_language() -> str:
    name = QLocale.system().name()  # "fr_FR"
    return "fr" if name.lower().startswith("fr") else "en"


def resolve(choice: str) -> str:
    """``system`` follows the system locale; anything else is a language code."""
    return system_language() if choice == "system" else (choice if choice in LANGUAGES else "en")


class LanguageManager:
    """Owns the installed translators; ``current`` is the active code ("en" or "fr")."""

    def __init__(self, folder: Path = I18N_DIR) -> None:
        self.folder = folder
        self.current = "en"
        self._translators: list[QTranslator] = []

    def set_language(self, choice: str) -> str:
        code = resolve(choice)
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("Create the QApplication before setting the UI language")
        for t in self._translators:
            app.removeTranslator(t)
        self._translators = []
        if code != "en":
            own = QTranslator(app)
            if own.load(str(self.folder / f"passerelle_{code}.qm")):
                app.installTranslator(own)
                self._translators.append(own)
            else:
                log.warning("No UI catalogue for %s in %s", code, self.folder)
            qt_own = QTranslator(app)
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt_own.load(f"qtbase_{code}", qt_dir):
                app.installTranslator(qt_own)
                self._translators.append(qt_own)
        self.current = code
        # Deliver the LanguageChange events now, so every label is retranslated on return.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        log.info("UI language: %s", code)
        return code


def tr(context: str, text: str) -> str:
    """Translate outside a QObject (``lupdate`` sees ``QCoreApplication.translate``)."""
    return QCoreApplication.translate(context, text)
