"""Format overhead and memory of the document adapters (issue 17).

For each format, the same French paragraphs (LibreOffice help, when ``make bench`` has
unpacked it; a built-in set otherwise) are put in a document, which goes through the
whole pipeline with the real fr→en model (``../shared/models/fr-en-lohelp-small``,
translation memory off).  The same sentences are then translated alone by the same
engine chain.  Two ratios: the whole pipeline against pure translation, and the
adapter's own share (reading, style projection, writing: target ≤ 15 %); the rest of
the pipeline (detection, the fidelity check) is the same for every format.  Both are measured in the
same run, one after the other, so the ratio holds on a loaded machine even when the
absolute times do not.

Memory: the peak resident growth of a 100-slide deck and a 200 000-cell workbook going
through the pipeline (pseudo engine: the adapters' share, not the model's).

The overhead is measured at two sizes: a short document (``--paragraphs``, 120) and one
the size of a report (``--report-paragraphs``, 400), where the adapters' fixed costs
(opening the package, checking every part, saving) weigh less.

    .venv/bin/python bench/formats.py [--paragraphs 120] [--report-paragraphs 400]
        [--formats docx,pptx] [--slides 100] [--cells 200000] [--no-memory]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.config import JobConfig  # noqa: E402
from app.document import TranslationStatus  # noqa: E402
from app.formats.soffice import convert, find_soffice  # noqa: E402
from app.pipeline.engine_select import make_translator, with_chain  # noqa: E402
from app.pipeline.job import Job, run  # noqa: E402
from engines.translate.base import Translator  # noqa: E402
from engines.translate.batch import translate_texts  # noqa: E402
from engines.translate.pseudo import PseudoTranslator  # noqa: E402

MODEL = ROOT.parent / "shared" / "models" / "fr-en-lohelp-small"
FALLBACK = [
    "Cliquez sur Insertion - Tableau pour insérer un tableau dans le document actif.",
    "Choisissez Format - Cellules, puis l'onglet Nombres, pour définir le format.",
    "Vous pouvez enregistrer le document au format PDF à partir du menu Fichier.",
    "Sélectionnez le texte à mettre en forme, puis cliquez sur l'icône Gras.",
    "La boîte de dialogue Options permet de modifier les paramètres par défaut.",
    "Pour supprimer une ligne, sélectionnez-la et appuyez sur la touche Suppr.",
]


def paragraphs(n: int) -> list[str]:
    cache = ROOT / ".cache" / "lohelp"
    try:
        from bench.lohelp_eval import paragraph_pairs, select

        root = cache / "root" / "usr" / "share" / "libreoffice" / "help"
        if root.is_dir():
            return [p.fr for p in select(paragraph_pairs(root), n=n)]
    except Exception as exc:  # the help tree is optional here
        print(f"(LibreOffice help not used: {exc})")
    return [FALLBACK[i % len(FALLBACK)] for i in range(n)]


# --- Documents ------------------------------------------------------------------------

def make_docx(path: Path, texts: list[str]) -> Path:
    import docx

    d = docx.Document()
    for t in texts:
        d.add_paragraph(t)
    d.save(str(path))
    return path


def make_pptx(path: Path, texts: list[str], slides: int) -> Path:
    from pptx import Presentation

    prs = Presentation()
    for s in range(slides):  # three paragraphs of their own a slide, as in a real deck
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = texts[3 * s % len(texts)][:60]
        body = slide.placeholders[1].text_frame
        body.text = texts[(3 * s + 1) % len(texts)]
        body.add_paragraph().text = texts[(3 * s + 2) % len(texts)]
    prs.save(str(path))
    return path


def make_xlsx(path: Path, texts: list[str], cells: int, cols: int = 10) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Données")
    for r in range(cells // cols):
        ws.append([texts[r % len(texts)] if c == 0 else r * 1.5 + c for c in range(cols)])
    wb.save(str(path))
    return path


def make_text(folder: Path, texts: list[str]) -> dict[str, Path]:
    body = "\n\n".join(texts)
    (folder / "doc.txt").write_text(body + "\n", encoding="utf-8")
    (folder / "doc.md").write_text("# Aide\n\n" + "\n\n".join(
        f"- {t}" if i % 3 == 0 else t for i, t in enumerate(texts)) + "\n", encoding="utf-8")
    (folder / "doc.html").write_text(
        "<!DOCTYPE html><html><head><title>Aide</title></head><body>"
        + "".join(f"<p>{t}</p>" for t in texts) + "</body></html>", encoding="utf-8")
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", texts[0][:60]
    msg.set_content(body)
    (folder / "doc.eml").write_bytes(msg.as_bytes())
    return {ext: folder / f"doc.{ext}" for ext in ("txt", "md", "html", "eml")}


# --- Measures ---------------------------------------------------------------------------

class Peak:
    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def pipeline(src: Path, out: Path, engine: str, translator: Translator | None) -> Job:
    config = JobConfig(input=src, target_lang="en", source_lang="fr", engine=engine,
                       model=str(MODEL) if engine == "ct2" else None, output=out,
                       overwrite=True, fidelity_json=False, extra={"memory": "off"})
    return run(Job(config=config, translator=translator or PseudoTranslator()))


def overhead(name: str, src: Path, folder: Path, translator: Translator) -> None:
    out = folder / f"out.{name}{src.suffix}"
    best: tuple[float, Job] | None = None
    t_pure = float("inf")
    for _ in range(2):  # the best of two for both, interleaved: the machine is shared
        t0 = time.perf_counter()
        job = pipeline(src, out, "ct2", translator)
        took = time.perf_counter() - t0
        if best is None or took < best[0]:
            best = (took, job)
        texts = [b.text for b in job.doc.blocks
                 if b.translation.status is TranslationStatus.TRANSLATED]
        t0 = time.perf_counter()
        translate_texts(translator, texts, "fr", "en")
        t_pure = min(t_pure, time.perf_counter() - t0)
    assert best is not None
    t_pipe, job = best
    ratio = t_pipe / max(t_pure, 1e-9) - 1
    adapter = sum(job.timings.get(k, 0.0) for k in ("extract", "styles", "write"))
    share = adapter / max(t_pure, 1e-9)
    stages = " ".join(f"{k}={v:.2f}" for k, v in job.timings.items())
    print(f"{name:6} {len(texts):6d} {t_pure:9.2f} {t_pipe:9.2f} {ratio:+9.1%} {share:+9.1%}"
          f"  {'ok' if share <= 0.15 else 'OVER 15 %'}  ({stages})")


def memory(name: str, make: Callable[[Path], Path], folder: Path) -> None:
    src = make(folder / f"big.{name}")
    with Peak() as peak:
        t0 = time.perf_counter()
        job = pipeline(src, folder / f"big.en.{name}", "pseudo", None)
        took = time.perf_counter() - t0
    print(f"{name:6} {src.stat().st_size / 2**20:7.1f} MB  {len(job.doc.blocks):7d} blocks  "
          f"{took:6.1f} s  peak +{peak.growth_mb:6.0f} MB")


def documents(folder: Path, texts: list[str], wanted: set[str]) -> dict[str, Path]:
    """The same paragraphs in every format (``wanted``: all when empty)."""
    docs = {"docx": make_docx(folder / "doc.docx", texts),
            "pptx": make_pptx(folder / "doc.pptx", texts, max(1, len(texts) // 3)),
            "xlsx": make_xlsx(folder / "doc.xlsx", texts, len(texts) * 10),
            **make_text(folder, texts)}
    if find_soffice() is not None and (not wanted or "odt" in wanted):
        docs["odt"] = convert(docs["docx"], "odt", folder / "odf")
    return {k: v for k, v in docs.items() if not wanted or k in wanted}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paragraphs", type=int, default=120)
    ap.add_argument("--report-paragraphs", type=int, default=400,
                    help="a realistic report's size (0: skip)")
    ap.add_argument("--formats", default="",
                    help="comma-separated formats to time (default: all)")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--slides", type=int, default=100)
    ap.add_argument("--cells", type=int, default=200_000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="passerelle-bench-formats-"))
    try:
        wanted = {f.strip() for f in args.formats.split(",") if f.strip()}
        sizes = [n for n in (args.paragraphs, args.report_paragraphs) if n > 0]
        texts = paragraphs(max(sizes))
        if (MODEL / "model.bin").is_file():
            config = JobConfig(input=folder, target_lang="en", source_lang="fr",
                               engine="ct2", model=str(MODEL), extra={"memory": "off"})
            translator = with_chain(make_translator(config, "fr"), config)
            translate_texts(translator, texts[:4], "fr", "en")  # warm up
            for n in sizes:
                sub = folder / f"n{n}"
                sub.mkdir()
                print(f"\nFormat overhead, {n} paragraphs, fr→en {MODEL.name} (machine "
                      "shared: compare the ratios, measured in the same run)")
                print("overhead: whole pipeline (with the fidelity check, format-"
                      "independent); adapter: read + style projection + write, against "
                      "pure translation")
                print(f"{'format':6} {'blocks':>6} {'pure s':>9} {'pipe s':>9} "
                      f"{'overhead':>9} {'adapter':>9}")
                for name, src in documents(sub, texts[:n], wanted).items():
                    overhead(name, src, sub, translator)
        else:
            print(f"(no model at {MODEL}: overhead not measured)")
        if not args.no_memory:
            print(f"\nMemory (pseudo engine): {args.slides}-slide deck, "
                  f"{args.cells}-cell workbook")
            memory("pptx", lambda p: make_pptx(p, texts, args.slides), folder)
            memory("xlsx", lambda p: make_xlsx(p, texts, args.cells), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
