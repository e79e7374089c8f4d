"""The data of a translation report, gathered once and rendered by the DOCX and PDF writers.

Nothing here knows about a file format: :func:`gather` reads a translated
:class:`~app.document.Document` (and what the job knows about its engines), and the
writers only read a :class:`ReportData`.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.audit import engine_infos, workstation
from app.core.hashing import sha256_file
from app.core.servers import describe_server
from app.document import Block, BlockKind, Document, TranslationStatus
from app.pipeline.fidelity import check
from app.pipeline.model_store import open_store
from app.report.markings import MarkingDecision, decide
from app.summarize.types import SummaryResult
from engines.store import valid_id
from engines.translate.base import Translator
from engines.translate.glossary import Glossary, verify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelLine:
    """One engine or model used, with its provenance."""

    role: str  # "translation" or "summary"
    engine: str
    model_id: str
    version: str = ""
    checksum: str = ""
    demo: bool = False
    server: str = ""  # "on server NAME (URL), model M, version V" for an intranet server

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "engine": self.engine, "id": self.model_id,
                "version": self.version, "checksum": self.checksum, "demo": self.demo,
                "server": self.server}


@dataclass(frozen=True)
class SourceInfo:
    name: str
    sha256: str
    format: str
    pages: int | None
    language: str | None
    confidence: float | None


@dataclass(frozen=True)
class Row:
    """One block of the translation section."""

    block: int
    kind: str  # a BlockKind value
    level: int
    source: str
    target: str
    status: str  # a TranslationStatus value
    cell: tuple[tuple[object, ...], int, int] | None = None  # (table key, row, col)

    @property
    def is_heading(self) -> bool:
        return self.kind == BlockKind.HEADING.value


@dataclass(frozen=True)
class GlossaryUse:
    source: str
    target: str
    count: int


@dataclass
class ReportData:
    source: SourceInfo
    target_language: str
    marking: MarkingDecision
    models: list[ModelLine] = field(default_factory=list)
    glossary: str = ""  # "name (sha256)" or ""
    glossary_applied: list[GlossaryUse] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    host: str = ""
    user: str = ""
    summary: SummaryResult | None = None
    rows: list[Row] = field(default_factory=list)
    bilingual: bool = False
    fidelity: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _manifest_version(model_id: str) -> str:
    """The version a model's manifest gives ("" when it is not an installed model)."""
    if not model_id or not valid_id(model_id):
        return ""
    try:
        return open_store().get(model_id).manifest.version
    except Exception:
        return ""


def model_lines(translator: Translator | None, summary: SummaryResult | None = None,
                summary_checksum: str = "") -> list[ModelLine]:
    lines: list[ModelLine] = []
    for info in engine_infos(translator):
        version = _manifest_version(info.model_id) or info.version
        lines.append(ModelLine("translation", info.engine, info.model_id, version,
                               info.checksum, info.demo, describe_server(info.extra)))
    if summary is not None:
        if summary.engine == "llm":
            lines.append(ModelLine("summary", "llm", summary.model_id,
                                   _manifest_version(summary.model_id), summary_checksum,
                                   summary.demo, describe_server(summary.server)))
        else:
            lines.append(ModelLine("summary", "extractive", "textrank", "1"))
    return lines


def cell_of(block: Block) -> tuple[tuple[object, ...], int, int] | None:
    """(table key, row, column) of a table cell block, from its locator."""
    if block.kind is not BlockKind.TABLE_CELL:
        return None
    loc = block.locator
    if loc.part == "table" and len(loc.path) == 3:  # PDF: (table, row, col)
        return (loc.part, loc.path[0]), loc.path[1], loc.path[2]
    if len(loc.path) >= 4:  # DOCX: (…, table, row, col, paragraph)
        return (loc.part, *loc.path[:-3]), loc.path[-3], loc.path[-2]
    return None


