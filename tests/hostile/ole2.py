"""A minimal Compound File Binary (OLE2) writer: the container of encrypted Word files and
of legacy ``.doc`` files.

Version 3 (512-byte sectors), one FAT sector, one directory sector, every stream at least
4,096 bytes so that none lives in the mini stream.  Enough for a real CFB reader to list
the streams; the stream contents are placeholders.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Mapping
from pathlib import Path

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_CUTOFF = 4096


def _header() -> bytes:
    head = MAGIC + bytes(16) + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
                                          0, 1, 1, 0, MINI_CUTOFF, END, 0, END, 0)
    difat = struct.pack("<I", 0) + struct.pack("<I", FREE) * 108
    block = head + difat
    assert len(block) == SECTOR
    return block


def _entry(name: str, kind: int, child: int = NOSTREAM, right: int = NOSTREAM,
           start: int = END, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1,
                                                   NOSTREAM, right, child)
            + bytes(16) + struct.pack("<IQQIQ", 0, 0, 0, start, size))


def write_cfb(path: Path, streams: Mapping[str, bytes]) -> Path:
    """Write ``streams`` (name → data, at most three, each padded to 4 KiB) as a CFB file."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB directory order
    assert 1 <= len(names) <= 3
    fat = [FATSECT, END]
    data = b""
    entries = [b""]  # the root, filled below
    for i, name in enumerate(names):
        blob = streams[name].ljust(MINI_CUTOFF, b"\0")
        blob = blob.ljust(-(-len(blob) // SECTOR) * SECTOR, b"\0")
        first = len(fat)
        count = len(blob) // SECTOR
        fat += list(range(first + 1, first + count)) + [END]
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        entries.append(_entry(name, 2, right=right, start=first, size=len(streams[name])))
        data += blob
    assert len(fat) <= SECTOR // 4, "streams too large for one FAT sector"
    entries[0] = _entry("Root Entry", 5, child=1)
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    path.write_bytes(_header() + fat_sector + directory + data)
    return path


def encrypted_word(path: Path) -> Path:
    """What Word writes for a password-protected .docx: an OLE2 container holding
    ``EncryptionInfo`` (agile, version 4.4) and ``EncryptedPackage``."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/>'
        b"</encryption>")
    package = struct.pack("<Q", 9000) + bytes((i * 97 + 13) % 256 for i in range(9000))
    return write_cfb(path, {"EncryptionInfo": info, "EncryptedPackage": package})


def legacy_doc(path: Path) -> Path:
    """A Word 97-2003 file: ``WordDocument`` (starting with the FIB magic) and ``1Table``."""
    fib = struct.pack("<HH", 0xA5EC, 0x00C1) + bytes(508)
    text = "Le rapport annuel du ministère.".encode("utf-16-le")
    return write_cfb(path, {"WordDocument": fib + text, "1Table": bytes(1024)})


def write_cfb_tree(path: Path, tree: Mapping[str, object]) -> Path:
    """Write a compound file with storages: ``tree`` maps a name to a stream's bytes or to a
    storage (another mapping).  As many FAT and directory sectors as needed (up to the 109
    FAT sectors the header lists, about 7 MB).  Streams must be at least 4 KiB (pad text
    properties with NULs): there is no mini stream."""
    entries: list[dict[str, object]] = [{"name": "Root Entry", "kind": 5}]
    blobs: list[bytes] = []

    def add(children: Mapping[str, object]) -> int:
        names = sorted(children, key=lambda n: (len(n), n.upper()))  # CFB sibling order
        first = len(entries)
        indices = []
        for name in names:
            indices.append(len(entries))
            entries.append({"name": name})
        for i, name in zip(indices, names):
            value = children[name]
            if isinstance(value, bytes):
                assert len(value) >= MINI_CUTOFF, f"{name}: streams under 4 KiB need a mini stream"
                entries[i].update(kind=2, blob=len(blobs), size=len(value))
                blobs.append(value)
            else:
                assert isinstance(value, Mapping), f"{name}: bytes or a mapping"
                entries[i].update(kind=1, child=add(value) if value else NOSTREAM)
        for a, b in itertools.pairwise(indices):
            entries[a]["right"] = b
        return first

    entries[0]["child"] = add(tree)
    per_sector = SECTOR // 128
    ndir = -(-len(entries) // per_sector)
    ndata = sum(-(-len(b) // SECTOR) for b in blobs)
    nfat = 1
    while nfat * (SECTOR // 4) < nfat + ndir + ndata:
        nfat += 1
    assert nfat <= 109, "too large for the header's FAT list"
    fat = [FATSECT] * nfat + list(range(nfat + 1, nfat + ndir)) + [END]
    starts = []
    data = b""
    for blob in blobs:
        first = nfat + ndir + len(data) // SECTOR
        count = -(-len(blob) // SECTOR)
        fat += list(range(first + 1, first + count)) + [END]
        starts.append(first)
        data += blob.ljust(count * SECTOR, b"\0")
    fat += [FREE] * (nfat * (SECTOR // 4) - len(fat))
    directory = b"".join(
        _entry(str(e["name"]), int(str(e["kind"])), child=int(str(e.get("child", NOSTREAM))),
               right=int(str(e.get("right", NOSTREAM))),
               start=starts[int(str(e["blob"]))] if "blob" in e else END,
               size=int(str(e.get("size", 0))))
        for e in entries).ljust(ndir * SECTOR, b"\0")
    head = MAGIC + bytes(16) + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
                                          0, nfat, nfat, 0, MINI_CUTOFF, END, 0, END, 0)
    difat = struct.pack(f"<{109}I", *(list(range(nfat)) + [FREE] * (109 - nfat)))
    fat_sectors = struct.pack(f"<{len(fat)}I", *fat)
    path.write_bytes(head + difat + fat_sectors + directory + data)
    return path
