"""Generators for test PDFs (PyMuPDF), reusable by reader, writer and hostile-input tests.

Every function writes a small deterministic PDF and returns its path.  The page
geometry is A4-like (595 x 842 pt) unless stated otherwise.  Building blocks:

* :func:`lorem` – deterministic English-like text (with numbers) from a seed;
* :func:`write_paragraph` – a left-aligned paragraph with ``insert_text`` (fast);
* :func:`two_column_page` – a page with a left and a right column of paragraphs;
* :func:`running_header_footer` – a header line and a footer line (``{n}`` = page number);
* :func:`ruled_table` – a table with ruling lines (found by ``page.find_tables``);
* :func:`html_block` – rich text via ``insert_htmlbox`` (bold, italic, Cyrillic, Arabic);
* :func:`text_table` – a table drawn with text only (no rulings).

Whole documents: :func:`simple_pdf`, :func:`two_column_pdf`, :func:`table_pdf`,
:func:`text_table_pdf`, :func:`hyphenated_pdf`, :func:`styled_pdf`, :func:`multilingual_pdf`,
:func:`scanned_pdf`, :func:`encrypted_pdf`, :func:`bench_pdf`; hostile ones:
:func:`many_paths_pdf`, :func:`zero_page_pdf`.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Sequence
from pathlib import Path

import pymupdf

WIDTH, HEIGHT = 595.0, 842.0
MARGIN = 56.0
GUTTER = 22.0
BODY_TOP, BODY_BOTTOM = 90.0, 780.0
FONT = "helv"
BOLD_FONT = "hebo"

_WORDS = (
    "officer", "report", "border", "station", "vehicle", "document", "control", "office",
    "annual", "review", "budget", "inspection", "agency", "regional", "customs", "record",
    "transfer", "meeting", "analysis", "network", "operation", "training", "equipment",
    "schedule", "request", "approval", "mission", "partner", "evidence", "summary", "field",
    "security", "commission", "decision", "article", "section", "procedure", "measure",
    "program", "result", "period",
)

CYRILLIC = "Отчёт о проверке пограничного поста был подписан в понедельник."
# Arabic words without lam (the generated font maps the lam ligature to a wrong code point).
ARABIC = "مرحبا بكم في تقرير مكتب حدود"


def lorem(words: int, seed: int = 0) -> str:
    """Deterministic English-like sentences of about ``words`` words, with some numbers."""
    rnd = random.Random(seed)
    out: list[str] = []
    while len(out) < words:
        n = rnd.randint(6, 14)
        sentence = [rnd.choice(_WORDS) for _ in range(n)]
        if rnd.random() < 0.3:
            sentence.insert(rnd.randint(1, n - 1), str(rnd.randint(2, 2025)))
        sentence[0] = sentence[0].capitalize()
        out.extend(sentence[:-1])
        out.append(sentence[-1] + ".")
    return " ".join(out)


@functools.lru_cache(maxsize=4096)
def text_length(text: str, fontname: str = FONT, fontsize: float = 10.0) -> float:
    """Width of ``text`` in points (cached: the generators measure the same words often)."""
    return float(pymupdf.get_text_length(text, fontname, fontsize))


def wrap(text: str, width: float, fontsize: float = 10.0, fontname: str = FONT) -> list[str]:
    """Greedy line breaking of ``text`` for a base-14 font."""
    space = text_length(" ", fontname, fontsize)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in text.split():
        w = text_length(word, fontname, fontsize)
        if current and used + space + w > width:
            lines.append(" ".join(current))
            current, used = [], 0.0
        used += (space if current else 0.0) + w
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def write_lines(page: pymupdf.Page, x: float, y: float, lines: Sequence[str],
                fontsize: float = 10.0, fontname: str = FONT) -> float:
    """Write pre-broken lines from baseline ``y``; returns the y below the last line."""
    leading = fontsize * 1.25
    page.insert_text((x, y), list(lines), fontsize=fontsize, fontname=fontname,
                     lineheight=1.25)
    return y + leading * len(lines)


def write_paragraph(page: pymupdf.Page, x: float, y: float, width: float, text: str,
                    fontsize: float = 10.0, fontname: str = FONT) -> float:
    """A wrapped paragraph from baseline ``y``; returns the baseline for the next one."""
    bottom = write_lines(page, x, y, wrap(text, width, fontsize, fontname), fontsize, fontname)
    return bottom + fontsize * 0.9  # paragraph spacing


def column_width(columns: int = 2) -> float:
    return (WIDTH - 2 * MARGIN - (columns - 1) * GUTTER) / columns


def two_column_page(page: pymupdf.Page, left: Sequence[str], right: Sequence[str],
                    top: float = BODY_TOP, fontsize: float = 10.0) -> None:
    """Fill a left and a right column with paragraphs, from baseline ``top``."""
    width = column_width(2)
    for x, paragraphs in ((MARGIN, left), (MARGIN + width + GUTTER, right)):
        y = top
        for text in paragraphs:
            y = write_paragraph(page, x, y, width, text, fontsize)


def running_header_footer(page: pymupdf.Page, header: str | None, footer: str | None,
                          number: int) -> None:
    """A running header at the top and a footer at the bottom; ``{n}`` is the page number."""
    if header:
        page.insert_text((MARGIN, 42), header.format(n=number), fontsize=8, fontname=FONT)
    if footer:
        text = footer.format(n=number)
        x = (WIDTH - pymupdf.get_text_length(text, FONT, 8)) / 2
        page.insert_text((x, HEIGHT - 30), text, fontsize=8, fontname=FONT)


def ruled_table(page: pymupdf.Page, rect: pymupdf.Rect, rows: Sequence[Sequence[str]],
                fontsize: float = 9.0) -> None:
    """A grid of ``rows`` inside ``rect`` with a ruling line between every row and column."""
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    cw, rh = rect.width / n_cols, rect.height / n_rows
    shape = page.new_shape()
    for i in range(n_rows + 1):
        y = rect.y0 + i * rh
        shape.draw_line((rect.x0, y), (rect.x1, y))
    for j in range(n_cols + 1):
        x = rect.x0 + j * cw
        shape.draw_line((x, rect.y0), (x, rect.y1))
    shape.finish(color=(0, 0, 0), width=0.8)
    shape.commit()
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            page.insert_text((rect.x0 + j * cw + 4, rect.y0 + i * rh + rh / 2 + fontsize / 3),
                             text, fontsize=fontsize, fontname=BOLD_FONT if i == 0 else FONT)


def html_block(page: pymupdf.Page, rect: pymupdf.Rect | Sequence[float], html: str,
               css: str | None = None) -> None:
    """Rich text (``<b>``, ``<i>``, any script) typeset by MuPDF's HTML engine."""
    page.insert_htmlbox(pymupdf.Rect(rect), html, css=css)


