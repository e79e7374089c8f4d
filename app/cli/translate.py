"""``main.py translate IN --to en [--from fr] [--engine auto|ct2|llm|pseudo] ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.progress import ProgressBar
from app.core.config import JobConfig

LOCAL_ENGINES = ("auto", "ct2", "llm", "pseudo")


def _engine(value: str) -> str:
    kind, sep, name = value.partition(":")
    if value in LOCAL_ENGINES or (kind in ("openai", "libretranslate") and sep and name):
        return value
    raise argparse.ArgumentTypeError(f"invalid engine {value!r}: choose "
                                     f"{', '.join(LOCAL_ENGINES)}, libretranslate:NAME or "
                                     "openai:NAME")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("translate", help="translate a document, a folder or a .zip of documents")
    p.add_argument("input", type=Path, help="a document, or a folder or .zip to translate whole")
    p.add_argument("--to", dest="target", required=True, help="target language (ISO 639-1)")
    p.add_argument("--from", dest="source", help="source language (default: detect)")
    p.add_argument("--engine", default="auto", type=_engine,
                   help="auto (installed NMT model, default), ct2, llm (prompted LLM), pseudo, "
                        "or an intranet server: libretranslate:NAME or openai:NAME")
    p.add_argument("--model", help="model folder or installed model id")
    p.add_argument("--out", type=Path, help="output file (default: NAME.LANG.EXT beside the "
                   "input); for a folder or .zip, the output folder (default: NAME.LANG)")
    p.add_argument("--format", dest="output_format",
                   help="output format: like the source by default; docx, pdf, pdf-bilingual, "
                   "xlsx-bilingual, eml-bilingual, report-pdf…")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.add_argument("--redo-ocr", action="store_true",
                   help="OCR scanned pages again even when the PDF has an OCR text layer")
    p.add_argument("--glossary", type=Path,
                   help="CSV of enforced terms: source,target[,src_lang,tgt_lang]")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--beam", type=int, default=4, help="beam size (default 4)")
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
        glossary=args.glossary, ocr_redo=args.redo_ocr,
    )
    if args.input.is_dir() or args.input.suffix.lower() == ".zip":
        return _translate_batch(args, config)
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


def _translate_batch(args: argparse.Namespace, config: JobConfig) -> int:
    """A folder or .zip: every supported file into a mirrored output folder."""
    from app.pipeline.batch import run_batch
    from app.pipeline.engine_select import translator_factory

    out_dir = args.out or args.input.with_name(
        f"{args.input.stem if args.input.is_file() else args.input.name}.{args.target}")
    bar = None if args.quiet else ProgressBar()
    try:
        result = run_batch(args.input, out_dir, config, translator_factory, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for item in result.items:
        if item.status == "failed":
            print(f"warning: {item.source}: {item.message}", file=sys.stderr)
    print(result.report)
    print(f"Batch: {result.count('translated')} translated, {result.count('skipped')} already "
          f"done, {result.count('failed')} failed, {result.count('unsupported')} not supported",
          file=sys.stderr)
    return 1 if result.count("failed") else 0
