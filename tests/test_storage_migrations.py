"""Migrations own the schema: upgrade from empty, downgrade to base, models == migrations,
cell_labels from the template, connection settings (both databases)."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.template import all_cell_defs
from storage.db import data_dir, database_url, get_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.models import Base
from storage.views import VIEW_NAMES
from storage_fixtures import db_url, engine, pg_database, rows, scalar  # noqa: F401

TABLES = {"documents", "agencies", "agency_names", "reports", "report_documents", "report_cells", "findings",
          "cell_labels", "columns"}


def _views(eng) -> set[str]:
    return set(inspect(eng).get_view_names())


def test_upgrade_from_empty_then_downgrade_base(db_url):
    eng = get_engine(db_url)
    try:
        assert current_revision(eng) is None
        assert upgrade(db_url) == head_revision() == "0002"
        assert TABLES <= set(inspect(eng).get_table_names())
        assert _views(eng) == set(VIEW_NAMES)
        for v in VIEW_NAMES:  # the views run on this database
            assert scalar(eng, f"SELECT COUNT(*) FROM {v}") == 0
        assert upgrade(db_url) == "0002"  # again: nothing to do

        assert downgrade(db_url, "base") is None
        eng.dispose()
        left = set(inspect(eng).get_table_names()) - {"alembic_version"}
        assert left == set()
        assert _views(eng) == set()

        assert upgrade(db_url) == "0002"  # and back up
        assert scalar(eng, "SELECT COUNT(*) FROM cell_labels") == len(all_cell_defs())
    finally:
        eng.dispose()


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, type_, reflected, compare_to:
                not (type_ == "table" and name in (*VIEW_NAMES, "alembic_version")),
            "compare_type": True,
        })
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_cell_labels_come_from_the_template(engine):
    defs = all_cell_defs()
    got = {r["code"]: r for r in rows(engine, "SELECT * FROM cell_labels")}
    assert set(got) == set(defs)
    for code, d in defs.items():
        r = got[code]
        assert (r["table_name"], r["row_code"], r["column_code"], r["label_zh"]) == (d.table, d.row, d.column, d.label)
        assert bool(r["money"]) == d.money
    assert bool(got["active.fees.amount"]["money"]) and got["apply.new.total"]["templates"] == "2019,2021"


def test_upgrade_resyncs_a_changed_label(engine, db_url):
    with engine.begin() as conn:
        conn.execute(text("UPDATE cell_labels SET label_zh = 'stale' WHERE code = 'review.total'"))
        conn.execute(text("DELETE FROM cell_labels WHERE code = 'apply.new.total'"))
    upgrade(db_url)
    assert scalar(engine, "SELECT label_zh FROM cell_labels WHERE code = 'review.total'") == \
        all_cell_defs()["review.total"].label
    assert scalar(engine, "SELECT COUNT(*) FROM cell_labels") == len(all_cell_defs())


def test_connection_settings(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        else:
            assert engine.dialect.driver == "psycopg"
    # foreign keys are enforced on both: a cell of a report that does not exist is refused
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO report_cells (report_id, code, value) VALUES (999, 'x', 1)"))


def test_database_url_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    assert database_url() == f"sqlite:///{(tmp_path / 'd' / 'gongkai.sqlite').resolve()}"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.setenv("GONGKAI_DATABASE_URL", "postgresql://u@h:5432/gk")
    assert database_url() == "postgresql+psycopg://u@h:5432/gk"
    assert database_url("postgres://u@h/gk") == "postgresql+psycopg://u@h/gk"
    assert database_url(str(tmp_path / "w.sqlite")) == f"sqlite:///{tmp_path / 'w.sqlite'}"
    monkeypatch.delenv("GONGKAI_DATA_DIR")
    monkeypatch.delenv("GONGKAI_DATABASE_URL")
    assert database_url() == f"sqlite:///{Path('data').resolve() / 'gongkai.sqlite'}"


def test_default_sqlite_file_is_created_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "nested" / "data"))
    assert upgrade() == "0002"
    assert (tmp_path / "nested" / "data" / "gongkai.sqlite").is_file()