def _save(doc: pymupdf.Document, path: Path, **kwargs: object) -> Path:
    path = Path(path)
    doc.save(str(path), garbage=1, deflate=True, **kwargs)  # type: ignore[arg-type]
    doc.close()
    return path


def simple_pdf(path: Path, paragraphs: Sequence[str], title: str | None = None) -> Path:
    """One page, single column: an optional 18 pt title, then the paragraphs (any script:
    Latin-1 text uses Helvetica, anything else MuPDF's HTML engine and its Noto fonts)."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    y = 80.0
    if title:
        y = write_paragraph(page, MARGIN, y, WIDTH - 2 * MARGIN, title, 18) + 6
    for text in paragraphs:
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            html_block(page, (MARGIN, y - 10, WIDTH - MARGIN, y + 60), f"<p>{text}</p>")
            y += 70
        else:
            y = write_paragraph(page, MARGIN, y, WIDTH - 2 * MARGIN, text)
    return _save(doc, path)


def two_column_pdf(path: Path, pages: int = 3, header: str | None = "Border Agency Review",
                   footer: str | None = "Page {n}", seed: int = 1,
                   paragraphs: int = 3, words: int = 60) -> Path:
    """Two-column text pages with a running header and a page-number footer.

    The first paragraph of the left column of page ``p`` starts with ``"L{p}."`` and of the
    right column with ``"R{p}."``, so tests can check the reading order.
    """
    doc = pymupdf.open()
    for p in range(pages):
        page = doc.new_page(width=WIDTH, height=HEIGHT)
        left = [lorem(words, seed * 1000 + p * 10 + i) for i in range(paragraphs)]
        right = [lorem(words, seed * 1000 + p * 10 + 5 + i) for i in range(paragraphs)]
        left[0], right[0] = f"L{p}. {left[0]}", f"R{p}. {right[0]}"
        two_column_page(page, left, right)
        running_header_footer(page, header, footer, p + 1)
    return _save(doc, path)


TABLE_ROWS = [["Item", "Count", "Station"],
              ["Vehicles", "42", "North"],
              ["Documents", "1337", "South"],
              ["Officers", "7", "East"]]


def table_pdf(path: Path, rows: Sequence[Sequence[str]] = TABLE_ROWS) -> Path:
    """One page: a paragraph, a ruled table, then a paragraph with a hyphenated line end."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    write_paragraph(page, MARGIN, 100, WIDTH - 2 * MARGIN,
                    "The table below lists the counts for the first quarter of 2024.")
    ruled_table(page, pymupdf.Rect(MARGIN, 130, 400, 230), rows)
    write_lines(page, MARGIN, 280, ["The officers collected the infor-",
                                    "mation from every station and sent it",
                                    "to the regional office."])
    return _save(doc, path)


