"""Render the app icon (resources/icons/app.svg) to the PNGs and the .ico the installers use.

Run once after the SVG changes; the outputs are checked in (installer/icons/)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icons.py
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "app.svg"
OUT = Path(__file__).resolve().parent / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_pngs(svg: Path, out_dir: Path, sizes: tuple[int, ...] = PNG_SIZES) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from app.ui.qt import QGuiApplication, QIcon, QSize

    _app = QGuiApplication.instance() or QGuiApplication([])
    icon = QIcon(str(svg))
    if icon.isNull():
        raise SystemExit(f"cannot load {svg} (is the Qt SVG icon engine available?)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes:
        path = out_dir / f"passerelle-{size}.png"
        image = icon.pixmap(QSize(size, size)).toImage()
        if image.width() != size or not image.save(str(path), b"PNG"):
            raise SystemExit(f"cannot render {path}")
        written.append(path)
    return written


def write_ico(pngs: list[tuple[int, bytes]], path: Path) -> Path:
    """An ICO whose entries are PNG images (Windows Vista and later read these)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    path.write_bytes(header + entries + blobs)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--svg", type=Path, default=SVG)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    pngs = render_pngs(args.svg, args.out)
    by_size = {int(p.stem.rsplit("-", 1)[1]): p for p in pngs}
    write_ico([(s, by_size[s].read_bytes()) for s in ICO_SIZES], args.out / "passerelle.ico")
    (args.out / "passerelle.svg").write_bytes(args.svg.read_bytes())
    sys.stdout.write(f"{len(pngs)} PNGs, passerelle.ico and passerelle.svg in {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
