"""Fixtures and record builders for the storage tests (tests/test_storage_*.py).

Every warehouse test runs on both databases: a fresh SQLite file, and PostgreSQL in a schema
of its own inside a database created for the test module (`gongkai_test_<random>`) and
dropped after it; nothing outside that database is touched. The PostgreSQL server is found
through `GONGKAI_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test, the
maintenance database used only to create and drop the test database); when it cannot be
reached the PostgreSQL parameters skip, saying why.

Test modules import what they use: `from storage_fixtures import db_url, engine, pg_database, ...`.
"""
from __future__ import annotations

import copy
import hashlib
import os
import uuid
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from core.template import cell_codes
from storage.db import get_engine
from storage.migrate import upgrade
from storage.models import Base

PG_ADMIN_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = tuple(t.name for t in Base.metadata.sorted_tables)

_pg_problem: list[str] = []


def _pg_admin():
    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1) \
        if PG_ADMIN_URL.startswith("postgresql://") else PG_ADMIN_URL
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test module's own; dropped afterwards."""
    if _pg_problem:
        pytest.skip(_pg_problem[0])
    admin = _pg_admin()
    name = f"gongkai_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - any failure to reach the server means "skip"
        admin.dispose()
        _pg_problem.append(f"PostgreSQL unreachable at {PG_ADMIN_URL} ({type(e).__name__}: "
                           f"{str(e).splitlines()[0] if str(e) else ''}); set GONGKAI_TEST_PG_URL")
        pytest.skip(_pg_problem[0])
    try:
        yield make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name) \
            .render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema in the module's PostgreSQL database
    (selected through search_path, so the warehouse sees it as its default schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gongkai.sqlite'}"
        return
    base = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}) \
            .render_as_string(hide_password=False)
    finally:
        with eng.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()


@pytest.fixture
def engine(db_url):
    """A migrated warehouse (upgrade head) and an engine on it."""
    upgrade(db_url)
    eng = get_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


# ---- records ------------------------------------------------------------------------------

def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def default_value(code: str) -> int | float:
    """A deterministic, non-zero-ish value per code (so that comparisons mean something)."""
    if code.endswith(".amount"):
        return 1.25
    return int(hashlib.md5(code.encode()).hexdigest()[:2], 16) % 7


def make_record(agency: str = "威海市文登区应急管理局", region: str | None = "山东省威海市文登区",
                year: int = 2022, template: str = "2021", source: str = "doc-a", fmt: str = "pdf",
                cells: dict[str, Any] | None = None, value: Callable[[str], Any] = default_value,
                findings: list[dict[str, Any]] | None = None, credit_code: str | None = None,
                nulls: tuple[str, ...] = (), published: str | None = "2023-01-16") -> dict[str, Any]:
    """A full canonical record: every cell code of `template`, each with provenance.

    `cells` overrides values; codes in `nulls` are null with raw "/" (printed, not a number).
    """
    values = {c: value(c) for c in cell_codes(template)}  # type: ignore[arg-type]
    values.update(cells or {})
    for c in nulls:
        values[c] = None
    prov = {}
    for i, (c, v) in enumerate(values.items()):
        page = 2 + i // 80
        y = 100.0 + (i % 80) * 8
        prov[c] = {"page": page, "bbox": [72.0, y, 98.5, y + 6], "method": "text", "confidence": 1.0,
                   "raw": "/" if v is None else str(v)}
    rec = {
        "agency": agency, "region": region, "year": year, "published": published, "template": template,
        "tables": {"active": "found", "applications": "found", "review": "found"},
        "cells": values,
        "findings": copy.deepcopy(findings) if findings is not None else [
            {"rule": "apply.balance", "column": "total", "expected": 12, "actual": 11, "message": "balance broken"},
        ],
        "provenance": prov,
        "source": {"path": f"/tmp/{source}.{fmt}", "sha256": sha(source), "format": fmt},
        "extractor_version": "0.1.0",
    }
    if credit_code:
        rec["metadata"] = {"credit_code": credit_code}
    return rec


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar_one()
                for t in TABLES}


def report_state(engine, report_id: int) -> dict[str, Any]:
    """The report's row, cells and findings (without ids and timestamps), for before/after."""
    with engine.connect() as conn:
        rep = conn.execute(text(
            "SELECT agency_id, year, template, document_id, record_sha256, published FROM reports WHERE id = :r"),
            {"r": report_id}).mappings().one()
        cells = conn.execute(text(
            "SELECT code, value, raw, page, bbox_x0, bbox_top, bbox_x1, bbox_bottom, method, confidence "
            "FROM report_cells WHERE report_id = :r ORDER BY code"), {"r": report_id}).all()
        findings = conn.execute(text(
            "SELECT kind, rule, column_code, expected, actual, message FROM findings WHERE report_id = :r "
            "ORDER BY kind, rule, column_code"), {"r": report_id}).all()
    return {"report": dict(rep), "cells": [tuple(c) for c in cells], "findings": [tuple(f) for f in findings]}


def scalar(engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def num(v: Any) -> float | None:
    """Compare numbers across drivers (Decimal on PostgreSQL views, int/float on SQLite)."""
    return None if v is None else float(v)
