"""Ruled tables on a fixed-layout page (PDF, OFD): cells → grid, and tables stitched across pages.

The rulings become cell boxes in `extractors.rulings`; here each table's boxes and the
page's glyphs become a grid, and a table continued on the next page is joined to its first
part. Each step is a module-level function whose result can be inspected on its own:

    find_table_parts(edges, chars)  rulings → cell groups (`extractors.rulings`) → parts
    cells_to_part(...)              one table on one page: cell boxes, their texts, the x/y edges
    stitch_parts(parts)             a table continued on the next page → one grid
    part_to_table(part)             the document model's `Table`

Why not pdfplumber's `page.find_tables()` as is: its "lines" strategy takes every
rectangle's outline, and WPS draws a white rectangle behind each line of body text, so whole
pages of prose come out as one-column "tables"; and a table continued on a new page often
has no top border on that page, which loses its first row.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from core.document import BBox, Cell, Provenance, Table, grid_size
from core.geometry import cluster_positions
from extractors.pdf_lines import Centres, Line, chars_to_lines, join_lines, lines_bbox
from extractors.rulings import close_open_tables, edges_to_cell_groups, merge_rulings

EDGE_TOLERANCE = 1.5
"""Cell sides this close are on the same grid line."""
STITCH_TOLERANCE = 5.0
"""Outer table sides on consecutive pages this close belong to one table."""

_NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?%?$")
_PLACEHOLDERS = {"/", "-", "—", "－", "–", "无", "／"}
_MARKER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+\s*[.．、])")
"""A list marker that starts a row label: "（四）", "三、", "1.", "2．"."""


# --- cells ------------------------------------------------------------------------------------


@dataclass
class RawCell:
    """A cell box on one page with the text lines inside it."""

    bbox: BBox
    page: int
    lines: list[Line] = field(default_factory=list)
    text: str = ""
    row: int = 0
    col: int = 0
    row_span: int = 1
    col_span: int = 1


@dataclass
class TablePart:
    """One table's cells on one page, with the grid lines they sit on.

    `xs`/`ys` are the distinct cell sides, left to right and top to bottom; a cell's column is
    the index of its left side in `xs` and its span the number of `xs` intervals it covers.
    A part stitched from several pages has `ys` only as long as its first page's (rows are then
    offsets) and `pages` lists them all.
    """

    page: int
    bbox: BBox
    cells: list[RawCell]
    xs: list[float]
    ys: list[float]
    pages: list[int] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return grid_size(self.cells)[0]

    @property
    def n_cols(self) -> int:
        return grid_size(self.cells)[1]


def distinct_positions(values: list[float], tolerance: float = EDGE_TOLERANCE) -> list[float]:
    """Sorted values with near-equal ones collapsed to their mean."""
    return cluster_positions(values, tolerance)


def _nearest(positions: list[float], v: float) -> int:
    i = bisect.bisect_left(positions, v)
    if i == 0:
        return 0
    if i == len(positions):
        return len(positions) - 1
    return i if positions[i] - v < v - positions[i - 1] else i - 1


def cells_to_part(boxes: list[BBox], chars: list[dict], page: int, centres: Centres | None = None) -> TablePart:
    """Cell boxes of one table + the page's glyphs → a `TablePart` with rows, columns and texts.

    Each glyph goes to the cell holding its centre (found through the grid, not by scanning
    every cell); a cell's text is its lines joined CJK-aware (`join_lines`). `centres`: the
    page's glyph centres, where the caller has them for all its tables.
    """
    xs = distinct_positions([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = distinct_positions([b[1] for b in boxes] + [b[3] for b in boxes])
    cells: list[RawCell] = []
    owner: dict[tuple[int, int], RawCell] = {}
    # cells share their sides: each distinct side is looked up once
    col_of = {v: _nearest(xs, v) for v in {v for b in boxes for v in (b[0], b[2])}}
    row_of = {v: _nearest(ys, v) for v in {v for b in boxes for v in (b[1], b[3])}}
    for b in boxes:
        c0, c1 = col_of[b[0]], col_of[b[2]]
        r0, r1 = row_of[b[1]], row_of[b[3]]
        if c1 <= c0 or r1 <= r0:
            continue
        cell = RawCell(bbox=b, page=page, row=r0, col=c0, row_span=r1 - r0, col_span=c1 - c0)
        cells.append(cell)
        for r in range(r0, r1):
            for k in range(c0, c1):
                owner.setdefault((r, k), cell)
    inside: dict[int, list[dict]] = {}
    last_row, last_col, after = len(ys) - 2, len(xs) - 2, bisect.bisect_right
    if centres is None:
        centres = Centres(chars)
    for i in centres.within((xs[0], ys[0], xs[-1], ys[-1])):
        cx, cy = centres.x[i], centres.y[i]
        cell = owner.get((min(after(ys, cy) - 1, last_row), min(after(xs, cx) - 1, last_col)))
        if cell is not None:
            inside.setdefault(id(cell), []).append(chars[i])
    for cell in cells:
        held = inside.get(id(cell))
        if held:  # else the defaults: no lines, no text (a table's empty cells are many)
            cell.lines = chars_to_lines(held)
            cell.text = join_lines([ln.text for ln in cell.lines])
    cells.sort(key=lambda c: (c.row, c.col))
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    return TablePart(page=page, bbox=bbox, cells=cells, xs=xs, ys=ys, pages=[page])


def find_table_parts(rulings: list[dict], chars: list[dict], page_no: int,
                     centres: Centres | None = None) -> list[TablePart]:
    """All ruled tables of a page, top to bottom (`is_table_part`), from its unmerged rulings."""
    groups = edges_to_cell_groups(close_open_tables(merge_rulings(rulings)))
    if groups and centres is None:
        centres = Centres(chars)
    parts = [cells_to_part(group, chars, page_no, centres) for group in groups]
    return [p for p in parts if is_table_part(p)]


def is_table_part(p: TablePart) -> bool:
    """At least two rows and two columns, or one row of at least three cells: the last row
    of a table cut by a page break, alone at the top of the next page (a framed paragraph
    is one cell wide, a label box two)."""
    return (p.n_rows >= 2 and p.n_cols >= 2) or (p.n_rows == 1 and p.n_cols >= 3)


# --- 4. stitching across pages ---------------------------------------------------------------


def parts_continue(above: TablePart, below: TablePart) -> bool:
    """Whether `below` (top of the next page) continues `above` (bottom of this page).

    The caller has checked that nothing but page furniture lies between them; here the outer
    sides must line up, and at least half of the lower part's inner column lines must fall on
    column lines of the upper part.
    """
    if abs(above.xs[0] - below.xs[0]) > STITCH_TOLERANCE or abs(above.xs[-1] - below.xs[-1]) > STITCH_TOLERANCE:
        return False
    inner = below.xs[1:-1]
    if not inner:
        return True
    hits = sum(any(abs(x - a) <= STITCH_TOLERANCE for a in above.xs) for x in inner)
    return hits * 2 >= len(inner)


def _row_texts(part: TablePart, row: int) -> list[tuple[int, str]]:
    return [(c.col, c.text) for c in part.cells if c.row == row]


def drop_repeated_header(above: TablePart, below: TablePart) -> TablePart:
    """The continuation without its first rows when they repeat the table's first rows.

    Word and WPS can repeat header rows on every page ("标题行重复"); the grid wants them once.
    """
    n = 0
    while n < below.n_rows - 1 and n < above.n_rows and _row_texts(below, n) \
            and [t for _, t in _row_texts(below, n)] == [t for _, t in _row_texts(above, n)] \
            and any(t for _, t in _row_texts(below, n)):
        n += 1
    if n == 0 or any(c.row < n <= c.row + c.row_span - 1 for c in below.cells):
        return below
    cells = [_moved(c, c.row - n, c.col, c.col_span) for c in below.cells if c.row >= n]
    return replace(below, cells=cells, ys=below.ys[n:])


def stitch_parts(above: TablePart, below: TablePart) -> TablePart:
    """Two parts of one table → one part: columns re-indexed on the union of their column
    lines, the lower rows appended, and cells cut by the page break joined (`join_seam`)."""
    below = drop_repeated_header(above, below)
    xs = distinct_positions(above.xs + below.xs, STITCH_TOLERANCE)
    offset = above.n_rows
    cells = [_recolumn(c, xs, 0) for c in above.cells] + [_recolumn(c, xs, offset) for c in below.cells]
    seam_above = [c for c in cells[: len(above.cells)] if c.row + c.row_span == offset]
    seam_below = [c for c in cells[len(above.cells):] if c.row == offset]
    cells = join_seam(cells, seam_above, seam_below)
    bbox = above.bbox
    return TablePart(page=above.page, bbox=bbox, cells=drop_covered_rows(cells), xs=xs, ys=above.ys,
                     pages=above.pages + below.pages)


def _recolumn(c: RawCell, xs: list[float], row_offset: int) -> RawCell:
    c0, c1 = _nearest(xs, c.bbox[0]), _nearest(xs, c.bbox[2])
    return _moved(c, c.row + row_offset, c0, max(1, c1 - c0))


def _moved(c: RawCell, row: int, col: int, col_span: int) -> RawCell:
    """A copy of `c` at another place in the grid (built directly: `dataclasses.replace`
    costs ten times as much, once per cell of every stitched table)."""
    return RawCell(c.bbox, c.page, c.lines, c.text, row, col, c.row_span, col_span)


def _is_value(text: str) -> bool:
    """A printed number or a value placeholder ("/", "-", "—", "无")."""
    t = text.replace(" ", "")
    return bool(_NUMBER.match(t)) or t in _PLACEHOLDERS


def _starts_item(text: str) -> bool:
    return bool(_MARKER.match(text))


def _innermost_label(cells: list[RawCell], first_value_col: int) -> str:
    """The text of the rightmost non-empty label cell (left of the values) among `cells`."""
    labels = [c for c in cells if c.col < first_value_col and c.text]
    return max(labels, key=lambda c: c.col).text if labels else ""


def _text_at_bottom(cell: RawCell) -> bool:
    """Whether a cell's text runs down to its bottom border (no more than padding below)."""
    box = lines_bbox(cell.lines)
    if box is None:
        return False
    last = cell.lines[-1].bbox
    return cell.bbox[3] - box[3] <= 0.6 * (last[3] - last[1])


