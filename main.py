"""Passerelle entry point: no argument (or only documents) opens the GUI; otherwise the CLI.

The GUI is started from here, not from ``app.cli``, so that the core never imports Qt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".docm")
SKIP_QT_CHECK_ENV = "PASSERELLE_NO_QT_CHECK"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "gui":
        args = args[1:]
    elif args and not all(a.lower().endswith(DOCUMENT_SUFFIXES) for a in args):
        from app.cli import main as cli_main

        return cli_main(args)
    from app.ui import syslibs

    missing = None if os.environ.get(SKIP_QT_CHECK_ENV) else syslibs.check()
    if missing is not None:  # Qt would abort with "could not load the Qt platform plugin"
        sys.stderr.write(f"{missing.message()}\n({SKIP_QT_CHECK_ENV}=1 skips this check.)\n")
        return 3
    from app.core.servers import allow_list
    from engines import offline

    offline.install(allow_list())  # loopback and the declared intranet servers only
    from app.ui.main import run_gui

    return run_gui([Path(a) for a in args])


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # in the PyInstaller bundle, child processes start here
    sys.exit(main())
