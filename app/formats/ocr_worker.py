"""The child-process side of OCR: render a page, run Tesseract, send words back as blocks.

:func:`worker_main` is started by :mod:`app.formats.ocr_reader` like the PDF reader's
children: it installs the offline guard, caps its own address space, opens the PDF or
image, and for each of its pages sends one message.  Messages are tuples:

* ``("page", PageData, info)`` – one page read (``info``: seconds, pixels, rotation, lang);
* ``("done", stats)`` – finished; stats: CPU seconds (children included), peak RSS;
* ``("error", kind, message)`` – kind is corrupt, encrypted, memory, too_large, unavailable.

Tesseract runs as a grandchild that dies with this process (``PR_SET_PDEATHSIG``), so a
cancel (the parent kills this process) stops within the page being read.

Pages are rendered at ``dpi`` (image files at their own pixel size), never above
``max_pixels``: a larger page is downscaled and a warning says so.  When the first pass
reads little (mean confidence below :data:`RETRY_CONF`), Tesseract's orientation and
script detection (OSD) runs and the page is read again turned upright.  A skew of up to
5° is measured first (projection profiles) and the page is rendered straightened.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import time
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from PIL import Image

from app.document import OcrInfo, Run, Style
from app.formats.ocr_engine import (
    RTL_LANGS,
    SCRIPT_LANGS,
    OcrFailed,
    OcrUnavailable,
    Tesseract,
    Word,
    check_languages,
    installed_languages,
)
from app.formats.ocr_images import MAX_IMAGE_PIXELS, open_as_pdf
from app.formats.pdf_layout import PageData, RawBlock
from app.formats.pdf_worker import _Fail, _short, import_pymupdf, run_child

log = logging.getLogger(__name__)

RETRY_CONF = 60.0  # below this mean word confidence, try OSD and an upright re-read
LOW_WORD_CONF = 60.0  # a word below this is "read with low confidence"
LOW_NUMBER_CONF = 85.0  # a number below this is flagged: misread digits are dangerous
NOISE_CONF = 25.0  # a block whose mean confidence is below this is noise (photo, texture)
SKEW_WIDTH = 1000  # pixels across the render that skew is measured on
MAX_SKEW = 5.0  # degrees either way
MIN_SKEW = 0.3  # smaller skews are left to Tesseract
_DIGIT = re.compile(r"\d")
# A digit beside a letter that OCR often takes for a digit (O/0, l/1, S/5, B/8, Z/2, G/6,
# q/9) is a suspect number, however sure Tesseract was.
_LONE_ZEROS = frozenset({"O", "©", "®"})
_CONFUSABLE = re.compile(r"(?<=\d)[OoDlIi|SsBZzGgq]|[OoDlIi|SsBZzGgq](?=\d)")
# Two misreadings that re-reading the word box alone does not fix (measured: Tesseract
# gives the same answer, or a worse one, with --psm 7/8/10, a digit whitelist or 2x scale):
# a footnote mark "[4]" read "[41" / "[4|" (the closing bracket taken for 1 or |), and a
# dotted or slashed monospace zero read as a lone "©"/"®" before a lowercase word.
_OPEN_MARK = re.compile(r"^\[(\d{1,3})[1l|I]([.,;:)]*)$")
_ZERO_MARKS = frozenset({"©", "®"})


@dataclass
class OcrTask:
    path: str
    fmt: str  # "pdf" or "image"
    pages: list[int]
    lang: str | None = None  # Tesseract names ("fra", "fra+eng"); None: from OSD's script
    password: str | None = None
    dpi: int = 300
    max_pixels: int = 20_000_000
    memory_limit_mb: int = 2048
    tessdata: str | None = None
    page_timeout_s: float = 40.0  # per Tesseract run; a page takes one to three
    # Pages of which only these boxes (unrotated page space) are read: images on text pages.
    areas: dict[int, list[tuple[float, float, float, float]]] = field(default_factory=dict)


def _open(pymupdf: Any, task: OcrTask) -> Any:
    if task.fmt == "image":
        try:
            return open_as_pdf(pymupdf, task.path, verify=True)
        except ValueError as exc:
            raise _Fail("too_large" if "megapixels" in str(exc) else "corrupt", str(exc)) from exc
    try:
        doc = pymupdf.open(task.path, filetype="pdf")
    except Exception as exc:
        raise _Fail("corrupt", f"The file is not a valid PDF ({_short(exc)}).") from exc
    if doc.needs_pass and not doc.authenticate(task.password or ""):
        raise _Fail("encrypted", "This PDF is password-protected: enter the password.")
    return doc


def _zoom(page: Any, task: OcrTask) -> tuple[float, str | None]:
    """Render scale: ``dpi`` for PDFs, an image's own pixel size; capped at max_pixels."""
    zoom = task.dpi / 72.0
    if task.fmt == "image":
        infos = page.get_image_info()
        if infos and page.rect.width > 0:
            zoom = max(zoom * 0.5, infos[0]["width"] / page.rect.width)
    pixels = page.rect.width * page.rect.height * zoom * zoom
    if pixels > MAX_IMAGE_PIXELS * 4:
        raise _Fail("too_large", f"page {page.number + 1} would be {pixels / 1e6:.0f} "
                    "megapixels: too large to read")
    if pixels <= task.max_pixels:
        return zoom, None
    scaled = zoom * math.sqrt(task.max_pixels / pixels)
    return scaled, (f"page {page.number + 1}: {pixels / 1e6:.0f} megapixels, downscaled to "
                    f"{task.max_pixels / 1e6:.0f} for OCR")


