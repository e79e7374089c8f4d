#!/usr/bin/env python3
"""Screenshots of the GUI for the README: ``docs/screenshots/*.png``.

Runs the real application offscreen (``QT_QPA_PLATFORM=offscreen``, the default here) or
under Xvfb (``xvfb-run python scripts/screenshots.py``), in a temporary data folder:

1. imports the real fr→en model of ``../shared/models/fr-en-lohelp-small`` (software
   documentation only) and the demo LLM when ``make demo-model`` prepared it;
2. drops the French documents of ``../shared/corpus/real-fr`` (Debian documentation, in
   the model's domain); without the shared folder, generated documents and the pseudo
   engine are used instead;
3. saves ``main-queue.png`` while the queue runs, ``review.png`` (a PDF, with a
   correction), ``summary.png``, ``model-manager.png`` and ``main-fr.png`` (French UI).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
REAL_FR = SHARED / "corpus" / "real-fr"
LOHELP = SHARED / "models" / "fr-en-lohelp-small"
SIZE = (1280, 800)
log = logging.getLogger("screenshots")

if TYPE_CHECKING:
    from app.ui.mainwindow import MainWindow
    from app.ui.review import ReviewPane
    from app.ui.settings import AppSettings


def wait(app: object, until: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for: {what}")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def settle(app: object, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def save(widget: object, out: Path, name: str) -> Path:
    path = out / name
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def start_app(prefix: str) -> tuple[object, Path]:
    """The application, its data and its settings (INI) in a new temporary folder, with
    the isolation workers warmed up and the readers preloaded; returns (app, folder)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["PASSERELLE_DATA_DIR"] = str(work / "data")

    from app.ui import isolation
    from app.ui.main import create_app, preload
    from app.ui.qt import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work))
    app = create_app()
    isolation.warm_up()
    preload()
    return app, work


def open_window(settings: AppSettings) -> MainWindow:
    """The main window with ``settings``, English UI, shown at the screenshots' size."""
    from app.ui.i18n import LanguageManager
    from app.ui.mainwindow import MainWindow

    window = MainWindow(settings, LanguageManager())
    window.resize(*SIZE)
    window.show()
    return window


def open_review(app: object, window: MainWindow, job_id: int) -> ReviewPane:
    """The review tab of job ``job_id``, once its rows are laid out."""
    window.show_job(job_id)
    window.tabs.setCurrentWidget(window.review)
    review = window.review
    wait(app, review.rows_sized, 60, "review rows")
    return review


def wait_preview(app: object, review: ReviewPane) -> None:
    """Until the page preview shows an image, when the preview is shown at all."""
    if review.preview.isVisible():
        wait(app, lambda: not review.preview.image.pixmap().isNull(), 60, "page preview")


def generated_documents(folder: Path) -> list[Path]:
    import docx

    paths = []
    texts = [
        ("note-de-service.docx", "Note de service",
         ["La réunion de coordination aura lieu le 12 mars 2025 à 9 h 30.",
          "Chaque service transmet son rapport avant le 5 mars.",
          "Les effectifs présents sont de 42 agents et 7 officiers."]),
        ("compte-rendu.docx", "Compte rendu",
         ["La commission a examiné 18 dossiers au cours de la séance.",
          "Trois demandes ont été reportées faute de pièces justificatives.",
          "La prochaine séance est prévue le 2 avril 2025."] * 8),
    ]
    for name, title, paragraphs in texts:
        d = docx.Document()
        d.add_heading(title, level=1)
        for p in paragraphs:
            d.add_paragraph(p)
        d.save(str(folder / name))
        paths.append(folder / name)
    return paths


def import_models(demo_llm: Path | None) -> str:
    """Import the models the screenshots use; returns the engine to select."""
    from app.pipeline.model_store import open_store
    from engines.importers import ImportOptions, import_model

    store = open_store()
    engine = "pseudo"
    if (LOHELP / "model.bin").is_file():
        import_model(store, LOHELP, ImportOptions(
            licence="trained for this project (LibreOffice help, MPL-2.0 data)"))
        engine = "auto"
    present = {m.id for m in store.installed()}
    if (demo_llm is not None and (demo_llm / "model.bin").is_file()
            and demo_llm.name not in present):
        import_model(store, demo_llm, ImportOptions(demo=True, licence="Apache-2.0"))
    return engine


