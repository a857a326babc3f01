"""Export the BI views to files (`gongkai db export`): CSV always, Parquet with pyarrow.

For people whose BI tool reads files rather than databases (Excel, DuckDB, pandas). CSV is
UTF-8 without BOM, header row first, empty field for NULL, dates and times in ISO form; rows
are streamed, so bi_cells of any size exports in constant memory. Parquet needs pyarrow
(`pip install pyarrow`), which gongkai does not require; without it the export says so
instead of failing half-way.
"""
from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Literal

from sqlalchemy import Engine, text

from core.errors import GongkaiError

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
                 views: Iterable[str] = VIEW_NAMES) -> list[Path]:
    """Write each view to `out_dir/<view>.<fmt>`; returns the files written."""
    views = list(views)
    unknown = [v for v in views if v not in VIEW_NAMES]
    if unknown:
        raise ExportError(f"unknown view(s) {unknown}; the views are {list(VIEW_NAMES)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError as e:
            raise ExportError("Parquet export needs pyarrow, which is not installed: "
                              "pip install pyarrow (or export with fmt='csv')") from e
    elif fmt != "csv":
        raise ExportError(f"unknown export format {fmt!r}: use 'csv' or 'parquet'")
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
                with path.open("w", encoding="utf-8", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(columns)
                    for row in result:
                        w.writerow([_csv_field(v) for v in row])
            else:
                _write_parquet(path, columns, ([_plain(v) for v in row] for row in result))
        written.append(path)
    return written


def _write_parquet(path: Path, columns: list[str], rows: Iterable[list[Any]]) -> None:
    """Columns are gathered whole so that pyarrow infers each column's type from all its
    values (a batch of all-null values would otherwise fix a column's type as null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data: dict[str, list[Any]] = {c: [] for c in columns}
    for row in rows:
        for c, v in zip(columns, row):
            data[c].append(v)
    for c, vals in data.items():  # a column mixing ints and floats (values, amounts) is float
        if any(isinstance(v, float) for v in vals):
            data[c] = [None if v is None else float(v) for v in vals]
    pq.write_table(pa.table(data), path)
