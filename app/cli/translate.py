"""``main.py translate IN --to en [--from fr] [--engine auto|ct2|llm|pseudo] ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.progress import ProgressBar
from app.core.config import JobConfig


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("translate", help="translate a DOCX or PDF document")
    p.add_argument("input", type=Path)
    p.add_argument("--to", dest="target", required=True, help="target language (ISO 639-1)")
    p.add_argument("--from", dest="source", help="source language (default: detect)")
    p.add_argument("--engine", default="auto", choices=["auto", "ct2", "llm", "pseudo"],
                   help="auto (installed NMT model, default), ct2, llm (prompted LLM) or pseudo")
    p.add_argument("--model", help="model folder or installed model id")
    p.add_argument("--out", type=Path, help="output file (default: NAME.LANG.EXT beside the input)")
    p.add_argument("--format", dest="output_format", help="docx, pdf or pdf-bilingual")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.add_argument("--glossary", type=Path,
                   help="CSV of enforced terms: source,target[,src_lang,tgt_lang]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--beam", type=int, default=2, help="beam size (default 2)")
    p.add_argument("--dump", type=Path, help="dump the document JSON after each stage here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_translate)


def cmd_translate(args: argparse.Namespace) -> int:
    import app.report  # noqa: F401 - registers report-docx and report-pdf (--format)
    from app.pipeline.engine_select import translator_factory
    from app.pipeline.fidelity import summary_line
    from app.pipeline.job import Job, run

    config = JobConfig(
        input=args.input, target_lang=args.target, source_lang=args.source, engine=args.engine,
        model=args.model, output=args.out, output_format=args.output_format,
        overwrite=args.overwrite, password=args.password, device=args.device,
        threads=args.threads, beam_size=args.beam, debug_dump=args.dump,
        glossary=args.glossary,
    )
    bar = None if args.quiet else ProgressBar()
    job = Job(config=config, progress=bar, translator_factory=translator_factory)
    try:
        run(job)
    finally:
        if bar is not None:
            bar.close()
        for warning in job.document.warnings if job.document is not None else ():
            print(f"warning: {warning}", file=sys.stderr)  # also when the job fails
    for out in job.outputs:
        print(out)
    if job.fidelity is not None:
        print(f"Fidelity: {summary_line(job.fidelity)}", file=sys.stderr)
    return 0
