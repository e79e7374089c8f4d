"""The audit trail's hash chain: each line seals itself and the line before it.

Every line of ``audit.jsonl`` is one JSON object whose first key is ``prev`` and whose
last key is ``hash``:

* ``prev``: the SHA-256 (hex) of the previous line's bytes, without its newline (64 zeros
  on the first line);
* ``hash``: the SHA-256 of this line's bytes with the ``,"hash":"…"`` member removed.

:func:`verify` walks the file and reports the first line where either fails: an edited line
fails its own ``hash`` (or, if the editor recomputed it, breaks the next line's ``prev``);
a deleted, inserted or moved line breaks the ``prev`` of the line after the change.

What it does not do: it is not a signature.  Someone who can write the file and rewrites
every line after the change, recomputing the hashes, is not detected; nor is the removal
of the last lines.  :func:`verify` therefore prints the number of lines and the hash of
the last one (the *head*): noting the head elsewhere (a report, a paper log) makes any
later rewrite or truncation detectable.  Lines written before the chain existed (no
``prev``) are counted as unchained, and are accepted only before the first chained line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

ZERO = "0" * 64
_HASH_TAIL = re.compile(rb',"hash":"([0-9a-f]{64})"\}$')
_CHUNK = 4096


def digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def seal(record: dict[str, object], prev: str) -> bytes:
    """The line (without newline) of ``record``, chained to ``prev`` and self-hashed."""
    body = {"prev": prev, **{k: v for k, v in record.items() if k not in ("prev", "hash")}}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return text[:-1] + b',"hash":"' + digest(text).encode() + b'"}'


def _pread(fd: int, size: int, offset: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    out = b""
    while len(out) < size:
        chunk = os.read(fd, size - len(out))
        if not chunk:
            break
        out += chunk
    return out


def last_line(fd: int) -> tuple[bytes | None, bool]:
    """(the file's last non-empty line without its newline, or None when there is none;
    whether the file ends with a newline).  ``fd`` must be open for reading."""
    end = os.lseek(fd, 0, os.SEEK_END)
    if end == 0:
        return None, True
    complete = _pread(fd, 1, end - 1) == b"\n"
    buf, pos = b"", end
    while pos > 0:
        step = min(_CHUNK, pos)
        pos -= step
        buf = _pread(fd, step, pos) + buf
        body = buf.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if body and (cut >= 0 or pos == 0):
            return body[cut + 1:], complete
    return None, complete


@dataclass
class ChainReport:
    lines: int = 0  # non-empty lines read
    chained: int = 0
    unchained: int = 0  # lines before the chain began
    broken_line: int | None = None  # 1-based number of the first broken line
    reason: str = ""
    head: str = ZERO  # SHA-256 of the last line

    @property
    def ok(self) -> bool:
        return self.broken_line is None

    def summary(self) -> str:
        if not self.ok:
            return f"BROKEN at line {self.broken_line}: {self.reason}"
        text = f"OK: {self.chained} chained line(s), head {self.head}"
        if self.unchained:
            text += (f"; {self.unchained} older line(s) written before the chain are not "
                     "protected")
        return text


def _check(line: bytes, number: int, prev: str, started: bool) -> tuple[str, bool]:
    """(why line ``number`` breaks the chain or "", whether it is a chained line)."""
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "not a valid JSON line (edited or cut short)", False
    if not isinstance(record, dict):
        return "not a JSON object (edited)", False
    if "prev" not in record:
        return ("no hash of the previous line (edited or inserted)" if started else ""), False
    tail = _HASH_TAIL.search(line)
    if tail is None or digest(line[:tail.start()] + b"}") != tail.group(1).decode():
        return "its content does not match its own hash (edited)", True
    if record["prev"] != prev:
        if number == 1:
            return "it does not follow the start of the file (the first lines were deleted)", True
        return (f"it does not follow line {number - 1} (a line was deleted, inserted or "
                f"moved, or line {number - 1} was edited)"), True
    return "", True


def verify(path: Path) -> ChainReport:
    """Walk the trail and report the first broken line (see the module docstring)."""
    report = ChainReport()
    if not path.is_file():
        return report
    prev, started = ZERO, False
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            report.lines += 1
            reason, chained = _check(line, report.lines, prev, started)
            if reason:
                report.broken_line, report.reason = report.lines, reason
                return report
            started = started or chained
            report.chained += chained
            report.unchained += not chained
            prev = digest(line)
    report.head = prev
    return report
