"""Translated reports: provenance cover, classification marking, summary, translation and
fidelity appendix, in DOCX and PDF (see :mod:`app.report.build`)."""
