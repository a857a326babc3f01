"""Export the BI views to files (`gongkai export`): CSV, or Parquet.

For people whose BI tool reads files rather than databases (Excel, DuckDB, pandas). CSV is
UTF-8 with a byte-order mark by default, so that Excel on a Chinese Windows opens it as
UTF-8 rather than GBK (`bom=False`, `gongkai export --no-bom`, for tools that want none);
header row first, empty field for NULL, dates and times in ISO form; rows are streamed, so
bi_cells of any size exports in constant memory. Parquet (pyarrow, installed with gongkai)
has a fixed schema per view, from `storage.descriptions`: a column's type never depends on
the rows (`confidence` is float64 even when every value is 1.0; an all-null column keeps
its type).
"""
from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Literal

from sqlalchemy import Engine, text

from core.errors import GongkaiError

from .descriptions import column_types
from .views import VIEW_NAMES

Format = Literal["csv", "parquet"]
_ORDER = {"bi_reports": "report_id", "bi_cells": "report_id, cell", "bi_findings": "finding_id"}


class ExportError(GongkaiError):
    """The export cannot be done as asked (unknown format or view, pyarrow missing)."""


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _csv_field(v: Any) -> Any:
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def export_views(engine: Engine, out_dir: str | Path, fmt: Format = "csv",
                 views: Iterable[str] = VIEW_NAMES, bom: bool = True) -> list[Path]:
    """Write each view to `out_dir/<view>.<fmt>`; returns the files written. `bom`: start
    CSV files with a UTF-8 byte-order mark (what Excel needs to read them as UTF-8)."""
    views = list(views)
    unknown = [v for v in views if v not in VIEW_NAMES]
    if unknown:
        raise ExportError(f"unknown view(s) {unknown}; the views are {list(VIEW_NAMES)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError as e:
            raise ExportError("Parquet export needs pyarrow, which is not installed here (it comes with "
                              "gongkai: run bash scripts/setup.sh again, or pip install pyarrow); "
                              "CSV needs nothing: --format csv") from e
    elif fmt != "csv":
        raise ExportError(f"unknown export format {fmt!r}: csv or parquet")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for view in views:
        path = out / f"{view}.{fmt}"
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                text(f"SELECT * FROM {view} ORDER BY {_ORDER[view]}"))
            columns = list(result.keys())
            if fmt == "csv":
                with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(columns)
                    for row in result:
                        w.writerow([_csv_field(v) for v in row])
            else:
                _write_parquet(path, view, columns, result)
        written.append(path)
    return written


_ARROW_TYPES = {"int64": "int64", "float64": "float64", "string": "string", "date": "date32",
                "timestamp": "timestamp"}


def arrow_schema(view: str):  # type: ignore[no-untyped-def]
    """The fixed Parquet schema of a view (`storage.descriptions`)."""
    import pyarrow as pa

    types = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string(), "date": pa.date32(),
             "timestamp": pa.timestamp("us", tz="UTC")}
    return pa.schema([pa.field(name, types[t]) for name, t in column_types(view).items()])


def _arrow_value(v: Any, typ: str) -> Any:
    """A database value as the column's type (SQLite hands dates and times back as text)."""
    if v is None:
        return None
    if typ == "float64":
        return float(v)
    if typ == "int64":
        return int(v)
    if typ == "string":
        return str(v)
    if typ == "date":
        return date.fromisoformat(v[:10]) if isinstance(v, str) else v
    if typ == "timestamp":
        t = datetime.fromisoformat(v) if isinstance(v, str) else v
        return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
    return v


def _write_parquet(path: Path, view: str, columns: list[str], rows: Iterable[Any], batch: int = 50_000) -> None:
    """Rows are written in batches against the view's fixed schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(view)
    if columns != schema.names:
        raise ExportError(f"{view} has columns {columns}, but its documented schema is {schema.names}: "
                          "storage/descriptions.py is out of date")
    types = list(column_types(view).values())
    with pq.ParquetWriter(path, schema) as writer:
        buf: list[list[Any]] = [[] for _ in columns]
        n = 0
        for row in rows:
            for i, v in enumerate(row):
                buf[i].append(_arrow_value(v, types[i]))
            n += 1
            if n == batch:
                writer.write_table(pa.table(buf, schema=schema))
                buf, n = [[] for _ in columns], 0
        if n:
            writer.write_table(pa.table(buf, schema=schema))
