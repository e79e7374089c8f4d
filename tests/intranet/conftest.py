"""Real intranet servers on 127.0.0.1, started and stopped by the tests (``make test-intranet``).

The builds are cached outside the repository by ``scripts/intranet_servers.py build``
(``make test-intranet`` runs it first); without them every test here is skipped with
the reason.  Tests in this folder carry the ``intranet`` marker (``pytestmark``), which the default
``make test`` run leaves out.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("intranet_servers",
                                                  REPO / "scripts" / "intranet_servers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["intranet_servers"] = module
    spec.loader.exec_module(module)
    return module


servers_script = _script()


@dataclass
class RunningServer:
    name: str
    kind: str
    port: int
    key: str
    process: subprocess.Popen[bytes]
    log: Path
    argv: list[str]
    env: dict[str, str] | None

    @property
    def url(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return base + "/v1" if self.kind == "openai" else base

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def start(self) -> None:
        """(Re)start on the same port: the outage tests stop and restart a server."""
        self.process = subprocess.Popen(self.argv, env=self.env, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT)
        health = "/health" if self.kind == "openai" else "/languages"
        servers_script.wait_ready(f"http://127.0.0.1:{self.port}{health}", self.process)


def _paths():  # type: ignore[no-untyped-def]
    return servers_script.paths()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    p = _paths()
    if not p.llama_ready():
        pytest.skip(f"llama.cpp server not built in {p.root}: run `make test-intranet` "
                    "(scripts/intranet_servers.py build)")
    port, key = servers_script.free_port(), "sk-" + secrets.token_hex(8)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    argv = servers_script.llama_command(p, port, key, parallel=2)
    server = RunningServer("llm", "openai", port, key, None, log, argv, None)  # type: ignore[arg-type]
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    p = _paths()
    if not p.libretranslate_ready():
        pytest.skip(f"LibreTranslate not installed in {p.root}: run `make test-intranet` "
                    "(scripts/intranet_servers.py build)")
    home = tmp_path_factory.mktemp("lt")
    port, key = servers_script.free_port(), "lt-" + secrets.token_hex(8)
    argv, env = servers_script.libretranslate_command(p, port, key, home)
    server = RunningServer("nmt", "libretranslate", port, key, None, home / "server.log",  # type: ignore[arg-type]
                           argv, env)
    server.start()
    yield server
    server.stop()


def servers_toml(tmp: Path, *servers: RunningServer, **settings: object) -> Path:
    """A servers file for ``servers`` (API keys in key files beside it)."""
    lines = []
    for s in servers:
        key = tmp / f"{s.name}.key"
        key.write_text(s.key + "\n")
        lines += [f"[servers.{s.name}]", f'kind = "{s.kind}"', f'url = "{s.url}"',
                  f'api_key_file = "{key}"']
        if s.kind == "openai":
            lines.append("demo = true  # SmolLM2-135M")
        lines += [f"{k} = {v}" for k, v in settings.items()]
    path = tmp / "servers.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def wait_until(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of its own (translation memory, audit log, user servers file)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(data))
    monkeypatch.setenv("PASSERELLE_SERVERS_FILE", str(tmp_path / "unit-servers.toml"))
    os.environ.pop("PASSERELLE_MODELS", None)
    return tmp_path
