"""Query the warehouse's BI views: `bi_reports`, `bi_cells`, `bi_findings`.

The views are the warehouse's public face (what a BI tool connects to): one row per report
with the headline numbers, one row per printed cell with its Chinese label and where it was
read (page, bbox, raw text), one row per finding. This example loads two years of one
agency's reports (`r001.pdf`, 2023, and `r002.pdf`, 2024) into a throwaway SQLite warehouse
through the one processing path, then queries the views with plain `sqlite3` and prints a
small table from each. Any SQL client works the same way, and so does PostgreSQL
(`GONGKAI_DATABASE_URL`), which gets the same views from the same migrations.

Run it:

    .venv/bin/python examples/query_the_views.py
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = [HERE / "inbox" / "r001.pdf", HERE / "inbox" / "r002.pdf"]

REPORTS_SQL = """
SELECT agency, year, applications_received, granted, handled_total, reviews, failed_checks
FROM bi_reports ORDER BY agency, year"""
CELLS_SQL = """
SELECT cell, label_zh, value, page, raw FROM bi_cells
WHERE year = ? AND cell LIKE 'apply.%.total' AND value > 0 ORDER BY cell"""
FINDINGS_SQL = "SELECT year, kind, rule, expected, actual FROM bi_findings ORDER BY year, rule"


def build_warehouse(path: Path) -> None:
    """The reports loaded into a new SQLite file, as `gongkai load` would."""
    from gongkai.process import process_file
    from storage import get_engine, upgrade

    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    for report in REPORTS:
        outcome = process_file(engine, report)
        assert outcome.status == "loaded", (report.name, outcome.error)
    engine.dispose()


def print_table(cursor: sqlite3.Cursor, title: str) -> list[tuple]:
    """The rows of an executed query as a plain text table; returns them."""
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    print(f"\n{title}")
    print("  " + " | ".join(names))
    for row in rows:
        print("  " + " | ".join("—" if v is None else str(v) for v in row))
    return rows


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GONGKAI_DATA_DIR"] = tmp
        db = Path(tmp) / "warehouse.sqlite"
        build_warehouse(db)

        con = sqlite3.connect(db)
        reports = print_table(con.execute(REPORTS_SQL), "bi_reports: one row per report")
        cells = print_table(con.execute(CELLS_SQL, (2023,)), "bi_cells: 2023, table 三 totals above zero")
        findings = print_table(con.execute(FINDINGS_SQL), "bi_findings")

        truth = json.loads((HERE / "truth" / "r001.json").read_text(encoding="utf-8"))
        stored = dict(con.execute("SELECT cell, value FROM bi_cells WHERE year = 2023"))
        con.close()

        assert [r[1] for r in reports] == [2023, 2024]
        # the two reports print the agency's name differently (洪泽区人民政府, 淮安市洪泽区人民政府):
        # the warehouse keeps them as one agency, so a BI filter on it finds both years
        assert len({r[0] for r in reports}) == 1
        r2023 = next(r for r in reports if r[1] == 2023)
        assert r2023[2] == truth["cells"]["apply.new.total"] and r2023[6] == len(truth["expected_findings"])
        # every number the 2023 report prints is in bi_cells, as printed
        printed = {c: v for c, v in truth["cells"].items() if v is not None}
        assert {c: stored.get(c) for c in printed} == printed
        assert all(label for _, label, *_ in cells)  # each cell carries its label from the template
        assert {rule for year, kind, rule, *_ in findings if year == 2023 and kind == "check"} \
            == set(truth["expected_findings"])
