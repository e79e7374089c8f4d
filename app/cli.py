"""Command-line interface: ``python main.py translate IN --to en``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app.buildinfo import version_line
from app.errors import present

log = logging.getLogger(__name__)

# Each module adds its sub-command with ``add_parser(subparsers)``; imports stay light
# (heavy libraries are imported inside the command functions).
COMMAND_MODULES: list[str] = ["app.cli_models", "app.cli_summarize", "app.cli_report",
                               "app.cli_audit"]


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, stream=None, width: int = 30) -> None:  # type: ignore[no-untyped-def]
        self.stream, self.width = stream or sys.stderr, width
        self.tty = self.stream.isatty()
        self._last = -1.0
        self._start = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if not self.tty and pct == int(self._last * 100) and fraction < 1.0:
            return
        if self.tty and fraction - self._last < 0.005 and fraction < 1.0:
            return
        self._last = fraction
        filled = int(self.width * fraction)
        bar = "█" * filled + "░" * (self.width - filled)
        elapsed = time.monotonic() - self._start
        line = f"[{bar}] {pct:3d}% {elapsed:5.1f}s {message[:60]}"
        if self.tty:
            self.stream.write("\r" + line.ljust(110))
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._last < 1.0:
            self.stream.write("\n")


def _add_translate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    from app.config import JobConfig
    from app.engine_select import translator_factory
    from app.pipeline import Job, run

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
        from app.fidelity import summary_line

        print(f"Fidelity: {summary_line(job.fidelity)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="Offline document translation and summarization. Nothing leaves this machine.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_translate(sub)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(sub)
    sub.add_parser("gui", help="open the desktop window (the default with no command)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from engines import offline

    offline.install()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # the one presenter turns it into a message
        shown = present(exc)
        if shown.cancelled:
            print("Cancelled.", file=sys.stderr)
            return 130
        print(f"error: {shown.message}", file=sys.stderr)
        if not shown.expected or args.verbose:
            print(shown.details, file=sys.stderr)
        return 1 if shown.expected else 3
