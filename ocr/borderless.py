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

from . import cell_rules as C
from .grid import PixelBox, GridCell, TableGrid

MIN_NUMBERS = 2
"""A data row holds at least this many numbers, and at least three boxes."""
WRAP_GAP, HEADER_GAP = 0.8, 0.5
"""Two stacked label boxes closer than this × text height are one wrapped label (among the
data rows, and in the header above them)."""
ALIGNED = 0.3
"""A label whose centre is this close (× text height) to a row of numbers is that row's."""
MAX_DATA_GAP = 8.0
"""Rows of numbers further apart than this × text height belong to different tables (a
four-line label makes a gap of about five)."""
MAX_HEADER_ROWS = 4
MAX_ROW_GAP = 3.0
"""A header row lies at most this × text height above the next row of the table."""


_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")


class TextBox(Protocol):
    text: str
    bbox: PixelBox


@dataclass
class Borderless:
    grid: TableGrid
    cells: dict[int, list[int]]  # grid cell index → indices of the boxes in it (reading order)
    used: set[int]  # indices of all boxes that belong to the table


def _is_number(text: str) -> bool:
    return C.digit_like(text) and any(ch.isdigit() for ch in text)


def merge_wrapped(boxes: list[PixelBox], numeric: list[bool], text_h: float, anchors: list[float] = (),
                  data_top: float = float("inf")) -> list[list[int]]:
    """Groups of box indices: a label box and the label boxes stacked right below it (with
    horizontal overlap) are one wrapped label — but two lines that each sit level with a
    different row of numbers (`anchors`: their centres) are two rows' labels, and a label
    whose lines so far are centred on a row of numbers takes no line below. The gap
    allowed is WRAP_GAP text heights among the data rows (below `data_top`) and HEADER_GAP
    above them, where stacked header rows ("法人或其他组织" over "商业企业") must stay apart."""

    def anchor(b: PixelBox) -> int | None:
        cy = (b[1] + b[3]) / 2
        near = [k for k, a in enumerate(anchors) if abs(a - cy) <= ALIGNED * text_h]
        return near[0] if near else None

    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    groups: list[list[int]] = []
    spans: list[PixelBox] = []
    for i in order:
        b = boxes[i]
        target = None
        if not numeric[i]:
            limit = (WRAP_GAP if b[1] >= data_top else HEADER_GAP) * text_h
            for k, (g, gb) in enumerate(zip(groups, spans)):
                last = boxes[g[-1]]
                if numeric[g[-1]]:
                    continue
                overlap = min(b[2], gb[2]) - max(b[0], gb[0])
                gap = b[1] - last[3]
                a, c = anchor(last), anchor(b)
                # a label centred on a row of numbers is whole (a cell centres its text):
                # the line right under it, in rows printed tight, begins the next row's label
                complete = b[1] >= data_top and anchor(gb) is not None
                if overlap > 0.3 * min(b[2] - b[0], last[2] - last[0]) and -0.3 * text_h <= gap <= limit \
                        and not (a is not None and c is not None and a != c) and not complete:
                    target = k
                    break
        if target is None:
            groups.append([i])
            spans.append(b)
        else:
            groups[target].append(i)
            gb = spans[target]
            spans[target] = (min(gb[0], b[0]), gb[1], max(gb[2], b[2]), max(gb[3], b[3]))
    return groups


def wrapped_lines(boxes: list[PixelBox], texts: list[str], numeric: list[bool], text_h: float) -> dict[int, int]:
    """Second lines of wrapped numbers ("100" over "8" in a column too narrow for "1008"):
    {index of the second line: index of the first}. A line of numbers is taken for second
    lines only when each of its numbers sits right under a number of at least two digits, no
    wider than it (the geometry of `cell_rules.wrapped_number`, WRAP_GAP apart), and some
    other number of the table, on one line with nothing under it, sits halfway between the
    two lines: the row's numbers that fit, centred in it. Two rows of a table printed close
    together stack every number on another, and a number missing from the second (a lone
    "0" the detector did not see) leaves one level with the first line, not between. Whether
    the two lines are then read as one number is the cell's rule (`cell_rules.wrapped_number`)."""
    num = [i for i in range(len(boxes)) if numeric[i]]

    def under(b: int, a: int) -> bool:
        (ax0, _, ax1, ab), (bx0, bt, bx1, _) = boxes[a], boxes[b]
        overlap = min(ax1, bx1) - max(ax0, bx0)
        return overlap > 0.5 * (bx1 - bx0) and -0.3 * text_h <= bt - ab < C.WRAP_GAP * text_h

    def fills(b: int, a: int) -> bool:
        n = sum(ch.isdigit() for ch in texts[a])
        pitch = (boxes[a][2] - boxes[a][0]) / max(n, 1)
        return n >= 2 and boxes[b][2] - boxes[b][0] <= boxes[a][2] - boxes[a][0] + 0.5 * pitch

    out: dict[int, int] = {}
    for row in group_rows([boxes[i] for i in num], text_h):
        line = [num[k] for k in row]
        firsts = {}
        for b in line:
            above = [a for a in num if a not in line and under(b, a) and fills(b, a)]
            if above:
                firsts[b] = max(above, key=lambda a: boxes[a][3])
        if len(firsts) != len(line):
            continue
        mid = (sum((boxes[a][1] + boxes[a][3]) / 2 for a in firsts.values()) / len(firsts)
               + sum((boxes[b][1] + boxes[b][3]) / 2 for b in line) / len(line)) / 2
        level = [c for c in num if c not in line and c not in firsts.values()
                 and abs((boxes[c][1] + boxes[c][3]) / 2 - mid) <= ALIGNED * text_h]
        if any(not any(under(x, c) for x in num if x != c) for c in level):
            out.update(firsts)
    return out


