"""The `cell_labels` table: the national template's cells, for people and BI tools.

Labels come from `core.template.all_cell_defs()`, the one place that spells them; they
are never retyped here. The initial migration fills the table, and `upgrade()` re-syncs it
afterwards, so a label corrected in the template reaches an existing warehouse without a
migration of its own. Codes that the template no longer defines are kept: loaded reports may
still carry them.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from core.template import all_cell_defs

from .models import CellLabel


def label_rows() -> list[dict[str, Any]]:
    """One `cell_labels` row per cell code of either template."""
    return [
        {
            "code": d.code,
            "table_name": d.table,
            "row_code": d.row,
            "column_code": d.column,
            "label_zh": d.label,
            "money": bool(d.money),
            "signed": bool(d.signed),
            "templates": ",".join(sorted(d.templates)),
        }
        for d in all_cell_defs().values()
    ]


def sync_cell_labels(conn: Connection) -> int:
    """Insert missing and update changed labels; returns how many rows changed (0 when in sync)."""
    current = {r.code: r._asdict() for r in conn.execute(select(*CellLabel.__table__.c))}
    changed = 0
    for row in label_rows():
        have = current.get(row["code"])
        if have is None:
            conn.execute(insert(CellLabel).values(**row))
            changed += 1
        elif any(have[k] != v for k, v in row.items()):
            conn.execute(update(CellLabel).where(CellLabel.code == row["code"]).values(**row))
            changed += 1
    return changed
