"""The format-independent document model."""

from app.document.model import (
    Block,
    BlockKind,
    Document,
    DocumentMeta,
    Geometry,
    Locator,
    Run,
    Style,
    Translation,
    TranslationStatus,
)

__all__ = [
    "Block",
    "BlockKind",
    "Document",
    "DocumentMeta",
    "Geometry",
    "Locator",
    "Run",
    "Style",
    "Translation",
    "TranslationStatus",
]
