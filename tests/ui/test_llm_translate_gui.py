"""Real LLM translation jobs (the demo model) through the main window, one after another.

The LLM translation engine runs CTranslate2's ``generate_batch`` with a Python callback,
like the streamed summary that hung (0 % CPU, GIL deadlock) or crashed on a reused Qt
pool thread.  The cause: pybind11 caches the Python thread state of the thread that first
imports ``ctranslate2``, and on a QThreadPool thread that state dies with the task
(Shiboken makes a new one per task), so that OS thread's next callback waits for a GIL it
holds itself.  Only the importing thread is affected.  In the application the window's
device probe imports CTranslate2 first, on a thread of the global pool; translation jobs
run on the controller's own pool.  The jobs here share one pool thread, so every job after
the first lands on a reused one.  The test runs in a fresh interpreter, so that the first
import happens where it does in the application, whatever other tests imported, and so that
a crash or a deadlock fails this test instead of ending or blocking the whole run.
"""

from __future__ import annotations

import faulthandler
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.document.model import TranslationStatus
from app.pipeline.llm_select import demo_dir
from app.ui.jobs import JobState
from app.ui.mainwindow import MainWindow
from app.ui.qt import Qt
from app.ui.workers import TranslateWorker
from engines.llm.generator import LLMEngine
from engines.translate.llm import BATCH
from tests.docgen import simple_docx

pytestmark = pytest.mark.skipif(not (demo_dir() / "model.bin").is_file(),
                                reason="no demo LLM in .cache/models (make demo-model)")

HANG_LIMIT_S = 240  # the whole test; it takes about 10 s on two busy cores
FRESH_ENV = "PASSERELLE_TEST_FRESH_INTERPRETER"
in_fresh_interpreter = pytest.mark.skipif(
    not os.environ.get(FRESH_ENV),
    reason=f"runs in its own interpreter, through test_llm_jobs_in_a_fresh_interpreter "
           f"({FRESH_ENV}=1 runs it here)")


class FirstImport:
    """The thread that first imports ``ctranslate2`` in this interpreter (0: not seen)."""

    thread = 0

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "ctranslate2" and not FirstImport.thread:
            FirstImport.thread = threading.get_native_id()


if os.environ.get(FRESH_ENV) and "ctranslate2" not in sys.modules:
    sys.meta_path.insert(0, FirstImport())

# Different sentences for every job: the translation memory would answer a repeated one
# without running the model.
JOBS = [
    ["Le rapport annuel est publié le 3 mars 2024.", "La commission examine le budget."],
    ["Les agents ont contrôlé 42 véhicules.", "Un nouveau scanner sera installé en juin."],
    ["La délégation arrive à Genève lundi.", "Le ministre signe l'accord de coopération."],
]
LONG = [f"Le paragraphe numéro {i} décrit la mission d'inspection du port." for i in range(24)]


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """A deadlock on the GIL stops every Python thread, the timers of pytest-timeout and
    of qtbot included: faulthandler's watchdog is a C thread, so it still prints every
    thread's stack and ends the run instead of letting it block for ever."""
    faulthandler.dump_traceback_later(HANG_LIMIT_S, exit=True, file=sys.stderr)
    yield
    faulthandler.cancel_dump_traceback_later()