def estimate_skew(pix: Any) -> float:
    """The angle (degrees) of the text lines of a gray pixmap, by projection profiles on
    a copy about 1000 pixels wide: the shear that makes the row histogram of ink sharpest."""
    step = max(1, -(-pix.width // SKEW_WIDTH))  # ceiling division
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)
    ys, xs = np.nonzero(arr[::step, ::step] < 140)
    if len(ys) < 300:
        return 0.0
    fy, fx = ys.astype(np.float64), xs.astype(np.float64)

    def sharpness(angle: float) -> float:
        rows = np.round(fy - fx * math.tan(math.radians(angle))).astype(np.int64)
        hist = np.bincount(rows - rows.min()).astype(np.float64)
        return float((hist * hist).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=sharpness))


def _render(pymupdf: Any, page: Any, zoom: float, rotate: float) -> tuple[Any, Any]:
    """(gray pixmap, matrix from unrotated page space to its pixels)."""
    to_page = page.rotation_matrix  # unrotated → displayed page space
    matrix = pymupdf.Matrix(zoom, zoom).prerotate(rotate)
    pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csGRAY, alpha=False)
    shown = page.rect * matrix
    full = to_page * matrix * pymupdf.Matrix(1, 0, 0, 1, -shown.x0, -shown.y0)
    return pix, full


def _image(pix: Any) -> bytes:
    """The gray pixmap as an uncompressed TIFF, the cheapest format for Tesseract to be
    handed as a file (see :meth:`Tesseract.run`): 6 ms for a 300-dpi page, against 40 ms
    for a fast-compressed PNG, for the same Tesseract time."""
    image = Image.frombuffer("L", (pix.width, pix.height), pix.samples, "raw", "L",
                             pix.stride, 1)
    out = io.BytesIO()
    image.save(out, "TIFF")
    return out.getvalue()


def _mean_conf(words: list[Word]) -> float:
    chars = sum(len(w.text) for w in words)
    return sum(w.conf * len(w.text) for w in words) / chars if chars else 0.0


def _read(tess: Tesseract, pymupdf: Any, page: Any, zoom: float, lang: str, dpi: int
          ) -> tuple[list[Word], Any, Any, int]:
    """Words of the page, the pixmap, its matrix and the right-angle rotation used."""
    pix, matrix = _render(pymupdf, page, zoom, 0)
    skew = estimate_skew(pix)
    deskew = -skew if abs(skew) >= MIN_SKEW else 0.0
    if deskew:
        pix, matrix = _render(pymupdf, page, zoom, deskew)
    image = _image(pix)
    words = tess.words(image, lang, dpi=dpi)
    if _mean_conf(words) >= RETRY_CONF and len(words) >= 3:
        return words, pix, matrix, 0
    rotate, _script, conf = tess.osd(image, dpi=dpi)
    if not rotate or conf < 1.0:
        return words, pix, matrix, 0
    pix2, matrix2 = _render(pymupdf, page, zoom, rotate + deskew)
    words2 = tess.words(_image(pix2), lang, dpi=dpi)
    if _mean_conf(words2) > _mean_conf(words):
        return words2, pix2, matrix2, rotate
    return words, pix, matrix, 0


def detect_script_lang(tess: Tesseract, image: bytes, dpi: int) -> str:
    """Languages for a first pass, from OSD's script (Latin → fra+eng+deu…)."""
    _rotate, script, _conf = tess.osd(image, dpi=dpi)
    have = installed_languages(tess.tessdata)
    langs = [lang for lang in SCRIPT_LANGS.get(script or "Latin", ()) if lang in have]
    if not langs:
        langs = [lang for lang in SCRIPT_LANGS["Latin"] if lang in have] or sorted(have)[:1]
    return "+".join(langs)


