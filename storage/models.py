"""The warehouse schema as SQLAlchemy 2 models.

The models are the reference the migrations are checked against (a test runs Alembic's
autogenerate comparison after `upgrade head` and expects no difference); the migrations,
not `create_all`, create the schema at run time, so one set of migrations serves SQLite and
PostgreSQL alike.

Layout, from raw bytes to numbers:

    documents ──< report_documents >── reports ──< report_cells   (lineage: page, bbox, raw)
                                         │    └──< findings
    agencies ──< agency_names            └── agencies
    cell_labels                          (code → table/row/column/label, from core.template)

Columns are plain scalars (no arrays, no JSONB-only features) so that BI tools reading either
database see the same thing; the bbox is four float columns rather than JSON for the same
reason. Constraint names follow one naming convention so that migrations can drop and alter
them by name on both databases.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DOCUMENT_STATUSES = ("fetched", "extracted", "loaded", "failed", "skipped", "superseded")
FINDING_KINDS = ("check", "structural", "cross_year")
TABLE_STATUSES = ("found", "missing", "image-unreadable", "partial")

# A cell value is a count or an amount in 万元; NUMERIC keeps 0.35 exact on PostgreSQL and
# has NUMERIC affinity on SQLite (integers stay integers). Python sees floats either way.
CellValue = Numeric(asdecimal=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(Base):
    """One raw file, identified by the SHA-256 of its bytes, and where it is in processing.

    `status` moves fetched → extracted → loaded, or to failed (with the error's class and
    message) or skipped (not an annual report); superseded once other bytes from the same
    path or URL have loaded (the file was replaced: its old failure is no longer one to fix).
    `attempts` counts failed attempts, so the pipeline can give up on a document after N of
    them. `run_name`/`run_url` name the (Prefect) run that last processed it.
    """

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in DOCUMENT_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(255))
    format: Mapped[str | None] = mapped_column(String(32))
    filename: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    referrer_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True, default="fetched")
    error_class: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_name: Mapped[str | None] = mapped_column(Text)
    run_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Agency(Base):
    """A publishing body. `name`/`region` are those of its latest report.

    `name_key` is the name with the region's higher-level prefixes stripped and `region_key`
    the region's leaf (see `storage.agencies`); every (name, region) ever seen is kept in
    `agency_names`, which is what matching consults.
    """

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    region_key: Mapped[str] = mapped_column(Text, default="")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class AgencyName(Base):
    """Every name (and region) under which an agency published: its aliases."""

    __tablename__ = "agency_names"
    __table_args__ = (
        UniqueConstraint("agency_id", "name", "region_key"),
        Index(None, "name_key", "region_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    region_key: Mapped[str] = mapped_column(Text, default="")
    first_year: Mapped[int | None] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)


class Report(Base):
    """One annual report: one per (agency, year), from the document that last claimed it."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    agency_name: Mapped[str] = mapped_column(Text)  # as this report prints it
    region: Mapped[str | None] = mapped_column(Text)  # as this record gives it
    template: Mapped[str] = mapped_column(String(4))
    published: Mapped[date | None] = mapped_column(Date)
    table_active: Mapped[str | None] = mapped_column(String(32))
    table_applications: Mapped[str | None] = mapped_column(String(32))
    table_review: Mapped[str | None] = mapped_column(String(32))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    record_sha256: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    metadata_json: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportDocument(Base):
    """History: which document (and which extraction of it) claimed a report, and when."""

    __tablename__ = "report_documents"
    __table_args__ = (UniqueConstraint("report_id", "document_id", "record_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    record_sha256: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportCell(Base):
    """One cell of a report, with its lineage to the document (via the report) and position.

    Printed numbers are stored; a null cell is stored only when the report printed something
    that is not a number ("/", "无"), so that `raw` keeps it.
    """

    __tablename__ = "report_cells"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    value: Mapped[float | None] = mapped_column(CellValue)
    raw: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox_x0: Mapped[float | None] = mapped_column(Float)
    bbox_top: Mapped[float | None] = mapped_column(Float)
    bbox_x1: Mapped[float | None] = mapped_column(Float)
    bbox_bottom: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    table_index: Mapped[int | None] = mapped_column(Integer)  # the table among the document's tables
    row_index: Mapped[int | None] = mapped_column(Integer)  # the cell's row and column in its grid
    col_index: Mapped[int | None] = mapped_column(Integer)


class ReportFinding(Base):
    """A failed check, a structural problem, or a cross-year (advisory) finding of a report."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in FINDING_KINDS) + ")", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64), index=True)
    column_code: Mapped[str | None] = mapped_column(String(64))
    expected: Mapped[float | None] = mapped_column(CellValue)
    actual: Mapped[float | None] = mapped_column(CellValue)
    message: Mapped[str | None] = mapped_column(Text)
    cells: Mapped[list[str] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CellLabel(Base):
    """The national template's cells: code → table, row, column, Chinese label (for BI)."""

    __tablename__ = "cell_labels"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(16))
    row_code: Mapped[str] = mapped_column(String(64))
    column_code: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(Text)
    money: Mapped[bool] = mapped_column(Boolean, default=False)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    templates: Mapped[str] = mapped_column(String(16))  # "2019,2021"


class ColumnDoc(Base):
    """What each BI view and column means, in Chinese (`storage.descriptions`, re-synced on
    every upgrade). `column_name` '' describes the view itself."""

    __tablename__ = "columns"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    column_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    data_type: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