def text_table(page: pymupdf.Page, x: float, y: float, rows: Sequence[Sequence[str]],
               column: float = 110.0, row_height: float = 18.0, fontsize: float = 10.0) -> None:
    """A table drawn with text only (no ruling lines): cells on a regular grid."""
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            page.insert_text((x + j * column, y + i * row_height), text, fontsize=fontsize,
                             fontname=FONT)


def text_table_pdf(path: Path, rows: Sequence[Sequence[str]] = TABLE_ROWS) -> Path:
    """Page 1: a paragraph and a table without rulings.  Page 2: three text columns (must
    not be taken for a table)."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    write_paragraph(page, MARGIN, 90, WIDTH - 2 * MARGIN, "Counts per station, unruled.")
    text_table(page, MARGIN, 130, rows)
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    width = column_width(3)
    for c in range(3):
        write_paragraph(page, MARGIN + c * (width + GUTTER), BODY_TOP, width,
                        f"C{c}. " + lorem(90, 40 + c))
    return _save(doc, path)


def hyphenated_pdf(path: Path) -> Path:
    """One paragraph broken as ``infor-`` / ``mation`` at a line end."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    write_lines(page, MARGIN, 100, ["The officers collected the infor-",
                                    "mation from every station and sent it",
                                    "to the regional office on time."])
    return _save(doc, path)


def styled_pdf(path: Path) -> Path:
    """A heading, a paragraph with a bold word mid-sentence and an italic word, a list."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    html = (
        "<h1 style='font-size:20pt'>Annual Review</h1>"
        "<p style='font-size:11pt'>The officer reads the <b>red</b> report every "
        "morning before the <i>daily</i> meeting with the station staff.</p>"
        "<p style='font-size:11pt'>A second paragraph explains the procedure in plain "
        "words for every new member of the team.</p>"
        "<p style='font-size:11pt; color:#c00000'>This warning is printed in red ink.</p>"
    )
    html_block(page, (MARGIN, 60, WIDTH - MARGIN, 400), html)
    write_lines(page, MARGIN, 420, ["• Check the passport of every traveller."], 11)
    write_lines(page, MARGIN, 440, ["• Record the vehicle plate number."], 11)
    write_lines(page, MARGIN, 470, ["Figure 1. Traffic at the northern station."], 9)
    return _save(doc, path)


def multilingual_pdf(path: Path) -> Path:
    """An English, a Cyrillic (Russian) and an Arabic paragraph, far apart on one page."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    html_block(page, (MARGIN, 80, WIDTH - MARGIN, 140),
               "<p>The report was signed on Monday.</p>")
    html_block(page, (MARGIN, 200, WIDTH - MARGIN, 260), f"<p>{CYRILLIC}</p>")
    html_block(page, (MARGIN, 320, WIDTH - MARGIN, 380),
               f"<p dir='rtl' style='text-align:right'>{ARABIC}</p>")
    return _save(doc, path)


