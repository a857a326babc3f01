"""Loads: lineage, idempotency, atomicity, replacement with history, document statuses
(both databases)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from core.template import cell_codes
from storage.load import DocumentInfo, InvalidRecord, load_record, mark_document, record_failure, register_document
from storage_fixtures import (db_url, engine, make_record, num, pg_database, report_state, row_counts,  # noqa: F401
                              rows, scalar, sha)


class Boom(RuntimeError):
    pass


def test_first_load_stores_every_cell_with_lineage(engine):
    rec = make_record(nulls=("review.total",))
    res = load_record(engine, rec)
    assert res.outcome == "inserted" and res.cells == 200 and res.findings == 1
    assert len(cell_codes("2021")) == 200
    counts = row_counts(engine)
    assert counts["report_cells"] == 200 and counts["reports"] == 1 and counts["documents"] == 1
    assert counts["report_documents"] == 1 and counts["findings"] == 1 and counts["agencies"] == 1

    cells = {r["code"]: r for r in rows(engine, "SELECT * FROM report_cells WHERE report_id = :r", r=res.report_id)}
    for code, value in rec["cells"].items():
        p = rec["provenance"][code]
        c = cells[code]
        assert num(c["value"]) == (None if value is None else float(value))
        assert (c["page"], c["method"], c["raw"]) == (p["page"], p["method"], p["raw"])
        assert [c["bbox_x0"], c["bbox_top"], c["bbox_x1"], c["bbox_bottom"]] == p["bbox"]
    assert cells["review.total"]["value"] is None and cells["review.total"]["raw"] == "/"
    assert num(cells["active.fees.amount"]["value"]) == 1.25

    doc = rows(engine, "SELECT * FROM documents")[0]
    assert doc["sha256"] == sha("doc-a") and doc["status"] == "loaded" and doc["format"] == "pdf"
    assert doc["filename"] == "doc-a.pdf"
    rep = rows(engine, "SELECT * FROM reports")[0]
    assert (rep["year"], rep["template"], rep["table_review"], rep["extractor_version"]) == (2022, "2021", "found", "0.1.0")
    assert str(rep["published"]) == "2023-01-16"
    f = rows(engine, "SELECT * FROM findings")[0]
    assert (f["kind"], f["rule"], f["column_code"], num(f["expected"]), num(f["actual"])) == \
        ("check", "apply.balance", "total", 12.0, 11.0)


def test_null_cell_without_printed_text_is_not_stored(engine):
    rec = make_record()
    rec["cells"]["review.total"] = None
    del rec["provenance"]["review.total"]
    load_record(engine, rec)
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells WHERE code = 'review.total'") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells") == 199


def test_loading_the_same_document_twice_changes_nothing(engine):
    rec = make_record()
    first = load_record(engine, rec)
    before_counts, before = row_counts(engine), report_state(engine, first.report_id)
    stamps = rows(engine, "SELECT loaded_at FROM reports")[0], rows(engine, "SELECT updated_at FROM documents")[0]
    rec2 = make_record()
    rec2["source"]["path"] = "/elsewhere/doc-a.pdf"  # the same file found at another path
    again = load_record(engine, rec2)
    assert again.outcome == "unchanged" and again.report_id == first.report_id
    assert row_counts(engine) == before_counts
    assert report_state(engine, first.report_id) == before
    assert (rows(engine, "SELECT loaded_at FROM reports")[0], rows(engine, "SELECT updated_at FROM documents")[0]) == stamps
    assert scalar(engine, "SELECT COUNT(*) FROM report_documents") == 1


def test_a_crash_between_cell_inserts_leaves_the_previous_state(engine):
    first = load_record(engine, make_record(source="doc-a"))
    before_counts, before = row_counts(engine), report_state(engine, first.report_id)

    seen = []

    def crash(stage, n):
        seen.append((stage, n))
        if stage == "cells" and n >= 50:
            raise Boom("disk on fire")

    newer = make_record(source="doc-b", fmt="docx", value=lambda c: 3, findings=[])
    with pytest.raises(Boom):
        load_record(engine, newer, progress=crash)
    assert seen == [("cells", 50)]  # it died after the first batch of cells was written
    assert row_counts(engine) == before_counts  # no doc-b document, history, cells…
    assert report_state(engine, first.report_id) == before  # the earlier load's cells and findings


def test_a_crash_on_the_first_load_leaves_nothing(engine):
    with pytest.raises(Boom):
        load_record(engine, make_record(), progress=lambda stage, n: (_ for _ in ()).throw(Boom()))
    assert all(n == 0 for t, n in row_counts(engine).items() if t not in ("cell_labels", "columns"))


def test_another_format_of_the_same_report_replaces_it_and_history_keeps_both(engine):
    pdf = load_record(engine, make_record(source="r-pdf", fmt="pdf"))
    docx_rec = make_record(source="r-docx", fmt="docx", value=lambda c: 1, nulls=("apply.new.total",),
                           findings=[{"rule": "table.missing", "message": "no table 四"}])
    del docx_rec["cells"]["active.rules.issued"], docx_rec["provenance"]["active.rules.issued"]
    docx = load_record(engine, docx_rec)
    assert docx.outcome == "replaced" and docx.report_id == pdf.report_id
    assert docx.previous_document_id == pdf.document_id and docx.document_id != pdf.document_id

    state = report_state(engine, docx.report_id)
    assert state["report"]["document_id"] == docx.document_id
    values = {c[0]: c[1] for c in state["cells"]}
    assert "active.rules.issued" not in values  # a cell the new extraction lacks is gone
    assert values["apply.new.total"] is None and num(values["apply.granted.total"]) == 1.0
    assert state["findings"] == [("structural", "table.missing", None, None, None, "no table 四")]
    assert scalar(engine, "SELECT COUNT(*) FROM reports") == 1
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells") == 199

    history = rows(engine, "SELECT d.sha256, d.format FROM report_documents h JOIN documents d ON d.id = h.document_id "
                           "ORDER BY h.id")
    assert history == [{"sha256": sha("r-pdf"), "format": "pdf"}, {"sha256": sha("r-docx"), "format": "docx"}]
    assert {r["status"] for r in rows(engine, "SELECT status FROM documents")} == {"loaded"}

    # the PDF loaded again claims the report back; its history row is reused, not duplicated
    back = load_record(engine, make_record(source="r-pdf", fmt="pdf"))
    assert back.outcome == "replaced" and back.document_id == pdf.document_id
    assert scalar(engine, "SELECT COUNT(*) FROM report_documents") == 2
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells") == 200


def test_a_new_extraction_of_the_same_document_replaces_and_is_recorded(engine):
    a = load_record(engine, make_record())
    rec = make_record(value=lambda c: 2)
    rec["extractor_version"] = "0.2.0"
    b = load_record(engine, rec)
    assert b.outcome == "replaced" and b.document_id == a.document_id
    assert scalar(engine, "SELECT COUNT(*) FROM report_documents") == 2
    assert scalar(engine, "SELECT extractor_version FROM reports") == "0.2.0"
    assert num(scalar(engine, "SELECT value FROM report_cells WHERE code = 'apply.new.total'")) == 2.0


def test_a_document_re_extracted_under_another_year_drops_the_wrong_report(engine):
    wrong = load_record(engine, make_record(year=2021))
    fixed = load_record(engine, make_record(year=2022))
    assert fixed.removed_report_ids == [wrong.report_id]
    assert rows(engine, "SELECT year FROM reports") == [{"year": 2022}]
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells") == 200
    assert scalar(engine, "SELECT COUNT(*) FROM report_documents") == 1


def test_the_record_must_keep_the_contract(engine):
    bad = [
        ({"cells": {"apply.new.total": "12"}}, "not a number"),
        ({"cells": {"apply.new.total": True}}, "not a number"),
        ({"year": "2022"}, "year"),
        ({"template": "2020"}, "template"),
        ({"agency": ""}, "agency"),
        ({"published": "16/01/2023"}, "ISO date"),
    ]
    for change, msg in bad:
        rec = make_record()
        rec.update(change) if "cells" not in change else rec["cells"].update(change["cells"])
        with pytest.raises(InvalidRecord, match=msg):
            load_record(engine, rec)
    with pytest.raises(InvalidRecord, match="sha256"):
        load_record(engine, make_record(), document=DocumentInfo(sha256=sha("another file")))
    assert all(n == 0 for t, n in row_counts(engine).items() if t not in ("cell_labels", "columns"))


def test_document_info_from_the_pipeline(engine, tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF-1.7 fake")
    info = DocumentInfo.from_path(f, media_type="application/pdf", source_url="https://example.gov.cn/r.pdf",
                                  referrer_url="https://example.gov.cn/list.html", etag='"abc"',
                                  last_modified="Mon, 16 Jan 2023 08:00:00 GMT",
                                  fetched_at=datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc))
    doc_id = register_document(engine, info)
    stamp = scalar(engine, "SELECT updated_at FROM documents")
    assert register_document(engine, info) == doc_id  # idempotent: not even a timestamp moves
    assert scalar(engine, "SELECT updated_at FROM documents") == stamp
    doc = rows(engine, "SELECT * FROM documents")[0]
    assert (doc["status"], doc["size"], doc["filename"], doc["etag"], doc["attempts"]) == \
        ("fetched", len(b"%PDF-1.7 fake"), "report.pdf", '"abc"', 0)
    assert doc["source_url"] == "https://example.gov.cn/r.pdf" and doc["referrer_url"].endswith("list.html")

    rec = make_record()
    rec["source"]["sha256"] = info.sha256
    mark_document(engine, info.sha256, "extracted")
    assert scalar(engine, "SELECT status FROM documents") == "extracted"
    res = load_record(engine, rec, document=info)
    assert res.document_id == doc_id
    assert scalar(engine, "SELECT status FROM documents") == "loaded"
    assert scalar(engine, "SELECT media_type FROM documents") == "application/pdf"


def test_failures_are_recorded(engine):
    info = DocumentInfo(sha256=sha("broken"), filename="broken.pdf")
    register_document(engine, info)
    from core.errors import BadDocument

    record_failure(engine, info, BadDocument("encrypted PDF"))
    record_failure(engine, info.sha256, ValueError("still broken"))
    doc = rows(engine, "SELECT status, error_class, error_message, attempts FROM documents")[0]
    assert doc == {"status": "failed", "error_class": "ValueError", "error_message": "still broken", "attempts": 2}
    # an unknown document is registered by its failure
    record_failure(engine, DocumentInfo(sha256=sha("never seen")), BadDocument("empty file"))
    assert rows(engine, "SELECT error_class, attempts FROM documents WHERE sha256 = :s", s=sha("never seen")) == \
        [{"error_class": "core.errors.BadDocument", "attempts": 1}]
    # a later successful load clears the error
    rec = make_record(source="broken")
    load_record(engine, rec)
    assert rows(engine, "SELECT status, error_class, attempts FROM documents WHERE sha256 = :s", s=sha("broken")) == \
        [{"status": "loaded", "error_class": None, "attempts": 2}]
    mark_document(engine, sha("not a report"), "skipped", "a news item, not an annual report")
    assert scalar(engine, "SELECT status FROM documents WHERE sha256 = :s", s=sha("not a report")) == "skipped"
    with pytest.raises(ValueError, match="unknown document status"):
        mark_document(engine, sha("x"), "done")


def test_concurrent_loads_of_different_documents(engine):
    records = [make_record(agency=f"第{i % 3}局", region="江苏省淮安市洪泽区", year=2020 + i // 3, source=f"c{i}",
                           template="2021") for i in range(9)]
    barrier = threading.Barrier(4)

    def go(i):
        if i < 4:  # the first four start together
            barrier.wait(timeout=10)
        return load_record(engine, records[i])

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(go, range(len(records))))
    assert {r.outcome for r in results} == {"inserted"}
    assert scalar(engine, "SELECT COUNT(*) FROM agencies") == 3
    assert scalar(engine, "SELECT COUNT(*) FROM reports") == 9
    assert scalar(engine, "SELECT COUNT(*) FROM report_cells") == 9 * 200
