"""BI views, status summary and export (both databases)."""
from __future__ import annotations

import csv

import pytest

from core.template import all_cell_defs
from storage.export import ExportError, export_views
from storage.load import DocumentInfo, load_record, record_failure, register_document
from storage.status import status_summary
from storage_fixtures import db_url, engine, make_record, num, pg_database, rows, scalar, sha  # noqa: F401


def test_bi_cells_are_the_printed_cells_with_lineage(engine):
    rec = make_record(nulls=("review.total", "apply.new.natural_person"))
    res = load_record(engine, rec)
    got = rows(engine, "SELECT * FROM bi_cells WHERE report_id = :r", r=res.report_id)
    expected = {c: v for c, v in rec["cells"].items() if v is not None}
    assert len(got) == len(expected) == 198
    labels = all_cell_defs()
    for r in got:
        code = r["cell"]
        assert num(r["value"]) == float(expected[code])
        assert r["sha256"] == sha("doc-a")
        assert r["page"] == rec["provenance"][code]["page"] and r["method"] == "text"
        d = labels[code]
        assert (r["table_name"], r["row_code"], r["column_code"], r["label_zh"]) == (d.table, d.row, d.column, d.label)
        assert (r["agency"], r["region"], r["year"], r["template"]) == ("威海市文登区应急管理局", "山东省威海市文登区", 2022, "2021")
        assert r["money"] == (1 if d.money else 0)

    # after another document claims the report, lineage points at it
    load_record(engine, make_record(source="doc-b", fmt="docx"))
    assert {r["sha256"] for r in rows(engine, "SELECT sha256 FROM bi_cells")} == {sha("doc-b")}
    assert scalar(engine, "SELECT COUNT(*) FROM bi_cells") == 200


def test_bi_reports_key_figures(engine):
    cells = {
        "apply.new.total": 12, "apply.carried_in.total": 1, "apply.granted.total": 5, "apply.partial.total": 2,
        "apply.result_total.total": 11, "apply.carried_forward.total": 2, "review.total": 3, "review.corrected": 1,
        "suit_direct.total": 2, "suit_after_review.total": 1, "active.licensing.decisions": 1500,
        "active.punishment.decisions": 42, "active.coercion.decisions": 0, "active.fees.amount": 0.35,
    }
    withheld = [c for c in all_cell_defs() if c.startswith("apply.withheld.") and c.endswith(".total")]
    cells.update({c: 1 for c in withheld})
    res = load_record(engine, make_record(cells=cells, findings=[
        {"rule": "apply.balance", "column": "total", "expected": 13, "actual": 13, "message": "x"},
        {"rule": "apply.row_total", "column": "total", "message": "y"},
        {"rule": "table.image_unreadable", "message": "z"},
    ]))
    r = rows(engine, "SELECT * FROM bi_reports")[0]
    assert r["report_id"] == res.report_id and r["agency"] == "威海市文登区应急管理局" and r["year"] == 2022
    assert str(r["published"]) == "2023-01-16" and r["template"] == "2021"
    figures = {k: num(r[k]) for k in (
        "applications_received", "applications_carried_in", "granted", "partially_granted", "withheld",
        "handled_total", "carried_forward", "reviews", "reviews_corrected", "lawsuits", "licensing_decisions",
        "punishment_decisions", "coercion_decisions", "fees_amount")}
    assert figures == {
        "applications_received": 12, "applications_carried_in": 1, "granted": 5, "partially_granted": 2,
        "withheld": len(withheld), "handled_total": 11, "carried_forward": 2, "reviews": 3, "reviews_corrected": 1,
        "lawsuits": 3, "licensing_decisions": 1500, "punishment_decisions": 42, "coercion_decisions": 0,
        "fees_amount": 0.35}
    assert (r["failed_checks"], r["structural_findings"], r["cross_year_findings"]) == (2, 1, 0)
    assert r["sha256"] == sha("doc-a") and r["source_format"] == "pdf"


def test_bi_reports_lawsuits_unknown_when_a_part_is_null(engine):
    load_record(engine, make_record(nulls=("suit_after_review.total",)))
    assert scalar(engine, "SELECT lawsuits FROM bi_reports") is None


def test_bi_findings(engine):
    res = load_record(engine, make_record())
    got = rows(engine, "SELECT * FROM bi_findings")
    assert len(got) == 1
    f = got[0]
    assert (f["report_id"], f["agency"], f["year"], f["kind"], f["rule"], f["column_code"]) == \
        (res.report_id, "威海市文登区应急管理局", 2022, "check", "apply.balance", "total")
    assert num(f["expected"]) == 12 and num(f["actual"]) == 11 and f["sha256"] == sha("doc-a")


def test_status_summary(engine):
    load_record(engine, make_record())
    register_document(engine, DocumentInfo(sha256=sha("queued")))
    record_failure(engine, DocumentInfo(sha256=sha("bad1"), filename="bad1.pdf"), ValueError("garbled"))
    record_failure(engine, DocumentInfo(sha256=sha("bad2"), filename="bad2.pdf"), KeyError("x"))
    s = status_summary(engine, failures=1)
    assert s["migrated"] is True and s["revision"] == "0002"
    assert s["documents"] == {"fetched": 1, "extracted": 0, "loaded": 1, "failed": 2, "skipped": 0, "superseded": 0}
    assert s["documents_total"] == 4 and s["agencies"] == 1 and s["reports"] == 1
    assert s["reports_by_year"] == {2022: 1} and s["cells"] == 200
    assert s["findings"] == {"check": 1, "structural": 0, "cross_year": 0}
    assert len(s["recent_failures"]) == 1
    assert s["recent_failures"][0]["filename"] == "bad2.pdf" and s["recent_failures"][0]["error_class"] == "KeyError"


def test_status_of_an_unmigrated_database(db_url):
    from storage.db import get_engine

    eng = get_engine(db_url)
    try:
        assert status_summary(eng) == {"migrated": False}
    finally:
        eng.dispose()


def test_export_csv(engine, tmp_path):
    load_record(engine, make_record(nulls=("review.total",)))
    files = export_views(engine, tmp_path / "out")
    assert [f.name for f in files] == ["bi_reports.csv", "bi_cells.csv", "bi_findings.csv"]
    with (tmp_path / "out" / "bi_cells.csv").open(encoding="utf-8") as f:
        data = list(csv.DictReader(f))
    assert len(data) == 199
    fee = next(r for r in data if r["cell"] == "active.fees.amount")
    assert fee["value"] == "1.25" and fee["sha256"] == sha("doc-a") and fee["label_zh"]
    count = next(r for r in data if r["cell"] == "apply.new.total")
    assert "." not in count["value"]  # counts print as integers on both databases
    with (tmp_path / "out" / "bi_reports.csv").open(encoding="utf-8") as f:
        rep = list(csv.DictReader(f))
    assert len(rep) == 1 and rep[0]["published"] == "2023-01-16" and rep[0]["reviews"] == ""


def test_export_parquet(engine, tmp_path):
    load_record(engine, make_record())
    try:
        import pyarrow.parquet as pq
    except ImportError:
        with pytest.raises(ExportError, match="pyarrow"):
            export_views(engine, tmp_path, fmt="parquet")
        return
    files = export_views(engine, tmp_path, fmt="parquet")
    assert pq.read_table(files[1]).num_rows == 200


def test_export_rejects_unknown_things(engine, tmp_path):
    with pytest.raises(ExportError, match="format"):
        export_views(engine, tmp_path, fmt="xlsx")  # type: ignore[arg-type]
    with pytest.raises(ExportError, match="unknown view"):
        export_views(engine, tmp_path, views=["reports"])
