#!/usr/bin/env python3
"""Start LibreTranslate fully offline (run with the LibreTranslate venv's Python).

Test and benchmark tooling (``scripts/intranet_servers.py`` starts it):

1. Passerelle's offline guard (``engines.offline``) is installed in this process first,
   so any attempt to leave loopback raises ``NetworkBlocked`` instead of connecting.
2. LibreTranslate's boot step, which refreshes the Argos package index from the
   internet when fewer than two packages are installed, is replaced by a no-op: the
   packages in ``$ARGOS_PACKAGES_DIR`` are used as they are.
3. Argos's default sentence splitter (MiniSBD) downloads an ONNX model on first use.
   It is replaced by "one text, one sentence": Passerelle sends one sentence per ``q``
   entry, so the server does not need to split.
4. ``--add-key KEY`` puts KEY in the API-key database before the server starts.

Usage: python libretranslate_offline.py [--add-key KEY] -- <libretranslate options>
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    repo = Path(os.environ.get("PASSERELLE_REPO", Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(repo))
    from engines import offline

    offline.install()  # loopback only

    args = sys.argv[1:]
    key = ""
    if args[:1] == ["--add-key"]:
        key, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]

    import argostranslate.sbd
    import libretranslate.init

    def offline_boot(*_args: object, **_kwargs: object) -> None:
        print("Offline boot: using the installed Argos packages, no index update", flush=True)

    def one_sentence(_self: object, text: str) -> list[str]:
        return [text]

    libretranslate.init.boot = offline_boot  # type: ignore[assignment]
    argostranslate.sbd.MiniSBDSentencizer.split_sentences = one_sentence  # type: ignore[method-assign]

    if key and "--api-keys-db-path" in args:
        from libretranslate.api_keys import Database

        db = Database(args[args.index("--api-keys-db-path") + 1])
        if db.lookup(key) is None:
            db.add(req_limit=1_000_000, api_key=key)

    from libretranslate.main import main as lt_main

    sys.argv = ["libretranslate", *args]
    lt_main()


if __name__ == "__main__":
    main()
