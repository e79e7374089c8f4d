"""Imports from every layout users bring, then translation with each imported layout."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from engines.errors import ModelFormatError, ModelIntegrityError, UnsafeArchive
from engines.importers import (
    ImportOptions,
    detect_source,
    guess_pair,
    import_model,
)
from engines.store import MANIFEST, Manifest, ModelStore, sha256_file
from engines.translate.ct2 import CT2Translator
from tests import modelgen


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gen")


def _only(models: list) -> Manifest:  # type: ignore[type-arg]
    assert len(models) == 1
    return models[0].manifest  # type: ignore[no-any-return]


def _translator(store: ModelStore, model_id: str) -> CT2Translator:
    model = store.check(model_id)
    return CT2Translator(model.path, device="cpu", threads=1, model_id=model_id)


def _refused(store: ModelStore, source: Path, error: type[Exception], message: str) -> None:
    """The import fails with ``error``; the source is unchanged and nothing is left over."""
    before = sha256_file(source)
    with pytest.raises(error, match=message):
        import_model(store, source)
    assert sha256_file(source) == before
    assert _store_is_clean(store)


def _store_is_clean(store: ModelStore) -> bool:
    """No model and no staging leftovers after a refused import."""
    return not store.root.exists() or not [p for p in store.root.iterdir()
                                           if p.name != ".verified.json"]


# -- the toy model (en -> xx, known outputs) in each pair-specific layout -------------------

def _expected(toy_model: Path) -> list[tuple[str, str]]:
    data = json.loads((toy_model / "expected.json").read_text(encoding="utf-8"))
    return [(s, t) for s, t in data["pairs"]]


def test_toy_model_as_opus_mt_folder(store: ModelStore, toy_model: Path, tmp_path: Path) -> None:
    folder = modelgen.opus_mt_folder(toy_model, tmp_path / "opus-mt-en-xx")
    manifest = _only(import_model(store, folder))
    assert (manifest.id, manifest.format, manifest.pairs) == (
        "opus-mt-en-xx", "ct2-opus-mt", [("en", "xx")])
    pairs = _expected(toy_model)
    out = _translator(store, manifest.id).translate_batch([s for s, _ in pairs], "en", "xx")
    assert out == [t for _, t in pairs]


def test_toy_model_as_argos_package(store: ModelStore, toy_model: Path, tmp_path: Path) -> None:
    package = modelgen.argos_package(toy_model, tmp_path / "translate-en_xx-1_0.argosmodel",
                                     "en", "xx", version="1.2")
    manifest = _only(import_model(store, package, ImportOptions(licence="CC0-1.0")))
    assert (manifest.id, manifest.format, manifest.version, manifest.licence) == (
        "argos-en-xx", "argos", "1.2", "CC0-1.0")
    translator = _translator(store, manifest.id)
    assert translator.layout.source_spm.name == "sentencepiece.model"  # one shared tokenizer
    pairs = _expected(toy_model)
    assert translator.translate_batch([s for s, _ in pairs], "en", "xx") == [t for _, t in pairs]


# -- a real trained model (../shared, skipped when absent) in opus-mt and Argos layouts ------

LOHELP_SENTENCES = ["Cliquez sur OK pour fermer la boîte de dialogue.",
                    "Sélectionnez le texte que vous voulez mettre en forme."]


def test_real_model_imports_translate_like_the_original(
    store: ModelStore, lohelp_model: Path, tmp_path: Path
) -> None:
    reference = CT2Translator(lohelp_model, device="cpu", threads=1).translate_batch(
        LOHELP_SENTENCES, "fr", "en")
    assert all(reference) and reference != LOHELP_SENTENCES
    manifest = _only(import_model(store, lohelp_model))  # its SHA256SUMS is checked too
    assert manifest.pairs == [("fr", "en")] and "SHA256SUMS" in manifest.files
    assert _translator(store, manifest.id).translate_batch(
        LOHELP_SENTENCES, "fr", "en") == reference
    package = modelgen.argos_package(lohelp_model, tmp_path / "fr_en.argosmodel", "fr", "en",
                                     sentencepiece=lohelp_model / "source.spm")
    argos = _only(import_model(store, package))
    assert _translator(store, argos.id).translate_batch(LOHELP_SENTENCES, "fr", "en") == reference


def test_published_sha256sums_are_checked(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    folder = tmp_path / "opus-mt-en-fr"
    shutil.copytree(modelgen.plain_folder(gen / "sums-src"), folder)
    lines = [f"{sha256_file(folder / n)}  {n}" for n in ("model.bin", "config.json")]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    (folder / "config.json").write_text((folder / "config.json").read_text() + " ")
    with pytest.raises(ModelIntegrityError, match=r"file config\.json does not match its "
                                                  r"published checksum in SHA256SUMS"):
        import_model(store, folder)
    assert _store_is_clean(store)


# -- rigged models: outputs known from the weights ------------------------------------------

def test_opus_mt_folder_languages_from_name_or_options(store: ModelStore, gen: Path) -> None:
    plain = modelgen.plain_folder(gen / "my_model")
    assert detect_source(plain) == "ct2-opus-mt"
    with pytest.raises(ModelFormatError, match="Cannot tell the languages of my_model") as info:
        import_model(store, plain)
    assert info.value.hints == ("name_languages",)  # worded for the window and the terminal
    manifest = _only(import_model(store, plain, ImportOptions(src="en", tgt="fr")))
    assert manifest.pairs == [("en", "fr")] and manifest.id == "my_model"
    assert _translator(store, "my_model").translate_batch(["hello"], "en", "fr") == [
        "bonjour le monde"]
    assert guess_pair("opus-mt-tc-big-fr-en") == ("fr", "en")
    assert guess_pair("fr-en-lohelp-small") == ("fr", "en")
    assert guess_pair("opus-mt-en-de-int8") == ("en", "de")
    assert guess_pair("toy_model") is None


def test_argos_package_layout_and_stanza_ignored(store: ModelStore, gen: Path,
                                                 tmp_path: Path) -> None:
    plain = modelgen.plain_folder(gen / "argos-src", "salut")
    package = modelgen.argos_package(plain, tmp_path / "p.argosmodel", "en", "fr")
    assert detect_source(package) == "argos"
    model = import_model(store, package)[0]
    files = set(model.manifest.files)
    assert {"model.bin", "sentencepiece.model", "argos-metadata.json", "config.json"} <= files
    assert not any("stanza" in f for f in files)
    assert _translator(store, "argos-en-fr").translate_batch(["hello world"], "en", "fr") == [
        "salut"]
    # The same package unpacked, as Argos installs them under its packages/ folder.
    with zipfile.ZipFile(package) as zf:
        zf.extractall(tmp_path / "unpacked")
    unpacked = tmp_path / "unpacked" / "translate-en_fr-1_0"
    assert detect_source(unpacked) == "argos"
    again = _only(import_model(store, unpacked, ImportOptions(model_id="argos-unpacked")))
    assert again.files == model.manifest.files


@pytest.mark.parametrize(("layout", "fr_token", "en_token"), [
    ("nllb", "fra_Latn", "eng_Latn"), ("m2m", "__fr__", "__en__")])
def test_multilingual_folders_use_language_tokens(
    store: ModelStore, gen: Path, layout: str, fr_token: str, en_token: str
) -> None:
    folder = getattr(modelgen, f"{layout}_folder")(gen / f"{layout}-200-tiny")
    assert detect_source(folder) == f"ct2-{layout}"
    manifest = _only(import_model(store, folder))
    assert manifest.format == f"ct2-{layout}" and manifest.languages == ["de", "en", "fr"]
    assert manifest.serves("en", "fr") and manifest.serves("fr", "de")
    assert not manifest.serves("en", "ja")
    translator = _translator(store, manifest.id)
    assert translator.layout.scheme == layout
    assert translator.encode(["hello"], "en")[0] == [en_token, "▁hello", "</s>"]
    assert translator._prefixes(2, "fr") == [[fr_token], [fr_token]]
    raw = translator._model.translate_batch(translator.encode(["hello"], "en"),
                                            target_prefix=translator._prefixes(1, "fr"))
    assert raw[0].hypotheses[0] == [fr_token, "▁bonjour", "▁le", "▁monde"]
    # The prefix token decides the output, and is stripped from the text.
    assert translator.translate_batch(["hello", "good morning"], "en", "fr") == [
        "bonjour le monde", "bonjour le monde"]
    assert translator.translate_batch(["hello"], "en", "de") == ["hallo welt"]
    assert translator.translate_batch(["bonjour"], "fr", "en") == ["hello world"]


def test_gguf_import_converts_to_a_generator(store: ModelStore, tmp_path: Path) -> None:
    ctranslate2 = pytest.importorskip("ctranslate2")
    tiny = pytest.importorskip("engines.gguf.tiny")
    path = tiny.write_tiny_gguf(tmp_path / "Tiny-Chat-Q8.gguf")
    assert detect_source(path) == "gguf"
    model = import_model(store, path, ImportOptions(demo=True))[0]
    manifest = model.manifest
    assert (manifest.id, manifest.kind, manifest.format, manifest.demo) == (
        "tiny-chat-q8", "llm", "ct2-generator", True)
    assert {"model.bin", "tokenizer.json", "chat_template.jinja", "llm_config.json"} <= set(
        manifest.files)
    assert store.verify("tiny-chat-q8").id == "tiny-chat-q8"
    generator = ctranslate2.Generator(str(model.path), device="cpu")
    result = generator.generate_batch([["<|im_start|>", "Ġcat"]], max_length=3,
                                      sampling_topk=1)
    assert len(result[0].sequences_ids[0]) >= 1


def test_converted_llm_folder_is_imported_as_is(store: ModelStore, tmp_path: Path) -> None:
    """How the demo LLM prepared by ``make`` (an already converted folder) enters a store."""
    tiny = pytest.importorskip("engines.gguf.tiny")
    from engines.gguf import convert_gguf

    folder = convert_gguf(tiny.write_tiny_gguf(tmp_path / "t.gguf"), tmp_path / "smol-demo",
                          quantization="float32")
    assert detect_source(folder) == "ct2-generator"
    manifest = _only(import_model(store, folder, ImportOptions(demo=True, licence="Apache-2.0")))
    assert (manifest.id, manifest.kind, manifest.demo, manifest.licence) == (
        "smol-demo", "llm", True, "Apache-2.0")
    assert manifest.files["model.bin"] == sha256_file(folder / "model.bin")


def test_gguf_with_corrupt_header_gives_a_clear_error(store: ModelStore, tmp_path: Path) -> None:
    tiny = pytest.importorskip("engines.gguf.tiny")
    path = tiny.write_tiny_gguf(tmp_path / "bad.gguf")
    data = bytearray(path.read_bytes())
    data[8:24] = b"\xff" * 16  # version + tensor/metadata counts
    path.write_bytes(bytes(data))
    _refused(store, path, ModelFormatError, r"bad\.gguf is not a valid GGUF file")


# -- hostile packages --------------------------------------------------------------------------

def test_argos_zip_bomb_is_refused(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    package = modelgen.argos_package(modelgen.plain_folder(gen / "bomb-src"),
                                     tmp_path / "bomb.argosmodel", "en", "fr")
    with zipfile.ZipFile(package, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("translate-en_fr-1_0/model/padding.bin", bytes(8 << 20))
    _refused(store, package, UnsafeArchive, "zip bomb")


def test_argos_path_traversal_is_refused(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    package = modelgen.argos_package(modelgen.plain_folder(gen / "trav-src"),
                                     tmp_path / "trav.argosmodel", "en", "fr")
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr("translate-en_fr-1_0/../../../evil.sh", b"#!/bin/sh\n")
    _refused(store, package, UnsafeArchive, "outside the target")
    assert not list(tmp_path.rglob("evil.sh"))


def test_argos_without_model_is_refused(store: ModelStore, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.argosmodel", "w") as zf:
        zf.writestr("p/metadata.json", json.dumps({"from_code": "en", "to_code": "fr"}))
    _refused(store, tmp_path / "x.argosmodel", ModelFormatError,
             r"no CTranslate2 model \(model/model\.bin\)")


def test_unknown_file_is_refused(store: ModelStore, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelFormatError, match="not a model this tool can import"):
        import_model(store, tmp_path / "notes.txt")


# -- store folders and bundles ------------------------------------------------------------------

def test_store_folder_is_verified_on_import(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    other = ModelStore(tmp_path / "other")
    import_model(other, modelgen.plain_folder(gen / "opus-mt-en-fr"))
    copied = tmp_path / "copy"
    shutil.copytree(other.root / "opus-mt-en-fr", copied)
    assert detect_source(copied) == "store-folder"
    original = other.get("opus-mt-en-fr").manifest.checksum
    assert _only(import_model(store, copied)).checksum == original
    (copied / "target.spm").write_bytes(b"tampered")
    with pytest.raises(ModelIntegrityError, match=r"file target\.spm does not match"):
        import_model(ModelStore(tmp_path / "third"), copied)


def _two_model_bundle(gen: Path, tmp_path: Path) -> tuple[ModelStore, Path]:
    source = ModelStore(tmp_path / "internet-side")
    import_model(source, modelgen.plain_folder(gen / "opus-mt-en-fr"))
    import_model(source, modelgen.nllb_folder(gen / "nllb-tiny"))
    from engines.bundle import export_bundle

    return source, export_bundle(source, ["opus-mt-en-fr", "nllb-tiny"], tmp_path / "b.zip")


def test_bundle_round_trip(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    source, bundle = _two_model_bundle(gen, tmp_path)
    assert detect_source(bundle) == "bundle"
    models = import_model(store, bundle)
    assert [m.id for m in models] == ["opus-mt-en-fr", "nllb-tiny"]
    for model in models:
        original = source.get(model.id)
        assert (model.path / MANIFEST).read_bytes() == (original.path / MANIFEST).read_bytes()
        assert store.verify(model.id).manifest.checksum == original.manifest.checksum
    assert _translator(store, "nllb-tiny").translate_batch(["hello"], "en", "de") == [
        "hallo welt"]


def _rewrite(bundle: Path, out: Path, change: dict[str, bytes | None]) -> Path:
    """Copy a zip, replacing (bytes) or dropping (None) members, adding new ones."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                data = change.pop(info.filename)
                if data is not None:
                    dst.writestr(info.filename, data)
            else:
                dst.writestr(info, src.read(info))
        for name, data in change.items():
            dst.writestr(name, data or b"")
    return out


