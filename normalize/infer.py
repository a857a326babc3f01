"""Rows of table 三 that print fewer values than columns (a cell lost in conversion).

Seed 001 prints six zeros for seven cells in rows （一） and （二）: the converter dropped one
cell and we cannot see which. A cell is filled only where the template's identities fix
the whole row uniquely (canonical-record spec), and only with a 0: a row missing a cell that
would need a number (3 + 1 + … with no 总计) may be a row whose 总计 was printed blank, and a
blank is never computed (shared/variety.md, "Blank vs zero"). Try the lost cell at each of the seven
positions, solve it from the row identity (总计 = sum of the six applicant columns), keep
the placements that are non-negative and agree with the column identities wherever
those are assessable, and accept the row only if every surviving placement gives the same
seven numbers. Otherwise the row stays null — never a guess.
"""
from __future__ import annotations

from core.record import CellSource, Finding
from validate import apply_balance, apply_result_totals

from core import template as T
from .rows import ValueCell
from .tables import TableMapping

COLUMNS = [c.key for c in T.APPLY_COLUMNS]


def resolve_short_rows(m: TableMapping) -> None:
    unsolved = []
    # A converter that drops a zero here and there leaves a few rows short; most rows short
    # by a cell is a column printed blank in a dump that drops blanks (总计 left empty
    # throughout): those cells are blanks, and nothing is filled in.
    blank_column = len(m.short_rows) > len(m.apply_rows) / 2
    for rkey, values in list(m.short_rows.items()):
        solved = None if blank_column else solve_row(rkey, values, m)
        if solved is None:
            unsolved.append(f"{rkey} ({len(values)} values)")
            continue
        for col, (value, src) in solved.items():
            m.put(f"apply.{rkey}.{col}", value, src)
        del m.short_rows[rkey]
    if unsolved:  # one problem (the dump lost the table's blank cells), one finding
        m.findings.append(Finding(
            "row.incomplete",
            f"table 三 rows {', '.join(unsolved)}: fewer values than its 7 columns and the template's identities "
            "do not fix them uniquely; left null", table="applications"))


def solve_row(rkey: str, values: list[ValueCell], m: TableMapping) -> dict[str, tuple[int, CellSource]] | None:
    if len(values) != len(COLUMNS) - 1:
        return None
    printed = [v.parsed().value for v in values]
    if any(not isinstance(p, int) for p in printed):
        return None
    candidates = []
    for gap in range(len(COLUMNS)):
        row: list[int | None] = list(printed[:gap]) + [None] + list(printed[gap:])  # type: ignore[arg-type]
        if gap == len(COLUMNS) - 1:
            row[gap] = sum(row[:-1])  # type: ignore[arg-type]
        else:
            row[gap] = row[-1] - sum(x for i, x in enumerate(row[:-1]) if i != gap)  # type: ignore[operator]
        # Only a lost 0 is filled in: a cell that would need a number computed for it may as
        # well be a printed blank (总计 left empty on a row whose parts are given), and a blank
        # is never computed.
        if row[gap] != 0 or not _columns_agree(rkey, row, m):  # type: ignore[operator]
            continue
        candidates.append((gap, tuple(row)))
    if not candidates or len({c[1] for c in candidates}) != 1:
        return None
    gap, row = candidates[0]
    out: dict[str, tuple[int, CellSource]] = {}
    printed_iter = iter(values)
    for i, col in enumerate(COLUMNS):
        if i == gap:  # not printed: the row it belongs to, no column of its own
            out[col] = (row[i], CellSource(method="inferred", confidence=0.9, raw=None, page=values[0].cell.prov.page,
                                           table=values[0].table, row=values[0].cell.row))
        else:
            v = next(printed_iter)
            p = v.cell.prov
            out[col] = (row[i], CellSource(page=p.page, bbox=p.bbox, method="inferred", confidence=0.9,
                                           raw=v.cell.text.strip(), table=v.table, row=v.cell.row, col=v.cell.col))
    return out


def _columns_agree(rkey: str, row, m: TableMapping) -> bool:
    """The candidate row against the validator's apply.result_total and apply.balance: no
    failure that involves this row's cells (checks with a null operand are not assessable)."""
    cells = {code: value for code, (value, _) in m.cells.items()}
    mine = {f"apply.{rkey}.{col}" for col in COLUMNS}
    cells.update(zip((f"apply.{rkey}.{col}" for col in COLUMNS), row))
    return not any(mine & set(f.cells) for f in [*apply_result_totals(cells), *apply_balance(cells)])
