"""Print the bundle's size and its start-up time to the first window (offscreen).

    .venv/bin/python installer/measure.py                # dist/passerelle, 5 runs
    .venv/bin/python installer/measure.py --runs 3 --drop-caches   # as root: cold runs

The GUI is started with ``PASSERELLE_EXIT_AFTER_SHOW=1`` (app/ui/main.py logs "First
window shown" and quits); the time is from process start to that line.  ``--drop-caches``
empties the page cache before each run (root only), which is what a first start after
boot costs; without it, the first run is the coldest one this session can get.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "passerelle"
SHOWN_MARKER = "First window shown"
TIMEOUT_S = 120.0


@dataclass
class BundleSize:
    bytes: int
    files: int
    largest: list[tuple[str, int]]  # top-level entries of _internal by size


def _tree_bytes(path: Path) -> tuple[int, int]:
    if path.is_symlink() or path.is_file():
        return (0, 0) if path.is_symlink() else (path.stat().st_size, 1)
    total = count = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
            count += 1
    return total, count


def bundle_size(bundle: Path, top: int = 8) -> BundleSize:
    total, files = _tree_bytes(bundle)
    internal = bundle / "_internal"
    parts = [(p.name, _tree_bytes(p)[0]) for p in internal.iterdir()] if internal.is_dir() else []
    parts.sort(key=lambda item: -item[1])
    return BundleSize(total, files, parts[:top])


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def gui_command(bundle: Path | None) -> list[str]:
    if bundle is None:  # the source checkout, for comparison
        return [sys.executable, str(ROOT / "main.py")]
    return [str(bundle / ("Passerelle.exe" if os.name == "nt" else "passerelle"))]


def time_to_window(command: list[str], scratch: Path) -> float:
    """Seconds from start to the first window; raises RuntimeError if it never shows."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PASSERELLE_EXIT_AFTER_SHOW="1",
               PASSERELLE_DATA_DIR=str(scratch / "data"), XDG_CONFIG_HOME=str(scratch / "cfg"),
               HOME=str(scratch))
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    shown, seen = None, []
    for line in proc.stderr:
        seen.append(line)
        if SHOWN_MARKER in line:
            shown = time.perf_counter() - start
            break
    proc.stderr.close()  # wait for the process, not for its stderr: a child may inherit it
    try:
        proc.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if shown is None:
        raise RuntimeError("the window never showed:\n" + "".join(seen[-20:]))
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop-caches", action="store_true", help="cold runs (root only)")
    parser.add_argument("--source", action="store_true",
                        help="also time `python main.py` from the checkout")
    args = parser.parse_args(argv)
    if not (args.bundle / "_internal").is_dir():
        sys.stderr.write(f"No bundle in {args.bundle}: run `make bundle` first.\n")
        return 1
    size = bundle_size(args.bundle)
    out = sys.stdout
    out.write(f"Bundle: {args.bundle}\n")
    out.write(f"Size: {size.bytes / 2**20:.0f} MiB in {size.files} files\n")
    for name, n in size.largest:
        out.write(f"  {name:28} {n / 2**20:7.1f} MiB\n")
    targets = [("bundle", args.bundle)] + ([("source", None)] if args.source else [])
    for label, bundle in targets:
        times = []
        for _ in range(args.runs):
            cold = drop_caches() if args.drop_caches else False
            with tempfile.TemporaryDirectory(prefix="passerelle-measure-") as scratch:
                times.append(time_to_window(gui_command(bundle), Path(scratch)))
            if args.drop_caches and not cold:
                out.write("(could not drop the page cache: not root)\n")
                args.drop_caches = False
        runs = ", ".join(f"{t:.2f}" for t in times)
        out.write(f"Start-up to first window ({label}, offscreen, {os.cpu_count()} CPUs): "
                  f"first {times[0]:.2f} s, median {statistics.median(times):.2f} s "
                  f"[{runs}]\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
