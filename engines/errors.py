"""Typed errors raised by the engines.  Each carries a one-line message for users."""

from __future__ import annotations

from typing import TypeVar


class EngineError(Exception):
    """Base class of every engine error.  ``str(err)`` is a user-readable sentence, without
    instructions for one interface: what the user can do is named by ``hints`` (keys that
    the presenter, ``app.core.errors``, words for the window or for the terminal)."""

    hints: tuple[str, ...] = ()


E = TypeVar("E", bound=EngineError)


def with_hints(exc: E, *hints: str) -> E:
    """``exc`` with what the user can do about it (keys of ``app.core.errors.HINTS``)."""
    exc.hints = tuple(hints)
    return exc


class Cancelled(EngineError):
    """The user cancelled the job.  Quietly ignored by the presenters."""

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)


class ModelNotFound(EngineError):
    """No installed model serves the request."""


class ModelIntegrityError(EngineError):
    """A model file is missing or does not match its manifest checksum."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ModelFormatError(EngineError):
    """A model folder or package has an unexpected layout."""


class UnsafeArchive(EngineError):
    """An archive tries to escape its target or expands beyond the limits."""


class NetworkBlocked(EngineError, PermissionError):
    """A network connection was attempted while the offline guard is active."""


class TranslationError(EngineError):
    """The translation engine failed on some input."""
