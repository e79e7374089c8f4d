"""Declared intranet servers: unit-wide file first, user file second, the guard's allow-list."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import servers as cfg
from app.core.servers import allow_list, describe_server, parse_engine, server_for
from engines import offline
from engines.remote.errors import ServerConfigError


@pytest.fixture()
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("PASSERELLE_SERVERS_FILE", str(tmp_path / "unit.toml"))
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    return tmp_path / "unit.toml", tmp_path / "data" / "servers.toml"


def test_unit_file_wins_and_the_guard_allows_exactly_the_servers(files: tuple[Path, Path]
                                                                 ) -> None:
    unit, user = files
    unit.write_text('[servers.nmt]\nkind = "libretranslate"\nurl = "https://nmt.unit.example"\n')
    user.write_text('[servers.nmt]\nkind = "libretranslate"\nurl = "https://evil.example"\n'
                    '[servers.llm]\nkind = "openai"\nurl = "https://llm.unit.example:8443/v1"\n')
    assert cfg.configured_servers()["nmt"].url == "https://nmt.unit.example"
    assert allow_list() == [("llm.unit.example", 8443), ("nmt.unit.example", 443)]
    offline.install(allow_list())
    try:
        assert offline.allowed() == {("llm.unit.example", 8443), ("nmt.unit.example", 443)}
    finally:
        offline.uninstall()


def test_an_invalid_file_allows_nothing(files: tuple[Path, Path]) -> None:
    files[0].write_text('[servers.x]\nkind = "openai"\nurl = "http://plain.example/v1"\n')
    assert allow_list() == []
    with pytest.raises(ServerConfigError, match="unencrypted"):
        cfg.configured_servers()


def test_engine_names(files: tuple[Path, Path]) -> None:
    files[0].write_text('[servers.nmt]\nkind = "libretranslate"\nurl = "https://nmt.example"\n')
    assert parse_engine("libretranslate:nmt") == ("libretranslate", "nmt")
    assert parse_engine("ct2") is None and parse_engine("foo:bar") is None
    assert server_for("libretranslate:nmt").name == "nmt"
    with pytest.raises(ServerConfigError, match=r"No openai server named 'nmt'"):
        server_for("openai:nmt")
    with pytest.raises(ServerConfigError, match=r"declared: nmt"):
        server_for("libretranslate:other")


def test_provenance_fields() -> None:
    assert describe_server({}) == ""
    assert describe_server({"server": "nmt", "url": "https://nmt.example",
                            "model_reported": "Argos models fr-en", "server_version": "1.9.6"}
                           ) == ("on server nmt (https://nmt.example), model Argos models "
                                 "fr-en, version 1.9.6")
