"""Version, build information and the About text (no Qt; shown by the CLI and the GUI).

``installer/passerelle.spec`` writes ``_build_info.json`` beside this module inside the
bundle (build date, git commit, platform) and a third-party licence list at the bundle's
root.  A source checkout has neither: :func:`build_info` then says "development build".
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from app import __version__

log = logging.getLogger(__name__)

BUILD_INFO_FILE = Path(__file__).with_name("_build_info.json")
LICENCES_DIR = "licenses"
LICENCES_TEXT = "THIRD_PARTY_LICENSES.txt"
LICENCES_JSON = "third_party_licenses.json"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BuildInfo:
    version: str
    build_date: str | None  # ISO 8601 UTC; None in a source checkout
    commit: str | None
    platform: str
    python: str
    frozen: bool

    def short(self) -> str:
        """``0.1.0 (2026-11-26, commit 1a2b3c4d, Linux-x86_64)`` or ``0.1.0 (development)``."""
        if self.build_date is None:
            return f"{self.version} (development)"
        commit = f", commit {self.commit[:8]}" if self.commit else ""
        return f"{self.version} ({self.build_date[:10]}{commit}, {self.platform})"


def _platform_tag() -> str:
    return f"{platform.system()}-{platform.machine()}"


def git_commit(repo: Path = ROOT) -> str | None:
    """The checked-out commit (with ``-dirty`` for local changes); None without git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=repo, capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head or None


def collect(now: datetime | None = None, commit: str | None = None) -> dict[str, str | None]:
    """The build record written at bundle time (``installer/passerelle.spec``)."""
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    return {
        "version": __version__,
        "build_date": when.isoformat(),
        "commit": commit if commit is not None else git_commit(),
        "platform": _platform_tag(),
        "python": platform.python_version(),
    }


def write_build_info(path: Path, record: dict[str, str | None] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record or collect(), indent=2) + "\n", encoding="utf-8")
    return path


def build_info(path: Path | None = None) -> BuildInfo:
    """The bundle's build record, or a development record when there is none."""
    source = path or BUILD_INFO_FILE
    frozen = bool(getattr(sys, "frozen", False))
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError) as exc:
        log.warning("Unreadable build information %s: %s", source, exc)
        data = {}
    return BuildInfo(
        version=str(data.get("version") or __version__),
        build_date=data.get("build_date"),
        commit=data.get("commit"),
        platform=str(data.get("platform") or _platform_tag()),
        python=str(data.get("python") or platform.python_version()),
        frozen=frozen,
    )


def bundle_root() -> Path:
    """The folder holding the bundled data (PyInstaller's ``_internal``), else the checkout."""
    return Path(getattr(sys, "_MEIPASS", ROOT))


def licences_file(root: Path | None = None) -> Path | None:
    """The generated third-party licence list, when this is a bundle (or one was built)."""
    path = (root or bundle_root()) / LICENCES_DIR / LICENCES_TEXT
    return path if path.is_file() else None


def licence_entries(root: Path | None = None) -> list[dict[str, str]]:
    """``[{"name", "version", "licence", "kind"}]`` of the bundled packages and fonts."""
    path = (root or bundle_root()) / LICENCES_DIR / LICENCES_JSON
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("Unreadable licence list %s: %s", path, exc)
        return []
    return [{k: str(e.get(k, "")) for k in ("name", "version", "licence", "kind")}
            for e in entries]


def version_line() -> str:
    """What ``passerelle --version`` prints."""
    return f"passerelle {build_info().short()}"


def about_text(root: Path | None = None) -> str:
    """Plain text for the About box: version, build, and the third-party licences."""
    info = build_info(None if root is None else root / "app" / "core" / BUILD_INFO_FILE.name)
    lines = [
        f"Passerelle {info.version}",
        "Offline document translation and summarization. Nothing leaves this machine.",
        "",
        f"Build: {info.build_date or 'development (not a bundle)'}",
        f"Commit: {info.commit or 'unknown'}",
        f"Platform: {info.platform}, Python {info.python}",
        "Licence: Apache-2.0",
    ]
    entries = licence_entries(root)
    if entries:
        lines += ["", f"Third-party components ({len(entries)}):"]
        lines += [f"  {e['name']} {e['version']}: {e['licence']}" for e in entries]
    full = licences_file(root)
    lines += ["", f"Full licence texts: {full}" if full else
              "Third-party licence list: generated at bundle time (installer/licenses.py)."]
    return "\n".join(lines)


def as_dict() -> dict[str, object]:
    return asdict(build_info())
