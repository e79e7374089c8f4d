"""The audit trail: one JSON line per job in ``data_dir()/audit.jsonl``, append-only.

Each line says when, who, on which workstation, from which input (SHA-256) to which
outputs (SHA-256), with which models and settings, how long it took, the warnings and
the outcome (``ok``, ``failed`` or ``cancelled``).  No document text is written unless
``PASSERELLE_AUDIT_TEXT=1`` (or the job's ``extra["audit_text"] = "1"``).
``PASSERELLE_AUDIT=off`` (or ``extra["audit"] = "off"``) turns the trail off.

Appending is safe between processes: the file is opened with ``O_APPEND``, locked with
``fcntl.flock`` where available, and each record is one ``write`` of one line.

The lines form a hash chain (:mod:`app.core.audit_chain`): each carries the SHA-256 of the
line before it and of itself, and ``main.py audit --verify`` reports the first broken line.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import __version__
from app.core.audit_chain import ZERO, digest, last_line, seal
from app.core.config import data_dir
from app.core.hashing import sha256_file
from engines.translate.base import EngineInfo, Translator

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.jsonl"
ENV_TEXT = "PASSERELLE_AUDIT_TEXT"
ENV_SWITCH = "PASSERELLE_AUDIT"
_TRUE = ("1", "true", "yes", "on")


def audit_path() -> Path:
    return data_dir() / AUDIT_FILE


def enabled(extra: dict[str, str] | None = None) -> bool:
    value = (extra or {}).get("audit") or os.environ.get(ENV_SWITCH, "on")
    return value.lower() not in ("off", "0", "false", "no")


def include_text(extra: dict[str, str] | None = None) -> bool:
    value = (extra or {}).get("audit_text") or os.environ.get(ENV_TEXT, "")
    return value.lower() in _TRUE


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _hash(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        log.warning("Audit: cannot hash %s: %s", path, exc)
        return ""


def engine_infos(translator: Translator | None) -> list[EngineInfo]:
    """The engines at the leaves of a wrapper chain (two for a pivot)."""
    if translator is None:
        return []
    inner = getattr(translator, "inner", None)
    if isinstance(inner, Translator):
        return engine_infos(inner)
    first, second = getattr(translator, "first", None), getattr(translator, "second", None)
    if isinstance(first, Translator) and isinstance(second, Translator):
        return engine_infos(first) + engine_infos(second)
    return [translator.info]


def workstation() -> tuple[str, str]:
    """(host name, user name), both local calls: no network."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "?"
    return socket.gethostname(), user


@dataclass
class JobFacts:
    """What the audit line says about one job: plain data handed over by the pipeline
    (:func:`app.pipeline.job.job_facts`), so that the audit never imports the pipeline."""

    input_path: Path
    kind: str = "translate"
    input_sha256: str | None = None  # None: the document was never read (hashed here)
    input_format: str | None = None
    pages: int | None = None
    outputs: list[Path] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    marking: dict[str, Any] | None = None
    text: list[dict[str, Any]] | None = None  # only when the text is to be kept
    extra: dict[str, str] = field(default_factory=dict)  # the job's extra settings


def _input(facts: JobFacts) -> dict[str, Any]:
    path = facts.input_path
    if facts.input_sha256 is not None:
        return {"path": str(path.resolve()), "sha256": facts.input_sha256,
                "format": facts.input_format, "pages": facts.pages}
    return {"path": str(path.resolve()), "sha256": _hash(path) if path.is_file() else ""}


def job_record(facts: JobFacts, status: str, started: float, duration: float, error: str = ""
               ) -> dict[str, Any]:
    """The audit line of a finished (or failed, or cancelled) job."""
    host, user = workstation()
    record: dict[str, Any] = {
        "time": _utc(started), "status": status, "user": user, "host": host,
        "app_version": __version__, "kind": facts.kind,
        "input": _input(facts),
        "outputs": [{"path": str(p.resolve()), "sha256": _hash(p)}
                    for p in facts.outputs if p.is_file()],
        "models": list(facts.models), "settings": dict(facts.settings),
        "duration_s": round(duration, 3), "warnings": list(facts.warnings),
    }
    if error:
        record["error"] = error
    if facts.marking:
        record["marking"] = facts.marking
    if facts.text is not None:
        record["text"] = facts.text
    return record


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: O_APPEND single writes only
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def append(record: dict[str, Any], path: Path | None = None) -> Path:
    """Append ``record`` as one line (one ``write`` under an exclusive lock), chained to
    the line before it."""
    path = Path(path) if path is not None else audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        _lock(fd)  # released when the descriptor is closed
        previous, complete = last_line(fd)
        line = seal(record, digest(previous) if previous is not None else ZERO) + b"\n"
        if not complete:  # a line cut short by a crash stays a line of its own
            line = b"\n" + line
        view = memoryview(line)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def record_job(facts: JobFacts, status: str, started: float, duration: float,
               error: str = "") -> None:
    """Write the job's audit line; never raises (a failure is logged as a warning)."""
    if not enabled(facts.extra):
        return
    try:
        append(job_record(facts, status, started, duration, error))
    except Exception as exc:
        log.warning("Could not write the audit line: %s", exc)


@dataclass
class ReadResult:
    records: list[dict[str, Any]]
    bad_lines: int = 0


def parse_since(text: str) -> datetime:
    """``2026-01-31`` or an ISO 8601 date-time (UTC when no zone is given)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _time(record: dict[str, Any]) -> datetime | None:
    try:
        return parse_since(str(record["time"]))
    except (KeyError, ValueError):
        return None


def iter_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        yield from fh


def read(path: Path | None = None, since: datetime | None = None) -> ReadResult:
    """The records of the trail (oldest first), from ``since`` on; bad lines counted."""
    path = Path(path) if path is not None else audit_path()
    result = ReadResult([])
    if not path.is_file():
        return result
    for line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            result.bad_lines += 1
            continue
        if not isinstance(record, dict):
            result.bad_lines += 1
            continue
        when = _time(record)
        if since is not None and (when is None or when < since):
            continue
        result.records.append(record)
    return result
