"""The format-independent document model."""

from app.document.model import (
    RUNNING_KINDS,
    Block,
    BlockKind,
    Document,
    DocumentMeta,
    Geometry,
    Locator,
    OcrInfo,
    Run,
    Style,
    Translation,
    TranslationStatus,
)

__all__ = [
    "RUNNING_KINDS",
    "Block",
    "BlockKind",
    "Document",
    "DocumentMeta",
    "Geometry",
    "Locator",
    "OcrInfo",
    "Run",
    "Style",
    "Translation",
    "TranslationStatus",
]
