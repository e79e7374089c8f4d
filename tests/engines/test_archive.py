"""Safe zip extraction: traversal, links, bombs, lying headers."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest

from engines.archive import ArchiveLimits, member_path, safe_extract
from engines.errors import UnsafeArchive


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_extracts_nested_members(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"pkg/model/model.bin": b"\x01" * 100, "pkg/x.json": b"{}"})
    out = safe_extract(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in out) == [
        "pkg/model/model.bin", "pkg/x.json"]
    assert (tmp_path / "out/pkg/model/model.bin").read_bytes() == b"\x01" * 100


def test_include_filter_skips_members(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"a/keep": b"1", "a/stanza/skip": b"2"})
    safe_extract(archive, tmp_path / "out", include=lambda p: "stanza" not in p.parts)
    assert (tmp_path / "out/a/keep").exists() and not (tmp_path / "out/a/stanza").exists()


@pytest.mark.parametrize("name", ["../evil.txt", "pkg/../../evil.txt", "/etc/evil.txt",
                                  "C:/evil.txt", "pkg\\..\\evil.txt"])
def test_paths_outside_the_target_are_rejected(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "a.zip", {"pkg/ok.txt": b"ok", name: b"evil"})
    with pytest.raises(UnsafeArchive, match="outside the target"):
        safe_extract(archive, tmp_path / "t" / "out")
    assert not (tmp_path / "t" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "t" / "out" / "pkg").exists()  # checked before anything is written
    assert member_path(name) is None


def test_symlink_member_is_rejected(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("pkg/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out")


def test_zip_bomb_ratio_is_rejected(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"pkg/model.bin": bytes(4 << 20)})
    assert archive.stat().st_size < 40_000
    with pytest.raises(UnsafeArchive, match=r"expands .*:1 \(limit 100:1\): a zip bomb"):
        safe_extract(archive, tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*"))


def test_total_size_limit(tmp_path: Path) -> None:
    members = {f"pkg/f{i}": bytes(range(256)) * 64 for i in range(4)}  # 16 KB each
    archive = _zip(tmp_path / "a.zip", members)
    limits = ArchiveLimits(max_total_bytes=40_000)
    with pytest.raises(UnsafeArchive, match="would expand to more than"):
        safe_extract(archive, tmp_path / "out", limits)
    safe_extract(archive, tmp_path / "ok", ArchiveLimits(max_total_bytes=70_000))


def test_member_count_limit(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {f"f{i}": b"" for i in range(20)})
    with pytest.raises(UnsafeArchive, match="20 members"):
        safe_extract(archive, tmp_path / "out", ArchiveLimits(max_members=10))


def test_duplicate_member_is_rejected(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("pkg/a", b"1")
        with pytest.warns(UserWarning):
            zf.writestr("pkg/a", b"2")
    with pytest.raises(UnsafeArchive, match="appears twice"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out")


def _patch_central_size(archive: Path, new_size: int) -> None:
    """Make the central directory lie about the uncompressed size of the first member."""
    data = bytearray(archive.read_bytes())
    at = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, new_size)
    archive.write_bytes(bytes(data))


def test_header_that_understates_the_size_is_caught_while_inflating(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"pkg/model.bin": bytes(4 << 20)})
    _patch_central_size(archive, 1000)  # passes the up-front ratio check
    with pytest.raises(UnsafeArchive):
        safe_extract(archive, tmp_path / "out")
    written = [p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert max(written, default=0) <= 1000


def test_header_that_overstates_the_size_is_caught(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"pkg/model.bin": bytes(range(256)) * 8})
    _patch_central_size(archive, 4096)
    with pytest.raises(UnsafeArchive):
        safe_extract(archive, tmp_path / "out")


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(UnsafeArchive, match="not a valid zip"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out")


def test_extraction_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A 32 MB member (let through by relaxed limits) is streamed, not read whole."""
    import subprocess
    import sys

    archive = _zip(tmp_path / "big.zip", {"pkg/model.bin": bytes(32 << 20)})
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from engines.archive import ArchiveLimits, safe_extract\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "safe_extract(Path(sys.argv[1]), Path(sys.argv[2]), ArchiveLimits(max_ratio=1e9))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script, str(archive), str(tmp_path / "out")],
                          cwd=root, capture_output=True, text=True, timeout=60, check=True)
    growth_kb = int(done.stdout.strip())
    assert (tmp_path / "out/pkg/model.bin").stat().st_size == 32 << 20
    assert growth_kb < 16 * 1024, f"peak RSS grew by {growth_kb} KB"