def _text_at_top(cell: RawCell) -> bool:
    """Whether a cell's text starts at its top border (no more than padding above)."""
    box = lines_bbox(cell.lines)
    if box is None:
        return False
    first = cell.lines[0].bbox
    return box[1] - cell.bbox[1] <= 0.6 * (first[3] - first[1])


def row_was_cut(above_row: list[RawCell], below_row: list[RawCell], pairs: list[tuple[RawCell, RawCell]],
                first_value_col: int) -> bool:
    """Whether the last row above the page break and the first row below it are one row.

    Body rows: the values are printed on one side only, and the label above starts an item
    ("1.本机关不掌握相关政府") while the label below does not ("信息"). Header rows (no values
    on either side): most cell texts above run to the bottom border and continue at the top
    of the cells below ("结果维" / "持"). Two single-line header rows that the break merely
    separates look the same and are joined too: rare, and only the header text suffers.
    """
    above_values = any(_is_value(c.text) for c in above_row)
    below_values = any(_is_value(c.text) for c in below_row)
    if above_values != below_values:
        a, b = _innermost_label(above_row, first_value_col), _innermost_label(below_row, first_value_col)
        return _starts_item(a) and bool(b) and not _starts_item(b)
    if not above_values and not below_values:
        both = [(a, b) for a, b in pairs if a.text and b.text]
        cut = sum(_text_at_bottom(a) and _text_at_top(b) for a, b in both)
        return bool(both) and cut * 2 > len(both)
    return False


