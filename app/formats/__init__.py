"""Readers and writers, registered by format (see :mod:`app.formats.registry`)."""
