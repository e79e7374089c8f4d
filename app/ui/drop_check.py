"""At drop time, the language of documents whose source language is to be detected.

:meth:`~app.ui.first_run.InstalledSummary.refusal` refuses a drop without reading when no
installed model translates into the target, or from the source chosen in the window.  With
the source left to detection, the pair is only known once the language is: this check reads
a quick sample of each document (:func:`app.formats.sample.sample_text`, in a capped child
process), detects its language in the isolation child (:func:`app.ui.isolation.
detect_language`: lingua never loads in the GUI's process), and refuses a document whose
language no installed model (or pivot through English) serves, before any job reads it.
All of it runs in a worker.  A sample too short or too uncertain, or a format that cannot
be sampled cheaply (scans, legacy Office files, e-mail), lets the document through: the job
detects its language as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.config import JobConfig
from app.core.errors import present
from app.formats.sample import sample_text
from app.pipeline.engine_select import missing_model_for
from app.ui.first_run import InstalledSummary
from app.ui.isolation import detect_language
from app.ui.labels import language_label
from app.ui.qt import QObject, Signal, emit
from app.ui.workers import WorkerSignals, start
from engines.errors import ModelNotFound
from engines.langdetect import SUPPORTED
from engines.store import Manifest

log = logging.getLogger(__name__)

MIN_LETTERS = 80  # a shorter sample is too uncertain to refuse a document on
MIN_CONFIDENCE = 0.9
DETECT_TIMEOUT_S = 30.0  # the detector may still be loading (about 12 s on two cores)


@dataclass(frozen=True)
class Verdict:
    """What the sample of one document says: its language when sure (else None), and the
    missing-model error when no installed model serves that language."""

    path: Path
    language: str | None = None
    missing: ModelNotFound | None = None


def sources_without_model(manifests: Sequence[Manifest], config: JobConfig) -> list[str]:
    """The detectable languages that ``config`` could not translate with the installed
    models: when there is none (or the engine needs no model), no sample is needed."""
    if config.source_lang:
        return []
    return [src for src in SUPPORTED if missing_model_for(manifests, config, src) is not None]


def judge(path: Path, config: JobConfig, manifests: Sequence[Manifest],
          cancel: threading.Event | None = None) -> Verdict:
    """Sample ``path``, detect its language, check the pair (blocks: call it in a worker)."""
    text = sample_text(path, cancel=cancel)
    if text is None or sum(c.isalpha() for c in text) < MIN_LETTERS:
        return Verdict(path)
    found = detect_language(text, cancel, DETECT_TIMEOUT_S)
    if found is None or found.language is None or found.confidence < MIN_CONFIDENCE:
        log.info("Drop check of %s: language uncertain (%s)", path.name, found)
        return Verdict(path)
    return Verdict(path, found.language, missing_model_for(manifests, config, found.language))


class CheckWorker:
    """Judges dropped documents one after the other: each accepted one is reported at once
    (``chunk``: its path), so the queue fills as the checks end; the refused ones come
    together at the end (``finished``: their verdicts), for one message per language."""

    def __init__(self, files: list[Path], config: JobConfig, manifests: Sequence[Manifest],
                 cancel: threading.Event) -> None:
        self.files, self.config, self.manifests, self.cancel = files, config, manifests, cancel
        self.signals = WorkerSignals()
        self.done = threading.Event()

    def _judge(self, path: Path) -> Verdict:
        try:
            return judge(path, self.config, self.manifests, self.cancel)
        except Exception as exc:  # the job will read it and say what is wrong
            log.warning("Drop check of %s failed (%s): the document goes on", path.name, exc)
            return Verdict(path)

    def run(self) -> None:
        try:
            refused: list[Verdict] = []
            for path in self.files:
                verdict = self._judge(path)
                if verdict.missing is None or not verdict.language:
                    emit(self.signals.chunk, str(path))
                else:
                    refused.append(verdict)
            emit(self.signals.finished, refused)
        except RuntimeError:  # the receiver went away (window closed)
            log.debug("Drop check dropped: its receiver is gone")
        finally:
            self.done.set()


class DropCheck(QObject):
    """Checks dropped documents in a worker, then accepts or refuses them.

    Signals:
        accepted(object): documents (a list of paths) that may be queued.
        refused(str, object): the message for the window's missing-model box, and the
            documents (a list of paths) it refuses.
    """

    accepted = Signal(object)
    refused = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()

    def check(self, files: list[Path], config: JobConfig, summary: InstalledSummary) -> bool:
        """Start checking ``files`` when their language decides whether they can be
        translated: True, and the answers come as ``accepted`` and ``refused``.  False when
        no check is needed: queue them now."""
        if not sources_without_model(summary.manifests, config):
            return False
        start(CheckWorker(list(files), config, summary.manifests, self.cancel), self,
              self._on_judged, self._on_judge_failed, on_chunk=self._on_file_accepted)
        return True

    def shutdown(self) -> None:
        """Stop the checks under way (the window is closing)."""
        self.cancel.set()

    def _on_file_accepted(self, path: str) -> None:
        emit(self.accepted, [Path(path)])

    def _on_judged(self, verdicts: list[Verdict]) -> None:
        refused: dict[str, tuple[ModelNotFound, list[Path]]] = {}
        for v in verdicts:
            if v.missing is not None and v.language:  # (always, from run())
                refused.setdefault(v.language, (v.missing, []))[1].append(v.path)
        for language, (missing, paths) in refused.items():
            found = (self.tr("%1 is written in %2.") if len(paths) == 1 else
                     self.tr("These documents are written in %2: %1.")).replace(
                "%1", ", ".join(p.name for p in paths)).replace("%2", language_label(language))
            emit(self.refused, f"{found} {present(missing).gui_message}", paths)

    def _on_judge_failed(self, exc: BaseException) -> None:
        log.warning("The drop-time language check stopped: %s", exc)
