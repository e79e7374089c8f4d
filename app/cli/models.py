"""``main.py models list | import PATH | verify [ID] | remove ID | export ID... --out FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engines.errors import ModelIntegrityError

if TYPE_CHECKING:
    from engines.store import ModelStore


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("models", help="list, import, verify, remove or export models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    ls = msub.add_parser("list", help="list the installed models")
    ls.set_defaults(func=cmd_list)

    imp = msub.add_parser("import", help="import an .argosmodel, a CTranslate2 folder, "
                                         "a .gguf file or a model bundle")
    imp.add_argument("path", type=Path)
    imp.add_argument("--id", dest="model_id", help="model id (default: from the package)")
    imp.add_argument("--licence", "--license", dest="licence", help="licence to record")
    imp.add_argument("--src", help="source language of a pair-specific folder")
    imp.add_argument("--tgt", help="target language of a pair-specific folder")
    imp.add_argument("--demo", action="store_true", help="label the model as demo quality")
    imp.add_argument("--replace", action="store_true", help="replace a model with the same id")
    imp.add_argument("--quantization", default="int8", help="GGUF conversion (default int8)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    ver = msub.add_parser("verify", help="check every file against its SHA-256 (all models "
                                         "when no id is given)")
    ver.add_argument("model_id", nargs="?")
    ver.set_defaults(func=cmd_verify)

    rm = msub.add_parser("remove", help="remove an installed model")
    rm.add_argument("model_id")
    rm.set_defaults(func=cmd_remove)

    exp = msub.add_parser("export", help="write models to a bundle to carry offline")
    exp.add_argument("model_ids", nargs="+", metavar="ID")
    exp.add_argument("--out", type=Path, required=True, help="bundle file (.zip)")
    exp.add_argument("--quiet", action="store_true", help="no progress bar")
    exp.set_defaults(func=cmd_export)


def _store() -> ModelStore:
    from app.pipeline.model_store import open_store

    return open_store()


def cmd_list(args: argparse.Namespace) -> int:
    store = _store()
    models = store.installed()
    if not models:
        _out(f"No model installed in {store.root}. Import one: main.py models import PATH")
        return 0
    rows = [("ID", "KIND", "FORMAT", "LANGUAGES", "LICENCE", "NOTES")]
    for m in models:
        notes = []
        if m.manifest.demo:
            notes.append("DEMO QUALITY")
        if m.shared:
            notes.append(f"shared: {m.path.parent}")
        rows.append((m.id, m.manifest.kind, m.manifest.format, m.manifest.describe_languages(),
                     m.manifest.licence, "; ".join(notes)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        _out("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.cli.progress import ProgressBar
    from engines.importers import ImportOptions, import_model

    options = ImportOptions(model_id=args.model_id, licence=args.licence, src=args.src,
                            tgt=args.tgt, demo=args.demo, replace=args.replace,
                            quantization=args.quantization)
    bar = None if args.quiet else ProgressBar()
    try:
        models = import_model(_store(), args.path, options, bar)
    finally:
        if bar is not None:
            bar.close()
    for m in models:
        demo = " (demo quality)" if m.manifest.demo else ""
        _out(f"Imported {m.id}: {m.manifest.kind}, {m.manifest.format}, "
             f"{m.manifest.describe_languages()}{demo}, verified ({len(m.manifest.files)} files)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    store = _store()
    ids = [args.model_id] if args.model_id else [m.id for m in store.installed()]
    if not ids:
        _out("No model installed.")
        return 0
    failed = 0
    for model_id in ids:
        try:
            model = store.verify(model_id)
        except ModelIntegrityError as exc:
            failed += 1
            sys.stderr.write(f"FAILED {model_id}: {exc}\n")
            continue
        _out(f"OK {model_id} ({len(model.manifest.files)} files, manifest "
             f"{model.manifest.checksum[:12]})")
    return 1 if failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    _store().remove(args.model_id)
    _out(f"Removed {args.model_id}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.cli.progress import ProgressBar
    from engines.bundle import export_bundle

    bar = None if args.quiet else ProgressBar()
    try:
        out = export_bundle(_store(), args.model_ids, args.out, bar)
    finally:
        if bar is not None:
            bar.close()
    _out(f"Wrote {out} ({out.stat().st_size / (1 << 20):,.1f} MB, "
         f"{len(args.model_ids)} model(s))")
    return 0
