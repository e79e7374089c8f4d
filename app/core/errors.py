"""Application errors and the one presenter that turns any exception into a message."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from engines.errors import Cancelled, EngineError


class AppError(Exception):
    """Base class: ``str(err)`` is a one-line message a user understands."""

    title = "Error"


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


@dataclass
class Presentation:
    title: str
    message: str
    details: str
    expected: bool  # False: a bug; the GUI offers the crash dialog and log file
    cancelled: bool = False


def present(exc: BaseException) -> Presentation:
    """The one place where exceptions become user messages (CLI and GUI)."""
    details = "".join(traceback.format_exception(exc))
    if isinstance(exc, Cancelled):
        return Presentation("Cancelled", str(exc), details, expected=True, cancelled=True)
    if isinstance(exc, AppError):
        return Presentation(exc.title, str(exc), details, expected=True)
    if isinstance(exc, EngineError):
        return Presentation("Engine error", str(exc), details, expected=True)
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