def scanned_pdf(path: Path, text_pages: int = 1) -> Path:
    """``text_pages`` ordinary pages followed by one image-only page (no text layer)."""
    doc = pymupdf.open()
    for p in range(text_pages):
        page = doc.new_page(width=WIDTH, height=HEIGHT)
        write_paragraph(page, MARGIN, 100, WIDTH - 2 * MARGIN, lorem(40, p))
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 200, 280), False)
    pix.set_rect(pix.irect, (235,))
    pix.set_rect(pymupdf.IRect(20, 30, 180, 40), (20,))  # a dark "text line"
    page.insert_image(page.rect, pixmap=pix)
    return _save(doc, path)


def encrypted_pdf(path: Path, user_pw: str | None = "secret",
                  owner_pw: str = "owner-secret") -> Path:
    """A one-page text PDF encrypted with AES-256; ``user_pw=None`` gives owner-only."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    write_paragraph(page, MARGIN, 100, WIDTH - 2 * MARGIN,
                    "This confidential report was encrypted before transfer.")
    aes256: int = pymupdf.PDF_ENCRYPT_AES_256  # type: ignore[attr-defined]
    print_only: int = pymupdf.PDF_PERM_PRINT  # type: ignore[attr-defined]
    return _save(doc, path, encryption=aes256, user_pw=user_pw or "", owner_pw=owner_pw,
                 permissions=print_only)


def bench_pdf(path: Path, pages: int = 500, table_every: int = 10, seed: int = 7) -> Path:
    """The benchmark document: two-column text pages with header and footer; one page in
    ``table_every`` (0: none) carries a ruled 8x4 table above shorter columns."""
    doc = pymupdf.open()
    width = column_width(2)
    for p in range(pages):
        page = doc.new_page(width=WIDTH, height=HEIGHT)
        top = BODY_TOP
        if table_every and p % table_every == table_every - 1:
            rows = [[f"R{r}C{c} {_WORDS[(p + r * 4 + c) % len(_WORDS)]}" for c in range(4)]
                    for r in range(8)]
            ruled_table(page, pymupdf.Rect(MARGIN, 80, WIDTH - MARGIN, 240), rows)
            top = 270
        rnd = random.Random(seed * 100003 + p)
        for x in (MARGIN, MARGIN + width + GUTTER):
            y = top
            while True:
                lines = wrap(lorem(rnd.randint(40, 80), rnd.randrange(10**9)), width)
                if y + len(lines) * 12.5 > BODY_BOTTOM:
                    break
                y = write_lines(page, x, y, lines) + 9.0
        running_header_footer(page, "Border Agency Review — Annual Report", "Page {n}", p + 1)
    return _save(doc, path)


def many_paths_pdf(path: Path, paths: int = 1_000_000) -> Path:
    """One page with a line of text and ``paths`` tiny stroked paths in a second content
    stream (``1_000_000`` is the hostile case; about 17 bytes per path before deflate)."""
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    page.insert_text((MARGIN, 72), "A page with very many tiny paths.", fontname=FONT)
    ops = b"0.1 w\n" + b"".join(b"%d %d m %d %d l S\n" % (i % 500, i // 500 % 800,
                                                           i % 500 + 1, i // 500 % 800 + 1)
                                 for i in range(paths))
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, zlib.compress(ops, 1), compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    first = page.get_contents()[0]
    doc.xref_set_key(page.xref, "Contents", f"[{first} 0 R {xref} 0 R]")
    doc.save(str(path))  # MuPDF's own deflate takes seconds on this stream
    doc.close()
    return Path(path)


def zero_page_pdf(path: Path) -> Path:
    """A syntactically valid PDF whose page tree is empty (PyMuPDF refuses to save one)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    Path(path).write_bytes(out)
    return Path(path)
