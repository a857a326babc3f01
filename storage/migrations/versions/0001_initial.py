"""The warehouse: documents, agencies, reports, cells with lineage, findings, labels, BI views.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Tables are spelled out here rather than taken from `storage.models`, so that this migration
keeps meaning what it meant when later ones change the models; a test compares the two after
`upgrade head`. `cell_labels` is filled from the template (and re-synced by
`storage.migrate.upgrade`); the BI views come from `storage.views.V1`, which is frozen.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from storage.cell_labels import label_rows
from storage.views import V1, create_statements, drop_statements

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TZ = sa.DateTime(timezone=True)
VALUE = sa.Numeric(asdecimal=False)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(255), nullable=True),
        sa.Column("format", sa.String(32), nullable=True),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("referrer_url", sa.Text(), nullable=True),
        sa.Column("fetched_at", TZ, nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_class", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint("status IN ('fetched', 'extracted', 'loaded', 'failed', 'skipped')",
                           name=op.f("ck_documents_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("sha256", name=op.f("uq_documents_sha256")),
    )
    op.create_index(op.f("ix_documents_status"), "documents", ["status"])

    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("region_key", sa.Text(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_agencies_credit_code")),
    )

    op.create_table(
        "agency_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("region_key", sa.Text(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE",
                                name=op.f("fk_agency_names_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_names")),
        sa.UniqueConstraint("agency_id", "name", "region_key", name=op.f("uq_agency_names_agency_id_name_region_key")),
    )
    op.create_index(op.f("ix_agency_names_agency_id"), "agency_names", ["agency_id"])
    op.create_index(op.f("ix_agency_names_name_key_region_key"), "agency_names", ["name_key", "region_key"])

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("template", sa.String(4), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("table_active", sa.String(32), nullable=True),
        sa.Column("table_applications", sa.String(32), nullable=True),
        sa.Column("table_review", sa.String(32), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.Column("extractor_version", sa.String(64), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("loaded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_reports_agency_id_agencies")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_reports_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_reports_agency_id_year")),
    )
    op.create_index(op.f("ix_reports_year"), "reports", ["year"])
    op.create_index(op.f("ix_reports_document_id"), "reports", ["document_id"])

    op.create_table(
        "report_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.Column("extractor_version", sa.String(64), nullable=True),
        sa.Column("claimed_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name=op.f("fk_report_documents_report_id_reports")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_report_documents_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_documents")),
        sa.UniqueConstraint("report_id", "document_id", "record_sha256",
                            name=op.f("uq_report_documents_report_id_document_id_record_sha256")),
    )
    op.create_index(op.f("ix_report_documents_report_id"), "report_documents", ["report_id"])
    op.create_index(op.f("ix_report_documents_document_id"), "report_documents", ["document_id"])

    op.create_table(
        "report_cells",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("value", VALUE, nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("bbox_x0", sa.Float(), nullable=True),
        sa.Column("bbox_top", sa.Float(), nullable=True),
        sa.Column("bbox_x1", sa.Float(), nullable=True),
        sa.Column("bbox_bottom", sa.Float(), nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name=op.f("fk_report_cells_report_id_reports")),
        sa.PrimaryKeyConstraint("report_id", "code", name=op.f("pk_report_cells")),
    )
    op.create_index(op.f("ix_report_cells_code"), "report_cells", ["code"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("column_code", sa.String(64), nullable=True),
        sa.Column("expected", VALUE, nullable=True),
        sa.Column("actual", VALUE, nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("cells", sa.JSON(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.CheckConstraint("kind IN ('check', 'structural', 'cross_year')", name=op.f("ck_findings_kind")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name=op.f("fk_findings_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_report_id"), "findings", ["report_id"])
    op.create_index(op.f("ix_findings_rule"), "findings", ["rule"])

    labels = op.create_table(
        "cell_labels",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("table_name", sa.String(16), nullable=False),
        sa.Column("row_code", sa.String(64), nullable=False),
        sa.Column("column_code", sa.String(64), nullable=False),
        sa.Column("label_zh", sa.Text(), nullable=False),
        sa.Column("money", sa.Boolean(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("templates", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_cell_labels")),
    )
    op.bulk_insert(labels, label_rows())

    for statement in create_statements(V1):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
    op.drop_table("cell_labels")
    op.drop_index(op.f("ix_findings_rule"), table_name="findings")
    op.drop_index(op.f("ix_findings_report_id"), table_name="findings")
    op.drop_table("findings")
    op.drop_index(op.f("ix_report_cells_code"), table_name="report_cells")
    op.drop_table("report_cells")
    op.drop_index(op.f("ix_report_documents_document_id"), table_name="report_documents")
    op.drop_index(op.f("ix_report_documents_report_id"), table_name="report_documents")
    op.drop_table("report_documents")
    op.drop_index(op.f("ix_reports_document_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_year"), table_name="reports")
    op.drop_table("reports")
    op.drop_index(op.f("ix_agency_names_name_key_region_key"), table_name="agency_names")
    op.drop_index(op.f("ix_agency_names_agency_id"), table_name="agency_names")
    op.drop_table("agency_names")
    op.drop_table("agencies")
    op.drop_index(op.f("ix_documents_status"), table_name="documents")
    op.drop_table("documents")
