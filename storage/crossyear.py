"""Cross-year findings: checks that need last year's report of the same agency.

- `apply.carry_chain`: this year's `apply.carried_in.<col>` (上年结转) equals last year's
  `apply.carried_forward.<col>` (结转下年度继续办理), for every column of table 三.
- `active.in_force_chain` (both reports on template 2021): this year's
  `active.<rules|normative>.in_force` equals last year's in_force + this year's issued −
  this year's repealed.

They are advisory (a body may legitimately restate a figure) and sit on the LATER report,
with kind `cross_year`. A check with any null operand is not assessable and yields nothing,
as everywhere in gongkai. They are computed in the warehouse, the only place that sees both
years: whenever a report of year Y is loaded, replaced or removed, the findings of Y (against
Y−1) and of Y+1 (against Y) are recomputed, so the order in which years arrive does not matter.
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import Connection, delete, insert, select

from core.template import APPLY_COLUMNS

from .models import ReportFinding, Report, ReportCell

CARRY_CHAIN = "apply.carry_chain"
IN_FORCE_CHAIN = "active.in_force_chain"
IN_FORCE_ROWS = ("rules", "normative")
_EPS = 1e-9

Values = Mapping[str, float | int | None]


def _codes() -> list[str]:
    out = []
    for c in APPLY_COLUMNS:
        out += [f"apply.carried_in.{c.key}", f"apply.carried_forward.{c.key}"]
    for r in IN_FORCE_ROWS:
        out += [f"active.{r}.{k}" for k in ("issued", "repealed", "in_force")]
    return out


CHAIN_CODES = tuple(_codes())
"""Every cell the cross-year rules read."""


def _num(v: float | int | None) -> str:
    if v is None:
        return "null"
    return str(int(v)) if float(v).is_integer() else str(v)


def chain_findings(prev: Values, cur: Values, prev_year: int, cur_year: int,
                   prev_template: str, cur_template: str) -> list[dict[str, Any]]:
    """The cross-year findings of `cur` against `prev` (the previous year), as finding dicts.

    Pure: `prev` and `cur` map cell codes to values (absent = null).
    """
    out: list[dict[str, Any]] = []
    for c in APPLY_COLUMNS:
        ci, cf = f"apply.carried_in.{c.key}", f"apply.carried_forward.{c.key}"
        expected, actual = prev.get(cf), cur.get(ci)
        if expected is None or actual is None or abs(float(expected) - float(actual)) < _EPS:
            continue
        out.append({
            "rule": CARRY_CHAIN, "column": c.key, "expected": expected, "actual": actual,
            "message": f"{cur_year} {ci} = {_num(actual)}, but {prev_year} {cf} = {_num(expected)}",
            "cells": [ci], "previous_cells": [cf],
        })
    if prev_template == "2021" and cur_template == "2021":
        for r in IN_FORCE_ROWS:
            last = prev.get(f"active.{r}.in_force")
            issued, repealed, now = (cur.get(f"active.{r}.{k}") for k in ("issued", "repealed", "in_force"))
            if last is None or issued is None or repealed is None or now is None:
                continue
            expected = float(last) + float(issued) - float(repealed)
            if abs(expected - float(now)) < _EPS:
                continue
            out.append({
                "rule": IN_FORCE_CHAIN, "column": r, "expected": expected, "actual": now,
                "message": (f"{cur_year} active.{r}.in_force = {_num(now)}, but {prev_year} in_force "
                            f"{_num(last)} + issued {_num(issued)} − repealed {_num(repealed)} = {_num(expected)}"),
                "cells": [f"active.{r}.in_force", f"active.{r}.issued", f"active.{r}.repealed"],
                "previous_cells": [f"active.{r}.in_force"],
            })
    return out


def _values(conn: Connection, report_id: int) -> dict[str, float | None]:
    rows = conn.execute(select(ReportCell.code, ReportCell.value).where(
        ReportCell.report_id == report_id, ReportCell.code.in_(CHAIN_CODES)))
    return {r.code: r.value for r in rows}


def recompute_report(conn: Connection, report_id: int) -> int:
    """Replace the cross-year findings of one report (against its agency's previous year).

    Returns how many it has now. Only kind `cross_year` is touched: the record's own findings
    stay as loaded.
    """
    conn.execute(delete(ReportFinding).where(ReportFinding.report_id == report_id, ReportFinding.kind == "cross_year"))
    cur = conn.execute(select(Report.agency_id, Report.year, Report.template).where(Report.id == report_id)).first()
    if cur is None:
        return 0
    prev = conn.execute(select(Report.id, Report.template).where(
        Report.agency_id == cur.agency_id, Report.year == cur.year - 1)).first()
    if prev is None:
        return 0
    found = chain_findings(_values(conn, prev.id), _values(conn, report_id), cur.year - 1, cur.year,
                           prev.template, cur.template)
    if found:
        conn.execute(insert(ReportFinding), [{
            "report_id": report_id, "kind": "cross_year", "rule": f["rule"], "column_code": f["column"],
            "expected": f["expected"], "actual": f["actual"], "message": f["message"], "cells": f["cells"],
            "detail": {"previous_report_id": prev.id, "previous_year": cur.year - 1,
                       "previous_cells": f["previous_cells"]},
        } for f in found])
    return len(found)


def refresh_around(conn: Connection, agency_id: int, year: int) -> dict[int, int]:
    """Recompute the cross-year findings that a change to (agency, year) can affect: those of
    year and year+1. Returns {report_id: findings now} for the reports that exist."""
    out: dict[int, int] = {}
    for y in (year, year + 1):
        rid = conn.execute(select(Report.id).where(Report.agency_id == agency_id, Report.year == y)).scalar()
        if rid is not None:
            out[rid] = recompute_report(conn, rid)
    return out
