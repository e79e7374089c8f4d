"""Tesseract, driven as a command: language data, one page in, words with confidence out.

Measured here (``bench/ocr.py``): the ``tesseract`` command with one thread per process
(``OMP_THREAD_LIMIT=1``) reads a 300-dpi French page in about 2 s, faster than PyMuPDF's
built-in OCR (``Page.get_textpage_ocr``, 2.5 s, which also gives no confidence), and its
TSV output carries each word's box and confidence.  So the OCR child processes
(:mod:`app.formats.ocr_worker`) hand it pages as uncompressed TIFF in an unlinked file in
a RAM folder (``/dev/shm`` where there is one, see :meth:`Tesseract.run`) and parse the TSV.

Language data (``*.traineddata``) is found, in this order, in ``PASSERELLE_TESSDATA``, the
folder set in the settings (passed as ``tessdata``), ``TESSDATA_PREFIX``, the bundle's own
``tessdata`` folder, then the usual system folders.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

TESSDATA_ENV = "PASSERELLE_TESSDATA"
SYSTEM_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                   "/usr/share/tessdata", "/usr/local/share/tessdata",
                   "/opt/homebrew/share/tessdata", r"C:\Program Files\Tesseract-OCR\tessdata")
# ISO 639-1 (the app's language codes) → Tesseract's model names.
TESSERACT_LANGS = {"fr": "fra", "en": "eng", "de": "deu", "ar": "ara", "ru": "rus", "uk": "ukr",
                   "zh": "chi_sim", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
                   "fa": "fas", "tr": "tur", "pl": "pol"}
ISO_LANGS = {v: k for k, v in TESSERACT_LANGS.items()}
# OSD script → the languages tried on a first pass when the user gave none.
SCRIPT_LANGS = {"Latin": ("fra", "eng", "deu"), "Cyrillic": ("rus", "ukr"), "Arabic": ("ara",),
                "Han": ("chi_sim",), "HanS": ("chi_sim",)}
RTL_LANGS = frozenset({"ara", "fas", "heb", "urd"})


class OcrUnavailable(RuntimeError):
    """Tesseract or the language data it needs is not installed."""


class OcrFailed(RuntimeError):
    """Tesseract ran and failed (bad image, out of memory, killed)."""


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels
    conf: float  # 0..100
    block: int
    par: int
    line: int


def bundle_dir() -> Path | None:
    """The PyInstaller bundle's folder, when running from one."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if base else None


def find_tessdata(configured: str | os.PathLike[str] | None = None) -> Path | None:
    """The first folder holding ``*.traineddata`` (see the module docstring), or None."""
    candidates: list[str | os.PathLike[str]] = []
    for value in (os.environ.get(TESSDATA_ENV), configured, os.environ.get("TESSDATA_PREFIX")):
        if value:
            candidates += [value, Path(value) / "tessdata"]
    bundle = bundle_dir()
    if bundle is not None:
        candidates.append(bundle / "tessdata")
    candidates += list(SYSTEM_TESSDATA)
    for candidate in candidates:
        folder = Path(candidate)
        try:
            if folder.is_dir() and any(folder.glob("*.traineddata")):
                return folder
        except OSError:
            continue
    return None


def find_tesseract() -> str | None:
    bundle = bundle_dir()
    if bundle is not None:
        for name in ("tesseract", "tesseract.exe"):
            if (bundle / "tesseract" / name).is_file():
                return str(bundle / "tesseract" / name)
    return shutil.which("tesseract")


def installed_languages(tessdata: Path) -> set[str]:
    return {p.stem for p in tessdata.glob("*.traineddata")}


def tesseract_lang(code: str) -> str:
    """An app language code ("fr") or Tesseract name ("fra", "fra+eng") → Tesseract's."""
    return "+".join(TESSERACT_LANGS.get(part, part) for part in code.split("+"))


def check_languages(tessdata: Path, lang: str) -> None:
    missing = [part for part in lang.split("+") if part not in installed_languages(tessdata)]
    if missing:
        debs = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in missing)
        raise OcrUnavailable(f"OCR language data missing for {', '.join(missing)} in {tessdata}: "
                             f"install it (apt-get install {debs}) or set {TESSDATA_ENV}.")