def _span(boxes: list[PixelBox], group: list[int]) -> PixelBox:
    return (min(boxes[i][0] for i in group), min(boxes[i][1] for i in group),
            max(boxes[i][2] for i in group), max(boxes[i][3] for i in group))


def group_rows(spans: list[PixelBox], text_h: float) -> list[list[int]]:
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


def value_columns(number_spans: list[PixelBox], text_h: float) -> list[float]:
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


def label_columns(label_spans: list[PixelBox], x_end: float, text_h: float) -> list[float]:
    """Boundaries of the label area left of the values: one column per cluster of left
    edges (labels are left-aligned or indented per level)."""
    lefts = sorted(b[0] for b in label_spans if b[0] < x_end)
    starts: list[float] = []
    for x in lefts:
        if not starts or x - starts[-1] > text_h:
            starts.append(x)
    return starts


def find_borderless(boxes: list[TextBox], text_h: float) -> Borderless | None:
    """The table among the boxes, if their alignment shows one (see the module docstring).

    Rows are anchored on the numbers: each row of numbers is a data row, and a label (one
    line or a wrapped one) belongs to the data row whose centre is nearest to its own — a
    two-line label's centre sits level with its row's numbers, a group label ("(三)不予公开")
    somewhere inside its group. Header rows are the label rows right above the first data row.
    """
    if len(boxes) < 6:
        return None
    bb = [tuple(int(v) for v in b.bbox) for b in boxes]
    numeric = [_is_number(b.text) for b in boxes]
    # a wrapped number's two lines are one box, level with its row's one-line numbers (never
    # a third line: two is what the cell's rule joins); else a two-line label of that row,
    # its lines level with either, would pass for two rows' labels
    second = wrapped_lines(bb, [b.text for b in boxes], numeric, text_h)
    joined = {b: a for b, a in second.items() if a not in second}
    first_of = {a: b for b, a in joined.items()}
    num_idx = [i for i in range(len(bb)) if numeric[i] and i not in joined]
    nb = [_span(bb, [i, first_of[i]]) if i in first_of else bb[i] for i in num_idx]
    number_rows = [r for r in group_rows(nb, text_h) if len(r) >= MIN_NUMBERS]
    anchors = [sum((nb[k][1] + nb[k][3]) / 2 for k in r) / len(r) for r in number_rows]
    data_top = min((min(nb[k][1] for k in r) for r in number_rows), default=float("inf")) - 0.5 * text_h
    groups = merge_wrapped(bb, numeric, text_h, anchors, data_top)
    if joined:
        where = {i: k for k, g in enumerate(groups) for i in g}
        for b, a in joined.items():
            groups[where[a]].append(b)
        groups = [g for g in groups if not (len(g) == 1 and g[0] in joined)]
    spans = [_span(bb, g) for g in groups]
    gnum = [all(numeric[i] for i in g) for g in groups]
    number_ids = [k for k in range(len(groups)) if gnum[k]]
    nrows = [[number_ids[i] for i in r] for r in group_rows([spans[k] for k in number_ids], text_h)]
    data = [r for r in nrows if len(r) >= MIN_NUMBERS]
    if not data:
        return None
    centre = [sum((spans[k][1] + spans[k][3]) / 2 for k in r) / len(r) for r in data]
    # the longest run of data rows without a wide vertical gap (another table, prose)
    runs: list[list[int]] = [[0]]
    for j in range(1, len(data)):
        top = min(spans[k][1] for k in data[j])
        bottom = max(spans[k][3] for k in data[j - 1])
        if top - bottom <= MAX_DATA_GAP * text_h:
            runs[-1].append(j)
        else:
            runs.append([j])
    run = max(runs, key=lambda r: sum(len(data[j]) for j in r))
    n_numbers = sum(len(data[j]) for j in run)
    if len(run) < 3 and n_numbers < 5:
        return None
    rows = [list(data[j]) for j in run]
    cys = [centre[j] for j in run]
    lo = min(spans[k][1] for k in rows[0]) - 0.5 * text_h
    hi = max(spans[k][3] for k in rows[-1]) + 0.5 * text_h
    labels = [k for k in range(len(groups)) if not gnum[k]]
    above = []
    for k in labels:
        cy = (spans[k][1] + spans[k][3]) / 2
        if lo <= cy <= hi:
            j = min(range(len(rows)), key=lambda j: abs(cys[j] - cy))
            rows[j].append(k)
        elif cy < lo:
            above.append(k)
    # header rows: label rows right above the data, up to the table's title
    left = min(spans[k][0] for r in rows for k in r)
    right = max(spans[k][2] for r in rows for k in r)
    width = right - left
    header: list[list[int]] = []
    head_rows = [[above[i] for i in r] for r in group_rows([spans[k] for k in above], text_h)] if above else []
    edge = min(spans[k][1] for k in rows[0])
    for r in reversed(head_rows):
        gap = edge - max(spans[k][3] for k in r)
        if len(header) >= MAX_HEADER_ROWS or gap > MAX_ROW_GAP * text_h:
            break
        if any(spans[k][2] - spans[k][0] > 0.6 * width or spans[k][2] < left or spans[k][0] > right for k in r):
            break
        if len(r) == 1 and _HEADING.match("".join(boxes[i].text for i in groups[r[0]])):
            break  # the table's numbered title ("四、政府信息公开行政复议…"), not a header row
        header.insert(0, r)
        edge = min(spans[k][1] for k in r)
    table_rows = header + rows
    members = [k for r in table_rows for k in r]
    vcols = value_columns([spans[k] for k in members if gnum[k]], text_h)
    first_value = vcols[0]
    lcols = label_columns([spans[k] for k in members if not gnum[k]], first_value - 0.5 * text_h, text_h)
    left = min(spans[k][0] for k in members)
    cols = sorted(set([min(left, *(lcols or [left]))] + lcols[1:] + [first_value - 0.5 * text_h] + vcols[1:]))
    cols[-1] = max(cols[-1], max(spans[k][2] for k in members))
    ys = [min(spans[k][1] for k in table_rows[0])]
    for j in range(1, len(table_rows)):
        a, b = table_rows[j - 1], table_rows[j]
        if j <= len(header):  # below a header row: the middle of the gap
            ys.append((max(spans[k][3] for k in a) + min(spans[k][1] for k in b)) / 2)
        else:  # between data rows: halfway between their numbers
            ys.append((_row_centre(a, spans, gnum) + _row_centre(b, spans, gnum)) / 2)
    ys.append(max(spans[k][3] for k in table_rows[-1]))
    xs = [int(round(x)) for x in cols]
    yi = [int(round(y)) for y in ys]
    cells = [GridCell(r, c, 1, 1, (xs[c], yi[r], xs[c + 1], yi[r + 1]))
             for r in range(len(table_rows)) for c in range(len(xs) - 1)]
    grid = TableGrid(bbox=(xs[0], yi[0], xs[-1], yi[-1]), rows=yi, cols=xs, cells=cells, ruled=False)
    assigned: dict[int, list[int]] = {}
    for r, row in enumerate(table_rows):
        for gi in row:
            sp = spans[gi]
            cx = (sp[0] + sp[2]) / 2
            if not gnum[gi] and cx < first_value:
                cx = sp[0] + 1  # a row label: its left edge says its level
            c = max(0, min(len(xs) - 2, int(np.searchsorted(xs, cx, side="right")) - 1))
            assigned.setdefault(r * (len(xs) - 1) + c, []).extend(groups[gi])
    used = {i for r in table_rows for gi in r for i in groups[gi]}
    for k in assigned:
        assigned[k].sort(key=lambda i: (bb[i][1], bb[i][0]))
    return Borderless(grid=grid, cells=assigned, used=used)


def _row_centre(row: list[int], spans: list[PixelBox], gnum: list[bool]) -> float:
    """A row's vertical centre: its numbers' if it has any, else all its boxes'."""
    ks = [k for k in row if gnum[k]] or row
    return sum((spans[k][1] + spans[k][3]) / 2 for k in ks) / len(ks)
