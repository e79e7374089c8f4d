from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.errors import OutputError, OutputExists
from app.core.output import default_output, write_atomic


def test_default_output_never_names_the_source(tmp_path: Path) -> None:
    src = tmp_path / "rapport.docx"
    assert default_output(src, "en") == tmp_path / "rapport.en.docx"
    assert default_output(src, "en", ".pdf", folder=tmp_path / "o") == tmp_path / "o" / "rapport.en.pdf"


def test_refuses_to_overwrite_without_permission(tmp_path: Path) -> None:
    target = tmp_path / "a.docx"
    target.write_bytes(b"old")
    with pytest.raises(OutputExists):
        write_atomic(target, lambda p: p.write_bytes(b"new"))
    assert target.read_bytes() == b"old"
    write_atomic(target, lambda p: p.write_bytes(b"new"), overwrite=True)
    assert target.read_bytes() == b"new"


def test_refuses_to_write_over_the_source_even_with_overwrite(tmp_path: Path) -> None:
    src = tmp_path / "a.docx"
    src.write_bytes(b"source")
    with pytest.raises(OutputExists, match="source"):
        write_atomic(src, lambda p: p.write_bytes(b"x"), source=src, overwrite=True)
    assert src.read_bytes() == b"source"


def test_failure_leaves_neither_output_nor_temporary_file(tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left"):
        write_atomic(tmp_path / "out.docx", broken)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            write_atomic(ro / "out.docx", lambda p: p.write_bytes(b"x"))
    finally:
        ro.chmod(0o700)
