"""Pieces of one table that a page break printed as two tables.

A table cut at a page break may leave on the next page only rows of values (table 四's one
data row under a header left behind, a last row whose label cell stayed above). Such a
piece holds no label at all, so nothing classifies it on its own; it belongs under the
table printed just before it, and is joined there before the tables are mapped. Pieces
that carry labels (rows of table 三, a repeated header) are classified by their own words
and need no join.
"""
from __future__ import annotations

import re
from dataclasses import replace

from core.document import Cell, ExtractedDocument, Table, TextBlock
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


_PAGE_FOOTER = re.compile(r"^[—－\-\s]*\d{1,3}[—－\-\s]*$|^第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?$")


def tables_with_rows_left_as_text(doc: ExtractedDocument, is_row_label) -> list[Table]:
    """The document's tables, and, after a table, a line that is one of its rows which a page
    layer printed as text: a ruled grid of a single row cut off by a page break
    ("行政事业性收费 1.5" at the top of the next page) that no table finder took for a table.

    Only a line that is exactly a row label (`is_row_label`) followed by values, right under
    a table (page footers between them skipped), counts: words or a sentence never do."""
    out: list[Table] = []
    after_table = False
    for b in doc.blocks:
        if isinstance(b, Table):
            out.append(b)
            after_table = True
        elif isinstance(b, TextBlock) and after_table:
            text = " ".join(b.text.split())
            if _PAGE_FOOTER.match(text):
                continue
            row = _text_row(text, is_row_label)
            if row is not None:
                out.append(Table(cells=[Cell(0, k, t, prov=b.prov) for k, t in enumerate(row)], prov=b.prov,
                                 columns_reliable=False))
            else:
                after_table = False
        else:
            after_table = False
    return out


def _text_row(text: str, is_row_label) -> list[str] | None:
    label, *values = text.split(" ")
    if values and is_row_label(label) and all(is_value_token(v) for v in values):
        return [label, *values]
    return None
