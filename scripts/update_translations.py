"""Refresh the Qt catalogues: ``lupdate`` app/ui → resources/i18n/*.ts, ``lrelease`` → .qm.

Run after changing user-visible strings, then translate the new entries of the ``.ts``
(Qt Linguist: ``.venv/bin/pyside6-linguist resources/i18n/passerelle_fr.ts``) and run it
again to compile.  ``--check`` fails when a French entry is missing (used by the tests).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGUAGES = {"fr": "fr_FR"}


def tool(name: str) -> str:
    local = Path(sys.executable).parent / f"pyside6-{name}"
    found = str(local) if local.exists() else shutil.which(f"pyside6-{name}")
    if not found:
        raise SystemExit(f"pyside6-{name} not found: install PySide6 in this environment")
    return found


def unfinished(ts: Path) -> list[str]:
    root = ET.parse(ts).getroot()
    missing = []
    for context in root.iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") == "obsolete":
                continue
            text = "".join(translation.itertext()).strip()
            if translation.get("type") == "unfinished" or not text:
                missing.append(f"{context.findtext('name')}: {message.findtext('source')}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="report untranslated entries")
    parser.add_argument("--no-update", action="store_true", help="only compile the .qm files")
    args = parser.parse_args(argv)
    sources = sorted(str(p) for p in (ROOT / "app" / "ui").glob("*.py"))
    status = 0
    for code, locale in LANGUAGES.items():
        ts = I18N / f"passerelle_{code}.ts"
        if not args.no_update:
            subprocess.run([tool("lupdate"), "-no-obsolete", "-locations", "none",
                            "-target-language", locale, *sources, "-ts", str(ts)], check=True)
        missing = unfinished(ts)
        if missing:
            print(f"{ts.name}: {len(missing)} untranslated entries", file=sys.stderr)
            for m in missing:
                print(f"  {m}", file=sys.stderr)
            status = 1 if args.check else status
        if not args.check:
            subprocess.run([tool("lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))],
                           check=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
