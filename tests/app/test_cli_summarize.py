"""``main.py summarize`` end to end: extractive, and the demo LLM when it is prepared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.pipeline.llm_select import demo_dir
from tests.docgen import simple_docx

PARAGRAPHS = [
    "Le 12 mars 2024, le 3e régiment a pris position au nord de Metz avec 14 véhicules.",
    "Le ravitaillement a été assuré par deux convois. Aucune perte n'a été signalée.",
    "Il est recommandé de renforcer la surveillance des axes logistiques du secteur.",
]


def test_extractive_summary_to_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = simple_docx(tmp_path / "rapport.docx", PARAGRAPHS, heading="Rapport de situation")
    assert main(["summarize", str(src), "--engine", "extractive", "--lang", "fr",
                 "--length", "brief", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Summary")
    assert "14 véhicules" in out
    assert "Engine: extractive" in out


@pytest.mark.slow
def test_demo_llm_summary_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if not (demo_dir() / "model.bin").is_file():
        pytest.skip("demo LLM not prepared (make demo-model)")
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    src = simple_docx(tmp_path / "rapport.docx", PARAGRAPHS, heading="Rapport de situation")
    out_file = tmp_path / "summary.json"
    assert main(["summarize", str(src), "--engine", "llm", "--lang", "en", "--length", "brief",
                 "--output-format", "json", "--out", str(out_file), "--quiet"]) == 0
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["engine"] == "llm"
    assert data["demo"] is True and data["model_id"] == "smollm2-135m-instruct-demo"
    assert len(data["text"]) > 20
    assert data["max_prompt_tokens"] <= data["context_length"]
    assert any("DEMO-quality" in w for w in data["warnings"])
    assert "DEMO-quality" in capsys.readouterr().err


def test_a_tampered_llm_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo LLM carries a manifest; a changed file is refused, naming the file."""
    import shutil

    from app.pipeline.llm_select import resolve_llm
    from engines.errors import ModelIntegrityError

    original = demo_dir()
    if not (original / "manifest.json").is_file():
        pytest.skip("demo LLM not prepared (make demo-model)")
    prepared = tmp_path / "prepared"
    copy = prepared / original.name
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("model.bin"))
    (copy / "model.bin").symlink_to(original / "model.bin")  # never copy 135 MB
    monkeypatch.setenv("PASSERELLE_PREPARED_MODELS", str(prepared))
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ModelIntegrityError, match="symbolic link"):
        resolve_llm()
    (copy / "model.bin").unlink()
    (copy / "model.bin").write_bytes(b"")  # truncated
    with pytest.raises(ModelIntegrityError, match=r"model\.bin"):
        resolve_llm()


def test_from_translation_without_a_model_says_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    src = simple_docx(tmp_path / "rapport.docx", PARAGRAPHS, heading="Rapport de situation")
    assert main(["summarize", str(src), "--engine", "extractive", "--lang", "en",
                 "--from-translation", "--quiet"]) != 0
    err = capsys.readouterr().err
    assert "--from-translation needs a fr→en translation model" in err
    assert "--source-then-translate" in err


HELP_FR = [
    "Choisissez Fichier - Enregistrer sous pour enregistrer le document sous un autre nom.",
    "Cliquez sur OK pour fermer la boîte de dialogue et appliquer les 3 modifications.",
    "Sélectionnez le texte que vous voulez mettre en forme, puis choisissez Format - Caractères.",
]


def test_from_translation_with_a_real_model_summarizes_the_english(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        lohelp_model: Path) -> None:
    """The success path: the installed fr→en model translates every block, then the
    summary is made from that English (not from the French source)."""
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    assert main(["models", "import", str(lohelp_model), "--quiet"]) == 0
    src = simple_docx(tmp_path / "aide.docx", HELP_FR, heading="Aide de LibreOffice")
    out_file = tmp_path / "summary.json"
    assert main(["summarize", str(src), "--engine", "extractive", "--lang", "en",
                 "--from-translation", "--output-format", "json", "--out", str(out_file),
                 "--quiet"]) == 0
    assert "Translating 4 blocks before summarizing" in capsys.readouterr().err
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["basis"] == "translation" and data["language"] == "en"
    words = set(data["text"].lower().replace(".", " ").replace(",", " ").split())
    assert {"the", "to"} <= words, data["text"]  # English, from the translation
    assert not words & {"le", "la", "pour", "vous", "sur"}, data["text"]
    assert "3" in data["text"] or "OK" in data["text"], data["text"]
