"""The team's development and real corpora (../shared; skipped where it is absent).

These are the issues' bars, checked on every CI run in the team's workspace: every
text-bearing document at 100% cell accuracy with right metadata and exactly the expected
findings, and the warehouse giving the same bi_cells on SQLite and PostgreSQL.
"""
import json

import pytest

from gongkai.process import process_file
from gongkai.pipeline import extract_record
from storage_fixtures import pg_database, rows  # noqa: F401

TEXT_RENDERERS = {"txt", "docx", "pdf_text", "html", "seed_txt", "real_pdf"}


def documents(shared, corpus):
    base = shared / "corpus" / corpus
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    return base, [d for d in manifest["documents"] if d["renderer"] in TEXT_RENDERERS]


@pytest.mark.parametrize("corpus", ["dev", "real"])
def test_text_bearing_documents_are_exact(shared, corpus):
    base, docs = documents(shared, corpus)
    problems = {}
    for d in docs:
        truth = json.loads((base / "truth" / f"{d['id']}.json").read_text(encoding="utf-8"))
        rec = extract_record(base / d["file"]).to_dict()
        wrong = [c for c, v in truth["cells"].items()
                 if (v is None and rec["cells"].get(c) is not None)
                 or (v is not None and (rec["cells"].get(c) is None or abs(rec["cells"][c] - v) > 0.005))]
        meta = [f for f in ("agency", "year", "published", "template") if rec[f] != truth[f]]
        rules = {f["rule"] for f in rec["findings"]} ^ set(truth.get("expected_findings", []))
        if wrong or meta or rules or rec["tables"] != truth["tables"]:
            problems[d["id"]] = {"cells": wrong[:5], "meta": meta, "findings": sorted(rules)}
    assert problems == {}
    assert len(docs) >= (23 if corpus == "dev" else 2)


def test_sqlite_and_postgresql_hold_the_same_bi_cells(shared, tmp_path, pg_database):
    from sqlalchemy import create_engine, text

    from storage import get_engine, upgrade

    base, docs = documents(shared, "dev")
    urls = {"sqlite": f"sqlite:///{tmp_path / 'w.sqlite'}"}
    eng = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text('CREATE SCHEMA "corpus"'))
    from sqlalchemy.engine import make_url

    urls["postgresql"] = make_url(pg_database).update_query_dict({"options": "-csearch_path=corpus"}) \
        .render_as_string(hide_password=False)
    cells = {}
    for name, url in urls.items():
        upgrade(url)
        engine = get_engine(url)
        for d in docs:
            assert process_file(engine, base / d["file"]).status == "loaded"
        cells[name] = sorted((r["agency"], r["year"], r["cell"], float(r["value"]), r["sha256"]) for r in
                             rows(engine, "SELECT agency, year, cell, value, sha256 FROM bi_cells"))
        engine.dispose()
    assert cells["sqlite"] == cells["postgresql"] and len(cells["sqlite"]) > 4000
