"""Image files (PNG, JPEG, TIFF with several pages, BMP, WebP) as an image-only PDF.

The OCR children read the pages of that PDF, and the PDF writers start from the same PDF,
so a scanned image and a scanned PDF take one path.  MuPDF reads every format but WebP,
which Pillow converts to PNG first.  The pixel count is checked from the file's header
before anything is decoded: a decompression bomb is refused, not decoded.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})
MAX_IMAGE_PIXELS = 200_000_000  # larger images are refused before decoding
MAX_FRAMES = 2000


def image_header(path: str) -> tuple[str, int, int, int]:
    """(format, width, height, frames) read from the header; ValueError when unreadable
    or too large."""
    Image.MAX_IMAGE_PIXELS = None  # checked below, with our own message
    try:
        with Image.open(path) as im:
            fmt, (width, height) = im.format or "?", im.size
            frames = int(getattr(im, "n_frames", 1))
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(f"The image cannot be read: it is damaged or not an image ({exc}).")\
            from exc
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(f"The image is {width} x {height} pixels ({width * height / 1e6:.0f} "
                         f"megapixels): images over {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels "
                         "are refused.")
    if frames > MAX_FRAMES:
        raise ValueError(f"The image has {frames} pages: at most {MAX_FRAMES} are read.")
    return fmt, width, height, frames


def _webp_as_png(path: str) -> bytes:
    with Image.open(path) as im:
        out = io.BytesIO()
        im.convert("RGB" if im.mode not in ("L", "RGB") else im.mode).save(out, "PNG")
        return out.getvalue()


def verify_image(path: str, frames: int) -> None:
    """Decode every frame once with Pillow: a truncated or damaged file is refused
    (MuPDF would show it half grey).  Call it where decoding is capped (an OCR child)."""
    try:
        with Image.open(path) as im:
            for frame in range(frames):
                im.seek(frame)
                im.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValueError(f"The image is damaged and cannot be read ({exc}).") from exc


def open_as_pdf(pymupdf: Any, path: str, verify: bool = False) -> Any:
    """The image file as an in-memory PDF, one page per image frame (ValueError if bad);
    ``verify``: decode it fully first (:func:`verify_image`)."""
    fmt, _w, _h, frames = image_header(path)
    if verify:
        verify_image(path, frames)
    try:
        if fmt == "WEBP":
            src = pymupdf.open(stream=_webp_as_png(path), filetype="png")
        else:
            src = pymupdf.open(path)
        try:
            data = src.convert_to_pdf()
        finally:
            src.close()
        pdf = pymupdf.open("pdf", data)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ValueError(f"The image cannot be read: it is damaged ({exc}).") from exc
    if pdf.page_count == 0:
        raise ValueError("The image has no pages.")
    return pdf