def rows_of(doc: Document) -> list[Row]:
    """Every non-empty block in document order (headers and footers included)."""
    rows: list[Row] = []
    for b in doc.blocks:
        if not b.text.strip():
            continue
        rows.append(Row(b.id, b.kind.value, b.level, b.text, b.output_text,
                        b.translation.status.value, cell_of(b)))
    return rows


def glossary_uses(doc: Document, translator: Translator | None,
                  glossary_path: Path | None) -> tuple[str, list[GlossaryUse]]:
    """(description of the glossary, the terms that the translation carries)."""
    glossary = _find_glossary(translator)
    if glossary is None and glossary_path is not None:
        try:
            glossary = Glossary.load(glossary_path)
        except Exception as exc:
            log.warning("Glossary %s unreadable for the report: %s", glossary_path, exc)
    if glossary is None:
        return "", []
    described = _describe_glossary(glossary_path, len(glossary))
    counts: Counter[str] = Counter()
    targets: dict[str, str] = {}
    tgt = doc.target_language or ""
    for b in doc.blocks:
        if b.translation.status is not TranslationStatus.TRANSLATED:
            continue
        src = b.language or doc.meta.language or ""
        applied, _ = verify(glossary, b.text, b.translation.text, src, tgt)
        for term in applied:
            counts[term] += 1
        for t in glossary.for_pair(src, tgt):
            targets.setdefault(t.source, t.target)
    uses = [GlossaryUse(s, targets.get(s, ""), n) for s, n in sorted(counts.items())]
    return described, uses


def _find_glossary(translator: Translator | None) -> Any:
    node: Any = translator
    while node is not None:
        found = getattr(node, "glossary", None)
        if found is not None:
            return found
        node = getattr(node, "inner", None)
    return None


def _describe_glossary(path: Path | None, terms: int) -> str:
    if path is None:
        return f"{terms} terms"
    try:
        digest = sha256_file(path)
    except OSError:
        digest = "?"
    return f"{Path(path).name} ({terms} terms, SHA-256 {digest})"


_APP_XML_LIMIT = 1 << 20


def docx_pages(path: Path) -> int | None:
    """The page count Word saved in ``docProps/app.xml`` (None when absent)."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/app.xml")
            if info.file_size > _APP_XML_LIMIT:
                return None
            xml = z.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    found = re.search(r"<(?:\w+:)?Pages>(\d+)</", xml)
    return int(found.group(1)) if found else None


def gather(doc: Document, *, translator: Translator | None = None,
           summary: SummaryResult | None = None, marking: str | None = None,
           bilingual: bool = False, glossary_path: Path | None = None,
           fidelity: dict[str, Any] | None = None, summary_checksum: str = "") -> ReportData:
    """Everything a report shows, from a translated document."""
    meta = doc.meta
    decision = decide(doc, marking)
    host, user = workstation()
    glossary, uses = glossary_uses(doc, translator, glossary_path)
    data = ReportData(
        source=SourceInfo(Path(meta.source_path).name, meta.sha256, meta.format,
                          meta.page_count or (docx_pages(Path(meta.source_path))
                                              if meta.format == "docx" else None),
                          meta.language, meta.language_confidence),
        target_language=doc.target_language or "",
        marking=decision,
        models=model_lines(translator, summary, summary_checksum),
        glossary=glossary, glossary_applied=uses, host=host, user=user, summary=summary,
        rows=rows_of(doc), bilingual=bilingual,
        fidelity=fidelity if fidelity is not None else check(doc).to_dict(),
    )
    if not data.models:  # a document translated elsewhere: the engines named by its blocks
        engines = sorted({b.translation.engine for b in doc.blocks if b.translation.engine})
        data.models = [ModelLine("translation", e, "") for e in engines]
    data.warnings = list(dict.fromkeys(decision.warnings + doc.warnings
                                       + (summary.warnings if summary else [])))
    if any(m.demo for m in data.models):
        data.warnings.append("A DEMO-quality model was used: do not rely on this translation.")
    return data