class Probe:
    """Where the jobs and the generations ran, and the decoding steps after a cancel."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workers: list[int] = []  # the pool thread of each job (native id)
        self.generations: list[int] = []  # the thread of each generate_many call
        self.steps = 0
        self.steps_after_stop = 0  # callback calls after it first asked to stop

    def wrap_worker(self, run: Callable[[TranslateWorker], None]
                    ) -> Callable[[TranslateWorker], None]:
        def recorded(worker: TranslateWorker) -> None:
            with self.lock:
                self.workers.append(threading.get_native_id())
            run(worker)
        return recorded

    def wrap_generate(self, generate: Callable[..., list[str]]) -> Callable[..., list[str]]:
        probe = self

        def recorded(engine: LLMEngine, *args: Any, **kwargs: Any) -> list[str]:
            with probe.lock:
                probe.generations.append(threading.get_native_id())
            if not isinstance(engine._model, CountingModel):
                engine._model = CountingModel(engine._model, probe)
            return generate(engine, *args, **kwargs)
        return recorded


class CountingModel:
    """The CTranslate2 generator, with its step callback counted."""

    def __init__(self, model: Any, probe: Probe) -> None:
        self._model, self._probe = model, probe

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate_batch(self, tokens: Any, callback: Callable[[Any], bool] | None = None,
                       **kwargs: Any) -> Any:
        probe, stopped = self._probe, [False]

        def counted(step: Any) -> bool:
            stop = bool(callback(step)) if callback is not None else False
            with probe.lock:
                probe.steps += 1
                probe.steps_after_stop += stopped[0]
            stopped[0] = stopped[0] or stop
            return stop
        return self._model.generate_batch(tokens, callback=counted, **kwargs)


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    p = Probe()
    monkeypatch.setattr(TranslateWorker, "run", p.wrap_worker(TranslateWorker.run))
    monkeypatch.setattr(LLMEngine, "generate_many", p.wrap_generate(LLMEngine.generate_many))
    return p


@pytest.fixture
def llm_window(window: MainWindow) -> MainWindow:
    """The window set, as a user would, to translate French with the LLM engine; its jobs
    share one pool thread, so each job after the first runs on a reused thread."""
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("llm"))
    window.source_combo.setCurrentIndex(window.source_combo.findData("fr"))
    window.target_combo.setCurrentIndex(window.target_combo.findData("en"))
    assert (window.settings.engine, window.settings.source_lang) == ("llm", "fr")
    window.controller.pool.setMaxThreadCount(1)
    return window


def _translations(window: MainWindow, job_id: int) -> list[str]:
    job = window.controller.model.by_id(job_id).job
    assert job is not None and job.document is not None
    return [b.translation.text for b in job.document.blocks
            if b.translation.status is TranslationStatus.TRANSLATED]


@in_fresh_interpreter
@pytest.mark.timeout(HANG_LIMIT_S + 60)
def test_llm_jobs_in_a_row_on_a_reused_pool_thread_finish_then_cancel_lands(
        qtbot, llm_window: MainWindow, probe: Probe, tmp_path: Path,  # type: ignore[no-untyped-def]
        hang_guard: None) -> None:
    window, controller = llm_window, llm_window.controller
    for n, paragraphs in enumerate(JOBS, start=1):
        (jid,) = controller.add_files([simple_docx(tmp_path / f"note{n}.docx", paragraphs)])
        item = controller.model.by_id(jid)
        qtbot.waitUntil(lambda item=item: not item.state.active, timeout=120_000)
        assert item.state is JobState.READY, f"job {n}: {item.state} {item.error}"
        texts = _translations(window, jid)
        assert len(texts) == len(paragraphs) and all(t.strip() for t in texts), \
            f"job {n}: {texts}"
        assert item.job is not None and item.job.translator is not None
        assert item.job.translator.info.engine == "llm" and item.demo
        assert FirstImport.thread and FirstImport.thread not in probe.workers, (
            "CTranslate2 was first imported by a translation job: pybind11 keeps that "
            "task's thread state for this pool thread, and the next generation there "
            "crashes or hangs")
    assert len(probe.workers) == len(JOBS) and len(set(probe.workers)) == 1, \
        f"the jobs did not share one pool thread: {probe.workers}"
    assert len(probe.generations) == len(JOBS) and set(probe.generations) == set(probe.workers)
    steps_done = probe.steps

    # A longer job, cancelled with its row's Cancel button once the model is generating.
    (jid,) = controller.add_files([simple_docx(tmp_path / "long.docx", LONG)])
    item = controller.model.by_id(jid)
    qtbot.waitUntil(lambda: probe.steps > steps_done + BATCH, timeout=120_000)
    qtbot.mouseClick(window.queue.actions_for(jid).cancel, Qt.MouseButton.LeftButton)
    clicked = time.monotonic()
    qtbot.waitUntil(lambda: item.state is JobState.CANCELLED, timeout=30_000)
    latency = time.monotonic() - clicked
    # The callback asks each sentence of the batch to stop at its next step.
    assert probe.steps_after_stop <= BATCH, probe.steps_after_stop
    assert latency < 10.0, f"the cancel took {latency:.1f} s"
    assert len(probe.generations) == len(JOBS) + 1, "a batch started after the cancel"
    assert not any(tmp_path.glob("long.en.*")), "a cancelled job writes nothing"


@pytest.mark.timeout(HANG_LIMIT_S + 120)
def test_llm_jobs_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """The test above in its own interpreter: CTranslate2 is first imported where the
    application imports it, not wherever an earlier test of this run did."""
    name = "test_llm_jobs_in_a_row_on_a_reused_pool_thread_finish_then_cancel_lands"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{FRESH_ENV: "1"})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
             "--basetemp", str(tmp_path / "child"), f"{__file__}::{name}"],
            cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
            text=True, timeout=HANG_LIMIT_S + 60, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the jobs hung:\n{exc.stdout!s}\n{exc.stderr!s}"[-6000:])
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    assert "1 passed" in done.stdout, done.stdout[-2000:]
