"""Command-line interface: ``python main.py translate IN --to en``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from app.core.buildinfo import version_line
from app.core.errors import present

log = logging.getLogger(__name__)

# Each module adds its sub-command with ``add_parser(subparsers)``; imports stay light
# (heavy libraries are imported inside the command functions).
COMMAND_MODULES: list[str] = ["app.cli.translate", "app.cli.models", "app.cli.summarize",
                               "app.cli.report", "app.cli.audit"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="Offline document translation and summarization. Nothing leaves this machine.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(sub)
    sub.add_parser("gui", help="open the desktop window (the default with no command)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.core.servers import allow_list
    from engines import offline

    offline.install(allow_list())  # loopback and the declared intranet servers only
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
        print(f"error: {shown.cli_message}", file=sys.stderr)
        if not shown.expected or args.verbose:
            print(shown.details, file=sys.stderr)
        return 1 if shown.expected else 3