def _text_color(samples: Any, words: list[Word]) -> str | None:
    """The ink colour of a block (gray image): the median over its words of each word
    box's darkest twentieth, so that one odd box (a rule, a shaded cell) does not decide."""
    inks = []
    for w in words[:40]:
        x0, y0, x1, y1 = w.box
        cut = samples[max(y0, 0):y1, max(x0, 0):x1]
        if cut.size:
            inks.append(float(np.percentile(cut, 5)))
    if not inks:
        return None
    return f"{int(np.median(inks)):02X}" * 3


def suspect_number(word: Word) -> bool:
    """A word with digits read with low confidence, or mixing digits with look-alikes;
    or a lone ``O``/``©``, which is how Tesseract reads many monospaced zeros."""
    if word.text.strip(".,;:") in _LONE_ZEROS:
        return True
    return bool(_DIGIT.search(word.text)) and (word.conf < LOW_NUMBER_CONF
                                               or bool(_CONFUSABLE.search(word.text)))


def repair_digits(words: list[Word]) -> list[Word]:
    """Words with the two misreadings above undone; both still count as suspect numbers
    (the review pane shows them).  A mark is only closed when no later word of its line
    closes it, and a mark is only made a zero before a word starting in lowercase (a
    copyright sign is followed by a year or a name)."""
    out = list(words)
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(out):
        lines.setdefault((w.block, w.par, w.line), []).append(i)
    for line in lines.values():
        for k, i in enumerate(line):
            w, rest = out[i], [out[j].text for j in line[k + 1:]]
            mark = _OPEN_MARK.match(w.text)
            if mark and not any("]" in t for t in rest):
                out[i] = replace(w, text=f"[{mark.group(1)}]{mark.group(2)}",
                                 conf=min(w.conf, 50.0))
            elif w.text.rstrip(".,;:") in _ZERO_MARKS and rest and rest[0][:1].islower():
                out[i] = replace(w, text="0" + w.text[1:], conf=min(w.conf, 50.0))
    return out


def _join_lines(lines: list[list[Word]], rtl: bool) -> str:
    text = ""
    for words in lines:
        line = " ".join(w.text for w in words)
        if not text:
            text = line
        elif text.endswith(("-", "\u00ad")) and line[:1].islower() and not rtl:
            text = text[:-1] + line
        else:
            text += " " + line
    return text


def _box_to_page(matrix: Any, pymupdf: Any, box: tuple[int, int, int, int]
                 ) -> tuple[float, float, float, float]:
    rect = pymupdf.Rect(box) * ~matrix
    return (round(rect.x0, 2), round(rect.y0, 2), round(rect.x1, 2), round(rect.y1, 2))


def text_rotation(pymupdf: Any, matrix: Any) -> int:
    """Direction of upright image text in unrotated page space (the writer's rotation)."""
    inverse = ~matrix
    v = pymupdf.Point(1, 0) * inverse - pymupdf.Point(0, 0) * inverse
    return round(math.degrees(math.atan2(-v.y, v.x)) / 90.0) % 4 * 90


