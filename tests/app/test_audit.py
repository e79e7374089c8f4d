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
from app.core import audit, audit_chain
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
    report = audit_chain.verify(path)
    assert report.ok and report.chained == 160, report.summary()


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


# -- the hash chain --------------------------------------------------------------------

def _chained(path: Path, count: int = 4) -> list[bytes]:
    for i in range(count):
        audit.append({"time": f"2026-01-0{i + 1}T00:00:00Z", "status": "ok", "i": i}, path)
    return path.read_bytes().splitlines()


def test_each_line_carries_the_hash_of_the_previous_one(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = _chained(path)
    records = [json.loads(x) for x in lines]
    assert records[0]["prev"] == "0" * 64
    for before, record in zip(lines, records[1:], strict=False):
        assert record["prev"] == hashlib.sha256(before).hexdigest()
    assert [r["i"] for r in records] == [0, 1, 2, 3]
    report = audit_chain.verify(path)
    assert report.ok and report.chained == 4
    assert report.head == hashlib.sha256(lines[-1]).hexdigest()


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(x + b"\n" for x in lines))


def test_an_edited_line_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = _chained(path)
    lines[1] = lines[1].replace(b'"status":"ok"', b'"status":"failed"')
    _write(path, lines)
    report = audit_chain.verify(path)
    assert report.broken_line == 2 and "edited" in report.reason


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = _chained(path)
    record = json.loads(lines[1])
    record["status"] = "failed"
    lines[1] = audit_chain.seal(record, record["prev"])
    _write(path, lines)
    report = audit_chain.verify(path)
    assert report.broken_line == 3 and "line 2 was edited" in report.reason


@pytest.mark.parametrize(("change", "broken"), [
    ("delete-middle", 2), ("delete-first", 1), ("swap", 2), ("duplicate", 3),
    ("insert-plain", 3)])
def test_deleted_reordered_or_inserted_lines_are_detected(tmp_path: Path, change: str,
                                                          broken: int) -> None:
    path = tmp_path / "audit.jsonl"
    lines = _chained(path)
    if change == "delete-middle":
        del lines[1]
    elif change == "delete-first":
        del lines[0]
    elif change == "swap":
        lines[1], lines[2] = lines[2], lines[1]
    elif change == "duplicate":
        lines.insert(2, lines[1])
    else:
        lines.insert(2, b'{"time":"2026-01-02T12:00:00Z","status":"ok"}')
    _write(path, lines)
    report = audit_chain.verify(path)
    assert not report.ok and report.broken_line == broken, report.summary()


def test_older_unchained_lines_are_accepted_only_before_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"time":"2025-01-01T00:00:00Z","status":"ok"}\n' * 2, encoding="utf-8")
    lines = _chained(path, 2)
    report = audit_chain.verify(path)
    assert report.ok and report.unchained == 2 and report.chained == 2
    assert "not protected" in report.summary()
    assert json.loads(lines[2])["prev"] == hashlib.sha256(lines[1]).hexdigest()


def test_a_line_cut_short_stays_apart_and_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _chained(path, 2)
    with open(path, "ab") as fh:
        fh.write(b'{"prev":"' + b"0" * 20)  # a crash in the middle of a write
    audit.append({"status": "ok", "i": 9}, path)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 4 and json.loads(lines[3])["i"] == 9
    report = audit_chain.verify(path)
    assert report.broken_line == 3 and "cut short" in report.reason


def test_cli_audit_verify(source: Path, data_dir: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    _translate(source)
    audit.append({"time": "2026-01-02T03:04:05Z", "status": "ok"})
    audit.append({"time": "2026-01-03T03:04:05Z", "status": "ok"})
    assert main(["audit", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "3 line(s). OK: 3 chained line(s), head " in out
    lines = _lines(data_dir)
    lines[1] = lines[1].replace("2026-01-02", "2026-01-09")
    (data_dir / "audit.jsonl").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    assert main(["audit", "--verify"]) == 1
    assert "BROKEN at line 2" in capsys.readouterr().out


def test_the_audit_takes_plain_job_facts(tmp_path: Path) -> None:
    """app.core.audit records what the pipeline hands it, without importing the pipeline."""
    unread = tmp_path / "unread.docx"
    unread.write_bytes(b"not really a document")
    out = tmp_path / "out.docx"
    out.write_bytes(b"output")
    facts = audit.JobFacts(input_path=unread, kind="summary", outputs=[out, tmp_path / "gone"],
                           models=[{"role": "summary", "id": "textrank"}],
                           settings={"target": "en"}, warnings=["w1"],
                           marking={"label": "DIFFUSION RESTREINTE"})
    record = audit.job_record(facts, "failed", 0.0, 1.23456, "CorruptDocument: bad")
    assert record["input"] == {"path": str(unread.resolve()), "sha256": _sha(unread)}
    assert record["outputs"] == [{"path": str(out.resolve()), "sha256": _sha(out)}]
    assert record["kind"] == "summary" and record["status"] == "failed"
    assert record["error"] == "CorruptDocument: bad" and record["duration_s"] == 1.235
    assert record["marking"] == {"label": "DIFFUSION RESTREINTE"} and "text" not in record
    read = audit.JobFacts(input_path=unread, input_sha256="ab" * 32, input_format="docx",
                          pages=3, text=[{"block": 0, "source": "a", "target": "b"}])
    record = audit.job_record(read, "ok", 0.0, 0.0)
    assert record["input"] == {"path": str(unread.resolve()), "sha256": "ab" * 32,
                               "format": "docx", "pages": 3}
    assert record["text"] == [{"block": 0, "source": "a", "target": "b"}]
    assert "error" not in record and "marking" not in record


def test_an_audit_failure_never_fails_the_job(source: Path, data_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(job: Job) -> audit.JobFacts:
        raise RuntimeError("facts unavailable")

    monkeypatch.setattr("app.pipeline.job.job_facts", broken)
    with caplog.at_level(logging.WARNING, logger="app.pipeline.job"):
        job = _translate(source)
    assert job.outputs and "Could not write the audit line: facts unavailable" in caplog.text
    assert not (data_dir / "audit.jsonl").exists()
