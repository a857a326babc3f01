"""The BI-facing views: `bi_reports`, `bi_cells`, `bi_findings`.

BI tools (Metabase, Superset, Excel via ODBC, DuckDB over an export) should not need to know
the warehouse's normalized layout: these views give one row per report with its key figures,
one row per printed number with its label and lineage, and one row per finding.

The SQL is written once for SQLite and PostgreSQL: no FILTER, no `::` casts, no JSON
operators. Key figures are correlated scalar subqueries on `report_cells`' primary key
(report_id, code): each is an index lookup, and a BI filter on `bi_reports` (a year, an
agency) stays cheap instead of pivoting every cell in the warehouse first.

`withheld`, `unavailable` and `rejected` in `bi_reports` sum the printed sub-rows' totals (a
null sub-row counts as absent, as SUM does; all null gives NULL); `lawsuits` is
suit_direct.total + suit_after_review.total and NULL when either is not printed.

The migrations create the views from the versioned statements below. A released version is
never edited (a migration's meaning must not change under it): a change adds `V2` and a
migration that drops the V1 views and creates the V2 ones.
"""
from __future__ import annotations

VIEW_NAMES: tuple[str, ...] = ("bi_reports", "bi_cells", "bi_findings")


def _cell(code: str) -> str:
    return f"(SELECT c.value FROM report_cells c WHERE c.report_id = r.id AND c.code = '{code}')"


def _cell_sum(pattern: str) -> str:
    return f"(SELECT SUM(c.value) FROM report_cells c WHERE c.report_id = r.id AND c.code LIKE '{pattern}')"


def _findings(kind: str) -> str:
    return f"(SELECT COUNT(*) FROM findings f WHERE f.report_id = r.id AND f.kind = '{kind}')"


_BI_REPORTS_V1 = f"""
CREATE VIEW bi_reports AS
SELECT
    r.id AS report_id,
    a.id AS agency_id,
    a.name AS agency,
    a.region AS region,
    a.credit_code AS credit_code,
    r.agency_name AS agency_name_printed,
    r.year AS year,
    r.template AS template,
    r.published AS published,
    r.table_active AS table_active,
    r.table_applications AS table_applications,
    r.table_review AS table_review,
    {_cell('apply.new.total')} AS applications_received,
    {_cell('apply.carried_in.total')} AS applications_carried_in,
    {_cell('apply.granted.total')} AS granted,
    {_cell('apply.partial.total')} AS partially_granted,
    {_cell_sum('apply.withheld.%.total')} AS withheld,
    {_cell_sum('apply.unavailable.%.total')} AS unavailable,
    {_cell_sum('apply.rejected.%.total')} AS rejected,
    {_cell('apply.result_total.total')} AS handled_total,
    {_cell('apply.carried_forward.total')} AS carried_forward,
    {_cell('review.total')} AS reviews,
    {_cell('review.corrected')} AS reviews_corrected,
    {_cell('suit_direct.total')} + {_cell('suit_after_review.total')} AS lawsuits,
    {_cell('active.licensing.decisions')} AS licensing_decisions,
    {_cell('active.punishment.decisions')} AS punishment_decisions,
    {_cell('active.coercion.decisions')} AS coercion_decisions,
    {_cell('active.fees.amount')} AS fees_amount,
    {_findings('check')} AS failed_checks,
    {_findings('structural')} AS structural_findings,
    {_findings('cross_year')} AS cross_year_findings,
    r.extractor_version AS extractor_version,
    r.loaded_at AS loaded_at,
    d.id AS document_id,
    d.sha256 AS sha256,
    d.format AS source_format,
    d.source_url AS source_url
FROM reports r
JOIN agencies a ON a.id = r.agency_id
JOIN documents d ON d.id = r.document_id
"""

_BI_CELLS_V1 = """
CREATE VIEW bi_cells AS
SELECT
    c.report_id AS report_id,
    a.id AS agency_id,
    a.name AS agency,
    a.region AS region,
    r.year AS year,
    r.template AS template,
    l.table_name AS table_name,
    l.row_code AS row_code,
    l.column_code AS column_code,
    c.code AS cell,
    c.value AS value,
    l.label_zh AS label_zh,
    CASE WHEN l.money THEN 1 ELSE 0 END AS money,
    c.raw AS raw,
    c.page AS page,
    c.bbox_x0 AS bbox_x0,
    c.bbox_top AS bbox_top,
    c.bbox_x1 AS bbox_x1,
    c.bbox_bottom AS bbox_bottom,
    c.method AS method,
    c.confidence AS confidence,
    d.id AS document_id,
    d.sha256 AS sha256
FROM report_cells c
JOIN reports r ON r.id = c.report_id
JOIN agencies a ON a.id = r.agency_id
JOIN documents d ON d.id = r.document_id
LEFT JOIN cell_labels l ON l.code = c.code
WHERE c.value IS NOT NULL
"""

_BI_FINDINGS_V1 = """
CREATE VIEW bi_findings AS
SELECT
    f.id AS finding_id,
    f.report_id AS report_id,
    a.id AS agency_id,
    a.name AS agency,
    a.region AS region,
    r.year AS year,
    r.template AS template,
    f.kind AS kind,
    f.rule AS rule,
    f.column_code AS column_code,
    f.expected AS expected,
    f.actual AS actual,
    f.message AS message,
    d.sha256 AS sha256
FROM findings f
JOIN reports r ON r.id = f.report_id
JOIN agencies a ON a.id = r.agency_id
JOIN documents d ON d.id = r.document_id
"""

V1: dict[str, str] = {"bi_reports": _BI_REPORTS_V1, "bi_cells": _BI_CELLS_V1, "bi_findings": _BI_FINDINGS_V1}
"""CREATE VIEW statements of migration 0001. Never edit: add V2 (see the module docstring)."""


# ---- V2 (migration 0002): every row names its file; cells carry their grid position -------

_BI_REPORTS_V2 = _BI_REPORTS_V1.replace(
    "    d.source_url AS source_url\n",
    "    d.source_url AS source_url,\n    d.filename AS file_name\n")

_BI_CELLS_V2 = _BI_CELLS_V1.replace(
    """    c.confidence AS confidence,
    d.id AS document_id,
    d.sha256 AS sha256
""", """    c.confidence AS confidence,
    c.table_index AS table_index,
    c.row_index AS row_index,
    c.col_index AS col_index,
    d.id AS document_id,
    d.sha256 AS sha256,
    d.filename AS file_name,
    d.source_url AS source_url,
    d.format AS source_format
""")

_BI_FINDINGS_V2 = _BI_FINDINGS_V1.replace(
    "    d.sha256 AS sha256\n",
    "    d.sha256 AS sha256,\n    d.filename AS file_name,\n    d.source_url AS source_url\n")

V2: dict[str, str] = {"bi_reports": _BI_REPORTS_V2, "bi_cells": _BI_CELLS_V2, "bi_findings": _BI_FINDINGS_V2}
"""CREATE VIEW statements of migration 0002 (V1 plus file_name, source_url and, in bi_cells,
table_index/row_index/col_index). Never edit: add V3."""
assert all(V2[v] != V1[v] for v in VIEW_NAMES)


def create_statements(version: dict[str, str] = V1) -> list[str]:
    return [version[name].strip() for name in VIEW_NAMES]


def drop_statements() -> list[str]:
    """Dependants first (none of the views reads another today, but keep the order stable)."""
    return [f"DROP VIEW IF EXISTS {name}" for name in reversed(VIEW_NAMES)]
