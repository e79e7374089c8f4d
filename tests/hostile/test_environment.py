"""A hostile environment: read-only or full output folder, a source deleted mid-job, odd
paths, two jobs racing for one output, and files written where they should not be.

Tests run as root here, so ``chmod`` cannot make a folder read-only: the read-only and
full-disk cases run the real CLI in a subprocess inside ``unshare -rm`` (new user and mount
namespaces) over a read-only bind mount or a 20 KiB tmpfs.  They are skipped where user
namespaces are not allowed; the in-process ENOSPC test covers the same code everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import docx
import pytest

from app.core.config import JobConfig
from app.core.errors import DocumentNotFound, InputError, OutputError, OutputExists
from app.formats import builtin
from app.pipeline.job import Job, run
from engines.translate.pseudo import PseudoTranslator, pseudo_localize
from tests.hostile import corpus
from tests.hostile.helpers import Watch, assert_refused, sha256, translate, tree

ROOT = Path(__file__).resolve().parents[2]


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(not _can_unshare(),
                                   reason="user and mount namespaces (unshare -rm) unavailable")


def _cli_in_namespace(setup: str, args: list[str], after: str = "",
                      env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``main.py args`` inside ``unshare -rm`` after the ``setup`` shell commands."""
    cli = " ".join(_quote(a) for a in [sys.executable, str(ROOT / "main.py"), *args])
    script = f"set -e; {setup}; set +e; {cli}; echo \"rc=$?\"; {after}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, timeout=180, cwd=ROOT, env=env)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _rc(stdout: str) -> int:
    return int([ln for ln in stdout.splitlines() if ln.startswith("rc=")][-1][3:])


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


# --- read-only and full output folders --------------------------------------------------

