"""``main.py audit [--since DATE] [--json] [--verify]``: list or check the audit trail.

``--verify`` walks the hash chain (:mod:`app.core.audit_chain`) and prints either the
number of lines and the head hash (exit 0) or the first broken line and why (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("audit", help="list the audit trail (one line per job)")
    p.add_argument("--since", help="only jobs from this date on (YYYY-MM-DD or ISO 8601)")
    p.add_argument("--json", action="store_true", help="print the raw JSON lines")
    p.add_argument("--file", type=Path, help="read this audit file instead of the default")
    p.add_argument("--verify", action="store_true",
                   help="check the hash chain and report the first broken line")
    p.set_defaults(func=cmd_audit)


def _line(r: dict[str, Any]) -> str:
    inp = r.get("input") or {}
    outputs = r.get("outputs") or []
    models = ", ".join(m.get("id") or m.get("engine", "?") for m in r.get("models") or [])
    name = Path(str(inp.get("path", "?"))).name
    out = ", ".join(Path(str(o.get("path", ""))).name for o in outputs) or "-"
    warn = len(r.get("warnings") or [])
    return (f"{r.get('time', '?')}  {r.get('status', '?'):<9} {r.get('user', '?')}@"
            f"{r.get('host', '?')}  {r.get('kind', 'translate')}  {name} "
            f"[{str(inp.get('sha256', ''))[:12]}] → {out}  models: {models or '-'}  "
            f"{r.get('duration_s', 0)}s  warnings: {warn}")


def cmd_audit(args: argparse.Namespace) -> int:
    from app.core.audit import audit_path, parse_since, read
    from app.core.errors import ConfigError

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        raise ConfigError(f"--since: '{args.since}' is not a date (YYYY-MM-DD).") from exc
    path = args.file or audit_path()
    if args.verify:
        return _verify(path)
    result = read(path, since)
    for record in result.records:
        print(json.dumps(record, ensure_ascii=False) if args.json else _line(record))
    if not args.json:
        print(f"{len(result.records)} job(s) in {path}", file=sys.stderr)
    if result.bad_lines:
        print(f"warning: {result.bad_lines} unreadable line(s) skipped", file=sys.stderr)
    return 0


def _verify(path: Path) -> int:
    from app.core.audit_chain import verify

    report = verify(path)
    print(f"{path}: {report.lines} line(s). {report.summary()}")
    return 0 if report.ok else 1
