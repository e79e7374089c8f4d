"""Cheap table pre-detection for PDF pages (pure functions over PyMuPDF dicts).

``page.find_tables`` is costly, so the worker calls it only inside the box around a page's
ruling lines (:func:`ruling_area`).  Tables drawn without lines are recognised here from
grid-aligned text (:func:`text_grids`): at least three consecutive rows of at least three
cells whose left or right edges line up, and whose cells are short for the column pitch
(lines of prose columns fill theirs).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Rect = tuple[float, float, float, float]

MIN_ROWS = 3
MIN_COLS = 3
MIN_CELL_GAP = 8.0  # points of white between two cells of a row
ALIGN_TOLERANCE = 4.0


@dataclass(frozen=True)
class TableGrid:
    """A table found on a page: its box and the boxes of its cells by (row, col)."""

    bbox: Rect
    cells: tuple[tuple[int, int, Rect], ...]


def ruling_area(drawings: Iterable[dict]) -> Rect | None:  # type: ignore[type-arg]
    """The box around the horizontal and vertical rulings of ``page.get_cdrawings()``,
    or None when there are fewer than two of each."""
    horizontal = vertical = 0
    box = [float("inf"), float("inf"), float("-inf"), float("-inf")]
    for path in drawings:
        for item in path.get("items", ()):
            if item[0] == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
            else:
                continue
            w, h = abs(x1 - x0), abs(y1 - y0)
            is_h, is_v = w >= 8 and h < 3, h >= 8 and w < 3
            if item[0] == "re" and w >= 8 and h >= 8:
                is_h = is_v = True
            if is_h or is_v:
                horizontal += is_h
                vertical += is_v
                box = [min(box[0], x0, x1), min(box[1], y0, y1),
                       max(box[2], x0, x1), max(box[3], y0, y1)]
    if horizontal < 2 or vertical < 2:
        return None
    return (box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3)


def _line_boxes(text_dict: dict) -> list[Rect]:  # type: ignore[type-arg]
    return [tuple(line["bbox"]) for block in text_dict.get("blocks", ())
            if block.get("type", 0) == 0 for line in block.get("lines", ())
            if any(s["text"].strip() for s in line["spans"]) and line.get("dir", (1, 0))[0] > 0.99]


def _rows(boxes: Sequence[Rect]) -> list[list[Rect]]:
    rows: list[list[Rect]] = []
    for box in sorted(boxes, key=lambda b: (b[3], b[0])):
        if rows and abs(rows[-1][0][3] - box[3]) < 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [sorted(r) for r in rows]


def _is_grid_row(row: Sequence[Rect]) -> bool:
    if len(row) < MIN_COLS:
        return False
    return min(b[0] - a[2] for a, b in itertools.pairwise(row)) >= MIN_CELL_GAP


def _short_cells(rows: Sequence[Sequence[Rect]]) -> bool:
    """Table cells are short for their column pitch; lines of prose columns fill it."""
    fill = sorted((a[2] - a[0]) / max(b[0] - a[0], 1.0)
                  for row in rows for a, b in itertools.pairwise(row))
    return fill[len(fill) // 2] <= 0.6


def _aligned(upper: Sequence[Rect], lower: Sequence[Rect]) -> bool:
    def matches(cell: Rect) -> bool:
        return any(abs(cell[0] - u[0]) <= ALIGN_TOLERANCE or abs(cell[2] - u[2]) <= ALIGN_TOLERANCE
                   for u in upper)

    hits = sum(1 for cell in lower if matches(cell))
    return hits >= max(2, min(len(upper), len(lower)) - 1)


def _grid(rows: Sequence[Sequence[Rect]]) -> TableGrid:
    widest = max(rows, key=len)
    columns: list[list[Rect]] = [[c] for c in widest]
    for row in rows:
        if row is widest:
            continue
        for cell in row:
            centre = (cell[0] + cell[2]) / 2
            best = min(range(len(columns)), key=lambda j: abs(
                (columns[j][0][0] + columns[j][0][2]) / 2 - centre))
            columns[best].append(cell)
    xs = [min(c[0] for c in col) for col in columns]
    x_ends = [max(c[2] for c in col) for col in columns]
    x_bounds = [xs[0] - 1] + [(x_ends[j] + xs[j + 1]) / 2 for j in range(len(xs) - 1)]
    x_bounds.append(max(x_ends) + 1)
    tops = [min(c[1] for c in r) for r in rows]
    bottoms = [max(c[3] for c in r) for r in rows]
    y_bounds = [tops[0] - 1] + [(bottoms[i] + tops[i + 1]) / 2 for i in range(len(rows) - 1)]
    y_bounds.append(bottoms[-1] + 1)
    cells = tuple((r, c, (x_bounds[c], y_bounds[r], x_bounds[c + 1], y_bounds[r + 1]))
                  for r in range(len(rows)) for c in range(len(columns)))
    return TableGrid(bbox=(x_bounds[0], y_bounds[0], x_bounds[-1], y_bounds[-1]), cells=cells)


def text_grids(text_dict: dict) -> list[TableGrid]:  # type: ignore[type-arg]
    """Tables without rulings: runs of aligned rows of short, separated cells."""
    grids: list[TableGrid] = []
    run: list[list[Rect]] = []
    for row in [*_rows(_line_boxes(text_dict)), []]:
        grid_row = _is_grid_row(row)
        close = bool(run) and row and row[0][1] - run[-1][0][3] < 2.5 * (row[0][3] - row[0][1])
        if grid_row and run and close and _aligned(run[-1], row):
            run.append(row)
            continue
        if len(run) >= MIN_ROWS and _short_cells(run):
            grids.append(_grid(run))
        run = [row] if grid_row else []
    return grids
