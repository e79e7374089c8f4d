"""Fidelity report: nothing lost, numbers kept, styled spans kept, page count kept."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.document import Document, TranslationStatus
from engines.protect import NUMERIC_KINDS, find_spans, missing_spans


@dataclass
class BlockIssue:
    block: int
    kind: str  # "untranslated", "numbers", "styles", "overflow"
    detail: str
    text: str = ""


@dataclass
class FidelityReport:
    source: str
    blocks: int = 0
    translated: int = 0
    skipped: int = 0
    untranslated: int = 0
    numbers_checked: int = 0
    numbers_lost: int = 0
    styled_spans_source: int = 0
    styled_spans_target: int = 0
    page_count_source: int | None = None
    page_count_output: int | None = None
    issues: list[BlockIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d

    def summary(self) -> str:
        return summary_line(self.to_dict())

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2),
                        encoding="utf-8")


def _styled_spans(runs: list[Any]) -> int:
    """Number of maximal stretches of emphasised text (bold/italic/underline/link)."""
    count, prev = 0, None
    for r in runs:
        if not r.text.strip():
            continue
        key = r.style.emphasis_key() if not r.style.is_plain() else None
        if key is not None and key != prev:
            count += 1
        prev = key
    return count


def check(doc: Document) -> FidelityReport:
    report = FidelityReport(source=str(doc.meta.source_path), blocks=len(doc.blocks),
                            page_count_source=doc.meta.page_count,
                            page_count_output=doc.meta.output_page_count)
    if (report.page_count_output is not None and report.page_count_source is not None
            and report.page_count_output != report.page_count_source):
        report.issues.append(BlockIssue(-1, "pages", f"{report.page_count_output} pages "
                                        f"written for {report.page_count_source} in the source"))
    for b in doc.blocks:
        t = b.translation
        if t.status is TranslationStatus.TRANSLATED:
            report.translated += 1
        elif t.status is TranslationStatus.SKIPPED:
            report.skipped += 1
            continue
        else:
            report.untranslated += 1
            report.issues.append(BlockIssue(b.id, "untranslated", t.reason or t.status.value,
                                            b.text[:200]))
            continue
        lost = missing_spans(b.text, t.text, NUMERIC_KINDS)
        report.numbers_checked += sum(1 for s in find_spans(b.text) if s.kind in NUMERIC_KINDS)
        if lost:
            report.numbers_lost += len(lost)
            report.issues.append(BlockIssue(b.id, "numbers", ", ".join(lost), b.text[:200]))
        src_spans = _styled_spans(b.runs)
        report.styled_spans_source += src_spans
        if src_spans and not b.is_uniform():
            tgt_spans = _styled_spans(t.runs) if t.runs else 0
            report.styled_spans_target += tgt_spans
            if tgt_spans != src_spans:
                report.issues.append(BlockIssue(
                    b.id, "styles", f"{src_spans} styled spans in source, {tgt_spans} in output",
                    b.text[:200]))
        else:
            report.styled_spans_target += src_spans
        for flag in b.flags:
            if flag.startswith(("overflow", "typeset", "protected")):  # writers, translate stage
                report.issues.append(BlockIssue(b.id, flag.split(":", 1)[0], flag,
                                                b.text[:200]))
    return report


def summary_line(d: dict[str, Any]) -> str:
    """One line for the CLI and the GUI status bar, from a report dict."""
    parts = [f"{d['translated']}/{d['blocks']} blocks translated"]
    if d["skipped"]:
        parts.append(f"{d['skipped']} kept as is (no words)")
    parts.append(f"{d['untranslated']} NOT translated" if d["untranslated"]
                 else "none left untranslated")
    parts.append(f"numbers kept {d['numbers_checked'] - d['numbers_lost']}/{d['numbers_checked']}")
    if d["styled_spans_source"]:
        parts.append(f"styled spans {d['styled_spans_target']}/{d['styled_spans_source']}")
    if d.get("page_count_output") is not None:
        parts.append(f"pages {d['page_count_output']}/{d['page_count_source']}")
    return ", ".join(parts)
