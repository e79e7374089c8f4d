"""Passerelle application core: document model, formats, pipeline, CLI (no Qt here)."""

__version__ = "0.1.0"
