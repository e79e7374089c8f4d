"""What a CTranslate2 model folder says about itself: its maximum positions and a
fingerprint of its files.

CTranslate2's Python API does not expose the number of position encodings of a
model, and opus-mt-style ``config.json`` files often leave it out, so
:func:`max_positions` reads the variable index of ``model.bin`` (names and shapes only;
the weights are skipped with ``seek``).  A model with more input positions than that
makes CTranslate2 throw ("No position encodings are defined for positions >= N").
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

_CONFIG_KEYS = ("max_position_embeddings", "max_source_positions", "max_length")
_POSITIONS = "position_encodings/encodings"


def max_positions(path: Path) -> int | None:
    """The number of positions the model can encode (None when it cannot be read:
    sinusoidal encodings computed at run time have no fixed limit)."""
    config = Path(path) / "config.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        for key in _CONFIG_KEYS:
            if isinstance(data.get(key), int) and data[key] > 0:
                return int(data[key])
    try:
        with (Path(path) / "model.bin").open("rb") as f:
            shapes = [shape for name, shape in _variables(f) if name.endswith(_POSITIONS)]
    except (OSError, struct.error, UnicodeDecodeError, ValueError) as exc:
        log.warning("Cannot read the variable index of %s/model.bin: %s", path, exc)
        return None
    rows = [shape[0] for shape in shapes if shape]
    return min(rows) if rows else None


def _read(f: BinaryIO, fmt: str) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise ValueError("model.bin ends early")
    return struct.unpack(fmt, data)


def _string(f: BinaryIO) -> str:
    (n,) = _read(f, "<H")
    return f.read(n).rstrip(b"\0").decode("utf-8")


def _variables(f: BinaryIO) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of each variable in a CTranslate2 ``model.bin`` (format >= 2)."""
    (version,) = _read(f, "<I")
    if version < 2:
        raise ValueError(f"model.bin format {version} is too old to index")
    _string(f)  # spec name
    _read(f, "<I")  # spec revision
    (count,) = _read(f, "<I")
    out = []
    for _ in range(count):
        name = _string(f)
        (rank,) = _read(f, "<B")
        shape = _read(f, "<" + "I" * rank) if rank else ()
        _read(f, "<B")  # data type
        (size,) = _read(f, "<I")
        f.seek(size, 1)
        out.append((name, tuple(shape)))
    return out


def fingerprint(path: Path) -> str:
    """A cheap fingerprint of a model folder: names, sizes and modification times of
    its files (a model retrained into the same folder changes it; hashing gigabytes
    of weights on every run would not be cheap)."""
    h = hashlib.sha256()
    root = Path(path)
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(root).as_posix()}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1e"
                 .encode())
    return h.hexdigest()[:16]
