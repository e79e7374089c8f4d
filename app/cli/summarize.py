"""``main.py summarize IN [--lang en] [--length …] [--engine llm|extractive]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.document import Document
from app.summarize.types import LENGTHS, STYLES
from engines.llm.backend import LLMBackend

ENGINES = ("auto", "llm", "extractive")


def _engine(value: str) -> str:
    kind, sep, name = value.partition(":")
    if value in ENGINES or (kind == "openai" and sep and name):
        return value
    raise argparse.ArgumentTypeError(
        f"invalid engine {value!r}: choose {', '.join(ENGINES)} or openai:NAME")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("summarize", help="summarize a document (local LLM or extractive)")
    p.add_argument("input", type=Path)
    p.add_argument("--lang", default="en", help="language of the summary (default en)")
    p.add_argument("--length", default="standard", choices=LENGTHS)
    p.add_argument("--style", default="prose", choices=STYLES)
    p.add_argument("--engine", default="auto", type=_engine,
                   help="auto (the LLM when one is installed, else extractive), llm, "
                        "extractive, or openai:NAME (a declared intranet LLM server)")
    p.add_argument("--model", help="LLM id or folder (default: the installed LLM, else the demo)")
    p.add_argument("--output-format", dest="fmt", default="markdown",
                   choices=["markdown", "json"])
    p.add_argument("--out", type=Path, help="write the summary to this file")
    p.add_argument("--no-key-facts", action="store_true")
    basis = p.add_mutually_exclusive_group()
    basis.add_argument("--from-translation", dest="basis", action="store_const",
                       const="translation", help="translate the document with the installed "
                       "model first, and summarize the translation (in --lang)")
    basis.add_argument("--source-then-translate", dest="basis", action="store_const",
                       const="source", help="summarize the source; an extractive summary is "
                       "then translated into --lang (default)")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--window", type=int, default=4096, help="working context (tokens)")
    p.add_argument("--quiet", action="store_true", help="no streaming on the terminal")
    p.set_defaults(func=cmd_summarize)


def cmd_summarize(args: argparse.Namespace) -> int:
    from app.cli.progress import ProgressBar
    from app.core.output import write_atomic
    from app.formats.registry import read_document
    from app.pipeline.llm_select import llm_available, load_llm
    from app.pipeline.remote_select import load_remote_llm
    from app.summarize import SummaryOptions, summarize_document
    from engines.langdetect import detect_document

    doc = read_document(args.input, password=args.password)
    if doc.meta.language is None:
        found = detect_document([b.text for b in doc.blocks])
        doc.meta.language, doc.meta.language_confidence = found.language, found.confidence
    options = SummaryOptions(lang=args.lang, length=args.length, style=args.style,
                             key_facts=not args.no_key_facts, basis=args.basis or "source")
    if args.basis == "translation":
        _translate_first(args, doc)
    use_llm = args.engine == "llm" or (args.engine == "auto" and llm_available(args.model))
    llm: LLMBackend | None = load_llm(args.model, device=args.device) if use_llm else None
    if args.engine.startswith("openai:"):
        llm = load_remote_llm(args.engine)
    if llm is not None and llm.info.demo:
        print(f"Note: {llm.info.model_id} is a DEMO-quality model; verify its summary.",
              file=sys.stderr)
    stream = llm is not None and not args.quiet and args.fmt == "markdown" and not args.out
    bar = None if args.quiet or stream else ProgressBar()

    def on_text(piece: str) -> None:
        if stream:
            sys.stdout.write(piece)
            sys.stdout.flush()

    translator = None
    if doc.meta.language and doc.meta.language != args.lang and args.basis != "translation":
        translator = _optional_translator(args, doc.meta.language)
    result = summarize_document(doc, options, llm=llm, translator=translator, progress=bar,
                                on_text=on_text, window=args.window)
    if stream:
        sys.stdout.write("\n\n")
    rendered = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
                if args.fmt == "json" else result.to_markdown(include_text=not stream))
    if args.out:
        write_atomic(args.out, lambda tmp: tmp.write_text(rendered, encoding="utf-8"),
                     source=args.input)
        print(args.out)
    else:
        print(rendered)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _optional_translator(args: argparse.Namespace, src: str):  # type: ignore[no-untyped-def]
    """An installed model to translate an extractive summary, or None."""
    from app.core.config import JobConfig
    from app.pipeline.engine_select import make_translator
    from engines.errors import ModelNotFound

    config = JobConfig(input=args.input, target_lang=args.lang, source_lang=src,
                       device=args.device)
    try:
        return make_translator(config, src)
    except ModelNotFound:
        return None


def _translate_first(args: argparse.Namespace, doc: Document) -> None:
    """Translate every block with the installed model (for ``--from-translation``)."""
    from app.core.errors import ConfigError
    from app.document import RUNNING_KINDS, TranslationStatus
    from engines.translate.batch import translate_texts

    src = doc.meta.language or "en"
    if src == args.lang:
        return
    translator = _optional_translator(args, src)
    if translator is None:
        raise ConfigError(f"--from-translation needs a {src}→{args.lang} translation model; "
                          "none is installed (use --source-then-translate).")
    blocks = [b for b in doc.blocks if b.text.strip() and b.kind not in RUNNING_KINDS]
    print(f"Translating {len(blocks)} blocks before summarizing…", file=sys.stderr)
    for block, out in zip(blocks, translate_texts(translator, [b.text for b in blocks], src,
                                                  args.lang), strict=True):
        if out.ok:
            block.translation.text = out.text
            block.translation.status = TranslationStatus.TRANSLATED
