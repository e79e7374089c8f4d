"""Application errors and the one presenter that turns any exception into a message."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from engines.errors import Cancelled, EngineError


class AppError(Exception):
    """Base class: ``str(err)`` is a one-line message a user understands, without
    instructions for one interface; ``hints`` name what the user can do (keys of
    :data:`HINTS`), worded by :func:`present` for the window or for the terminal."""

    title = "Error"
    hints: tuple[str, ...] = ()

    def __init__(self, *args: object, hints: tuple[str, ...] = ()) -> None:
        super().__init__(*args)
        if hints:
            self.hints = hints


class InputError(AppError):
    title = "Cannot open the document"


class UnsupportedDocument(InputError):
    """Unknown extension or a file whose content is not what its extension claims."""


class DocumentNotFound(InputError):
    pass


class CorruptDocument(InputError):
    pass


class EncryptedDocument(InputError):
    """Password-protected: ``needs_password`` tells whether a password could open it."""

    def __init__(self, message: str, needs_password: bool = True) -> None:
        super().__init__(message)
        self.needs_password = needs_password


class WrongPassword(EncryptedDocument):
    pass


class NeedsOCR(InputError):
    """Only scanned images, no text layer."""


class DocumentTooLarge(InputError):
    pass


class ParserCrashed(InputError):
    pass


class ParserTimeout(InputError):
    pass


class OutputError(AppError):
    title = "Cannot write the output"


class OutputExists(OutputError):
    pass


class ConfigError(AppError):
    title = "Configuration problem"


# What the user can do, worded for the window (no command-line syntax) and the terminal.
HINTS: dict[str, tuple[str, str]] = {
    "import_model": (
        "Import one with “Import models…” (from a folder or a USB drive).",
        "Import one with: main.py models import PATH."),
    "pseudo_preview": (
        "Or preview the layout with the pseudo engine (accented fake text, no real "
        "translation).",
        "Or preview the layout with --engine pseudo."),
    "use_llm": ("Choose the LLM engine to use it.", "Use it with --engine llm."),
    "list_models": ("The Models window lists the installed models.",
                    "Installed model ids are listed by: main.py models list."),
    "import_gguf": ("Import a .gguf file with “Import models…”.",
                    "Import a GGUF file with: main.py models import model.gguf."),
    "extractive": ("Or choose the extractive summary.",
                   "Or use the extractive summarizer (--engine extractive)."),
    "source_language": ("Choose the language in “Translate from”.", "Give it with --from."),
    "model_id_taken": ("Remove it first in the Models window.",
                       "Remove it first, or import with another --id."),
    "name_languages": ("Name the folder after its languages, like opus-mt-fr-en.",
                       "Name the folder like opus-mt-fr-en, or pass --src and --tgt."),
}


@dataclass
class Presentation:
    """``message`` is the plain sentence; ``gui_message`` and ``cli_message`` add what the
    user can do, worded for the window or for the terminal."""

    title: str
    message: str
    details: str
    expected: bool  # False: a bug; the GUI offers the crash dialog and log file
    cancelled: bool = False
    hints: tuple[str, ...] = ()

    @property
    def gui_message(self) -> str:
        return " ".join([self.message, *(HINTS[h][0] for h in self.hints if h in HINTS)])

    @property
    def cli_message(self) -> str:
        return " ".join([self.message, *(HINTS[h][1] for h in self.hints if h in HINTS)])


def present(exc: BaseException) -> Presentation:
    """The one place where exceptions become user messages (CLI and GUI)."""
    details = "".join(traceback.format_exception(exc))
    if isinstance(exc, Cancelled):
        return Presentation("Cancelled", str(exc), details, expected=True, cancelled=True)
    if isinstance(exc, AppError):
        return Presentation(exc.title, str(exc), details, expected=True, hints=exc.hints)
    if isinstance(exc, EngineError):
        return Presentation("Engine error", str(exc), details, expected=True, hints=exc.hints)
    if isinstance(exc, MemoryError):
        return Presentation(
            "Out of memory", "The machine ran out of memory for this job.", details, True
        )
    if isinstance(exc, PermissionError):
        return Presentation("Permission denied", f"Permission denied: {exc}", details, True)
    if isinstance(exc, OSError):
        return Presentation("System error", f"{exc.strerror or exc}", details, expected=True)
    return Presentation(
        "Unexpected error",
        f"An unexpected error occurred ({type(exc).__name__}: {exc}).",
        details,
        expected=False,
    )
