"""The verified model store: manifests, checksums, tampering, shared stores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engines.errors import ModelFormatError, ModelIntegrityError, ModelNotFound
from engines.store import CACHE, MANIFEST, Manifest, ModelStore, sha256_file
from tests import modelgen


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return modelgen.plain_folder(tmp_path_factory.mktemp("gen") / "plain")


def install_copy(store: ModelStore, source: Path, model_id: str = "fr-en",
                 **fields: object) -> Path:
    """Install a copy of ``source`` with a fresh manifest; return its folder."""
    with store.staging() as staging:
        folder = staging / "m"
        folder.mkdir()
        for path in source.iterdir():
            (folder / path.name).write_bytes(path.read_bytes())
        manifest = Manifest(id=model_id, kind="translation", format="ct2-opus-mt",
                            pairs=[("fr", "en")], **fields)  # type: ignore[arg-type]
        return store.install(folder, manifest).path


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


@pytest.fixture
def installed(store: ModelStore, plain_model: Path) -> Path:
    return install_copy(store, plain_model)


def test_manifest_lists_every_file_with_its_sha256(installed: Path) -> None:
    data = json.loads((installed / MANIFEST).read_text(encoding="utf-8"))
    files = {p.name for p in installed.iterdir()} - {MANIFEST}
    assert set(data["files"]) == files == {"model.bin", "config.json", "source.spm",
                                           "target.spm", "source_vocabulary.json",
                                           "target_vocabulary.json"}
    assert data["files"]["model.bin"] == sha256_file(installed / "model.bin")
    assert data["sizes"]["model.bin"] == (installed / "model.bin").stat().st_size
    assert data["id"] == "fr-en" and data["kind"] == "translation"
    assert data["pairs"] == [["fr", "en"]] and data["created"]
    manifest = Manifest.load(installed)
    assert manifest.checksum == manifest.compute_checksum() and len(manifest.checksum) == 64


def test_verify_accepts_an_intact_model(store: ModelStore, installed: Path) -> None:
    model = store.verify("fr-en")
    assert model.path == installed and not model.shared
    assert store.check("fr-en").manifest.checksum == model.manifest.checksum


def _expect_refused(store: ModelStore, fragment: str, fast: bool = True) -> None:
    with pytest.raises(ModelIntegrityError) as err:
        store.verify("fr-en")
    assert fragment in str(err.value)
    if fast:
        with pytest.raises(ModelIntegrityError) as err_fast:
            store.check("fr-en")
        assert fragment in str(err_fast.value)


def test_truncated_model_bin_is_refused(store: ModelStore, installed: Path) -> None:
    data = (installed / "model.bin").read_bytes()
    (installed / "model.bin").write_bytes(data[: len(data) // 2])
    _expect_refused(store, "Model fr-en: file model.bin does not match its checksum "
                           "(tampered or corrupted)")


def test_flipped_byte_is_refused_by_verify_and_by_the_load_check(
    store: ModelStore, installed: Path
) -> None:
    store.check("fr-en")  # primes the size+mtime cache
    data = bytearray((installed / "model.bin").read_bytes())
    data[len(data) // 2] ^= 0x01
    (installed / "model.bin").write_bytes(bytes(data))  # same size, new mtime: re-hashed
    _expect_refused(store, "file model.bin does not match its checksum")


def test_load_check_skips_hashing_unchanged_files(store: ModelStore, installed: Path) -> None:
    """The fast path trusts (size, mtime) recorded after a full hash; verify does not."""
    store.check("fr-en")
    path = installed / "model.bin"
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # forged mtime
    assert store.check("fr-en").id == "fr-en"
    with pytest.raises(ModelIntegrityError, match=r"file model\.bin does not match"):
        store.verify("fr-en")


def test_manifest_checksum_mismatch_is_refused(store: ModelStore, installed: Path) -> None:
    data = json.loads((installed / MANIFEST).read_text(encoding="utf-8"))
    data["licence"] = "public domain"  # edited without re-sealing
    (installed / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    _expect_refused(store, "Model fr-en: file manifest.json does not match its checksum")


def test_resealed_manifest_with_wrong_hash_names_the_file(
    store: ModelStore, installed: Path
) -> None:
    manifest = Manifest.load(installed)
    manifest.files["target.spm"] = "0" * 64
    (installed / MANIFEST).write_text(manifest.sealed().to_json(), encoding="utf-8")
    with pytest.raises(ModelIntegrityError) as err:
        store.verify("fr-en")
    assert err.value.path == "target.spm" and "file target.spm" in str(err.value)


def test_missing_file_is_refused(store: ModelStore, installed: Path) -> None:
    (installed / "source.spm").unlink()
    _expect_refused(store, "Model fr-en: file source.spm is missing")


def test_extra_file_is_refused_but_os_junk_is_ignored(store: ModelStore, installed: Path) -> None:
    (installed / ".DS_Store").write_bytes(b"junk")
    assert store.verify("fr-en").id == "fr-en"
    (installed / "model2.bin").write_bytes(b"payload")
    _expect_refused(store, "file model2.bin is not listed in its manifest")


def test_symlink_in_a_model_is_refused(store: ModelStore, installed: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("x")
    (installed / "link.json").symlink_to(tmp_path / "outside")
    _expect_refused(store, "link.json is a symbolic link")


def test_manifest_with_unsafe_path_is_rejected(installed: Path) -> None:
    data = json.loads((installed / MANIFEST).read_text(encoding="utf-8"))
    data["files"]["../../etc/passwd"] = "0" * 64
    with pytest.raises(ModelFormatError, match="unsafe path"):
        Manifest.from_dict(data, "test")


def test_find_translation_prefers_pair_models_and_non_demo(
    store: ModelStore, plain_model: Path
) -> None:
    install_copy(store, plain_model, "demo-fr-en", demo=True)
    assert store.find_translation("fr", "en").id == "demo-fr-en"  # type: ignore[union-attr]
    install_copy(store, plain_model, "fr-en")
    with store.staging() as staging:
        folder = staging / "m"
        folder.mkdir()
        (folder / "model.bin").write_bytes(b"x")
        store.install(folder, Manifest(id="multi", kind="translation", format="ct2-nllb",
                                       languages=["de", "en", "fr"]))
    assert store.find_translation("fr", "en").id == "fr-en"  # type: ignore[union-attr]
    assert store.find_translation("de", "fr").id == "multi"  # type: ignore[union-attr]
    assert store.find_translation("fr", "fr") is None
    assert store.find_translation("ja", "en") is None
    assert [m.id for m in store.installed()] == ["demo-fr-en", "fr-en", "multi"]


def test_install_refuses_an_existing_id_unless_replace(
    store: ModelStore, installed: Path, plain_model: Path
) -> None:
    with pytest.raises(ModelFormatError, match="already installed"):
        install_copy(store, plain_model)
    with store.staging() as staging:
        folder = staging / "m"
        folder.mkdir()
        (folder / "model.bin").write_bytes(b"new")
        store.install(folder, Manifest(id="fr-en", kind="translation", format="ct2-opus-mt",
                                       pairs=[("fr", "en")], version="2"), replace=True)
    assert Manifest.load(installed).version == "2"
    assert sorted(p.name for p in installed.iterdir()) == [MANIFEST, "model.bin"]
    assert sorted(p.name for p in store.root.iterdir()) == [CACHE, "fr-en"]  # no leftovers


def test_remove(store: ModelStore, installed: Path) -> None:
    cache = json.loads((store.root / CACHE).read_text(encoding="utf-8"))
    assert str((installed / "model.bin").resolve()) in cache
    store.remove("fr-en")
    assert json.loads((store.root / CACHE).read_text(encoding="utf-8")) == {}
    assert not installed.exists() and store.installed() == []
    with pytest.raises(ModelNotFound, match="No installed model with id 'fr-en'"):
        store.get("fr-en")
    with pytest.raises(ModelNotFound):
        store.get("../fr-en")


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_shared_store_is_read_only(tmp_path: Path, plain_model: Path) -> None:
    shared_root = tmp_path / "share"
    install_copy(ModelStore(shared_root), plain_model, "fr-en")
    install_copy(ModelStore(shared_root), plain_model, "shared-only")
    (shared_root / CACHE).unlink()
    before = _snapshot(shared_root)
    local = ModelStore(tmp_path / "local", shared=[shared_root])
    assert {m.id: m.shared for m in local.installed()} == {"fr-en": True, "shared-only": True}
    assert local.check("fr-en").shared and local.verify("shared-only").shared
    with pytest.raises(ModelFormatError, match="shared store"):
        local.remove("fr-en")
    install_copy(local, plain_model, "fr-en")  # a local copy hides the shared one
    assert not local.get("fr-en").shared
    assert _snapshot(shared_root) == before
    assert (tmp_path / "local" / CACHE).is_file()


def test_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PASSERELLE_MODELS", raising=False)
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    assert ModelStore.from_env(tmp_path / "d").root == tmp_path / "d"
    monkeypatch.setenv("PASSERELLE_MODELS", str(tmp_path / "m"))
    monkeypatch.setenv("PASSERELLE_SHARED_MODELS", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    store = ModelStore.from_env(tmp_path / "d")
    assert store.root == tmp_path / "m" and store.shared == [tmp_path / "a", tmp_path / "b"]