def _flip(data: bytes) -> bytes:
    mutable = bytearray(data)
    mutable[len(mutable) // 2] ^= 0xFF
    return bytes(mutable)


def test_tampered_bundles_are_refused(store: ModelStore, gen: Path, tmp_path: Path) -> None:
    _, bundle = _two_model_bundle(gen, tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        model_bin = zf.read("nllb-tiny/model.bin")
        index = json.loads(zf.read("bundle.json"))
        manifest = Manifest.from_dict(json.loads(zf.read("nllb-tiny/manifest.json")), "t")
    manifest.licence = "MIT"  # a consistent, re-sealed manifest that the index does not pin
    index_edit = dict(index, created="1999-01-01T00:00:00+00:00")
    cases: dict[str, tuple[dict[str, bytes | None], str]] = {
        "flipped": ({"nllb-tiny/model.bin": _flip(model_bin)},
                    "file model.bin does not match its checksum"),
        "truncated": ({"nllb-tiny/model.bin": model_bin[:1000]},
                      "file model.bin does not match its checksum"),
        "missing": ({"nllb-tiny/sentencepiece.bpe.model": None},
                    "file sentencepiece.bpe.model is missing"),
        "extra": ({"nllb-tiny/extra.bin": b"payload"},
                  "file nllb-tiny/extra.bin is not listed"),
        "index": ({"bundle.json": json.dumps(index_edit).encode()},
                  "file bundle.json does not match its checksum"),
        "manifest": ({"nllb-tiny/manifest.json": manifest.sealed().to_json().encode()},
                     "file nllb-tiny/manifest.json does not match"),
    }
    for name, (change, message) in cases.items():
        tampered = _rewrite(bundle, tmp_path / f"{name}.zip", dict(change))
        # nothing installed, not even the intact model
        _refused(store, tampered, ModelIntegrityError, re.escape(message))


def test_existing_id_needs_replace(store: ModelStore, gen: Path) -> None:
    folder = modelgen.plain_folder(gen / "opus-mt-en-fr")
    import_model(store, folder)
    with pytest.raises(ModelFormatError, match="already installed"):
        import_model(store, folder)
    assert _only(import_model(store, folder, ImportOptions(replace=True))).id == "opus-mt-en-fr"
    assert _only(import_model(store, folder, ImportOptions(model_id="second"))).id == "second"
    with pytest.raises(ModelFormatError, match="Invalid model id"):
        import_model(store, folder, ImportOptions(model_id="../x"))
