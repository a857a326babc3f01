"""Lineage without joins, a document lifecycle an operator can finish, Chinese descriptions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

- documents: status `superseded` (other bytes from the same path or URL have loaded since);
  `run_name`, `run_url` (the run that last processed the document).
- report_cells: `table_index`, `row_index`, `col_index` (the cell's place in the source
  document's grid: every format has one, paged or not).
- `columns`: what each BI view and column means (filled by `storage.descriptions`, re-synced
  by `storage.migrate.upgrade`, like cell_labels).
- BI views V2 (`storage.views.V2`): file_name and source_url in all three, the grid position
  and source_format in bi_cells.

On SQLite the new CHECK constraint needs the documents table rebuilt (Alembic's batch mode);
`storage.migrate` runs migrations there with foreign-key enforcement off and checks them
(PRAGMA foreign_key_check) before committing.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from storage.views import V1, V2, create_statements, drop_statements

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_STATUSES = "status IN ('fetched', 'extracted', 'loaded', 'failed', 'skipped')"
NEW_STATUSES = "status IN ('fetched', 'extracted', 'loaded', 'failed', 'skipped', 'superseded')"


def upgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)

    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("ck_documents_status"), type_="check")
        batch.create_check_constraint(op.f("ck_documents_status"), sa.text(NEW_STATUSES))
        batch.add_column(sa.Column("run_name", sa.Text(), nullable=True))
        batch.add_column(sa.Column("run_url", sa.Text(), nullable=True))

    with op.batch_alter_table("report_cells") as batch:
        batch.add_column(sa.Column("table_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("row_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("col_index", sa.Integer(), nullable=True))

    op.create_table(
        "columns",
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "column_name", name=op.f("pk_columns")),
    )

    for statement in create_statements(V2):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
    op.drop_table("columns")
    with op.batch_alter_table("report_cells") as batch:
        batch.drop_column("col_index")
        batch.drop_column("row_index")
        batch.drop_column("table_index")
    # A superseded document had been fetched at least; the old schema has no word for it.
    op.execute("UPDATE documents SET status = 'fetched' WHERE status = 'superseded'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("run_url")
        batch.drop_column("run_name")
        batch.drop_constraint(op.f("ck_documents_status"), type_="check")
        batch.create_check_constraint(op.f("ck_documents_status"), sa.text(OLD_STATUSES))
    for statement in create_statements(V1):
        op.execute(statement)