@needs_unshare
def test_read_only_output_folder(valid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = Path(shutil.copy(valid["docx"], tmp_path / "rapport.docx"))
    out = tmp_path / "lecture-seule"
    out.mkdir()
    watch = Watch(src, [tmp_path])
    proc = _cli_in_namespace(f"mount --bind -o ro {_quote(str(out))} {_quote(str(out))}",
                             ["translate", str(src), "--to", "en", "--engine", "pseudo",
                              "--from", "fr", "--quiet", "--out", str(out / "rapport.en.docx")])
    assert _rc(proc.stdout) == 1, proc.stderr
    assert _error_lines(proc.stderr) == [f"error: The output folder {out} is not writable."]
    assert "Traceback" not in proc.stderr
    watch.assert_nothing_written()


@needs_unshare
def test_full_disk_for_real_leaves_nothing(valid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A 20 KiB tmpfs: the 36 KB output cannot fit.  Listed inside the namespace, after
    the CLI exits, the folder must be empty: no half-written output, no temporary file."""
    src = Path(shutil.copy(valid["docx"], tmp_path / "rapport.docx"))
    out = tmp_path / "plein"
    out.mkdir()
    watch = Watch(src, [tmp_path])
    proc = _cli_in_namespace(f"mount -t tmpfs -o size=20k tmpfs {_quote(str(out))}",
                             ["translate", str(src), "--to", "en", "--engine", "pseudo",
                              "--from", "fr", "--quiet", "--out", str(out / "rapport.en.docx")],
                             after=f"echo listing:; ls -A {_quote(str(out))}")
    assert _rc(proc.stdout) == 1, proc.stderr
    assert _error_lines(proc.stderr) == [
        "error: Could not write rapport.en.docx: No space left on device"]
    listing = proc.stdout.split("listing:", 1)[1].split()
    assert listing == [], f"left on the full disk: {listing}"
    watch.assert_nothing_written()


def test_full_disk_mid_write_removes_the_temporary_file(valid, inbox, capsys,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    """ENOSPC after half the output is on disk (simulated in the writer)."""
    src = Path(shutil.copy(valid["docx"], inbox / "rapport.docx"))
    real_write = builtin.write_docx
    seen: list[Path] = []

    def half_then_full(doc, out: Path) -> None:  # type: ignore[no-untyped-def]
        real_write(doc, out)
        data = out.read_bytes()
        out.write_bytes(data[: len(data) // 2])
        seen.append(out)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))

    monkeypatch.setattr(builtin, "write_docx", half_then_full)
    watch = Watch(src, [inbox])
    result = translate(src, capsys, monkeypatch, "--from", "fr")
    assert_refused(result, OutputError,
                   r"^Could not write rapport\.en\.docx: No space left on device$")
    assert seen and seen[0].name.endswith(".part") and not seen[0].exists()
    watch.assert_nothing_written()


def test_temporary_file_cannot_be_created(valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The folder looks writable but creating a file fails (EROFS, quota, ACL)."""
    src = Path(shutil.copy(valid["docx"], inbox / "rapport.docx"))

    def refuse_create(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("app.core.output.tempfile.mkstemp", refuse_create)
    watch = Watch(src, [inbox])
    result = translate(src, capsys, monkeypatch, "--from", "fr")
    assert_refused(result, OutputError, r"^Could not write rapport\.en\.docx: Read-only file system$")
    watch.assert_nothing_written()


# --- the source changes under the job ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_source_deleted_while_the_job_runs(fmt, valid, inbox, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    src = Path(shutil.copy(valid[fmt], inbox / f"rapport.{fmt}"))

    def delete_then_translate(job: Job) -> PseudoTranslator:  # after the extract stage
        src.unlink()
        return PseudoTranslator()

    monkeypatch.setattr("app.pipeline.engine_select.translator_factory", delete_then_translate)
    before = tree(inbox)
    result = translate(src, capsys, monkeypatch, "--from", "fr")
    assert not src.exists()
    if fmt == "docx":  # the writer rebuilds the package from the source
        assert_refused(result, DocumentNotFound,
                       r"^rapport\.docx was moved or deleted \(it is needed to read or write\)\.$")
    else:  # the in-place PDF writer reopens it too
        assert_refused(result, InputError, r"rapport\.pdf")
    assert tree(inbox) == before - {src}, "no output, no partial file"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_non_ascii_path_with_spaces(fmt, valid, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "Dossier d'été № 5" / "Перевод 報告"
    folder.mkdir(parents=True)
    src = Path(shutil.copy(valid[fmt], folder / f"Rapport annuel — ministère ½.{fmt}"))
    watch = Watch(src, [folder])
    result = translate(src, capsys, monkeypatch, "--from", "fr")
    assert result.rc == 0, result.err
    out = folder / f"Rapport annuel — ministère ½.en.{fmt}"
    assert result.out.splitlines()[0] == str(out)
    assert {p.name for p in watch.new_files()} == {out.name, out.name + ".fidelity.json"}
    watch.assert_source_intact()
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
        assert pseudo_localize(corpus.FR[0]) in text


def test_two_jobs_on_the_same_file(valid, inbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Both jobs reach the writer together: one output wins, whole; the other job gets
    OutputExists and leaves nothing behind."""
    src = Path(shutil.copy(valid["docx"], inbox / "rapport.docx"))
    digest = sha256(src)
    gate = threading.Barrier(2, timeout=30)
    real_write = builtin.write_docx

    def together(doc, out: Path) -> None:  # type: ignore[no-untyped-def]
        real_write(doc, out)
        gate.wait()

    monkeypatch.setattr(builtin, "write_docx", together)
    outcomes: list[BaseException | None] = [None, None]

    def job(i: int) -> None:
        config = JobConfig(input=src, target_lang="en", source_lang="fr", engine="pseudo")
        try:
            run(Job(config=config, translator=PseudoTranslator()))
        except BaseException as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=job, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [e for e in outcomes if e is not None]
    assert len(errors) == 1, f"exactly one job must lose: {outcomes}"
    assert isinstance(errors[0], OutputExists), repr(errors[0])
    assert "not overwritten" in str(errors[0])
    out = inbox / "rapport.en.docx"
    assert pseudo_localize(corpus.FR[0]) in "\n".join(
        p.text for p in docx.Document(str(out)).paragraphs)
    assert sorted(p.name for p in inbox.iterdir()) == [
        "rapport.docx", "rapport.en.docx", "rapport.en.docx.fidelity.json"]
    assert sha256(src) == digest


# --- nothing written outside the data dir and the chosen output folder -----------------------

def test_a_job_writes_only_its_output_and_data_dir(valid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real CLI in a subprocess whose HOME, TMPDIR, XDG folders and working directory
    are fresh empty folders: after a DOCX and a PDF job they are still empty."""
    watched = {name: tmp_path / name for name in ("home", "tmp", "cwd", "cache", "config")}
    for folder in watched.values():
        folder.mkdir()
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    inbox.mkdir()
    env = {**os.environ, "HOME": str(watched["home"]), "TMPDIR": str(watched["tmp"]),
           "XDG_CACHE_HOME": str(watched["cache"]), "XDG_CONFIG_HOME": str(watched["config"]),
           "XDG_DATA_HOME": str(watched["home"] / ".local" / "share"),
           "PASSERELLE_DATA_DIR": str(data), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(ROOT)}
    sources = [Path(shutil.copy(valid[f], inbox / f"note.{f}")) for f in ("docx", "pdf")]
    digests = [sha256(s) for s in sources]
    for src in sources:
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "translate", str(src),
                               "--to", "en", "--engine", "pseudo", "--from", "fr", "--quiet"],
                              capture_output=True, text=True, cwd=watched["cwd"], env=env,
                              timeout=180)
        assert proc.returncode == 0, proc.stderr
    for name, folder in watched.items():
        assert not tree(folder), f"{name} received {sorted(tree(folder))}"
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        ["note.docx", "note.pdf", "note.en.docx", "note.en.docx.fidelity.json",
         "note.en.pdf", "note.en.pdf.fidelity.json"])
    assert [sha256(s) for s in sources] == digests
