#!/usr/bin/env python3
"""Screenshot of a translated scan for the README: ``docs/screenshots/scan-review.png``.

Runs the real window offscreen (like ``scripts/screenshots.py``, whose helpers it uses):
a page of the French aptitude manual (``../shared/corpus/real-fr/ch01s02.pdf``) is
rendered as a 200-dpi scan turned 1.5°, saved as an image-only PDF, dropped on the
window and translated (the real fr→en model of ``../shared/models/fr-en-lohelp-small``
when present, else the pseudo engine); the review pane is then shown with its flagged
OCR blocks and the translated page's preview.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from screenshots import (  # noqa: E402
    REAL_FR,
    import_models,
    open_review,
    open_window,
    save,
    settle,
    start_app,
    wait,
    wait_preview,
)


def make_scan(out: Path) -> Path:
    """One page of the real French manual as a slightly turned 200-dpi scan (no text)."""
    import pymupdf
    from PIL import Image

    src = pymupdf.open(REAL_FR / "ch01s02.pdf")
    pix = src[0].get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    image = Image.open(io.BytesIO(pix.tobytes("png"))).rotate(
        1.5, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=70)
    scan = pymupdf.open()
    page = scan.new_page(width=image.width * 72 / 200, height=image.height * 72 / 200)
    page.insert_image(page.rect, stream=buf.getvalue())
    scan.save(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not (REAL_FR / "ch01s02.pdf").is_file():
        print(f"skipped: {REAL_FR} is absent")
        return 0
    app, work = start_app("passerelle-scan-shot-")

    from app.ui.jobs import JobState
    from app.ui.settings import AppSettings

    engine = import_models(None)
    scan = make_scan(work / "scan-aptitude.pdf")
    window = open_window(AppSettings(engine=engine, source_lang="fr", target_lang="en",
                                     output_folder=str(work)))
    settle(app, 1.0)
    ids = window.add_files([scan])
    queue = window.controller.model
    wait(app, lambda: not queue.by_id(ids[0]).state.active, 900, "the scan's job")
    job = queue.by_id(ids[0])
    if job.state is not JobState.READY:
        raise SystemExit(f"the scan's job failed: {job.error}")
    review = open_review(app, window, ids[0])
    flagged = review.model.flagged_rows()
    review.view.setCurrentIndex(review.model.index(flagged[0] if flagged else 2, 1))
    wait_preview(app, review)
    settle(app, 0.5)
    save(window, args.out, "scan-review.png")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
