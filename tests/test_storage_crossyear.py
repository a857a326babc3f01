"""Cross-year findings: carry chain and in-force chain, on the later report, in any load order
(both databases), plus the pure rule."""
from __future__ import annotations

from sqlalchemy import select

from core.template import APPLY_COLUMNS
from storage.crossyear import CARRY_CHAIN, IN_FORCE_CHAIN, chain_findings
from storage.load import load_record
from storage.models import ReportFinding
from storage_fixtures import db_url, engine, make_record, num, pg_database, rows, scalar  # noqa: F401

COLS = [c.key for c in APPLY_COLUMNS]
HONGZE = "江苏省淮安市洪泽区"


def cross(engine, year=None):
    sql = ("SELECT r.year, f.rule, f.column_code, f.expected, f.actual FROM findings f "
           "JOIN reports r ON r.id = f.report_id WHERE f.kind = 'cross_year' ORDER BY r.year, f.rule, f.column_code")
    out = [(r["year"], r["rule"], r["column_code"], num(r["expected"]), num(r["actual"])) for r in rows(engine, sql)]
    return [f for f in out if year is None or f[0] == year]


def chain_ok(prev_year_cells=None, cur_cells=None):
    """Two records whose chains hold: 2022 carries 2 forward per column, 2023 carries 2 in."""
    prev = {f"apply.carried_forward.{c}": 2 for c in COLS}
    prev.update({"active.normative.in_force": 5, "active.rules.in_force": 1})
    cur = {f"apply.carried_in.{c}": 2 for c in COLS}
    cur.update({"active.normative.issued": 3, "active.normative.repealed": 0, "active.normative.in_force": 8,
                "active.rules.issued": 0, "active.rules.repealed": 1, "active.rules.in_force": 0})
    prev.update(prev_year_cells or {})
    cur.update(cur_cells or {})
    return (make_record("某区司法局", HONGZE, 2022, source="y22", cells=prev),
            make_record("某区司法局", HONGZE, 2023, source="y23", cells=cur))


def test_pure_rule():
    prev = {"apply.carried_forward.total": 5, "active.normative.in_force": 5}
    cur = {"apply.carried_in.total": 4, "active.normative.issued": 3, "active.normative.repealed": 1,
           "active.normative.in_force": 8}
    got = chain_findings(prev, cur, 2022, 2023, "2021", "2021")
    assert [(f["rule"], f["column"], f["expected"], f["actual"]) for f in got] == [
        (CARRY_CHAIN, "total", 5, 4), (IN_FORCE_CHAIN, "normative", 7.0, 8)]
    assert "2023 apply.carried_in.total = 4" in got[0]["message"]
    # nulls are not assessable; the in-force chain needs template 2021 on both sides
    assert chain_findings({}, cur, 2022, 2023, "2021", "2021") == []
    assert chain_findings(prev, {**cur, "active.normative.repealed": None, "apply.carried_in.total": None},
                          2022, 2023, "2021", "2021") == []
    assert [f["rule"] for f in chain_findings(prev, cur, 2022, 2023, "2019", "2021")] == [CARRY_CHAIN]


def test_consistent_years_have_no_cross_year_findings(engine):
    prev, cur = chain_ok()
    load_record(engine, prev)
    r = load_record(engine, cur)
    assert r.cross_year_findings == 0 and cross(engine) == []


def test_broken_chain_gives_findings_on_the_later_report(engine):
    prev, cur = chain_ok(cur_cells={"apply.carried_in.total": 3, "active.normative.in_force": 9})
    load_record(engine, prev)
    res = load_record(engine, cur)
    assert res.cross_year_findings == 2
    assert cross(engine) == [(2023, IN_FORCE_CHAIN, "normative", 8.0, 9.0), (2023, CARRY_CHAIN, "total", 2.0, 3.0)]
    with engine.connect() as conn:  # through the model, so that JSON columns come back decoded
        f = conn.execute(select(ReportFinding.cells, ReportFinding.detail).where(ReportFinding.rule == CARRY_CHAIN)).one()
    assert f.cells == ["apply.carried_in.total"]
    assert f.detail["previous_year"] == 2022 and f.detail["previous_cells"] == ["apply.carried_forward.total"]
    # the record's own findings are untouched
    assert scalar(engine, "SELECT COUNT(*) FROM findings WHERE kind = 'check'") == 2


