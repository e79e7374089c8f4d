"""Run every benchmark (``make bench``) and print their figures; the last line of each
benchmark holds its key ratios.  Compare ratios measured in one run: machines are noisy."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = [
    ("extract", ["bench/extract.py"]),
    ("translate_throughput", ["bench/translate_throughput.py"]),
    ("llm_throughput", ["bench/llm_throughput.py"]),
    ("gui_latency", ["bench/gui_latency.py"]),
    ("int8_isa", ["bench/int8_isa.py"]),  # int8 outputs with AVX-512 VNNI vs forced AVX2
    ("quality", ["bench/quality.py"]),  # real lohelp model on LibreOffice help (skips without)
    ("formats", ["bench/formats.py"]),  # adapter overhead per format, big deck/workbook memory
    ("ocr", ["bench/ocr.py"]),  # OCR accuracy on real French scans, speed vs raw Tesseract
]


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    summary: list[str] = []
    failed = 0
    for name, cmd in BENCHES:
        if only and name not in only:
            continue
        script = ROOT / cmd[0]
        if not script.is_file():
            summary.append(f"{name}: missing")
            continue
        args = [sys.executable, str(script), *cmd[1:]]
        if quick and name in ("translate_throughput", "llm_throughput", "int8_isa"):
            args.append("--quick")
        print(f"=== {name}: {' '.join(args[1:])}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(args, cwd=ROOT, text=True, capture_output=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode:
            failed += 1
            sys.stdout.write(proc.stderr[-3000:])
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        last = lines[-1] if lines else "(no output)"
        summary.append(f"{name} ({time.perf_counter() - t0:.0f}s, rc={proc.returncode}): {last}")
    print("=== summary")
    print("\n".join(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
