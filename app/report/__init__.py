"""Translated reports: provenance cover, classification marking, summary, translation and
fidelity appendix, in DOCX and PDF (see :mod:`app.report.build`).

Importing the package registers the ``report-docx`` and ``report-pdf`` writers with the
formats registry (:mod:`app.report.writers`)."""

from app.report import writers as writers
