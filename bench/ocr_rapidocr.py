"""Tesseract against RapidOCR on the same page images: is RapidOCR worth shipping?

Issue 16 asks to decide by measurement whether RapidOCR (``rapidocr-onnxruntime``, models
inside the wheel) should replace or complement Tesseract, for Chinese or for text-box
detection.  This bench renders real French pages (``../shared/corpus/real-fr/ch01s02.pdf``)
and a Chinese page typeset by MuPDF (its built-in ``china-s`` font) at 300 dpi, reads each
with the ``tesseract`` program (``fra`` / ``chi_sim``) and with RapidOCR, and prints the
character error rate against the known text and the CPU seconds per page.

RapidOCR is not a dependency of the app: run this bench from a venv that has it, e.g.
``python -m venv /tmp/rocr && /tmp/rocr/bin/pip install rapidocr-onnxruntime pymupdf
rapidfuzz && /tmp/rocr/bin/python bench/ocr_rapidocr.py``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real-fr" / "ch01s02.pdf"
DPI = 300
CHINESE = [
    "年度报告由委员会今天在巴黎发布。",
    "计划的结果列在下表中，共有十二个部分。",
    "部队于三月五日抵达边境，并建立了两个检查站。",
    "所有文件必须在星期五之前提交给指挥部。",
    "天气预报显示，明天上午将有大雨和强风。",
    "该系统每天处理大约一千五百份文件。",
]


def normal(text: str, cjk: bool) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()) if cjk else " ".join(text.split())


def cer(truth: str, seen: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(truth, seen) / max(1, len(truth))


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tesseract(png: Path, lang: str) -> tuple[str, float]:
    before = child_cpu()
    out = subprocess.run(["tesseract", str(png), "-", "-l", lang], capture_output=True,
                         text=True, check=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    return out.stdout, child_cpu() - before


def rapid(engine: object, png: Path) -> tuple[str, float]:
    before = own_cpu()
    result, _ = engine(str(png))  # type: ignore[operator]
    lines = [item[1] for item in (result or [])]
    return "\n".join(lines), own_cpu() - before


def pages(scratch: Path) -> list[tuple[str, Path, str, str, bool]]:
    """(name, png, truth, tesseract language, cjk)."""
    found = []
    if CORPUS.exists():
        with pymupdf.open(CORPUS) as doc:
            for number, page in enumerate(doc):
                png = scratch / f"fr-{number}.png"
                page.get_pixmap(dpi=DPI).save(png)
                found.append((f"ch01s02 p{number + 1}", png, page.get_text(), "fra", False))
    else:
        print(f"({CORPUS} absent: French pages skipped)")
    doc = pymupdf.open()
    page = doc.new_page()
    y = 72.0
    for line in CHINESE:
        page.insert_text((56, y), line, fontname="china-s", fontsize=14)
        y += 28
    png = scratch / "zh.png"
    page.get_pixmap(dpi=DPI).save(png)
    found.append(("Chinese (MuPDF china-s)", png, "".join(CHINESE), "chi_sim", True))
    return found


def main() -> int:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        print("rapidocr-onnxruntime is not installed here: see this file's docstring.")
        return 1
    engine = RapidOCR()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, png, truth, lang, cjk in pages(Path(tmp)):
            t_text, t_cpu = tesseract(png, lang)
            r_text, r_cpu = rapid(engine, png)
            want = normal(truth, cjk)
            rows.append((name, cer(want, normal(t_text, cjk)), t_cpu,
                         cer(want, normal(r_text, cjk)), r_cpu))
    print(f"{'page':28} {'Tesseract CER':>14} {'CPU s':>6} {'RapidOCR CER':>13} {'CPU s':>6}")
    for name, t_cer, t_cpu, r_cer, r_cpu in rows:
        print(f"{name:28} {t_cer:13.2%} {t_cpu:6.1f} {r_cer:12.2%} {r_cpu:6.1f}")
    print(f"load average {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d')}; "
          f"python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
