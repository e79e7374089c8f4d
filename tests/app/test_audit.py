"""The audit trail: one valid JSON line per job, no document text by default."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import threading
from pathlib import Path

import pytest

from app.cli import main
from app.core import audit
from app.core.config import JobConfig
from app.core.errors import AppError
from app.pipeline.engine_select import translator_factory
from app.pipeline.job import Job, run
from engines.errors import Cancelled
from tests.docgen import simple_docx

SECRET_TEXT = "Le convoi quitte Brest à l'aube avec les munitions."


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(root))
    monkeypatch.delenv(audit.ENV_TEXT, raising=False)
    monkeypatch.delenv(audit.ENV_SWITCH, raising=False)
    return root


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return simple_docx(tmp_path / "note.docx", [SECRET_TEXT, "Deuxième paragraphe du texte."],
                       header="DIFFUSION RESTREINTE")


def _translate(source: Path, **extra: str) -> Job:
    config = JobConfig(input=source, target_lang="en", source_lang="fr", engine="pseudo",
                       output=source.with_name("note.en.docx"), extra=dict(extra))
    return run(Job(config=config, translator_factory=translator_factory))


def _lines(data_dir: Path) -> list[str]:
    return (data_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_line_per_job_with_hashes_and_no_text(source: Path, data_dir: Path) -> None:
    job = _translate(source)
    lines = _lines(data_dir)
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["status"] == "ok" and record["kind"] == "translate"
    assert record["time"].endswith("Z") and "T" in record["time"]
    assert record["user"] and record["host"]
    assert record["input"]["sha256"] == _sha(source)
    out = job.outputs[0]
    assert {o["path"]: o["sha256"] for o in record["outputs"]}[str(out.resolve())] == _sha(out)
    assert record["models"][0]["engine"] == "pseudo"
    assert record["settings"]["target"] == "en" and record["settings"]["engine"] == "pseudo"
    assert record["duration_s"] >= 0
    assert "text" not in record
    assert "convoi" not in lines[0] and "Deuxième" not in lines[0]


def test_second_job_appends(source: Path, data_dir: Path) -> None:
    _translate(source)
    source.with_name("note.en.docx").unlink()
    _translate(source)
    assert [json.loads(x)["status"] for x in _lines(data_dir)] == ["ok", "ok"]


def test_text_only_when_asked(source: Path, data_dir: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.ENV_TEXT, "1")
    _translate(source)
    record = json.loads(_lines(data_dir)[0])
    assert record["text"][0]["source"] == SECRET_TEXT
    assert record["text"][0]["target"].startswith("[Lé çöñvöî")


def test_failed_and_cancelled_jobs_are_recorded(source: Path, tmp_path: Path,
                                                data_dir: Path) -> None:
    missing = JobConfig(input=tmp_path / "absent.docx", target_lang="en", engine="pseudo")
    with pytest.raises(AppError):
        run(Job(config=missing, translator_factory=translator_factory))
    cancelled = Job(config=JobConfig(input=source, target_lang="en", engine="pseudo"),
                    translator_factory=translator_factory, cancel=threading.Event())
    cancelled.cancel.set()
    with pytest.raises(Cancelled):
        run(cancelled)
    records = [json.loads(x) for x in _lines(data_dir)]
    assert [r["status"] for r in records] == ["failed", "cancelled"]
    assert records[0]["input"]["sha256"] == "" and records[0]["error"]
    assert records[1]["input"]["sha256"] == _sha(source)


def test_audit_failure_never_fails_the_job(source: Path, data_dir: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.write_text("a file where the data folder should be")
    with caplog.at_level(logging.WARNING, logger="app.core.audit"):
        job = _translate(source)
    assert job.outputs and job.outputs[0].is_file()
    assert "Could not write the audit line" in caplog.text


def test_switched_off(source: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.ENV_SWITCH, "off")
    _translate(source)
    assert not (data_dir / "audit.jsonl").exists()


def _writer(path: str, worker: int, count: int) -> None:
    for i in range(count):
        audit.append({"worker": worker, "i": i, "pad": "x" * 3000}, Path(path))


def test_concurrent_appends_keep_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert all(p.exitcode == 0 for p in procs)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 160
    for w in range(4):
        assert [r["i"] for r in records if r["worker"] == w] == list(range(40))


def test_cli_audit_lists_and_filters(source: Path, data_dir: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _translate(source)
    audit.append({"time": "2020-01-02T03:04:05Z", "status": "ok", "input": {"path": "/old.docx"}})
    with open(data_dir / "audit.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    assert main(["audit", "--json"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(x) for x in out.splitlines()]
    assert len(records) == 2 and "1 unreadable" in err
    assert main(["audit", "--since", "2024-01-01"]) == 0
    out, _ = capsys.readouterr()
    assert "note.docx" in out and "old.docx" not in out
    assert main(["audit", "--since", "2019-12-31"]) == 0
    assert "old.docx" in capsys.readouterr().out
    assert main(["audit", "--since", "yesterday"]) == 1
