"""An HTML `<table>` → a `Table` whose cells sit at their true grid positions.

Report tables use heavy rowspan/colspan, rows with fewer cells, and sometimes empty
`<td>`s in place of a rowspan (shared/research/format.md §3.3); a flattener that ignores
spans shifts values between columns, which is exactly the damage seen in seeds 001/003.
Old CMS templates also use tables for page layout, which must not become data tables.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from core.document import Block, Cell, Provenance, Table

from .html_meta import compact, text_outside


MAX_COLSPAN = 1000  # the HTML limit; larger values are typos
LAYOUT_TEXT_CHARS = 200


def table_rows(table) -> list[list]:
    """The table's own rows (through thead/tbody/tfoot), each a list of its td/th elements.

    Cells of nested tables are not included. libxml2 keeps a `<td>` written without a
    `<tr>` (unclosed markup) as a direct child of the table or row group; consecutive such
    cells form one row, as browsers imply it.
    """
    rows: list[list] = []
    loose: list | None = None
    for el in _row_items(table):
        if _tag(el) == "tr":
            rows.append([c for c in el if _tag(c) in ("td", "th")])
            loose = None
        else:
            if loose is None:
                loose = []
                rows.append(loose)
            loose.append(el)
    return rows


def _row_items(table) -> Iterator:
    """`<tr>`s and loose cells of a table, row groups opened."""
    for child in table:
        tag = _tag(child)
        if tag in ("thead", "tbody", "tfoot"):
            yield from (c for c in child if _tag(c) in ("tr", "td", "th"))
        elif tag in ("tr", "td", "th"):
            yield child


def _tag(el) -> str:
    """Lower-case tag name; "" for comments and processing instructions."""
    return el.tag.lower() if isinstance(el.tag, str) else ""


def is_layout_table(table) -> bool:
    """A table used to lay out the page rather than to hold data.

    Old CMS templates wrap the whole article in a one-cell table, or put paragraphs and the
    data tables together in one cell; treating such a wrapper as a data table would turn the
    report into a single cell.
    """
    cells = [c for row in table_rows(table) for c in row]
    if len(cells) == 1:
        return True
    return any(cell.find(".//table") is not None
               and len(compact(text_outside(cell, "table"))) > LAYOUT_TEXT_CHARS for cell in cells)


def _span(cell, attr: str) -> int:
    """rowspan/colspan as an int; junk ("2;", "", "abc") counts as 1, 0 as 'to the end'."""
    m = re.match(r"\s*(\d+)", cell.get(attr) or "")
    return int(m.group(1)) if m else 1


CellReader = Callable[[object], tuple[str, list[Block]]]


def place_cells(rows: list[list]) -> list[tuple[int, int, int, int, object]]:
    """(row, col, row_span, col_span, td) for every cell, placed with an occupancy grid.

    As browsers do, each cell takes the first free column of its row after the positions
    that row-spanning cells above already hold. A row with fewer cells simply ends early,
    and empty `<td>`s (used by some editors instead of a rowspan) keep their place, so
    every column keeps its true index. A rowspan past the last row is cut there (0 means
    "to the end"); a colspan is capped at HTML's 1000.
    """
    occupied: set[tuple[int, int]] = set()
    placed = []
    for r, tds in enumerate(rows):
        c = 0
        for td in tds:
            while (r, c) in occupied:
                c += 1
            row_span = max(1, min(_span(td, "rowspan") or len(rows) - r, len(rows) - r))
            col_span = max(1, min(_span(td, "colspan") or 1, MAX_COLSPAN))
            placed.append((r, c, row_span, col_span, td))
            occupied.update((r + i, c + k) for i in range(row_span) for k in range(col_span))
            c += col_span
    return placed


def table_to_blocks(table, read_cell: CellReader) -> tuple[Table | None, list[Block]]:
    """(the table as a `Table`, blocks found inside its cells: nested tables, images).

    `read_cell` turns a cell element into (text, non-text blocks); the page walker supplies
    it, so cells are read with the same rules as paragraphs.
    """
    cells: list[Cell] = []
    extra: list[Block] = []
    for r, c, row_span, col_span, td in place_cells(table_rows(table)):
        text, inner = read_cell(td)
        cells.append(Cell(r, c, text, row_span, col_span, Provenance(page=None, method="text")))
        extra.extend(inner)
    if not cells:
        return None, extra
    caption = table.find("caption")
    caption_text = read_cell(caption)[0] if caption is not None else None
    return Table(cells, Provenance(page=None, method="text"), caption=caption_text or None), extra