def join_seam(cells: list[RawCell], seam_above: list[RawCell], seam_below: list[RawCell]) -> list[RawCell]:
    """Join the cells that one page break cut in two.

    Pairs are cells in the same columns on either side of the break. When the break cut a
    row (`row_was_cut`), every pair is one cell. Otherwise only label cells (left of the table's
    first column holding a value) are joined: when one side is empty — a group label such as
    "三、本年度办理结果" spanning rows on both pages — or when the label above starts an item
    and the text below does not ("（四）无法提" + "供"). A value cell is never joined to
    another row's value cell, and an empty value cell stays as is (blank is not zero).
    """
    below_at = {(c.col, c.col_span): c for c in seam_below}
    pairs = [(a, below_at[(a.col, a.col_span)]) for a in seam_above if (a.col, a.col_span) in below_at]
    last_row = max((c.row for c in seam_above), default=0)
    above_row = [c for c in seam_above if c.row == last_row]
    numbers = [c.col for c in cells if _is_value(c.text)]
    first_value_col = min(numbers) if numbers else 10**6
    cut = row_was_cut(above_row, seam_below, pairs, first_value_col)
    drop: set[int] = set()
    for a, b in pairs:
        label = a.col < first_value_col
        join = cut or (label and (not a.text or not b.text
                                  or (_starts_item(a.text) and not _starts_item(b.text) and not _is_value(b.text))))
        if join:
            a.row_span += b.row_span
            a.text = join_lines([a.text, b.text])
            if not a.lines:
                a.bbox, a.page = b.bbox, b.page
            a.lines = a.lines + b.lines
            drop.add(id(b))
    return [c for c in cells if id(c) not in drop]


def drop_covered_rows(cells: list[RawCell]) -> list[RawCell]:
    """Remove grid rows that no cell starts in once seam joins made every cell span them."""
    n_rows = max((c.row + c.row_span for c in cells), default=0)
    anchored = {c.row for c in cells}
    for r in sorted(set(range(n_rows)) - anchored, reverse=True):
        if r == 0:
            continue
        for c in cells:
            if c.row > r:
                c.row -= 1
            elif c.row < r < c.row + c.row_span:
                c.row_span -= 1
    return cells


def part_to_table(part: TablePart) -> Table:
    """A (possibly stitched) part → the document model's `Table`, cells in reading order."""
    cells = [Cell(row=c.row, col=c.col, text=c.text, row_span=c.row_span, col_span=c.col_span,
                  prov=Provenance(page=c.page, bbox=round_box(c.bbox), method="text"))
             for c in sorted(part.cells, key=lambda c: (c.row, c.col))]
    return Table(cells=cells, prov=Provenance(page=part.page, bbox=round_box(part.bbox), method="text"))


def round_box(b: BBox) -> BBox:
    """A box to the hundredth of a point, as provenance records it."""
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))
