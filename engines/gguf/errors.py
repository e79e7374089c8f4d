"""Typed errors raised by the GGUF reader and converter.

Every error carries a one-line message that can be shown to a user as is.
"""

from __future__ import annotations


class GGUFError(ValueError):
    """Base class: the GGUF file cannot be read or converted."""

    def __init__(self, message: str) -> None:
        # Keep the message on one line whatever the cause looked like.
        super().__init__(" ".join(message.split()))

    @property
    def user_message(self) -> str:
        return str(self)


class GGUFHeaderError(GGUFError):
    """The file is not a readable GGUF file (bad magic, truncated, corrupt header)."""


class UnsupportedArchitectureError(GGUFError):
    """The model architecture (or one of its features) is not supported."""


class UnsupportedQuantizationError(GGUFError):
    """A tensor uses a GGML quantization type that cannot be dequantized."""


class GGUFTokenizerError(GGUFError):
    """The tokenizer stored in the GGUF metadata cannot be rebuilt."""
