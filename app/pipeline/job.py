"""Running a job: the weighted stages in order, overall progress, cancellation between
stages (the stages check inside their loops), then the job's audit line.

:class:`~app.pipeline.base.Job` and :class:`~app.pipeline.base.Stage` are defined in
:mod:`app.pipeline.base` (the stages import them from there) and re-exported here.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from app.core.audit import JobFacts, engine_infos, include_text, record_job
from app.core.servers import server_fields
from app.document import TranslationStatus
from app.pipeline.base import CURRENT_JOB, Job, ProgressCallback, Stage, current_job
from engines.errors import Cancelled

__all__ = ["Job", "ProgressCallback", "Stage", "current_job", "job_facts", "run"]

log = logging.getLogger(__name__)


def run(job: Job, stages: list[Stage] | None = None) -> Job:
    """Run the stages, then write the job's audit line (ok, failed or cancelled)."""
    started, t0 = time.time(), time.perf_counter()
    token = CURRENT_JOB.set(job)
    status, error = "failed", ""
    try:
        _run_stages(job, stages)
        status = "ok"
    except (Cancelled, KeyboardInterrupt):
        status = "cancelled"
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:
        CURRENT_JOB.reset(token)
        _record(job, status, started, time.perf_counter() - t0, error)
    return job


def _record(job: Job, status: str, started: float, duration: float, error: str) -> None:
    """The audit line; never raises (a failure is logged as a warning)."""
    try:
        facts = job_facts(job)
    except Exception as exc:
        log.warning("Could not write the audit line: %s", exc)
        return
    record_job(facts, status, started, duration, error)


def job_facts(job: Job) -> JobFacts:
    """What the audit trail records of ``job``, as plain data."""
    c, doc = job.config, job.document
    models = [{"role": "translation", "engine": i.engine, "id": i.model_id,
               "version": i.version, "checksum": i.checksum, "demo": i.demo,
               **server_fields(i.extra)}
              for i in engine_infos(job.translator)]
    settings = {"source": c.source_lang, "target": c.target_lang, "engine": c.engine,
                "model": c.model, "format": c.output_format,
                "glossary": str(c.glossary or "") or None, "device": c.device,
                "beam": c.beam_size, **job.notes.get("settings", {})}
    text: list[dict[str, Any]] | None = None
    if doc is not None and include_text(c.extra):
        text = [{"block": b.id, "source": b.text, "target": b.output_text}
                for b in doc.blocks if b.text.strip()]
    return JobFacts(
        input_path=Path(c.input), kind=job.notes.get("kind", "translate"),
        input_sha256=doc.meta.sha256 if doc is not None else None,
        input_format=doc.meta.format if doc is not None else None,
        pages=doc.meta.page_count if doc is not None else None,
        outputs=[Path(p) for p in job.outputs],
        models=models + list(job.notes.get("models", [])), settings=settings,
        warnings=list(dict.fromkeys((doc.warnings if doc else []) +
                                    job.notes.get("warnings", []))),
        marking=job.notes.get("marking"), text=text, extra=dict(c.extra))


def _run_stages(job: Job, stages: list[Stage] | None) -> None:
    if stages is None:
        # Start-up speed: the stages import every reader and writer (PyMuPDF, python-docx,
        # lxml…); the GUI imports this module at start-up and loads those in preload().
        from app.pipeline.stages import TRANSLATE_STAGES

        stages = TRANSLATE_STAGES
    total = sum(s.weight for s in stages)
    done = 0.0
    for stage in stages:
        job.check_cancel()
        job._stage_start, job._stage_weight = done / total, stage.weight / total
        job.report(0.0, stage.name)
        t0 = time.perf_counter()
        stage.process(job)
        job.timings[stage.name] = time.perf_counter() - t0
        done += stage.weight
        job.report(1.0, stage.name)
        if job.config.debug_dump is not None and job.document is not None:
            job.config.debug_dump.mkdir(parents=True, exist_ok=True)
            (job.config.debug_dump / f"{stage.name}.json").write_text(
                job.document.to_json(), encoding="utf-8")
    if job.document is not None:
        n = sum(1 for b in job.document.blocks
                if b.translation.status is TranslationStatus.TRANSLATED)
        log.info("Job done: %d/%d blocks translated in %.1fs", n, len(job.document.blocks),
                 sum(job.timings.values()))
