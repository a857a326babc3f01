"""Issue 10, warehouse side (both databases): documents' lifecycle (superseded, run links),
lineage without joins in bi_cells (file name, URL, page or grid position) for real
documents of every text format, Chinese descriptions, exports that open in Excel with a
fixed Parquet schema, migration 0001 → 0002 with data, one-line database errors."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import formats_report
from conftest import INBOX
from storage.db import DB_ERRORS, describe_db_error, get_engine
from storage.descriptions import VIEWS, column_types
from storage.export import ExportError, export_views
from storage.load import DocumentInfo, load_record, note_run, record_failure
from storage.migrate import downgrade, upgrade
from storage.status import status_summary
from storage.views import VIEW_NAMES
from storage_fixtures import db_url, engine, make_record, pg_database, rows, scalar, sha  # noqa: F401

BIN = Path(sys.executable).parent


def _status(engine, sha256: str) -> str:
    return scalar(engine, "SELECT status FROM documents WHERE sha256 = :s", s=sha256)


# ---- lifecycle ----------------------------------------------------------------------------

def test_a_replaced_file_that_loads_supersedes_the_failed_old_bytes(engine):
    old = DocumentInfo(sha256=sha("truncated"), filename="d002.pdf", path="/inbox/d002.pdf")
    record_failure(engine, old, ValueError("unreadable PDF"))
    record_failure(engine, old, ValueError("unreadable PDF"))
    assert status_summary(engine)["documents"]["failed"] == 1

    new = DocumentInfo(sha256=sha("doc-a"), filename="d002.pdf", path="/inbox/d002.pdf")
    res = load_record(engine, make_record(source="doc-a"), new)
    assert res.superseded_document_ids == [scalar(engine, "SELECT id FROM documents WHERE sha256 = :s",
                                                  s=sha("truncated"))]
    assert _status(engine, sha("truncated")) == "superseded" and _status(engine, sha("doc-a")) == "loaded"
    s = status_summary(engine)
    assert s["documents"]["failed"] == 0 and s["documents"]["superseded"] == 1 and s["recent_failures"] == []

    # loading it again changes nothing; another file elsewhere is not touched
    other = DocumentInfo(sha256=sha("elsewhere"), path="/inbox/other.pdf")
    record_failure(engine, other, ValueError("garbled"))
    assert load_record(engine, make_record(source="doc-a"), new).superseded_document_ids == []
    assert _status(engine, sha("elsewhere")) == "failed"


def test_new_bytes_at_the_same_url_supersede_the_old_ones_and_back(engine):
    url = "https://www.example.gov.cn/xxgk/2023/index.html"
    first = DocumentInfo(sha256=sha("doc-a"), filename="index.html", source_url=url, path="/raw/aa")
    second = DocumentInfo(sha256=sha("doc-b"), filename="index.html", source_url=url, path="/raw/bb")
    load_record(engine, make_record(source="doc-a"), first)
    load_record(engine, make_record(source="doc-b", cells={"apply.new.total": 99}), second)
    assert (_status(engine, sha("doc-a")), _status(engine, sha("doc-b"))) == ("superseded", "loaded")
    # the site reverts: the old bytes load again and supersede the newer ones
    load_record(engine, make_record(source="doc-a"), first)
    assert (_status(engine, sha("doc-a")), _status(engine, sha("doc-b"))) == ("loaded", "superseded")
    assert scalar(engine, "SELECT COUNT(*) FROM reports") == 1


def test_failed_new_bytes_supersede_nothing(engine):
    old = DocumentInfo(sha256=sha("old"), path="/inbox/r.pdf")
    load_record(engine, make_record(source="old"), old)
    record_failure(engine, DocumentInfo(sha256=sha("new"), path="/inbox/r.pdf"), ValueError("truncated"))
    assert (_status(engine, sha("old")), _status(engine, sha("new"))) == ("loaded", "failed")


def test_note_run_and_status_show_where_a_failure_came_from(engine):
    doc = DocumentInfo(sha256=sha("bad"), filename="index.html", source_url="https://a.gov.cn/x/index.html")
    record_failure(engine, doc, ValueError("an HTML error page"))
    note_run(engine, sha("bad"), "doc-a.gov.cn-index.html-1a2b3c4d", "http://prefect:4200/runs/flow-run/abc")
    note_run(engine, sha("new-doc"), "doc-x", None)  # a document not seen before gets a row
    [f] = status_summary(engine)["recent_failures"]
    assert (f["source_url"], f["run_name"], f["run_url"]) == (
        "https://a.gov.cn/x/index.html", "doc-a.gov.cn-index.html-1a2b3c4d", "http://prefect:4200/runs/flow-run/abc")
    assert _status(engine, sha("new-doc")) == "fetched"
    assert scalar(engine, "SELECT run_name FROM documents WHERE sha256 = :s", s=sha("new-doc")) == "doc-x"


def test_gongkai_status_lists_path_and_run(engine, db_url):
    record_failure(engine, DocumentInfo(sha256=sha("bad"), filename="bad.pdf", path="/inbox/bad.pdf"),
                   ValueError("unreadable PDF"))
    note_run(engine, sha("bad"), "doc-local-bad.pdf-12345678", "http://127.0.0.1:4200/runs/flow-run/r1")
    out = subprocess.run([str(BIN / "gongkai"), "status", "--database-url", db_url], capture_output=True,
                         text=True, timeout=120, env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "failed 1" in out.stdout and "/inbox/bad.pdf" in out.stdout
    assert "doc-local-bad.pdf-12345678" in out.stdout and "runs/flow-run/r1" in out.stdout


# ---- lineage ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def every_text_format(tmp_path_factory) -> list[Path]:
    """Real documents: the sample inbox's TXT, PDF, DOCX, HTML, plus XLSX and OFD written by
    the format helper."""
    d = tmp_path_factory.mktemp("formats")
    files = [INBOX / n for n in ("d001.txt", "d002.pdf", "d003.docx", "d014.html", "seed-001.txt")]
    files.append(formats_report.write_xlsx(d / "report.xlsx"))
    files.append(formats_report.write_ofd(d / "report.ofd"))
    return files


def test_every_bi_cells_row_names_its_file_and_position(engine, every_text_format):
    from gongkai.process import process_file

    url = "https://www.example.gov.cn/art/2023/d014.html"
    got, formats = [], set()
    for f in every_text_format:  # xlsx and ofd hold the same report: check each right after its load
        o = process_file(engine, f, source_url=url if f.name == "d014.html" else None)
        assert o.status == "loaded", (f, o.error)
        mine = rows(engine, "SELECT * FROM bi_cells WHERE sha256 = :s", s=o.sha256)
        assert len(mine) > 100, f
        got += mine
        formats |= {r["source_format"] for r in mine}
    assert {"txt", "pdf", "docx", "html", "xlsx", "ofd"} <= formats, formats
    for r in got:
        assert r["file_name"], r
        placed = r["page"] is not None or None not in (r["table_index"], r["row_index"], r["col_index"])
        if r["method"] == "inferred" and r["raw"] is None:  # not printed: the row it belongs to
            placed = r["table_index"] is not None and r["row_index"] is not None
        assert placed, r
    assert {r["source_url"] for r in got if r["file_name"] == "d014.html"} == {url}
    assert {r["source_url"] for r in got if r["file_name"] != "d014.html"} == {None}
    no_pages = [r for r in got if r["source_format"] in ("txt", "docx", "html", "xlsx")]
    assert no_pages and all(r["table_index"] is not None and r["row_index"] is not None for r in no_pages)
    # the position is the document model's: table i's cell (row, col) holds the raw text
    from gongkai.pipeline import extract_document

    doc = extract_document(INBOX / "d003.docx")
    tables = list(doc.tables())
    for r in (r for r in got if r["file_name"] == "d003.docx" and r["col_index"] is not None):
        cell = next(c for c in tables[r["table_index"]].cells if (c.row, c.col) == (r["row_index"], r["col_index"]))
        assert cell.text.strip() == r["raw"]


# ---- descriptions -------------------------------------------------------------------------

def test_every_view_column_is_described_in_chinese(engine):
    with engine.connect() as conn:
        for view in VIEW_NAMES:
            cols = list(conn.execute(text(f"SELECT * FROM {view} WHERE 1 = 0")).keys())
            assert cols == list(column_types(view)), view
    docs = rows(engine, "SELECT table_name, column_name, data_type, description FROM columns")
    assert len(docs) == sum(1 + len(c) for _, c in VIEWS.values())
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d["description"]) for d in docs)
    about = {(d["table_name"], d["column_name"]): d["description"] for d in docs}
    assert "文件" in about[("bi_cells", "file_name")] and about[("bi_cells", "")].startswith("长格式")
    if engine.dialect.name == "postgresql":
        insp = inspect(engine)
        assert insp.get_table_comment("bi_cells")["text"] == VIEWS["bi_cells"][0]
        comments = {c["name"]: c.get("comment") for c in insp.get_columns("bi_cells")}
        assert comments == {name: desc for name, _, desc in VIEWS["bi_cells"][1]}


def test_upgrade_resyncs_the_descriptions(engine, db_url):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM columns WHERE table_name = 'bi_findings'"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("COMMENT ON COLUMN bi_cells.value IS 'stale'"))
    upgrade(db_url)
    assert scalar(engine, "SELECT COUNT(*) FROM columns WHERE table_name = 'bi_findings'") == \
        1 + len(VIEWS["bi_findings"][1])
    if engine.dialect.name == "postgresql":
        comments = {c["name"]: c.get("comment") for c in inspect(engine).get_columns("bi_cells")}
        assert comments["value"] == "数值（件数，或万元金额）"


# ---- export -------------------------------------------------------------------------------

def test_csv_has_a_bom_by_default_and_not_when_asked(engine, tmp_path):
    load_record(engine, make_record())
    export_views(engine, tmp_path / "a")
    raw = (tmp_path / "a" / "bi_cells.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8").startswith("report_id,")
    with (tmp_path / "a" / "bi_cells.csv").open(encoding="utf-8-sig") as f:
        data = list(csv.DictReader(f))
    assert len(data) == 200 and data[0]["label_zh"] and data[0]["file_name"] == "doc-a.pdf"
    export_views(engine, tmp_path / "b", bom=False)
    assert (tmp_path / "b" / "bi_cells.csv").read_bytes().startswith(b"report_id,")


def test_parquet_schema_is_fixed(engine, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from storage.export import arrow_schema

    files = export_views(engine, tmp_path / "empty", fmt="parquet")  # no rows: the same schema
    for f, view in zip(files, VIEW_NAMES):
        assert pq.read_schema(f).equals(arrow_schema(view), check_metadata=False), view
    load_record(engine, make_record())  # every confidence 1.0, every value an int here
    files = export_views(engine, tmp_path / "full", fmt="parquet")
    cells = pq.read_table(files[1])
    assert cells.num_rows == 200 and cells.schema.equals(arrow_schema("bi_cells"), check_metadata=False)
    assert cells.schema.field("confidence").type == pa.float64() and set(cells["confidence"].to_pylist()) == {1.0}
    assert cells.schema.field("value").type == pa.float64() and cells.schema.field("table_index").type == pa.int64()
    reports = pq.read_table(files[0])
    assert reports.schema.field("published").type == pa.date32()
    assert str(reports["published"][0]) == "2023-01-16"
    assert reports.schema.field("loaded_at").type == pa.timestamp("us", tz="UTC") and reports["loaded_at"][0].is_valid


def test_missing_pyarrow_says_what_to_do_in_shell_words(engine, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ExportError) as e:
        export_views(engine, tmp_path, fmt="parquet")
    msg = str(e.value)
    assert "scripts/setup.sh" in msg and "--format csv" in msg and "fmt=" not in msg


# ---- migration with data ------------------------------------------------------------------

def test_0001_to_0002_keeps_the_data_and_back(db_url):
    assert upgrade(db_url, "0001") == "0001"
    eng = get_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.execute(text(
                "INSERT INTO documents (id, sha256, filename, status, attempts, created_at, updated_at) VALUES "
                "(1, 'a', 'a.pdf', 'loaded', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, 'b', 'b.pdf', 'failed', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO agencies (id, name, name_key, region_key, created_at, updated_at) "
                              "VALUES (1, '某局', '某局', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO reports (id, agency_id, year, agency_name, template, document_id, record_sha256, "
                "loaded_at) VALUES (1, 1, 2022, '某局', '2021', 1, 'x', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO report_cells (report_id, code, value, page) "
                              "VALUES (1, 'apply.new.total', 12, 3)"))
        assert upgrade(db_url) == "0002"
        assert scalar(eng, "SELECT COUNT(*) FROM documents") == 2
        got = rows(eng, "SELECT cell, value, page, file_name, table_index, source_url FROM bi_cells")
        assert [(g["cell"], float(g["value"]), g["page"], g["file_name"], g["table_index"], g["source_url"])
                for g in got] == [("apply.new.total", 12.0, 3, "a.pdf", None, None)]
        with eng.begin() as conn:
            conn.execute(text("UPDATE documents SET status = 'superseded', run_name = 'r' WHERE id = 2"))
        assert downgrade(db_url, "0001") == "0001"
        eng.dispose()
        assert scalar(eng, "SELECT status FROM documents WHERE id = 2") == "fetched"
        assert "run_name" not in {c["name"] for c in inspect(eng).get_columns("documents")}
        assert scalar(eng, "SELECT COUNT(*) FROM bi_cells") == 1
        with pytest.raises(Exception):  # the old constraint is back
            with eng.begin() as conn:
                conn.execute(text("UPDATE documents SET status = 'superseded' WHERE id = 2"))
        if eng.dialect.name == "sqlite":
            with eng.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        eng.dispose()


# ---- database errors ----------------------------------------------------------------------

def test_describe_db_error_for_a_missing_role_and_an_unreachable_server(pg_database):
    from sqlalchemy.engine import make_url

    cases = [
        (make_url(pg_database).set(username="gongkai_no_such_role").render_as_string(hide_password=False),
         'role "gongkai_no_such_role" does not exist', "createuser gongkai_no_such_role"),
        (make_url(pg_database).set(database="gongkai_no_such_db").render_as_string(hide_password=False),
         'database "gongkai_no_such_db" does not exist', "createdb"),
        ("postgresql://postgres@127.0.0.1:1/x", "cannot reach the warehouse database", "127.0.0.1"),
        ("nosuchdriver://x/y", "not a usable database URL", "GONGKAI_DATABASE_URL"),
    ]
    for url, says, hint in cases:
        with pytest.raises(DB_ERRORS) as e:
            upgrade(url)
        line = describe_db_error(e.value, url)
        assert says in line and hint in line and "\n" not in line, line


def test_the_cli_says_it_in_one_line(pg_database, tmp_path):
    from sqlalchemy.engine import make_url

    url = make_url(pg_database).set(username="gongkai_no_such_role").render_as_string(hide_password=False)
    for args in (["db", "upgrade"], ["status"], ["export", "-o", str(tmp_path)], ["load", str(INBOX / "d001.txt")]):
        out = subprocess.run([str(BIN / "gongkai"), *args, "--database-url", url], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, (args, out.stderr)
        assert 'role "gongkai_no_such_role" does not exist' in out.stderr and "createuser" in out.stderr


def test_the_readme_warehouse_queries_run(engine):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The warehouse"):]
    block = section[section.index("```sql") + 6:]
    block = block[:block.index("```")]
    load_record(engine, make_record(agency="淮安市洪泽区人民政府", region="江苏省淮安市洪泽区"))
    queries = [q for q in ("\n".join(l for l in block.splitlines() if not l.startswith("--"))).split(";")
               if q.strip()]
    assert len(queries) == 4
    with engine.connect() as conn:
        results = [conn.execute(text(q)).all() for q in queries]
    assert results[0] and results[1] and results[1][0][4] == "doc-a.pdf"


def test_reprocess_all_leaves_the_superseded_alone(engine):
    from storage.queries import documents_in

    load_record(engine, make_record(source="old"), DocumentInfo(sha256=sha("old"), path="/inbox/r.pdf"))
    load_record(engine, make_record(source="new"), DocumentInfo(sha256=sha("new"), path="/inbox/r.pdf"))
    assert [d["sha256"] for d in documents_in(engine, "all")] == [sha("new")]
    assert [d["sha256"] for d in documents_in(engine, "superseded")] == [sha("old")]
