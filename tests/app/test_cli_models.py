"""``main.py models ...`` and model selection by ``translate`` (store-backed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.cli import main
from app.core.config import JobConfig
from app.pipeline.engine_select import make_translator
from app.pipeline.model_store import open_store
from engines.errors import ModelNotFound
from tests import docgen, modelgen


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PASSERELLE_MODELS", raising=False)
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    # Hide the demo LLM prepared beside the app: these tests start from an empty store.
    monkeypatch.setenv("PASSERELLE_PREPARED_MODELS", str(tmp_path / "no-prepared-models"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {
        "opus": modelgen.plain_folder(root / "opus-mt-en-fr"),
        "nllb": modelgen.nllb_folder(root / "nllb-tiny"),
    }


def test_import_list_verify_remove(data_dir: Path, folders: dict[str, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    assert "No model installed" in capsys.readouterr().out
    assert main(["models", "import", str(folders["opus"]), "--quiet",
                 "--licence", "CC-BY-4.0"]) == 0
    assert main(["models", "import", str(folders["nllb"]), "--quiet", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "Imported opus-mt-en-fr: translation, ct2-opus-mt, en→fr" in out
    assert "Imported nllb-tiny: translation, ct2-nllb, multilingual (de, en, fr) " \
           "(demo quality)" in out
    assert (data_dir / "models" / "opus-mt-en-fr" / "manifest.json").is_file()

    assert main(["models", "list"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["ID", "KIND", "FORMAT", "LANGUAGES", "LICENCE", "NOTES"]
    assert any(r.startswith("opus-mt-en-fr") and "CC-BY-4.0" in r for r in rows)
    assert any(r.startswith("nllb-tiny") and "DEMO QUALITY" in r for r in rows)

    assert main(["models", "verify"]) == 0
    assert capsys.readouterr().out.count("OK ") == 2

    model_bin = data_dir / "models" / "opus-mt-en-fr" / "model.bin"
    model_bin.write_bytes(model_bin.read_bytes()[:-10])
    assert main(["models", "verify", "opus-mt-en-fr"]) == 1
    err = capsys.readouterr().err
    assert "Model opus-mt-en-fr: file model.bin does not match its checksum" in err

    assert main(["models", "remove", "opus-mt-en-fr"]) == 0
    assert not (data_dir / "models" / "opus-mt-en-fr").exists()
    assert main(["models", "remove", "opus-mt-en-fr"]) == 1
    assert "No installed model with id 'opus-mt-en-fr'" in capsys.readouterr().err


def test_export_then_import_bundle(data_dir: Path, folders: dict[str, Path], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    for folder in folders.values():
        assert main(["models", "import", str(folder), "--quiet"]) == 0
    bundle = tmp_path / "carry" / "bundle.zip"
    assert main(["models", "export", "opus-mt-en-fr", "nllb-tiny", "--out", str(bundle),
                 "--quiet"]) == 0
    assert "2 model(s)" in capsys.readouterr().out
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
    assert {"bundle.json", "opus-mt-en-fr/manifest.json", "nllb-tiny/model.bin"} <= names

    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "offline-side"))
    assert main(["models", "import", str(bundle), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Imported opus-mt-en-fr" in out and "Imported nllb-tiny" in out
    assert main(["models", "verify"]) == 0

    with zipfile.ZipFile(bundle, "a") as zf:
        zf.writestr("nllb-tiny/backdoor.py", "import os")
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "third"))
    assert main(["models", "import", str(bundle), "--quiet"]) == 1
    assert "file nllb-tiny/backdoor.py is not listed" in capsys.readouterr().err
    assert open_store().installed() == []


def test_import_errors_are_one_line_messages(data_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(tmp_path / "evil.argosmodel", "w") as zf:
        zf.writestr("pkg/metadata.json", '{"from_code": "en", "to_code": "fr"}')
        zf.writestr("../../outside.txt", "x")
    assert main(["models", "import", str(tmp_path / "evil.argosmodel"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: Archive evil.argosmodel rejected: member '../../outside.txt' "
                   "points outside the target folder"]


# -- engine selection through the store --------------------------------------------------------

def _config(tmp_path: Path, tgt: str, **kwargs: object) -> JobConfig:
    return JobConfig(input=tmp_path / "in.docx", target_lang=tgt, device="cpu",
                     **kwargs)  # type: ignore[arg-type]


def test_model_id_and_auto_selection(data_dir: Path, folders: dict[str, Path],
                                     tmp_path: Path) -> None:
    for folder in folders.values():
        assert main(["models", "import", str(folder), "--quiet"]) == 0
    by_id = make_translator(_config(tmp_path, "fr", model="nllb-tiny"), "en")
    assert by_id.info.model_id == "nllb-tiny" and by_id.info.checksum
    assert by_id.translate_batch(["hello"], "en", "de") == ["hallo welt"]
    # auto: the pair-specific model wins for en→fr, the multilingual one serves en→de
    assert make_translator(_config(tmp_path, "fr"), "en").info.model_id == "opus-mt-en-fr"
    assert make_translator(_config(tmp_path, "de", engine="ct2"), "en").info.model_id == \
        "nllb-tiny"
    with pytest.raises(ModelNotFound, match="translates en→fr, not en→de"):
        make_translator(_config(tmp_path, "de", model="opus-mt-en-fr"), "en")
    with pytest.raises(ModelNotFound) as err:
        make_translator(_config(tmp_path, "en"), "ja")
    message = str(err.value)
    assert "No translation model installed for ja→en" in message
    assert "opus-mt-ja-en" in message and "translate-ja_en .argosmodel" in message


def test_tampered_model_is_refused_at_load(data_dir: Path, folders: dict[str, Path],
                                           tmp_path: Path) -> None:
    assert main(["models", "import", str(folders["opus"]), "--quiet"]) == 0
    spm = data_dir / "models" / "opus-mt-en-fr" / "target.spm"
    data = bytearray(spm.read_bytes())
    data[-1] ^= 0x55
    spm.write_bytes(bytes(data))
    from engines.errors import ModelIntegrityError

    with pytest.raises(ModelIntegrityError, match=r"file target\.spm does not match"):
        make_translator(_config(tmp_path, "fr", model="opus-mt-en-fr"), "en")


def test_translate_a_document_with_an_installed_model(
    data_dir: Path, folders: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["models", "import", str(folders["nllb"]), "--quiet"]) == 0
    source = docgen.simple_docx(tmp_path / "memo.docx", ["hello world", "good morning"])
    before = source.read_bytes()
    assert main(["translate", str(source), "--from", "en", "--to", "de", "--quiet"]) == 0
    out_path = tmp_path / "memo.de.docx"
    assert str(out_path) in capsys.readouterr().out
    import docx

    texts = [p.text for p in docx.Document(str(out_path)).paragraphs if p.text]
    assert texts == ["hallo welt", "hallo welt"]
    assert source.read_bytes() == before
