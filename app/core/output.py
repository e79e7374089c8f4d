"""Atomic output files: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from app.core.errors import OutputError, OutputExists

log = logging.getLogger(__name__)


def check_target(target: Path, source: Path | None = None, overwrite: bool = False) -> None:
    target = Path(target)
    if source is not None and target.resolve() == Path(source).resolve():
        raise OutputExists(f"Refusing to overwrite the source document {target.name}.")
    if target.exists() and not overwrite:
        raise OutputExists(
            f"{target} already exists. Choose another name or allow overwriting (--overwrite)."
        )
    if not target.parent.is_dir():
        raise OutputError(f"The output folder {target.parent} does not exist.")
    if not os.access(target.parent, os.W_OK):
        raise OutputError(f"The output folder {target.parent} is not writable.")


@contextlib.contextmanager
def atomic_path(target: Path, source: Path | None = None, overwrite: bool = False
                ) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on failure it is removed."""
    target = Path(target)
    check_target(target, source, overwrite)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.",
                                        suffix=f"{target.suffix}.part", dir=target.parent)
    except OSError as exc:  # writable in name only: read-only mount, quota, ACL, full disk
        raise OutputError(f"Could not write {target.name}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _publish(tmp, target, overwrite)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"Could not write {target.name}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("Wrote %s", target)


def _publish(tmp: Path, target: Path, overwrite: bool) -> None:
    """Move the finished file into place.  Without ``overwrite``, a hard link refuses an
    existing target atomically, so two jobs racing for one name cannot both win."""
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputExists(f"{target} appeared while writing; not overwritten.") from None
    except OSError:  # no hard links on this file system (FAT, some shares): best effort
        if target.exists():
            raise OutputExists(f"{target} appeared while writing; not overwritten.") from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def write_atomic(target: Path, write: Callable[[Path], object], source: Path | None = None,
                 overwrite: bool = False) -> Path:
    with atomic_path(target, source, overwrite) as tmp:
        write(tmp)
    return Path(target)


def default_output(source: Path, target_lang: str, suffix: str | None = None,
                   folder: Path | None = None) -> Path:
    """``name.en.docx`` beside the source (or in ``folder``); never the source itself.
    An empty ``target_lang`` names an output that keeps the source's own text
    (``name.ocr.pdf``): its ``suffix`` then differs from the source's."""
    source = Path(source)
    ext = suffix or source.suffix
    lang = f".{target_lang}" if target_lang else ""
    return (folder or source.parent) / f"{source.stem}{lang}{ext}"
