"""The warehouse: SQLAlchemy models, Alembic migrations, idempotent loads with lineage,
cross-year findings, BI views, status and export.

SQLite (a file in the data directory) by default; PostgreSQL when `GONGKAI_DATABASE_URL`
says so. The same migrations serve both; nothing calls `create_all`.
"""
from .db import DB_ERRORS, data_dir, database_url, describe_db_error, get_engine
from .export import ExportError, export_views
from .load import (DocumentInfo, InvalidRecord, LoadResult, load_record, mark_document, note_run, record_failure,
                   register_document)
from .migrate import current_revision, downgrade, head_revision, upgrade
from .status import status_summary

__all__ = [
    "DB_ERRORS", "DocumentInfo", "ExportError", "InvalidRecord", "LoadResult", "current_revision", "data_dir",
    "database_url", "describe_db_error", "downgrade", "export_views", "get_engine", "head_revision", "load_record",
    "mark_document", "note_run", "record_failure", "register_document", "status_summary", "upgrade",
]