def first_run_shots(app: object, out: Path, work: Path) -> None:
    """``first-run.png``: the window with no translation model (the demo LLM prepared by
    ``make demo-model`` is offered when present), then ``first-run-import.png``: the
    import of a folder standing for a USB drive (the lohelp model and a broken .gguf)."""
    from app.ui.settings import AppSettings

    os.environ["PASSERELLE_MODELS"] = str(work / "first-run-models")  # an empty store
    usb = work / "USB-DRIVE"
    (usb / "models").mkdir(parents=True)
    if LOHELP.is_dir():
        shutil.copytree(LOHELP, usb / "models" / "fr-en-lohelp-small")
    (usb / "models" / "old-draft.gguf").write_bytes(b"GGUF truncated copy")
    window = open_window(AppSettings(engine="auto", target_lang="en"))
    wait(app, lambda: window.models_state.summary is not None, 30, "the model probe")
    settle(app, 0.5)
    save(window, out, "first-run.png")
    dialog = window.import_models(usb)
    assert dialog is not None
    done: list[int] = []
    dialog.allDone.connect(lambda imported, failed: done.append(imported))
    wait(app, lambda: bool(done), 300, "the import")
    settle(app, 0.5)
    save(dialog, out, "first-run-import.png")
    dialog.close()
    window.controller.shutdown(5000)
    window.close()
    del os.environ["PASSERELLE_MODELS"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--no-llm", action="store_true", help="extractive summary only")
    parser.add_argument("--first-run-only", action="store_true",
                        help="only first-run.png and first-run-import.png")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    app, work = start_app("passerelle-shots-")

    from app.pipeline.llm_select import demo_dir
    from app.ui import isolation
    from app.ui.jobs import JobState
    from app.ui.settings import AppSettings

    first_run_shots(app, args.out, work)
    if args.first_run_only:
        return 0
    engine = import_models(None if args.no_llm else demo_dir())
    docs = work / "documents"
    docs.mkdir()
    if REAL_FR.is_dir() and engine == "auto":
        names = ["ch03.fr.docx", "ch01s02.pdf", "ch01s01s04.docx"]
        files = [Path(shutil.copy(REAL_FR / n, docs / n)) for n in names]
    else:
        files = generated_documents(docs)
    # The Debian chapter quotes much English (commands, options): name the source language.
    window = open_window(AppSettings(engine=engine, source_lang="fr", target_lang="en"))
    settle(app, 1.0)

    ids = window.add_files(files)
    queue = window.controller.model
    wait(app, lambda: any(queue.by_id(i).state is JobState.TRANSLATING
                          and queue.by_id(i).progress > 0.3 for i in ids), 300,
         "a job translating")
    window.queue.setCurrentIndex(queue.index(0, 0))
    settle(app, 1.2)  # lets the time-left column fill in
    save(window, args.out, "main-queue.png")

    wait(app, lambda: all(not queue.by_id(i).state.active for i in ids), 900, "all jobs")
    failed = [queue.by_id(i) for i in ids if queue.by_id(i).state is not JobState.READY]
    if failed:
        raise SystemExit(f"jobs failed: {[(f.path.name, f.error) for f in failed]}")
    pdf = next((i for i in ids if queue.by_id(i).path.suffix == ".pdf"), ids[0])
    review = open_review(app, window, pdf)
    model = review.model
    row = min(3, model.rowCount() - 1)
    review.view.setCurrentIndex(model.index(row, 1))
    model.setData(model.index(row, 1), model.data(model.index(row, 1)) + " (checked)")
    flagged = model.flagged_rows()
    if flagged:
        review.view.setCurrentIndex(model.index(flagged[0], 1))
    wait_preview(app, review)
    settle(app)
    save(window, args.out, "review.png")

    small = ids[-1]
    window.show_job(small)
    window.tabs.setCurrentWidget(window.summary)
    pane = window.summary
    wait(app, lambda: pane.llm is not None, 60, "LLM probe")
    pane._on_run_clicked()
    wait(app, lambda: pane.result is not None or pane._cancel is None, 900, "summary")
    settle(app)
    save(window, args.out, "summary.png")

    dialog = window.open_model_manager()
    dialog.resize(1100, 360)
    wait(app, lambda: not dialog.is_busy() and dialog.model.rowCount() > 0, 60, "models")
    for r in range(dialog.model.rowCount()):
        dialog.verify_model(dialog.model.model_at(r).id)
        wait(app, lambda: not dialog.is_busy(), 300, "verification")
    settle(app)
    save(dialog, args.out, "model-manager.png")
    dialog.close()

    window.tabs.setCurrentIndex(0)
    window.set_ui_language("fr")
    settle(app)
    save(window, args.out, "main-fr.png")
    window.set_ui_language("en")
    window.controller.shutdown(10_000)
    window.close()
    isolation.shutdown()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
