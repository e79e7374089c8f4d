"""PDF extraction benchmark: pages/s, peak memory (children included) and scaling.

Generates two-column text pages with a running header and footer, one page in ten with
a ruled table (``tests/pdfgen.bench_pdf``), reads them with ``app.formats.pdf_reader``
and measures from the parent process:

* text pages/s (a 500-page document without tables);
* overall pages/s (500 pages, one in ten with a table);
* peak RSS of this process plus its children, sampled every 10 ms;
* the time ratio of a 1000-page read to a 100-page read.

Targets on 2 cores: >= 50 text pages/s, >= 15 pages/s overall, <= 1 GB, ratio <= 11.
Usage: ``python bench/extract.py [--pages 500] [--workers 0]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.document import BlockKind, Document  # noqa: E402
from app.formats.pdf_reader import PdfReadOptions, read_pdf  # noqa: E402
from tests.pdfgen import bench_pdf  # noqa: E402


class PeakRSS:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


CPU: dict[str, tuple[float, float]] = {}  # name -> (parent CPU s, workers' CPU s)


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def timed_read(path: Path, options: PdfReadOptions) -> tuple[float, Document]:
    cpu0 = _cpu()
    stats: dict[str, float] = {}
    start = time.perf_counter()
    doc = read_pdf(path, options=options, stats=stats)
    elapsed = time.perf_counter() - start
    CPU[path.stem] = (_cpu() - cpu0, stats["cpu_s"])
    return elapsed, doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=0, help="0: up to 2 (by CPU count)")
    args = parser.parse_args()
    options = PdfReadOptions(workers=args.workers)
    print(f"CPUs: {psutil.cpu_count()}, workers: {options.worker_count()}")
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        text = bench_pdf(folder / "text.pdf", args.pages, table_every=0)
        mixed = bench_pdf(folder / "mixed.pdf", args.pages, table_every=10)
        small = bench_pdf(folder / "p100.pdf", 100)
        large = bench_pdf(folder / "p1000.pdf", 1000)
        print(f"generated the documents in {time.perf_counter() - t0:.1f} s")
        timed_read(small, options)  # warm the file cache and the imports
        with PeakRSS() as rss:
            t_text, doc_text = timed_read(text, options)
            t_mixed, doc_mixed = timed_read(mixed, options)
            t_small, _ = timed_read(small, options)
            t_large, doc_large = timed_read(large, options)
        cells = sum(1 for b in doc_mixed.blocks if b.kind is BlockKind.TABLE_CELL)
        tables = len({b.locator.path[0] for b in doc_mixed.blocks
                      if b.kind is BlockKind.TABLE_CELL})
        footers = sum(1 for b in doc_mixed.blocks if "page_number" in b.flags)
        text_rate, overall_rate = args.pages / t_text, args.pages / t_mixed
        ratio = t_large / t_small
        peak_mb = rss.peak / 2**20
        print(f"text-only {args.pages} pages: {t_text:.2f} s, {len(doc_text.blocks)} blocks")
        print(f"mixed {args.pages} pages: {t_mixed:.2f} s, {len(doc_mixed.blocks)} blocks, "
              f"{tables} tables, {cells} cells, {footers} page numbers")
        print(f"100 pages: {t_small:.2f} s; 1000 pages: {t_large:.2f} s "
              f"({len(doc_large.blocks)} blocks)")
        print(f"peak RSS (this process + children): {peak_mb:.0f} MB")
        for name, (parent, children) in CPU.items():
            print(f"CPU time {name}: parent {parent:.2f} s, workers {children:.2f} s")
        load = os.getloadavg()[0]
        if load > (psutil.cpu_count() or 1) + 0.5:
            print(f"warning: load average {load:.1f} on {psutil.cpu_count()} CPUs: other "
                  "processes compete, wall-clock figures are pessimistic")
        print(f"text_pages_per_s={text_rate:.1f} overall_pages_per_s={overall_rate:.1f} "
              f"peak_rss_mb={peak_mb:.0f} ratio_1000_100={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