def test_order_of_arrival_does_not_matter_and_fixes_clear_findings(engine):
    prev, cur = chain_ok(cur_cells={"apply.carried_in.natural_person": 7})
    load_record(engine, cur)  # the later year first: nothing to compare with yet
    assert cross(engine) == []
    res = load_record(engine, prev)  # the earlier year arrives: the LATER report gets the finding
    assert res.cross_year_findings == 0
    assert cross(engine) == [(2023, CARRY_CHAIN, "natural_person", 2.0, 7.0)]

    # a corrected earlier report (another document) makes the chain hold again
    fixed_prev, _ = chain_ok(prev_year_cells={"apply.carried_forward.natural_person": 7})
    fixed_prev["source"]["sha256"] = "f" * 64
    load_record(engine, fixed_prev)
    assert cross(engine) == []

    # reloading the same documents changes nothing
    load_record(engine, cur)
    assert cross(engine) == []


def test_three_years_each_checked_against_its_predecessor(engine):
    a = make_record("某局", HONGZE, 2021, source="a", cells={**{f"apply.carried_forward.{c}": 1 for c in COLS}})
    b = make_record("某局", HONGZE, 2022, source="b", cells={**{f"apply.carried_in.{c}": 1 for c in COLS},
                                                           **{f"apply.carried_forward.{c}": 4 for c in COLS}})
    c = make_record("某局", HONGZE, 2023, source="c", cells={f"apply.carried_in.{c}": 4 for c in COLS}
                    | {"apply.carried_in.total": 5})
    for rec in (c, a, b):
        load_record(engine, rec)
    got = [f for f in cross(engine) if f[1] == CARRY_CHAIN]
    assert got == [(2023, CARRY_CHAIN, "total", 4.0, 5.0)]


def test_the_hongze_pair_is_one_agency_with_a_clean_chain(engine):
    y23 = {f"apply.carried_forward.{c}": 0 for c in COLS}
    y23.update({"active.normative.in_force": 5})
    y24 = {f"apply.carried_in.{c}": 0 for c in COLS}
    y24.update({"active.normative.issued": 3, "active.normative.repealed": 0, "active.normative.in_force": 8})
    # rules: make them consistent too (they are not the point here)
    y23["active.rules.in_force"] = 0
    y24.update({"active.rules.issued": 0, "active.rules.repealed": 0, "active.rules.in_force": 0})
    a = load_record(engine, make_record("洪泽区人民政府", HONGZE, 2023, source="hz2023", cells=y23))
    b = load_record(engine, make_record("淮安市洪泽区人民政府", HONGZE, 2024, source="hz2024", cells=y24))
    assert a.agency_id == b.agency_id
    assert scalar(engine, "SELECT COUNT(*) FROM agencies") == 1
    assert rows(engine, "SELECT year FROM reports ORDER BY year") == [{"year": 2023}, {"year": 2024}]
    assert cross(engine) == []


def test_null_operands_are_not_assessable(engine):
    prev, cur = chain_ok(cur_cells={"apply.carried_in.total": 99})
    prev["cells"]["apply.carried_forward.total"] = None
    load_record(engine, prev)
    load_record(engine, cur)
    assert [f for f in cross(engine) if f[2] == "total"] == []


def test_in_force_chain_only_between_2021_templates(engine):
    prev = make_record("某局", HONGZE, 2020, template="2019", source="p19",
                       cells={f"apply.carried_forward.{c}": 1 for c in COLS})
    cur = make_record("某局", HONGZE, 2021, template="2021", source="c21",
                      cells={**{f"apply.carried_in.{c}": 1 for c in COLS}, "active.normative.in_force": 1000})
    load_record(engine, prev)
    load_record(engine, cur)
    assert cross(engine) == []
