"""End to end: the sample inbox → extraction → the warehouse, on SQLite and PostgreSQL."""
import shutil
from pathlib import Path

from conftest import INBOX, truth_of
from gongkai.process import process_file
from storage_fixtures import db_url, engine, pg_database, rows, scalar  # noqa: F401
from typer.testing import CliRunner


def load_inbox(engine):
    return [process_file(engine, p) for p in sorted(INBOX.iterdir())]


def bi_cells(engine):
    return {(r["agency"], r["year"], r["cell"]): float(r["value"]) for r in
            rows(engine, "SELECT agency, year, cell, value FROM bi_cells")}


def test_every_value_in_bi_cells_is_its_truth_and_traces_to_its_file(engine):
    outcomes = load_inbox(engine)
    assert {o.status for o in outcomes} == {"loaded"}
    by_sha = {r["sha256"]: r for r in rows(engine, "SELECT sha256, filename FROM documents")}
    checked = 0
    for o in outcomes:
        doc_id = o.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        truth = truth_of(doc_id)
        got = {r["cell"]: (float(r["value"]), r["sha256"], r["page"]) for r in
               rows(engine, "SELECT cell, value, sha256, page FROM bi_cells WHERE report_id = :r", r=o.report_id)}
        want = {c: float(v) for c, v in truth["cells"].items() if v is not None}
        assert {c: v for c, (v, _, _) in got.items()} == want, doc_id
        assert {s for _, s, _ in got.values()} <= {o.sha256} and o.sha256 in by_sha
        if doc_id.startswith("r00") or doc_id.endswith("pdf"):
            assert all(p for _, _, p in got.values())
        checked += len(got)
    assert checked > 2000


def test_loading_twice_adds_nothing(engine):
    load_inbox(engine)
    counts = {t: scalar(engine, f"SELECT COUNT(*) FROM {t}") for t in
              ("documents", "reports", "report_cells", "findings", "report_documents")}
    second = load_inbox(engine)
    assert {o.status for o in second} == {"unchanged"}
    assert counts == {t: scalar(engine, f"SELECT COUNT(*) FROM {t}") for t in counts}


def test_the_real_pair_is_one_agency_with_two_years_and_no_cross_year_finding(engine):
    for name in ("r001.pdf", "r002.pdf"):
        process_file(engine, INBOX / name)
    reports = rows(engine, "SELECT agency_id, year FROM reports ORDER BY year")
    assert [r["year"] for r in reports] == [2023, 2024] and len({r["agency_id"] for r in reports}) == 1
    assert scalar(engine, "SELECT COUNT(*) FROM findings WHERE kind = 'cross_year'") == 0
    assert {r["rule"] for r in rows(engine, "SELECT rule FROM bi_findings WHERE year = 2023")} == \
        set(truth_of("r001")["expected_findings"])


def test_a_bad_file_is_recorded_as_failed_and_the_others_go_on(engine, tmp_path):
    tmp_path = tmp_path / "inbox"
    tmp_path.mkdir()
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\ntruncated")
    shutil.copy(INBOX / "seed-001.txt", tmp_path / "b.txt")
    (tmp_path / "c.html").write_text("<html><body><p>通知公告：关于开展春季植树活动的通知，请各单位按时参加。"
                                     "活动地点在城东公园，时间为三月十二日上午九点。</p></body></html>", encoding="utf-8")
    outcomes = {o.path.rsplit("/", 1)[-1]: o for o in (process_file(engine, p) for p in sorted(tmp_path.iterdir()))}
    assert outcomes["a.pdf"].status == "failed" and outcomes["b.txt"].status == "loaded"
    assert outcomes["c.html"].status == "skipped"
    failed = rows(engine, "SELECT filename, error_class, error_message, attempts FROM documents WHERE status = 'failed'")
    assert [(f["filename"], f["attempts"]) for f in failed] == [("a.pdf", 1)]
    assert failed[0]["error_class"].endswith("BadDocument") and "PDF" in failed[0]["error_message"]


def test_cli_load_status_and_export(db_url, tmp_path):
    from gongkai.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["load", str(INBOX / "seed-001.txt"), str(INBOX / "seed-004.txt"),
                              "--database-url", db_url])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["status", "--json", "--database-url", db_url])
    assert '"loaded": 2' in res.stdout
    res = runner.invoke(app, ["export", "-o", str(tmp_path / "out"), "--database-url", db_url])
    assert res.exit_code == 0
    cells_csv = (tmp_path / "out" / "bi_cells.csv").read_text(encoding="utf-8")
    assert "active.licensing.decisions" in cells_csv and "海东市应急管理局" in cells_csv


def test_several_files_of_one_report_load_as_one_report(engine, tmp_path):
    """A report posted as several files: each file is a document, the report's document is the group."""
    folder = tmp_path / "group"
    folder.mkdir()
    shutil.copy(INBOX / "seed-001.txt", folder / "a.txt")
    (folder / "b.txt").write_text("海东市应急管理局\n附：统计表见上。\n", encoding="utf-8")
    members = sorted(folder.iterdir())
    o = process_file(engine, members[0], members=members)
    assert o.status == "loaded", o.error
    docs = rows(engine, "SELECT filename, format, status FROM documents ORDER BY id")
    assert [d["format"] for d in docs].count("group") == 1 and len(docs) == 3
    assert scalar(engine, "SELECT COUNT(*) FROM reports") == 1


def test_each_member_of_a_group_is_hashed_by_its_ref_and_by_the_extraction_only(engine, tmp_path, monkeypatch):
    """Its ref hashes each member, and registering the members reuses those hashes
    (`DocRef.member_hashes`); the extraction hashes again the bytes it reads, since the
    record's lineage must name them (a member replaced in between is refused)."""
    import gongkai.documents
    import gongkai.pipeline
    import storage.load
    from core.hashing import sha256_file

    monkeypatch.setenv("GONGKAI_SANDBOX_START", "fork")  # the extracting child keeps the patches
    folder = tmp_path / "group"
    folder.mkdir()
    shutil.copy(INBOX / "seed-001.txt", folder / "a.txt")
    (folder / "b.txt").write_text("海东市应急管理局\n附：统计表见上。\n", encoding="utf-8")
    log = tmp_path / "hashed.log"  # a file: the child's hashing counts too

    def counted(path):
        with log.open("a", encoding="utf-8") as fh:
            fh.write(Path(path).name + "\n")
        return sha256_file(path)

    for module in (gongkai.documents, gongkai.pipeline, storage.load):
        monkeypatch.setattr(module, "sha256_file", counted)
    o = process_file(engine, folder / "a.txt", members=sorted(folder.iterdir()))
    assert o.status == "loaded", o.error
    assert sorted(log.read_text(encoding="utf-8").split()) == ["a.txt", "a.txt", "b.txt", "b.txt"]


def test_a_record_without_agency_or_year_is_that_documents_failure(engine, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n", encoding="utf-8")
    o = process_file(engine, path)
    assert o.status == "failed" and o.error_class == "InvalidRecord"
    assert scalar(engine, "SELECT status FROM documents WHERE sha256 = :s", s=o.sha256) == "failed"
