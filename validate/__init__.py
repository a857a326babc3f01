"""The template's own arithmetic (勾稽关系) as findings.

Every rule of the canonical-record spec: `apply.row_total`, `apply.result_total`,
`apply.balance`, `review.total`, `suit_direct.total`, `suit_after_review.total`,
`value.negative`, `value.not_integer`. A check whose operands include a null cell is not
assessable and yields nothing: a blank 总计 is common and is not an error. Cross-year
checks need two reports and live in the warehouse (`storage.crossyear`).
"""
from __future__ import annotations

from collections.abc import Mapping

from core.record import Finding
from core import template as T

Cells = Mapping[str, "int | float | None"]

RESULT_ROWS = ["granted", "partial", *[r.key for r in T.APPLY_ROWS if r.group in
                                        (T.G_WITHHELD, T.G_UNAVAILABLE, T.G_REJECTED)]]
COLUMNS = [c.key for c in T.APPLY_COLUMNS]
APPLICANTS = list(T.APPLY_APPLICANT_COLUMNS)


def check(cells: Cells, template: str) -> list[Finding]:
    return [*values(cells), *apply_row_totals(cells), *apply_result_totals(cells), *apply_balance(cells),
            *review_totals(cells)]


def _sum_or_none(cells: Cells, codes: list[str]):
    vals = [cells.get(c) for c in codes]
    if any(v is None for v in vals):
        return None
    return sum(vals)  # type: ignore[arg-type]


def _fmt(codes: list[str]) -> str:
    return " + ".join(c.split(".", 1)[1] for c in codes)


def apply_rows_present(cells: Cells) -> list[str]:
    rows = []
    for r in T.APPLY_ROWS:
        if any(f"apply.{r.key}.{c}" in cells for c in COLUMNS):
            rows.append(r.key)
    return rows


def apply_row_totals(cells: Cells) -> list[Finding]:
    out = []
    for r in apply_rows_present(cells):
        parts = [f"apply.{r}.{c}" for c in APPLICANTS]
        expected = _sum_or_none(cells, parts)
        actual = cells.get(f"apply.{r}.total")
        if expected is not None and actual is not None and expected != actual:
            out.append(Finding("apply.row_total", f"table 三 row {r}: 总计 {actual} ≠ sum of applicant columns "
                               f"{expected}", column="total", expected=expected, actual=actual,
                               cells=tuple(parts + [f"apply.{r}.total"]), table="applications"))
    return out


def result_rows(cells: Cells) -> list[str]:
    """The rows that add up to （七）总计: （六） as three sub-rows when printed, else as one row."""
    split = [r for r in T.APPLY_OTHER_SPLIT if any(cells.get(f"apply.{r}.{c}") is not None for c in COLUMNS)]
    single = any(cells.get(f"apply.other.{c}") is not None for c in COLUMNS)
    if single and not split:
        return RESULT_ROWS + ["other"]
    return RESULT_ROWS + list(T.APPLY_OTHER_SPLIT)


def apply_result_totals(cells: Cells) -> list[Finding]:
    out = []
    rows = result_rows(cells)
    for c in COLUMNS:
        parts = [f"apply.{r}.{c}" for r in rows]
        expected = _sum_or_none(cells, parts)
        actual = cells.get(f"apply.result_total.{c}")
        if expected is not None and actual is not None and expected != actual:
            out.append(Finding("apply.result_total", f"table 三 column {c}: （七）总计 {actual} ≠ sum of the "
                               f"result rows {expected}", column=c, expected=expected, actual=actual,
                               cells=tuple(parts + [f"apply.result_total.{c}"]), table="applications"))
    return out


def apply_balance(cells: Cells) -> list[Finding]:
    out = []
    for c in COLUMNS:
        left = _sum_or_none(cells, [f"apply.new.{c}", f"apply.carried_in.{c}"])
        right = _sum_or_none(cells, [f"apply.result_total.{c}", f"apply.carried_forward.{c}"])
        if left is not None and right is not None and left != right:
            out.append(Finding("apply.balance", f"table 三 column {c}: 一 + 二 = {left} but 三 + 四 = {right} "
                               "(第一项加第二项之和，等于第三项加第四项之和)", column=c, expected=left, actual=right,
                               cells=(f"apply.new.{c}", f"apply.carried_in.{c}", f"apply.result_total.{c}",
                                      f"apply.carried_forward.{c}"), table="applications"))
    return out


def review_totals(cells: Cells) -> list[Finding]:
    out = []
    for block in T.REVIEW_BLOCKS:
        parts = [f"{block.key}.{c.key}" for c in T.REVIEW_COLUMNS if c.key != "total"]
        expected = _sum_or_none(cells, parts)
        actual = cells.get(f"{block.key}.total")
        if expected is not None and actual is not None and expected != actual:
            out.append(Finding(f"{block.key}.total", f"table 四 {block.label}: 总计 {actual} ≠ {_fmt(parts)} = "
                               f"{expected}", column="total", expected=expected, actual=actual,
                               cells=tuple(parts + [f"{block.key}.total"]), table="review"))
    return out


def values(cells: Cells) -> list[Finding]:
    defs = T.all_cell_defs()
    out = []
    for code, v in cells.items():
        d = defs.get(code)
        if v is None or d is None or d.money or d.signed:
            continue
        if v < 0:
            out.append(Finding("value.negative", f"{code} = {v}: a count below zero", column=d.column, actual=v,
                               cells=(code,), table=d.table))
        if isinstance(v, float) and not v.is_integer():
            out.append(Finding("value.not_integer", f"{code} = {v}: a count with a fraction", column=d.column,
                               actual=v, cells=(code,), table=d.table))
    return out
