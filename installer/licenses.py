"""Third-party licence list of the bundled packages and fonts, generated at build time.

``installer/passerelle.spec`` calls :func:`write_licences` with the top-level modules that
PyInstaller collected; run by hand it lists the app's installed dependencies::

    python installer/licenses.py --out build/licenses

Each package gives its name, version, licence (PEP 639 ``License-Expression``, else the
``License`` field, else the trove classifiers) and the text of its licence files; the fonts
of ``pymupdf-fonts`` are listed with their own licences (SIL OFL 1.1, Ubuntu Font Licence).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

TEXT_NAME = "THIRD_PARTY_LICENSES.txt"  # the names app.core.buildinfo reads
JSON_NAME = "third_party_licenses.json"
APP_DISTRIBUTION = "passerelle"
_LICENCE_FILE_RE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)
_MAX_SHORT_LICENCE = 80

# pymupdf-fonts: font families and their licences (its METADATA says "most are OFL").
FONT_LICENCES = {
    "Noto": "OFL-1.1",
    "FiraGO": "OFL-1.1",
    "FiraMono": "OFL-1.1",
    "SpaceMono": "OFL-1.1",
    "CascadiaMono": "OFL-1.1",
    "Ubuntu": "LicenseRef-Ubuntu-Font-1.0",
}


@dataclass
class Entry:
    name: str
    version: str
    licence: str
    kind: str = "package"  # "package" or "font"
    texts: dict[str, str] = field(default_factory=dict)  # licence file → its text


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    declared = (meta.get("License") or "").strip()
    if declared and declared.upper() != "UNKNOWN" and len(declared) <= _MAX_SHORT_LICENCE:
        return declared
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    if classifiers:
        return " / ".join(classifiers)
    if declared:
        return declared.splitlines()[0][:_MAX_SHORT_LICENCE] + "…"
    return "UNKNOWN"


def licence_texts(dist: metadata.Distribution) -> dict[str, str]:
    texts: dict[str, str] = {}
    for file in dist.files or ():
        name = str(file)
        if ".dist-info/" not in name or not _LICENCE_FILE_RE.search(name):
            continue
        try:
            texts[name.split(".dist-info/", 1)[1]] = Path(str(dist.locate_file(file))).read_text(
                encoding="utf-8", errors="replace")
        except OSError as exc:
            log.warning("Cannot read %s of %s: %s", name, dist.metadata["Name"], exc)
    return texts


def distributions_for_modules(modules: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules."""
    owners = metadata.packages_distributions()
    names = sorted({d for m in modules for d in owners.get(m.split(".")[0], ())},
                   key=str.lower)
    return [metadata.distribution(n) for n in names if n.lower() != APP_DISTRIBUTION]


def _requirement_name(requirement: str) -> str | None:
    """The distribution a requirement names, or None when its marker excludes it here."""
    try:
        from packaging.requirements import Requirement

        parsed = Requirement(requirement)
        if parsed.marker is not None and not parsed.marker.evaluate({"extra": ""}):
            return None
        return parsed.name
    except ImportError:  # without packaging: skip extras, keep the rest
        if ";" in requirement and "extra ==" in requirement.split(";", 1)[1]:
            return None
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        return match.group(0) if match else None


def runtime_distributions(root: str = APP_DISTRIBUTION) -> list[metadata.Distribution]:
    """The app's runtime dependencies, recursively (no extras)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            log.warning("Dependency %s is not installed", name)
            continue
        key = str(dist.metadata["Name"]).lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist
        todo += [n for r in dist.requires or () if (n := _requirement_name(r))]
    seen.pop(root, None)
    return sorted(seen.values(), key=lambda d: str(d.metadata["Name"]).lower())


def font_entries(package: str = "pymupdf_fonts") -> list[Entry]:
    """One entry per font family shipped by ``pymupdf-fonts``."""
    try:
        dist = metadata.distribution("pymupdf-fonts")
    except metadata.PackageNotFoundError:
        return []
    families = sorted({str(f).split("/")[1].split("_")[0] for f in dist.files or ()
                       if str(f).startswith(f"{package}/") and str(f).endswith("_Regular.py")})
    texts = licence_texts(dist)
    out = []
    for family in families:
        licence = next((v for k, v in FONT_LICENCES.items() if family.startswith(k)), "OFL-1.1")
        out.append(Entry(f"{family} (font, pymupdf-fonts)", dist.version, licence, "font",
                         texts if licence == "OFL-1.1" else {}))
    return out


def entries(dists: Iterable[metadata.Distribution], fonts: bool = True) -> list[Entry]:
    found = [Entry(str(d.metadata["Name"]), d.version, licence_of(d), "package",
                   licence_texts(d)) for d in dists]
    return found + (font_entries() if fonts else [])


def render_text(items: list[Entry]) -> str:
    lines = ["Passerelle: third-party components bundled with this application", "",
             f"{'NAME':42} {'VERSION':18} LICENCE"]
    lines += [f"{e.name:42} {e.version:18} {e.licence}" for e in items]
    shown: dict[str, str] = {}  # licence text → where it was printed first
    for e in items:
        for file, text in e.texts.items():
            title = f"{e.name} {e.version}: {file}"
            lines += ["", "=" * 78, title, "=" * 78]
            if text in shown:
                lines.append(f"(the same text as {shown[text]} above)")
                continue
            shown[text] = title
            lines.append(text.rstrip())
    return "\n".join(lines) + "\n"


def write_licences(out_dir: Path, items: list[Entry]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    text, index = out_dir / TEXT_NAME, out_dir / JSON_NAME
    text.write_text(render_text(items), encoding="utf-8")
    index.write_text(json.dumps([{k: v for k, v in asdict(e).items() if k != "texts"}
                                 for e in items], indent=1) + "\n", encoding="utf-8")
    return text, index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the two files")
    parser.add_argument("--modules", nargs="*", help="top-level modules (default: the app's "
                                                     "runtime dependencies)")
    args = parser.parse_args(argv)
    dists = (distributions_for_modules(args.modules) if args.modules
             else runtime_distributions())
    items = entries(dists)
    text, _ = write_licences(args.out, items)
    sys.stdout.write(f"{len(items)} components → {text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
