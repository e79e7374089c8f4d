"""The CLI end to end: exit codes, messages, progress, and the source is never touched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest

from app.cli import main
from tests.docgen import simple_docx


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_translate_with_pseudo_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = simple_docx(tmp_path / "rapport.docx",
                      ["Le rapport FR-2024-0173 est prêt. Il a 3 annexes.", "Fin du rapport."],
                      table=[["Unité", "Effectif"], ["Compagnie", "120"]],
                      header="DIFFUSION RESTREINTE")
    before = _sha(src)
    assert main(["translate", str(src), "--to", "en", "--engine", "pseudo"]) == 0
    out = tmp_path / "rapport.en.docx"
    captured = capsys.readouterr()
    assert str(out) in captured.out
    assert "100%" in captured.err and "Fidelity: 6/7 blocks translated, 1 kept as is (no words), none left untranslated" in captured.err
    d = docx.Document(str(out))
    assert d.paragraphs[0].text.startswith("[Lé ràppört FR-2024-0173")
    assert d.tables[0].cell(1, 1).text == "120"  # numbers only: kept as is
    assert _sha(src) == before
    assert (tmp_path / "rapport.en.docx.fidelity.json").is_file()


def test_second_run_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = simple_docx(tmp_path / "a.docx", ["Bonjour tout le monde, voici le texte."])
    assert main(["translate", str(src), "--to", "en", "--engine", "pseudo", "--quiet"]) == 0
    assert main(["translate", str(src), "--to", "en", "--engine", "pseudo", "--quiet"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["translate", str(src), "--to", "en", "--engine", "pseudo", "--quiet",
                 "--overwrite"]) == 0


def test_output_equal_to_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = simple_docx(tmp_path / "a.docx", ["Bonjour tout le monde, voici le texte."])
    before = _sha(src)
    code = main(["translate", str(src), "--to", "en", "--engine", "pseudo", "--quiet",
                 "--out", str(src), "--overwrite"])
    assert code == 1
    assert "overwrite the source" in capsys.readouterr().err
    assert _sha(src) == before


@pytest.mark.parametrize("name,content,message", [
    ("notes.exe", b"hello", "Unsupported file type '.exe'"),
    ("notes.txt", b"PK\3\4 zip", "is a zip/Office file, not a plain text"),
    ("missing.docx", None, "File not found"),
    ("empty.docx", b"", "is empty"),
    ("photo.pdf", b"\xff\xd8\xff\xe0JFIF", "it is a JPEG image"),
    ("page.docx", b"<!DOCTYPE html><html><body>x</body></html>", "it is an HTML page"),
])
def test_clear_errors_for_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["translate", str(path), "--to", "en", "--engine", "pseudo", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ([name] if content is not None else [])


def test_missing_model_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = simple_docx(tmp_path / "a.docx", ["Bonjour tout le monde, voici le texte."])
    assert main(["translate", str(src), "--to", "en", "--from", "fr", "--quiet",
                 "--model", str(tmp_path / "nope")]) == 1
    assert "Model not found" in capsys.readouterr().err
    assert not (tmp_path / "a.en.docx").exists()
