"""Pieces of one table that a page break printed as two tables.

A table cut at a page break may leave on the next page only rows of values (table 四's one
data row under a header left behind, a last row whose label cell stayed above). Such a
piece holds no label at all, so nothing classifies it on its own; it belongs under the
table printed just before it, and is joined there before the tables are mapped. Pieces
that carry labels (rows of table 三, a repeated header) are classified by their own words
and need no join.
"""
from __future__ import annotations

from dataclasses import replace

from core.document import Table
from core.values import is_value_token


def values_only(table: Table) -> bool:
    """Every non-blank cell is a number or a null marker, and there is at least one."""
    texts = [c.text for c in table.cells if c.text.strip()]
    return bool(texts) and all(is_value_token(t) for t in texts)


def join_continuations(tables: list[Table]) -> list[tuple[Table, Table]]:
    """(table to map, the document's table it starts with), continuation pieces joined."""
    out: list[tuple[Table, Table]] = []
    for t in tables:
        if out and values_only(t) and not values_only(out[-1][0]):
            out[-1] = (_append(out[-1][0], t), out[-1][1])
            continue
        out.append((t, t))
    return out


def _append(top: Table, piece: Table) -> Table:
    """`piece`'s rows under `top`'s. Columns stay reliable only where both grids are equally
    wide; otherwise the joined table is read by order within each row."""
    shift = top.n_rows
    cells = list(top.cells) + [replace(c, row=c.row + shift) for c in piece.cells]
    same_grid = top.columns_reliable and piece.columns_reliable and top.n_cols == piece.n_cols
    return Table(cells=cells, prov=top.prov, columns_reliable=same_grid, caption=top.caption)
