"""Tables printed without rulings: a grid from the alignment of recognised text boxes.

    merge_wrapped(boxes, text_h)     the stacked lines of one wrapped label → one box
    group_rows(boxes, text_h)        boxes → text rows (vertical overlap)
    table_run(rows)                  the rows that hold numbers, with the header rows above
    value_columns(rows, text_h)      columns of the numbers: the gaps no number box crosses
    label_columns(rows, x_end, ...)  columns of the labels left of them: clustered left edges
    find_borderless(boxes, text_h)   → `Borderless` (grid + which box went to which cell)

Why numbers decide the columns: header labels of a borderless table are centred over the
columns they span ("行政诉讼" over ten of them) and cover the gaps between value columns,
so a projection of every box merges columns; the numbers of the data rows never do. A page
of prose has no rows of three or more numbers, so it never passes for a table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .grid import BBox, GridCell, TableGrid

MIN_NUMBERS = 2
"""A data row holds at least this many numbers, and at least three boxes."""
WRAP_GAP = 0.35
"""Two stacked label boxes closer than this × text height are one wrapped label."""
MAX_HEADER_ROWS = 4
MAX_ROW_GAP = 3.0
"""A header row lies at most this × text height above the next row of the table."""


_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")


class TextBox(Protocol):
    text: str
    bbox: BBox


@dataclass
class Borderless:
    grid: TableGrid
    cells: dict[int, list[int]]  # grid cell index → indices of the boxes in it (reading order)
    used: set[int]  # indices of all boxes that belong to the table


def _is_number(text: str) -> bool:
    from .read import digit_like

    return digit_like(text) and any(ch.isdigit() for ch in text)


def merge_wrapped(boxes: list[BBox], numeric: list[bool], text_h: float) -> list[list[int]]:
    """Groups of box indices: a label box and the label boxes stacked right below it with
    horizontal overlap and a gap under WRAP_GAP × text height are one wrapped label."""
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    groups: list[list[int]] = []
    bottom_of: list[BBox] = []
    for i in order:
        b = boxes[i]
        placed = False
        if not numeric[i]:
            for g, gb in zip(groups, bottom_of):
                last = boxes[g[-1]]
                overlap = min(b[2], gb[2]) - max(b[0], gb[0])
                gap = b[1] - last[3]
                if not numeric[g[-1]] and overlap > 0.5 * min(b[2] - b[0], last[2] - last[0]) \
                        and -0.5 * text_h <= gap <= WRAP_GAP * text_h:
                    g.append(i)
                    placed = True
                    break
        if not placed:
            groups.append([i])
            bottom_of.append(b)
        else:
            k = next(k for k, g in enumerate(groups) if g[-1] == i)
            gb = bottom_of[k]
            bottom_of[k] = (min(gb[0], b[0]), gb[1], max(gb[2], b[2]), b[3])
    return groups


def _span(boxes: list[BBox], group: list[int]) -> BBox:
    return (min(boxes[i][0] for i in group), min(boxes[i][1] for i in group),
            max(boxes[i][2] for i in group), max(boxes[i][3] for i in group))


def group_rows(spans: list[BBox], text_h: float) -> list[list[int]]:
    """Indices of `spans` grouped into rows: a box joins the row whose common vertical band
    contains its centre."""
    rows: list[list[int]] = []
    bands: list[tuple[float, float]] = []
    for i in sorted(range(len(spans)), key=lambda i: (spans[i][1] + spans[i][3]) / 2):
        cy = (spans[i][1] + spans[i][3]) / 2
        if rows and bands[-1][0] - 0.2 * text_h <= cy <= bands[-1][1] + 0.2 * text_h:
            rows[-1].append(i)
            top, bottom = bands[-1]
            bands[-1] = (max(top, spans[i][1]), min(bottom, spans[i][3]))
            continue
        rows.append([i])
        bands.append((spans[i][1], spans[i][3]))
    return rows


def value_columns(number_spans: list[BBox], text_h: float) -> list[float]:
    """Column boundaries over the number boxes: the middle of every gap in their
    x-projection at least 0.6 × text height wide, and their outer edges."""
    x0 = int(min(b[0] for b in number_spans))
    x1 = int(max(b[2] for b in number_spans))
    cover = np.zeros(x1 - x0 + 1, bool)
    for b in number_spans:
        cover[int(b[0]) - x0: int(b[2]) - x0 + 1] = True
    bounds = [float(x0)]
    start = None
    min_gap = max(3, int(0.6 * text_h))
    for i, c in enumerate(cover):
        if not c and start is None:
            start = i
        elif c and start is not None:
            if i - start >= min_gap:
                bounds.append(x0 + (start + i) / 2)
            start = None
    bounds.append(float(x1))
    return bounds


def label_columns(label_spans: list[BBox], x_end: float, text_h: float) -> list[float]:
    """Boundaries of the label area left of the values: one column per cluster of left
    edges (labels are left-aligned or indented per level)."""
    lefts = sorted(b[0] for b in label_spans if b[0] < x_end)
    starts: list[float] = []
    for x in lefts:
        if not starts or x - starts[-1] > text_h:
            starts.append(x)
    return starts


def find_borderless(boxes: list[TextBox], text_h: float) -> Borderless | None:
    """The table among the boxes, if their alignment shows one (see the module docstring)."""
    if len(boxes) < 6:
        return None
    bb = [tuple(int(v) for v in b.bbox) for b in boxes]
    numeric = [_is_number(b.text) for b in boxes]
    groups = merge_wrapped(bb, numeric, text_h)
    spans = [_span(bb, g) for g in groups]
    gnum = [all(numeric[i] for i in g) for g in groups]
    rows = group_rows(spans, text_h)
    data = [k for k, r in enumerate(rows) if len(r) >= 3 and sum(gnum[i] for i in r) >= MIN_NUMBERS]
    if not data:
        return None
    # the longest run of data rows, allowing two non-data rows (wrapped or group labels) between
    runs: list[list[int]] = [[data[0]]]
    for k in data[1:]:
        if k - runs[-1][-1] <= 3:
            runs[-1].append(k)
        else:
            runs.append([k])
    run = max(runs, key=len)
    n_numbers = sum(gnum[i] for k in run for i in rows[k])
    if len(run) < 3 and n_numbers < 5:
        return None
    first, last = run[0], run[-1]
    width = max(spans[i][2] for k in run for i in rows[k]) - min(spans[i][0] for k in run for i in rows[k])
    top = first
    while top > 0 and first - top < MAX_HEADER_ROWS:
        prev = rows[top - 1]
        gap = min(spans[i][1] for i in rows[top]) - max(spans[i][3] for i in prev)
        if gap > MAX_ROW_GAP * text_h or any(spans[i][2] - spans[i][0] > 0.6 * width for i in prev):
            break
        if len(prev) == 1 and _HEADING.match("".join(boxes[i].text for i in groups[prev[0]])):
            break  # the table's numbered title ("四、政府信息公开行政复议…"), not a header row
        top -= 1
    table_rows = rows[top:last + 1]
    members = [i for r in table_rows for i in r]
    number_spans = [spans[i] for i in members if gnum[i]]
    vcols = value_columns(number_spans, text_h)
    first_value = vcols[0]
    lcols = label_columns([spans[i] for i in members if not gnum[i]], first_value - 0.5 * text_h, text_h)
    left = min(spans[i][0] for i in members)
    cols = sorted(set([min(left, *(lcols or [left]))] + lcols[1:] + [first_value - 0.5 * text_h] + vcols[1:]))
    cols[-1] = max(cols[-1], max(spans[i][2] for i in members))
    ys = [min(spans[i][1] for i in table_rows[0])]
    for a, b in zip(table_rows, table_rows[1:]):
        ys.append((max(spans[i][3] for i in a) + min(spans[i][1] for i in b)) / 2)
    ys.append(max(spans[i][3] for i in table_rows[-1]))
    xs = [int(round(x)) for x in cols]
    yi = [int(round(y)) for y in ys]
    cells = [GridCell(r, c, 1, 1, (xs[c], yi[r], xs[c + 1], yi[r + 1]))
             for r in range(len(table_rows)) for c in range(len(xs) - 1)]
    grid = TableGrid(bbox=(xs[0], yi[0], xs[-1], yi[-1]), rows=yi, cols=xs, cells=cells, ruled=False)
    assigned: dict[int, list[int]] = {}
    for r, row in enumerate(table_rows):
        for gi in row:
            s = spans[gi]
            cx = (s[0] + s[2]) / 2
            if not gnum[gi] and cx < first_value:
                cx = s[0] + 1  # a row label: its left edge says its level
            c = max(0, min(len(xs) - 2, int(np.searchsorted(xs, cx, side="right")) - 1))
            assigned.setdefault(r * (len(xs) - 1) + c, []).extend(groups[gi])
    used = {i for r in table_rows for gi in r for i in groups[gi]}
    for k in assigned:
        assigned[k].sort(key=lambda i: (bb[i][1], bb[i][0]))
    return Borderless(grid=grid, cells=assigned, used=used)
