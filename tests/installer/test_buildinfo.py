"""app.core.buildinfo: version line, build record, About text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.core import buildinfo
from tests.installer.helpers import write_fake_licences


def test_development_checkout_has_a_fallback(tmp_path: Path) -> None:
    info = buildinfo.build_info(tmp_path / "absent.json")
    assert info.version == __version__
    assert info.build_date is None and not info.frozen
    assert info.short() == f"{__version__} (development)"


def test_build_record_round_trip(tmp_path: Path) -> None:
    when = datetime(2026, 11, 26, 14, 30, 5, 123, tzinfo=UTC)
    record = buildinfo.collect(now=when, commit="0123456789abcdef0123")
    path = buildinfo.write_build_info(tmp_path / "app" / "core" / "_build_info.json", record)
    assert json.loads(path.read_text())["build_date"] == "2026-11-26T14:30:05+00:00"
    info = buildinfo.build_info(path)
    assert info.commit == "0123456789abcdef0123"
    assert info.short() == f"{__version__} (2026-11-26, commit 01234567, {info.platform})"


def test_unreadable_record_falls_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "_build_info.json"
    path.write_text("{not json", encoding="utf-8")
    assert buildinfo.build_info(path).build_date is None
    assert "Unreadable build information" in caplog.text


def test_collect_reads_the_git_commit_of_this_checkout() -> None:
    commit = buildinfo.git_commit()
    if commit is None:
        pytest.skip("not a git checkout (or git is not installed)")
    assert len(commit.split("-")[0]) == 40


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == buildinfo.version_line()
    assert buildinfo.version_line().startswith(f"passerelle {__version__} (")


def test_about_text_lists_build_and_licences(tmp_path: Path) -> None:
    record = buildinfo.collect(now=datetime(2026, 1, 2, tzinfo=UTC), commit="feedface")
    buildinfo.write_build_info(tmp_path / "app" / "core" / "_build_info.json", record)
    write_fake_licences(tmp_path)
    text = buildinfo.about_text(tmp_path)
    assert text.startswith(f"Passerelle {__version__}\n")
    assert "Build: 2026-01-02T00:00:00+00:00" in text and "Commit: feedface" in text
    assert "Third-party components (2):" in text
    assert "  NotoSans (font, pymupdf-fonts) 1.0.5: OFL-1.1" in text
    assert f"Full licence texts: {tmp_path / 'licenses' / 'THIRD_PARTY_LICENSES.txt'}" in text


def test_about_text_without_a_bundle(tmp_path: Path) -> None:
    text = buildinfo.about_text(tmp_path)
    assert "Build: development (not a bundle)" in text
    assert "Third-party components" not in text
    assert "generated at bundle time" in text


def test_main_py_routes_version_to_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    import main as entry

    with pytest.raises(SystemExit) as done:
        entry.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"passerelle {__version__} (")
