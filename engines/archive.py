"""Safe zip extraction for model packages (``.argosmodel``, model bundles).

Modelled on Apache POI's ``ZipSecureFile``: every member is checked before anything is
written (no absolute path, no ``..``, no symlink, no duplicate, bounded count, size and
expansion ratio), then streamed out while the bytes are counted, so a member whose
header lies about its size is caught while it inflates rather than after.
"""

from __future__ import annotations

import logging
import os
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engines.errors import UnsafeArchive

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one archive may expand to."""

    max_total_bytes: int = 16 * GiB  # an NLLB-3.3B int8 model is about 3.3 GB
    max_member_bytes: int = 8 * GiB
    max_ratio: float = 100.0  # uncompressed / compressed, per member
    ratio_grace_bytes: int = 1 << 20  # small members may compress well (POI: 100 KB)
    max_members: int = 10_000


def _fail(archive: Path, reason: str) -> UnsafeArchive:
    return UnsafeArchive(f"Archive {archive.name} rejected: {reason}")


def member_path(name: str) -> PurePosixPath | None:
    """The relative path a member would be written to, or None when it is unsafe."""
    if not name or "\x00" in name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        return None
    if any(part in ("..", "") for part in path.parts):
        return None
    return path


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_members(
    zf: zipfile.ZipFile, archive: Path, limits: ArchiveLimits
) -> list[zipfile.ZipInfo]:
    """Validate the central directory; return the file members (directories dropped)."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise _fail(archive, f"it has {len(infos)} members (limit {limits.max_members})")
    seen: set[str] = set()
    total = 0
    files = []
    for info in infos:
        path = member_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
        if path is None:
            raise _fail(archive, f"member {info.filename!r} points outside the target folder")
        if _is_symlink(info):
            raise _fail(archive, f"member {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise _fail(archive, f"member {info.filename!r} is encrypted")
        key = str(path).casefold()
        if key in seen:
            raise _fail(archive, f"member {info.filename!r} appears twice")
        seen.add(key)
        if info.is_dir():
            continue
        _check_size(info, info.file_size, archive, limits)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _fail(archive, f"it would expand to more than {_mb(limits.max_total_bytes)}")
        files.append(info)
    return files


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def _check_size(info: zipfile.ZipInfo, size: int, archive: Path, limits: ArchiveLimits) -> None:
    if size > limits.max_member_bytes:
        raise _fail(archive, f"member {info.filename!r} expands beyond "
                             f"{_mb(limits.max_member_bytes)}")
    if size > limits.ratio_grace_bytes:
        ratio = size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise _fail(archive, f"member {info.filename!r} expands {ratio:,.0f}:1 "
                                 f"(limit {limits.max_ratio:.0f}:1): a zip bomb")


def safe_extract(
    archive: Path,
    target: Path,
    limits: ArchiveLimits | None = None,
    include: Callable[[PurePosixPath], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Extract ``archive`` under ``target`` (created; must be empty); return the files.

    ``include`` selects members by relative path (the others are still checked).
    ``progress(done_bytes, total_bytes)`` is called after each chunk.
    Raises UnsafeArchive for anything that breaks the limits or is not a valid zip.
    """
    limits = limits or ArchiveLimits()
    archive = Path(archive)
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise ValueError(f"extraction target {target} is not empty")
    root = target.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = check_members(zf, archive, limits)
            chosen = [m for m in members if include is None or include(PurePosixPath(m.filename))]
            total = sum(m.file_size for m in chosen)
            written: list[Path] = []
            done = 0
            for info in chosen:
                dest = root / PurePosixPath(info.filename)
                if not dest.resolve().is_relative_to(root):
                    raise _fail(archive, f"member {info.filename!r} escapes the target folder")
                done = _extract_member(zf, info, dest, archive, limits, done, total, progress)
                written.append(dest)
            return written
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _fail(archive, f"it is not a valid zip file ({exc})") from exc


def _extract_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    dest: Path,
    archive: Path,
    limits: ArchiveLimits,
    done: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Stream one member to ``dest`` counting bytes; return the running total."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    count = 0
    with zf.open(info) as src, os.fdopen(os.open(dest, flags, 0o644), "wb") as out:
        while chunk := src.read(_CHUNK):
            count += len(chunk)
            done += len(chunk)
            if count > info.file_size:
                raise _fail(archive, f"member {info.filename!r} is larger than its header says")
            _check_size(info, count, archive, limits)
            if done > limits.max_total_bytes:
                raise _fail(archive, f"it would expand to more than "
                                     f"{_mb(limits.max_total_bytes)}")
            out.write(chunk)
            if progress is not None:
                progress(done, total)
    if count != info.file_size:
        raise _fail(archive, f"member {info.filename!r} is shorter than its header says")
    return done
