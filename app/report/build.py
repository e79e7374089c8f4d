"""Build reports: the report pipeline (translate → summarize → report) and the registry
writers ``report-docx`` and ``report-pdf``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import ConfigError
from app.core.output import default_output, write_atomic
from app.core.servers import server_fields
from app.document import Document
from app.pipeline.job import Job, Stage, current_job
from app.pipeline.llm_select import llm_available, load_llm
from app.pipeline.model_store import open_store
from app.pipeline.remote_select import load_remote_llm
from app.pipeline.stages import TRANSLATE_STAGES
from app.report.docx_report import write_docx_report
from app.report.model import ReportData, gather
from app.report.pdf_report import write_pdf_report
from app.summarize import summarize_document
from app.summarize.types import SummaryOptions, SummaryResult
from engines.llm.backend import LLMBackend
from engines.store import valid_id

log = logging.getLogger(__name__)

SUMMARY_ENGINES = ("auto", "llm", "extractive", "none")
REPORT_SUFFIXES = {".pdf": "pdf", ".docx": "docx"}


@dataclass(frozen=True)
class ReportOptions:
    marking: str | None = None  # overrides the detected marking
    bilingual: bool = False
    summary_engine: str = "auto"  # auto: the LLM when one is installed, else extractive
    summary_model: str | None = None
    summary_length: str = "standard"
    summary_basis: str = "source"  # source (then translated) | translation
    window: int = 4096


def report_format(path: Path) -> str:
    fmt = REPORT_SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise ConfigError(f"A report is a .pdf or a .docx file, not {Path(path).name}.")
    return fmt


def write_report(data: ReportData, out: Path, fmt: str | None = None) -> None:
    """Render ``data`` to ``out`` (PDF or DOCX, from ``fmt`` or the suffix)."""
    fmt = fmt or report_format(out)
    if fmt == "pdf":
        write_pdf_report(data, out)
    else:
        write_docx_report(data, out)


def _llm_checksum(model_id: str) -> str:
    if not valid_id(model_id):
        return ""
    try:
        return open_store().get(model_id).manifest.checksum
    except Exception:
        return ""


def summarize(job: Job, options: ReportOptions) -> SummaryResult | None:
    """The summary in the target language (None for ``summary_engine="none"``)."""
    engine = options.summary_engine
    if engine == "none":
        return None
    if engine not in SUMMARY_ENGINES and not engine.startswith("openai:"):
        raise ConfigError(f"Unknown summary engine '{engine}': choose one of "
                          f"{', '.join(SUMMARY_ENGINES)}.")
    use_llm = engine == "llm" or (engine == "auto" and llm_available(options.summary_model))
    llm: LLMBackend | None = (
        load_llm(options.summary_model, device=job.config.device, threads=job.config.threads)
        if use_llm else None)
    if engine.startswith("openai:"):  # an intranet LLM server
        llm = load_remote_llm(engine)
    result = summarize_document(job.doc, SummaryOptions(lang=job.config.target_lang,
                                                        length=options.summary_length,
                                                        basis=options.summary_basis),
                                llm=llm, translator=job.translator, cancel=job.cancel,
                                progress=job.report, window=options.window)
    checksum = _llm_checksum(result.model_id) if result.engine == "llm" else ""
    job.notes["summary_checksum"] = checksum
    job.notes.setdefault("models", []).append(
        {"role": "summary", "engine": result.engine,
         "id": result.model_id if result.engine == "llm" else "textrank",
         "checksum": checksum, "demo": result.demo, **server_fields(result.server)})
    return result


@dataclass
class SummarizeStage:
    options: ReportOptions = field(default_factory=ReportOptions)
    name: str = "summarize"
    weight: float = 2.0

    def process(self, job: Job) -> None:
        job.report(0.0, "Summarizing")
        job.notes["summary"] = summarize(job, self.options)


def report_data(job: Job, options: ReportOptions) -> ReportData:
    summary = job.notes.get("summary")
    return gather(job.doc, translator=job.translator, summary=summary,
                  marking=options.marking, bilingual=options.bilingual,
                  glossary_path=job.config.glossary, fidelity=job.fidelity,
                  summary_checksum=job.notes.get("summary_checksum", ""))


@dataclass
class ReportStage:
    options: ReportOptions = field(default_factory=ReportOptions)
    name: str = "report"
    weight: float = 1.0

    def process(self, job: Job) -> None:
        cfg = job.config
        out = cfg.output or default_output(cfg.input, cfg.target_lang, ".report.pdf")
        fmt = report_format(out)
        job.check_cancel()
        job.report(0.0, f"Writing the report {out.name}")
        data = report_data(job, self.options)
        write_atomic(out, lambda tmp: write_report(data, tmp, fmt), source=cfg.input,
                     overwrite=cfg.overwrite)
        job.outputs.append(out)
        job.notes["report"] = data
        job.notes["marking"] = data.marking.to_dict()
        job.notes.setdefault("warnings", []).extend(data.warnings)
        job.notes.setdefault("settings", {}).update(
            {"format": f"report-{fmt}", "bilingual": self.options.bilingual,
             "summary": self.options.summary_engine, "marking": self.options.marking})


def report_stages(options: ReportOptions) -> list[Stage]:
    """The translation stages without the document writer, then summary and report."""
    return [s for s in TRANSLATE_STAGES if s.name != "write"] + [
        SummarizeStage(options), ReportStage(options)]


# --- registry writers (the GUI's export dialog) -------------------------------------

def _data_for(doc: Document) -> ReportData:
    """Report data for ``doc``, with the provenance of the job that is writing it."""
    job = current_job()
    if job is None or job.document is not doc:
        summary = summarize_document(doc, SummaryOptions(lang=doc.target_language or "en"))
        return gather(doc, summary=summary)
    extra: dict[str, Any] = job.config.extra
    options = ReportOptions(marking=extra.get("marking"),
                            bilingual=extra.get("bilingual", "") in ("1", "true", "on"),
                            summary_engine=extra.get("summary_engine", "extractive"))
    if "summary" not in job.notes:
        job.notes["summary"] = summarize(job, options)
    data = report_data(job, options)
    job.notes["marking"] = data.marking.to_dict()
    job.notes.setdefault("warnings", []).extend(data.warnings)
    return data


def write_report_docx(doc: Document, out: Path) -> None:
    write_report(_data_for(doc), out, "docx")


def write_report_pdf(doc: Document, out: Path) -> None:
    write_report(_data_for(doc), out, "pdf")
