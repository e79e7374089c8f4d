"""The report writers of the formats registry: ``report-docx`` and ``report-pdf`` (the
GUI's export dialog, ``translate --format report-pdf``).

The formats layer never imports the report package: importing :mod:`app.report`
registers these writers, after the built-in document writers (importing the formats
package registers those first, so the export list keeps its order).  The CLI and the
GUI import :mod:`app.report` before they run a job.
"""

from __future__ import annotations

from app.formats.registry import WriterSpec, register_writer
from app.formats.sniff import EXTENSIONS
from app.report.build import write_report_docx, write_report_pdf

# Every source format the readers produce (legacy files and Outlook messages are read as
# their modern siblings and as e-mails).
SOURCES = tuple(f for f in EXTENSIONS if f not in ("legacy", "msg"))
register_writer(WriterSpec("report-docx", ".report.docx", write_report_docx, SOURCES,
                           "Translation report (Word): provenance, marking, summary"))
register_writer(WriterSpec("report-pdf", ".report.pdf", write_report_pdf, SOURCES,
                           "Translation report (PDF): provenance, marking, summary"))
