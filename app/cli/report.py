"""``main.py report IN --to en [--marking "…"] [--bilingual] --out report.pdf|report.docx``.

The one-command path from a foreign document to a report that can be forwarded:
read → detect → translate → summarize → report (written atomically) → audit line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.summarize.types import LENGTHS

SUMMARY_ENGINES = ("auto", "llm", "extractive", "none")


def _summary_engine(value: str) -> str:
    if value in SUMMARY_ENGINES or (value.startswith("openai:") and len(value) > 7):
        return value
    raise argparse.ArgumentTypeError(f"invalid summary engine {value!r}: choose "
                                     f"{', '.join(SUMMARY_ENGINES)} or openai:NAME")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="translate a document into a report (PDF or DOCX) "
                                      "with provenance, marking and summary")
    p.add_argument("input", type=Path)
    p.add_argument("--to", dest="target", required=True, help="target language (ISO 639-1)")
    p.add_argument("--from", dest="source", help="source language (default: detect)")
    p.add_argument("--out", type=Path, required=True, help="report.pdf or report.docx")
    p.add_argument("--marking", help="classification marking to carry (overrides detection)")
    p.add_argument("--bilingual", action="store_true",
                   help="translation as a two-column table: source | translation")
    p.add_argument("--engine", default="auto", help="ct2, pseudo or auto (default)")
    p.add_argument("--model", help="translation model folder or installed model id")
    p.add_argument("--glossary", type=Path, help="glossary CSV (source,target[,src_lang,tgt_lang])")
    p.add_argument("--summary-engine", default="auto", type=_summary_engine,
                   help="auto: the LLM when one is installed, else extractive; none: no "
                        "summary; openai:NAME: a declared intranet LLM server")
    p.add_argument("--summary-model", help="LLM id or folder for the summary")
    p.add_argument("--summary-length", default="standard", choices=LENGTHS)
    basis = p.add_mutually_exclusive_group()
    basis.add_argument("--summary-from-translation", dest="summary_basis", action="store_const",
                       const="translation", help="summarize the translation (target language)")
    basis.add_argument("--summary-source-then-translate", dest="summary_basis",
                       action="store_const", const="source",
                       help="summarize the source, then translate the summary (default)")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.add_argument("--overwrite", action="store_true", help="replace an existing report")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from app.cli.progress import ProgressBar
    from app.core.config import JobConfig
    from app.core.output import check_target
    from app.pipeline.engine_select import translator_factory
    from app.pipeline.job import Job, run
    from app.report.build import ReportOptions, report_format, report_stages

    report_format(args.out)  # clear errors before any work
    check_target(args.out, args.input, args.overwrite)
    config = JobConfig(
        input=args.input, target_lang=args.target, source_lang=args.source, engine=args.engine,
        model=args.model, output=args.out, overwrite=args.overwrite, password=args.password,
        device=args.device, threads=args.threads, glossary=args.glossary,
    )
    options = ReportOptions(marking=args.marking, bilingual=args.bilingual,
                            summary_engine=args.summary_engine, summary_model=args.summary_model,
                            summary_length=args.summary_length,
                            summary_basis=args.summary_basis or "source")
    bar = None if args.quiet else ProgressBar()
    job = Job(config=config, progress=bar, translator_factory=translator_factory)
    job.notes["kind"] = "report"
    try:
        run(job, report_stages(options))
    finally:
        if bar is not None:
            bar.close()
    data = job.notes.get("report")
    for out in job.outputs:
        print(out)
    if data is not None:
        marking = data.marking.label or "none detected"
        print(f"Marking: {marking} ({data.marking.source})", file=sys.stderr)
        for w in data.warnings:
            print(f"warning: {w}", file=sys.stderr)
    if job.fidelity is not None:
        from app.pipeline.fidelity import summary_line

        print(f"Fidelity: {summary_line(job.fidelity)}", file=sys.stderr)
    return 0