def _child_setup(memory_mb: int) -> None:  # pragma: no cover - runs between fork and exec
    """Dies with its parent (a killed OCR child takes Tesseract with it), memory capped."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@dataclass(frozen=True)
class Tesseract:
    """One way of calling the ``tesseract`` command (from a single-threaded process)."""

    binary: str
    tessdata: Path
    timeout_s: float = 120.0
    memory_mb: int = 1536

    @classmethod
    def locate(cls, configured: str | os.PathLike[str] | None = None, **kwargs: float
               ) -> Tesseract:
        binary, tessdata = find_tesseract(), find_tessdata(configured)
        if binary is None or tessdata is None:
            what = "the tesseract program" if binary is None else "its language data"
            raise OcrUnavailable(
                f"OCR needs {what}: apt-get install tesseract-ocr tesseract-ocr-fra "
                f"(or set {TESSDATA_ENV} to a tessdata folder).")
        return cls(binary, tessdata, **kwargs)  # type: ignore[arg-type]

    def run(self, image: bytes, args: Sequence[str]) -> str:
        """Run Tesseract on ``image`` (bytes of any format Leptonica reads); its stdout.

        The image goes into an unlinked temporary file in a RAM folder, given to Tesseract
        as its stdin and read as the file ``/dev/stdin`` (a killed child leaves nothing
        behind); where there is no ``/dev/stdin`` (Windows), a named temporary file.
        Measured here: an uncompressed TIFF file costs Tesseract the same CPU as a PNG
        piped on stdin (which it reads byte by byte) and is made in 6 ms instead of 40 ms
        for a 300-dpi page; a PGM costs Tesseract 0.1-0.2 s more, from a file or a pipe."""
        env = dict(os.environ, OMP_THREAD_LIMIT="1", TESSDATA_PREFIX=str(self.tessdata))
        named = not os.path.exists("/dev/stdin")
        # Closed (and, when named, removed) in the finally clause below.
        tmp: IO[bytes] = (tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="passerelle-ocr-", delete=False)
            if named else tempfile.TemporaryFile(dir=_scratch_dir()))  # noqa: SIM115
        try:
            tmp.write(image)
            tmp.flush()
            tmp.seek(0)
            source = tmp.name if named else "/dev/stdin"
            cmd = [self.binary, str(source), "stdout", "--tessdata-dir", str(self.tessdata),
                   *args]
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL if named else tmp,
                                  capture_output=True, env=env, timeout=self.timeout_s,
                                  check=False, preexec_fn=lambda: _child_setup(self.memory_mb))
        except subprocess.TimeoutExpired as exc:
            raise OcrFailed(f"OCR of a page took more than {self.timeout_s:.0f} s") from exc
        except OSError as exc:
            raise OcrUnavailable(f"Cannot run tesseract: {exc}") from exc
        finally:
            tmp.close()
            if named:
                Path(tmp.name).unlink(missing_ok=True)
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrFailed(f"tesseract failed ({done.returncode}): {' '.join(err[-2:])[:200]}")
        return done.stdout.decode("utf-8", "replace")

    def words(self, image: bytes, lang: str, psm: int = 3, dpi: int = 300) -> list[Word]:
        tsv = self.run(image, ["-l", lang, "--psm", str(psm), "--dpi", str(dpi), "tsv"])
        return parse_tsv(tsv)

    def osd(self, image: bytes, dpi: int = 300) -> tuple[int, str | None, float]:
        """(clockwise rotation that makes the page upright, script, orientation confidence);
        (0, None, 0.0) when Tesseract cannot tell (too little text)."""
        try:
            out = self.run(image, ["--psm", "0", "--dpi", str(dpi)])
        except OcrFailed as exc:
            log.debug("OSD failed: %s", exc)
            return 0, None, 0.0
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        try:
            rotate = int(fields.get("Rotate", "0").strip())
            conf = float(fields.get("Orientation confidence", "0").strip())
        except ValueError:
            return 0, None, 0.0
        script = fields.get("Script", "").strip() or None
        return rotate, script, conf


def _scratch_dir() -> str | None:
    """A RAM-backed folder for the page images handed to Tesseract, else the temp folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def parse_tsv(tsv: str) -> list[Word]:
    """Words of Tesseract's TSV output (level 5 rows), in its reading order."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            left, top, width, height = (int(c) for c in cols[6:10])
            conf = float(cols[10])
            block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        except ValueError:
            continue
        words.append(Word(text, (left, top, left + width, top + height), max(conf, 0.0),
                          block, par, line))
    return words