def build_blocks(pymupdf: Any, words: list[Word], pix: Any, matrix: Any, lang: str,
                 engine: str) -> tuple[list[RawBlock], int]:
    """Tesseract's paragraphs as blocks in page space; (blocks, noise blocks dropped)."""
    samples = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)
    rtl = any(part in RTL_LANGS for part in lang.split("+"))
    rotation = text_rotation(pymupdf, matrix)
    paragraphs: dict[tuple[int, int], dict[int, list[Word]]] = {}
    for w in words:
        paragraphs.setdefault((w.block, w.par), {}).setdefault(w.line, []).append(w)
    blocks: list[RawBlock] = []
    dropped = 0
    for lines in paragraphs.values():
        line_words = [lines[k] for k in sorted(lines)]
        all_words = [w for ln in line_words for w in ln]
        conf = _mean_conf(all_words)
        if conf < NOISE_CONF or not any(c.isalnum() for w in all_words for c in w.text):
            dropped += 1
            continue
        line_boxes = [_union([w.box for w in ln]) for ln in line_words]
        heights = sorted((b[3] - b[1]) if rotation in (0, 180) else (b[2] - b[0])
                         for b in (_box_to_page(matrix, pymupdf, lb) for lb in line_boxes))
        size = max(4.0, round(heights[len(heights) // 2] / 1.2 * 2) / 2)
        color = _text_color(samples, all_words)
        text = _join_lines(line_words, rtl)
        page_lines = [_box_to_page(matrix, pymupdf, lb) for lb in line_boxes]
        ocr = OcrInfo(engine=engine, confidence=round(conf / 100.0, 3), lines=page_lines,
                      texts=[" ".join(w.text for w in ln) for ln in line_words],
                      low_words=[w.text for w in all_words if w.conf < LOW_WORD_CONF],
                      low_numbers=[w.text for w in all_words if suspect_number(w)],
                      line_confidences=[round(_mean_conf(ln) / 100.0, 3) for ln in line_words])
        blocks.append(RawBlock(runs=[Run(text, Style(size=size, color=color))],
                               bbox=_union_f(page_lines), lines=len(line_words),
                               rotation=rotation, size=size, color=color, ocr=ocr))
    return blocks, dropped


def _union(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _union_f(boxes: list[tuple[float, float, float, float]]
             ) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def ocr_page(pymupdf: Any, tess: Tesseract, doc: Any, index: int, lang: str, task: OcrTask
             ) -> tuple[PageData, dict[str, Any]]:
    t0 = time.monotonic()
    page = doc.load_page(index)
    rect = page.rect if page.rotation == 0 else page.mediabox
    data = PageData(index=index, width=float(rect.width), height=float(rect.height),
                    rotation=int(page.rotation))
    zoom, warning = _zoom(page, task)
    if warning:
        data.warnings.append(warning)
    dpi = max(70, round(zoom * 72))
    words, pix, matrix, rotate = _read(tess, pymupdf, page, zoom, lang, dpi)
    words = repair_digits(words)
    engine = f"tesseract {lang}"
    data.blocks, dropped = build_blocks(pymupdf, words, pix, matrix, lang, engine)
    data.ocr = engine
    if rotate:
        data.warnings.append(f"page {index + 1}: turned {rotate}° to read it (OSD)")
    info = {"seconds": time.monotonic() - t0, "pixels": pix.width * pix.height,
            "rotate": rotate, "lang": lang, "words": len(words), "noise_blocks": dropped,
            "confidence": _mean_conf(words) / 100.0}
    return data, info


def ocr_areas(pymupdf: Any, tess: Tesseract, page: Any, areas: list[Any], lang: str,
              task: OcrTask) -> tuple[PageData, dict[str, Any]]:
    """Blocks read from some boxes of a page (images on a text page), in page space."""
    t0 = time.monotonic()
    rect = page.rect if page.rotation == 0 else page.mediabox
    data = PageData(index=page.number, width=float(rect.width), height=float(rect.height),
                    rotation=int(page.rotation))
    engine = f"tesseract {lang}"
    words_read = 0
    for area in areas:
        shown = pymupdf.Rect(area) * page.rotation_matrix
        zoom = task.dpi / 72.0
        pixels = abs(shown) * zoom * zoom
        if pixels > task.max_pixels:
            zoom *= math.sqrt(task.max_pixels / pixels)
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=shown,
                              colorspace=pymupdf.csGRAY, alpha=False)
        matrix = (page.rotation_matrix * pymupdf.Matrix(zoom, zoom)
                  * pymupdf.Matrix(1, 0, 0, 1, -pix.x, -pix.y))
        words = repair_digits(tess.words(_image(pix), lang, dpi=max(70, round(zoom * 72))))
        blocks, _dropped = build_blocks(pymupdf, words, pix, matrix, lang, engine)
        data.blocks += blocks
        words_read += len(words)
    return data, {"seconds": time.monotonic() - t0, "lang": lang, "words": words_read,
                  "areas": len(areas)}


def _run(conn: Connection, task: OcrTask) -> None:
    pymupdf = import_pymupdf()
    try:
        tess = Tesseract.locate(task.tessdata, timeout_s=task.page_timeout_s,
                                memory_mb=task.memory_limit_mb)
    except OcrUnavailable as exc:
        raise _Fail("unavailable", str(exc)) from exc
    doc = _open(pymupdf, task)
    lang = task.lang
    for index in task.pages:
        if not 0 <= index < doc.page_count:
            continue
        if lang is None:
            page = doc.load_page(index)
            zoom, _ = _zoom(page, task)
            pix, _m = _render(pymupdf, page, min(zoom, 150 / 72), 0)
            lang = detect_script_lang(tess, _image(pix), 150)
        try:
            check_languages(tess.tessdata, lang)
        except OcrUnavailable as exc:
            raise _Fail("unavailable", str(exc)) from exc
        try:
            if index in task.areas:
                data, info = ocr_areas(pymupdf, tess, doc.load_page(index), task.areas[index],
                                       lang, task)
            else:
                data, info = ocr_page(pymupdf, tess, doc, index, lang, task)
        except (OcrFailed, RuntimeError, ValueError) as exc:  # one bad page does not sink all
            data, info = PageData(index=index, width=0, height=0, error=_short(exc)), {}
        conn.send(("page", data, info))
    conn.send(("done", _usage()))


def _usage() -> dict[str, float]:
    try:
        import resource
    except ImportError:  # not on Windows
        return {}
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
            "peak_rss_mb": me.ru_maxrss / 1024, "tesseract_peak_rss_mb": kids.ru_maxrss / 1024}


def worker_main(conn: Connection, task: OcrTask) -> None:
    """Entry point of the child process."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    run_child(conn, task.memory_limit_mb, lambda: _run(conn, task))
