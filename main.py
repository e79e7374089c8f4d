"""Passerelle entry point: no argument opens the GUI; ``main.py translate …`` is the CLI."""

import sys

from app.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or all(a.lower().endswith((".pdf", ".docx", ".docm")) for a in args):
        args = ["gui", *args]
    sys.exit(main(args))
