"""Folders and ``.zip`` archives: every supported file translated into a mirrored tree.

A folder is walked (hidden files, Office lock files and symbolic links left out); a zip
archive is first extracted with the same checks as model archives
(:func:`engines.archive.safe_extract`: no path escaping, no links, bounded size, count
and ratio).  Each file runs through the regular pipeline, one job after the other, the
translation engine being loaded once per source language.  The batch is resumable: a
file whose translation and fidelity report already exist is skipped, and a file left
half done is translated again with its finished sentences taken from the translation
memory.  One summary report (JSON and Markdown) covers the batch.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from app.core.config import JobConfig
from app.core.errors import AppError, InputError, OutputError, present
from app.core.output import write_atomic
from app.formats.registry import default_output_format, writer_for
from app.formats.sniff import format_for_suffix
from app.pipeline.fidelity import summary_line
from app.pipeline.job import Job, run
from engines.archive import ArchiveLimits, safe_extract
from engines.errors import Cancelled, EngineError
from engines.translate.base import Translator

log = logging.getLogger(__name__)

REPORT_NAME = "passerelle-batch-report"
# Documents inside an archive: far below the model limits.
DOCUMENT_ARCHIVE_LIMITS = ArchiveLimits(max_total_bytes=2 << 30, max_member_bytes=1 << 30,
                                        max_members=5000)
BatchProgress = Callable[[float, str], None]


@dataclass
class BatchItem:
    source: str  # relative to the batch root
    output: str = ""
    status: str = "pending"  # translated, skipped (already done), failed, unsupported
    message: str = ""
    fidelity: str = ""
    seconds: float = 0.0


@dataclass
class BatchResult:
    root: str
    out_dir: str
    items: list[BatchItem] = field(default_factory=list)
    report: str = ""

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)


def supported(path: Path) -> bool:
    fmt = format_for_suffix(path.suffix)
    return fmt is not None


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith((".", "~$")) for part in rel.parts) or path.is_symlink():
            continue
        if path.is_file():
            yield path


def run_batch(source: Path, out_dir: Path, template: JobConfig,
              translator_factory: Callable[[Job], Translator],
              progress: BatchProgress | None = None,
              cancel: threading.Event | None = None) -> BatchResult:
    """Translate every supported file of the folder or zip ``source`` into ``out_dir``."""
    source, out_dir = Path(source), Path(out_dir)
    cancel = cancel or threading.Event()
    with tempfile.TemporaryDirectory(prefix="passerelle-batch-") as tmp:
        root = _root(source, Path(tmp))
        out_dir.mkdir(parents=True, exist_ok=True)
        if out_dir.resolve().is_relative_to(root.resolve()):
            raise OutputError("The output folder must not be inside the folder translated.")
        result = BatchResult(str(source), str(out_dir))
        files = list(_files(root))
        engines: dict[str, Translator] = {}

        def shared(job: Job) -> Translator:
            key = job.doc.meta.language or job.config.source_lang or "?"
            if key not in engines:
                engines[key] = translator_factory(job)
            return engines[key]

        for n, path in enumerate(files):
            if cancel.is_set():
                raise Cancelled()
            rel = path.relative_to(root)
            item = BatchItem(source=str(PurePosixPath(*rel.parts)))
            result.items.append(item)
            within = _within(progress, n, len(files), f"{n + 1}/{len(files)}: {rel}")
            within(0.0, "")
            if not supported(path):
                item.status, item.message = "unsupported", "format not translated"
                continue
            _translate_one(path, out_dir / rel.parent, template, shared, item, cancel, within)
        result.report = str(_write_report(result, out_dir))
    log.info("Batch %s: %d translated, %d skipped, %d failed", source.name,
             result.count("translated"), result.count("skipped"), result.count("failed"))
    return result


def _within(progress: BatchProgress | None, n: int, total: int,
            label: str) -> BatchProgress:
    """The batch's progress while its file ``n`` (of ``total``) goes through the pipeline."""
    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress((n + min(max(fraction, 0.0), 1.0)) / max(total, 1),
                     f"{label}: {message}" if message else label)
    return report


def _root(source: Path, tmp: Path) -> Path:
    if source.is_dir():
        return source
    if source.is_file() and source.suffix.lower() == ".zip":
        target = tmp / "archive"
        try:
            safe_extract(source, target, DOCUMENT_ARCHIVE_LIMITS,
                         include=lambda p: supported(Path(p.name)))
        except EngineError as exc:
            raise InputError(str(exc)) from exc
        return target
    raise InputError(f"{source} is neither a folder nor a .zip archive.")


def output_for(path: Path, folder: Path, config: JobConfig) -> Path:
    fmt = format_for_suffix(path.suffix) or "docx"
    if fmt == "legacy":
        fmt = {".ppt": "pptx", ".xls": "xlsx"}.get(path.suffix.lower(), "docx")
    elif fmt == "msg":
        fmt = "eml"  # an Outlook message is read, and written, as an e-mail
    name = config.output_format or default_output_format(fmt)
    return writer_for(name, fmt).output_path(path, config.target_lang, folder)


def _translate_one(path: Path, folder: Path, template: JobConfig,
                   translator_factory: Callable[[Job], Translator], item: BatchItem,
                   cancel: threading.Event, progress: BatchProgress | None = None) -> None:
    t0 = time.perf_counter()
    try:
        out = output_for(path, folder, template)
        item.output = str(out)
        if out.exists() and out.with_name(out.name + ".fidelity.json").exists():
            item.status, item.message = "skipped", "already translated (resumed batch)"
            return
        folder.mkdir(parents=True, exist_ok=True)
        config = JobConfig(**{**template.__dict__, "input": path, "output": out,
                              "overwrite": True})
        job = run(Job(config=config, cancel=cancel, translator_factory=translator_factory,
                      progress=progress))
        item.status = "translated"
        item.fidelity = summary_line(job.fidelity) if job.fidelity else ""
        item.message = "; ".join(job.doc.warnings)
    except (AppError, EngineError) as exc:
        if isinstance(exc, Cancelled):
            raise
        item.status, item.message = "failed", present(exc).cli_message
        log.warning("Batch: %s failed: %s", path.name, exc)
    finally:
        item.seconds = round(time.perf_counter() - t0, 2)


def _write_report(result: BatchResult, out_dir: Path) -> Path:
    json_path = out_dir / f"{REPORT_NAME}.json"
    write_atomic(json_path, lambda tmp: tmp.write_text(
        json.dumps(asdict(result), ensure_ascii=False, indent=2), encoding="utf-8"),
        overwrite=True)
    lines = [f"# Batch translation of {Path(result.root).name}", "",
             f"{result.count('translated')} translated, {result.count('skipped')} already "
             f"done, {result.count('failed')} failed, {result.count('unsupported')} not "
             "supported.", "", "| File | Status | Output | Fidelity / message |",
             "|---|---|---|---|"]
    for i in result.items:
        note = (i.fidelity or i.message).replace("|", "/")
        lines.append(f"| {i.source} | {i.status} | {Path(i.output).name if i.output else ''} "
                     f"| {note} |")
    md_path = out_dir / f"{REPORT_NAME}.md"
    write_atomic(md_path, lambda tmp: tmp.write_text("\n".join(lines) + "\n", encoding="utf-8"),
                 overwrite=True)
    return md_path
