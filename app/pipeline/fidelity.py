"""Fidelity report: an independent check that nothing was lost or damaged.

The report does not trust the translation path.  Every translated block is checked
against its source by :mod:`app.pipeline.checks` (numbers and dates as values, markup
debris, length ratio for the language pair, identical output) and, where the engine
can align, by sentence coverage (:func:`sentence_coverage`).  Text that was not
translated (engine failures, unreadable or unread text, a language without a model)
counts as NOT translated.  Blocks kept as they are (no words, already in the target
language) are listed with their reason.  ``ok`` is false when any issue exists.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.document import Block, Document, TranslationStatus
from app.pipeline.align import Aligner
from app.pipeline.checks import check_pair, uncovered_sentences
from app.pipeline.numbers import compare
from engines.translate.batch import segment

log = logging.getLogger(__name__)

TEXT_CHARS = 200  # source text kept with each issue
# Block flags set by the readers, the translate stage and the writers that are issues.
ISSUE_FLAGS = ("overflow", "typeset", "protected", "debris")
# Block flags meaning the source text could not be read: never "kept as is".
UNREAD_FLAGS = ("unreadable",)
ALIGN_BATCH = 16
# Issue kinds meaning the text was not translated at all (the others: damaged).
NOT_TRANSLATED_KINDS = frozenset({"untranslated", "unreadable", "unread", "language"})
# Issue kinds about how the source was read (OCR), not about the translation.
READING_KINDS = frozenset({"ocr", "ocr-number"})
LOW_OCR_CONFIDENCE = 0.8  # a block read by OCR with a lower mean word confidence is flagged

# Kinds of issue, as listed in the CLI summary and the report appendix.
KIND_LABELS = {
    "untranslated": "not translated",
    "unreadable": "unreadable text",
    "unread": "page not read",
    "language": "no model for its language",
    "numbers": "numbers or dates lost or changed",
    "markup": "markup debris",
    "length": "length out of bounds",
    "repetition": "repeated words or characters",
    "coverage": "sentence missing",
    "identical": "left untranslated (identical)",
    "styles": "styled spans",
    "overflow": "text overflow",
    "typeset": "typesetting",
    "protected": "protected span restored",
    "debris": "debris repaired",
    "pages": "page count",
    "ocr": "read by OCR with low confidence",
    "ocr-number": "numbers read by OCR with low confidence",
}


# Short forms of the translate stage's reasons for keeping a block as it is.
_SKIP_SHORT = {"no words to translate": "no words",
               "already in the target language": "already in the target language",
               "page number": "page numbers"}


@dataclass
class BlockIssue:
    block: int
    kind: str
    detail: str
    text: str = ""


@dataclass
class SkippedBlock:
    block: int
    reason: str
    text: str = ""


@dataclass
class FidelityReport:
    source: str
    blocks: int = 0
    translated: int = 0
    skipped: int = 0
    untranslated: int = 0
    damaged: int = 0  # translated blocks with at least one issue
    numbers_checked: int = 0
    numbers_lost: int = 0
    styled_spans_source: int = 0
    styled_spans_target: int = 0
    page_count_source: int | None = None
    page_count_output: int | None = None
    coverage_checked: bool = False  # sentence coverage by alignment was available
    uncovered: dict[int, list[str]] = field(default_factory=dict)  # block -> sentences
    issues: list[BlockIssue] = field(default_factory=list)
    skipped_blocks: list[SkippedBlock] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def kinds(self) -> dict[str, int]:
        """Issues by kind, most frequent first."""
        return dict(Counter(i.kind for i in self.issues).most_common())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        d["issue_kinds"] = self.kinds()
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


def _issue(b: Block, kind: str, detail: str) -> BlockIssue:
    return BlockIssue(b.id, kind, detail, b.text[:TEXT_CHARS])


def check(doc: Document, coverage: dict[int, list[str]] | None = None) -> FidelityReport:
    """The report for ``doc``; ``coverage`` (block id → source sentences missing from
    the output, from :func:`sentence_coverage`) when the engine could align."""
    report = FidelityReport(source=str(doc.meta.source_path), blocks=len(doc.blocks),
                            page_count_source=doc.meta.page_count,
                            page_count_output=doc.meta.output_page_count,
                            coverage_checked=coverage is not None,
                            uncovered={k: v for k, v in (coverage or {}).items() if v})
    if (report.page_count_output is not None and report.page_count_source is not None
            and report.page_count_output != report.page_count_source):
        report.issues.append(BlockIssue(-1, "pages", f"{report.page_count_output} pages "
                                        f"written for {report.page_count_source} in the source"))
    for page in doc.meta.scanned_pages:
        report.issues.append(BlockIssue(-1, "unread", f"page {page + 1}: scanned image "
                                        "without a text layer, not read (needs OCR)"))
    for page, error in sorted(doc.meta.unread_pages.items()):
        report.issues.append(BlockIssue(-1, "unread", f"page {page + 1} could not be read: "
                                        f"{error}"))
    tgt = doc.target_language or "en"
    for b in doc.blocks:
        _check_ocr(report, b)
        _check_block(report, b, doc.meta.language or "en", tgt, (coverage or {}).get(b.id))
    report.damaged = len({i.block for i in report.issues if i.block >= 0
                          and i.kind not in NOT_TRANSLATED_KINDS | READING_KINDS})
    return report


def _check_ocr(report: FidelityReport, b: Block) -> None:
    """Blocks that OCR read with low confidence, and numbers it was unsure of: a misread
    digit changes the meaning and no later check can see it."""
    ocr = b.ocr
    if ocr is None:
        return
    if ocr.confidence is not None and ocr.confidence < LOW_OCR_CONFIDENCE:
        report.issues.append(_issue(b, "ocr", f"read by OCR with {ocr.confidence:.0%} "
                                    "confidence: check it against the scan"))
    else:  # a sure block can still hold one unsure line (a stain, a fold, a stamp)
        weak = [(n, c) for n, c in enumerate(ocr.line_confidences, 1)
                if c < LOW_OCR_CONFIDENCE]
        if weak:
            n, c = min(weak, key=lambda item: item[1])
            line = ocr.texts[n - 1] if n - 1 < len(ocr.texts) else ""
            report.issues.append(_issue(
                b, "ocr", f"line {n} read by OCR with {c:.0%} confidence"
                + (f" (“{line[:60]}”)" if line else "") + ": check it against the scan"))
    if ocr.low_numbers:
        report.issues.append(_issue(b, "ocr-number", "check against the scan: "
                                    + ", ".join(ocr.low_numbers[:10])))


def _check_block(report: FidelityReport, b: Block, doc_lang: str, tgt: str,
                 missing: list[str] | None) -> None:
    t = b.translation
    unread = next((f for f in b.flags if f.split(":", 1)[0] in UNREAD_FLAGS), None)
    if unread is not None and b.text.strip():
        report.untranslated += 1
        report.issues.append(_issue(b, "unreadable", t.reason or
                                    "the text has no usable character encoding: not read"))
        return
    if t.status is TranslationStatus.SKIPPED:
        report.skipped += 1
        report.skipped_blocks.append(SkippedBlock(b.id, t.reason or "kept as is",
                                                  b.text[:TEXT_CHARS]))
        return
    if t.status is not TranslationStatus.TRANSLATED:
        report.untranslated += 1
        kind = "language" if t.reason.startswith("no model") else "untranslated"
        report.issues.append(_issue(b, kind, t.reason or t.status.value))
        return
    report.translated += 1
    src = b.language or doc_lang
    numbers = compare(b.text, t.text, src, tgt)
    report.numbers_checked += len(numbers.source)
    report.numbers_lost += len(numbers.lost)
    for finding in check_pair(b.text, t.text, src, tgt, numbers=numbers):
        report.issues.append(_issue(b, finding.kind, finding.detail))
    if missing:
        report.issues.append(_issue(b, "coverage", "sentence(s) not found in the output: "
                                    + " | ".join(m[:80] for m in missing)))
    _check_styles(report, b)
    for flag in b.flags:
        if flag.startswith(ISSUE_FLAGS):  # writers, translate stage
            report.issues.append(_issue(b, flag.split(":", 1)[0], flag))


def _check_styles(report: FidelityReport, b: Block) -> None:
    t = b.translation
    src_spans = _styled_spans(b.runs)
    report.styled_spans_source += src_spans
    if src_spans and not b.is_uniform():
        tgt_spans = _styled_spans(t.runs) if t.runs else 0
        report.styled_spans_target += tgt_spans
        if tgt_spans != src_spans:
            report.issues.append(_issue(b, "styles", f"{src_spans} styled spans in source, "
                                        f"{tgt_spans} in output"))
    else:
        report.styled_spans_target += src_spans


def coverage_candidates(doc: Document) -> list[Block]:
    """Translated blocks of two sentences or more: those where one can go missing."""
    doc_lang = doc.meta.language or "en"
    return [b for b in doc.blocks
            if b.translation.status is TranslationStatus.TRANSLATED and b.translation.text
            and len(segment(b.text, b.language or doc_lang)) >= 2]


def sentence_coverage(doc: Document, aligner: Aligner,
                      blocks: Sequence[Block] | None = None) -> dict[int, list[str]]:
    """For each multi-sentence translated block, the source sentences that no piece of
    the output is aligned to (forced attention of the model on the output as it
    stands, edits included).  Blocks the aligner fails on are left out (logged)."""
    doc_lang, tgt = doc.meta.language or "en", doc.target_language or "en"
    todo = list(blocks) if blocks is not None else coverage_candidates(doc)
    # A text longer than the model's positions is aligned only in part: its last
    # sentences would look missing.  Such blocks are left out (logged).
    fits = getattr(aligner, "fits", None)
    if callable(fits):
        too_long = [b for b in todo if not (fits(b.text, b.language or doc_lang)
                                            and fits(b.translation.text, b.language or doc_lang))]
        if too_long:
            log.info("Sentence coverage not checked for %d blocks longer than the model's "
                     "positions", len(too_long))
            skipped = {b.id for b in too_long}
            todo = [b for b in todo if b.id not in skipped]
    by_lang: dict[str, list[Block]] = {}
    for b in todo:
        by_lang.setdefault(b.language or doc_lang, []).append(b)
    out: dict[int, list[str]] = {}
    for src, group in by_lang.items():
        for n in range(0, len(group), ALIGN_BATCH):
            chunk = group[n:n + ALIGN_BATCH]
            try:
                found = aligner.align([b.text for b in chunk],
                                      [b.translation.text for b in chunk], src, tgt)
            except Exception as exc:  # the check is skipped, never the job
                log.warning("Coverage alignment failed (%s): not checked for %d blocks",
                            exc, len(chunk))
                continue
            for b, alignment in zip(chunk, found, strict=True):
                out[b.id] = uncovered_sentences(b.text, src, alignment)
    return out


def coverage_from(report: dict[str, Any] | None, doc: Document) -> dict[int, list[str]] | None:
    """The coverage found by an earlier report, for the blocks not edited since (an
    export may run without the engine that can align)."""
    if not report or not report.get("coverage_checked"):
        return None
    edited = {b.id for b in doc.blocks if b.translation.edited}
    return {int(k): list(v) for k, v in (report.get("uncovered") or {}).items()
            if int(k) not in edited}


def summary_line(d: dict[str, Any]) -> str:
    """One line for the CLI and the GUI status bar, from a report dict."""
    parts = [f"{d['translated']}/{d['blocks']} blocks translated"]
    if d["skipped"]:
        reasons = Counter(_SKIP_SHORT.get(s["reason"], s["reason"])
                          for s in d.get("skipped_blocks", []))
        why = (next(iter(reasons)) if len(reasons) == 1
               else ", ".join(f"{n} {r}" for r, n in reasons.most_common()))
        parts.append(f"{d['skipped']} kept as is" + (f" ({why})" if why else ""))
    parts.append(f"{d['untranslated']} NOT translated" if d["untranslated"]
                 else "none left untranslated")
    if d.get("damaged"):
        parts.append(f"{d['damaged']} damaged")
    parts.append(f"numbers kept {d['numbers_checked'] - d['numbers_lost']}/{d['numbers_checked']}")
    if d["styled_spans_source"]:
        parts.append(f"styled spans {d['styled_spans_target']}/{d['styled_spans_source']}")
    if d.get("page_count_output") is not None:
        parts.append(f"pages {d['page_count_output']}/{d['page_count_source']}")
    kinds = d.get("issue_kinds") or {}
    if kinds:
        parts.append("issues: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    if d["translated"] and not d.get("coverage_checked", True):
        parts.append("sentence coverage not checked (the engine cannot align)")
    return ", ".join(parts)
