"""Folders and zip archives (issue 17): a mirrored output tree, resumable, one report."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.docgen import simple_docx
from tests.hostile.helpers import run_cli
from tests.officegen import rich_pptx, rich_xlsx

PSEUDO = ["--to", "fr", "--from", "en", "--engine", "pseudo", "--quiet"]


def inbox(root: Path) -> Path:
    folder = root / "inbox"
    (folder / "slides").mkdir(parents=True)
    simple_docx(folder / "memo.docx", ["The convoy leaves at dawn.", "Bring two radios."])
    rich_pptx(folder / "slides" / "deck.pptx")
    rich_xlsx(folder / "slides" / "book.xlsx")
    (folder / "notes.md").write_text("# Notes\n\nCheck the **brakes** first.\n", "utf-8")
    (folder / "photo.bin").write_bytes(b"\0\1\2")  # not a document: listed, not translated
    (folder / "broken.docx").write_bytes(b"PK\3\4 this is not a zip")
    (folder / ".hidden.txt").write_text("never read", "utf-8")
    return folder


def test_folder_translated_into_a_mirrored_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = inbox(tmp_path), tmp_path / "out"
    result = run_cli(["translate", str(src), "--out", str(out), *PSEUDO], capsys, monkeypatch)
    assert result.rc == 1  # one file failed, and the batch says so
    assert "broken.docx" in result.err
    for name in ("memo.fr.docx", "notes.fr.md", "slides/deck.fr.pptx", "slides/book.fr.xlsx"):
        assert (out / name).is_file(), name
        assert (out / f"{name}.fidelity.json").is_file()
    assert not any(p.name.startswith(".hidden") for p in out.rglob("*"))
    report = json.loads((out / "passerelle-batch-report.json").read_text("utf-8"))
    status = {i["source"]: i["status"] for i in report["items"]}
    assert status == {"broken.docx": "failed", "memo.docx": "translated",
                      "notes.md": "translated", "photo.bin": "unsupported",
                      "slides/book.xlsx": "translated", "slides/deck.pptx": "translated"}
    assert "blocks translated" in (out / "passerelle-batch-report.md").read_text("utf-8")

    # Resumed: finished files are skipped, a deleted output is made again.
    (out / "notes.fr.md").unlink()
    again = run_cli(["translate", str(src), "--out", str(out), *PSEUDO], capsys, monkeypatch)
    assert again.rc == 1
    report = json.loads((out / "passerelle-batch-report.json").read_text("utf-8"))
    status = {i["source"]: i["status"] for i in report["items"]}
    assert status["notes.md"] == "translated" and status["memo.docx"] == "skipped"
    assert status["slides/deck.pptx"] == "skipped"


def test_zip_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    src = inbox(tmp_path)
    (src / "broken.docx").unlink()
    archive = Path(shutil.make_archive(str(tmp_path / "bundle"), "zip", src))
    result = run_cli(["translate", str(archive), *PSEUDO], capsys, monkeypatch)
    assert result.rc == 0, result.err
    out = tmp_path / "bundle.fr"
    assert (out / "slides" / "deck.fr.pptx").is_file() and (out / "memo.fr.docx").is_file()


def test_zip_bomb_and_escaping_paths_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../escape.txt", "Out of the folder.")
    result = run_cli(["translate", str(evil), *PSEUDO], capsys, monkeypatch)
    assert result.rc != 0 and "outside the target folder" in result.message
    assert not (tmp_path.parent / "escape.txt").exists()
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"A" * (64 << 20))
    result = run_cli(["translate", str(bomb), *PSEUDO], capsys, monkeypatch)
    assert result.rc != 0 and "zip bomb" in result.message
    assert not (tmp_path / "bomb.fr").exists() or not any((tmp_path / "bomb.fr").rglob("*.txt"))
