"""What the BI views and their columns mean, in Chinese, and each column's export type.

The one place these are spelled. `sync_descriptions` (run by `storage.migrate.upgrade`
after every migration) writes them where an analyst's tool looks:
- the `columns` table, on both databases (`SELECT * FROM columns WHERE table_name =
  'bi_cells'`); `column_name` '' is the view itself;
- PostgreSQL also gets COMMENT ON VIEW / COMMENT ON COLUMN, which BI tools (Metabase,
  Superset, DBeaver) show next to the names.

The type is the column's type in a Parquet export (`storage.export`): fixed per column, so
that a file's schema never depends on the rows in it (`confidence` is float64 even when
every value is 1.0). A test checks that every view column is described here and nothing else.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

INT, FLOAT, STR, DATE, TIME = "int64", "float64", "string", "date", "timestamp"

_FIGURE = "（来自 report_cells 的单元格值；报告未填写时为空）"

VIEWS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "bi_reports": ("每份年度报告一行：机关、年度、模板、三张统计表的状态、关键数字和未通过的校验数量，"
                   "以及来源文件。", [
        ("report_id", INT, "报告编号（reports.id）"),
        ("agency_id", INT, "机关编号（agencies.id）"),
        ("agency", STR, "机关名称（以其最新一份报告为准）"),
        ("region", STR, "行政区划（省、市、县）"),
        ("credit_code", STR, "统一社会信用代码"),
        ("agency_name_printed", STR, "本报告上印的机关名称"),
        ("year", INT, "报告年度（统计期，不是发布年份）"),
        ("template", STR, "国家模板版本：2019 或 2021"),
        ("published", DATE, "报告落款或发布日期"),
        ("table_active", STR, "表二（主动公开）状态：found / missing / image-unreadable / partial"),
        ("table_applications", STR, "表三（收到和处理申请）状态"),
        ("table_review", STR, "表四（行政复议、行政诉讼）状态"),
        ("applications_received", FLOAT, "本年新收政府信息公开申请数量（总计）" + _FIGURE),
        ("applications_carried_in", FLOAT, "上年结转政府信息公开申请数量（总计）" + _FIGURE),
        ("granted", FLOAT, "予以公开（总计）" + _FIGURE),
        ("partially_granted", FLOAT, "部分公开（总计）" + _FIGURE),
        ("withheld", FLOAT, "不予公开各项之和（总计）"),
        ("unavailable", FLOAT, "无法提供各项之和（总计）"),
        ("rejected", FLOAT, "不予处理各项之和（总计）"),
        ("handled_total", FLOAT, "办理结果总计" + _FIGURE),
        ("carried_forward", FLOAT, "结转下年度继续办理（总计）" + _FIGURE),
        ("reviews", FLOAT, "行政复议总计" + _FIGURE),
        ("reviews_corrected", FLOAT, "行政复议结果纠正" + _FIGURE),
        ("lawsuits", FLOAT, "行政诉讼总计：未经复议直接起诉 + 复议后起诉（任一未填写则为空）"),
        ("licensing_decisions", FLOAT, "行政许可处理决定数量" + _FIGURE),
        ("punishment_decisions", FLOAT, "行政处罚处理决定数量" + _FIGURE),
        ("coercion_decisions", FLOAT, "行政强制处理决定数量" + _FIGURE),
        ("fees_amount", FLOAT, "行政事业性收费金额（万元）" + _FIGURE),
        ("failed_checks", INT, "未通过的勾稽关系校验数量"),
        ("structural_findings", INT, "结构性问题数量（缺表、缺行、低置信度等）"),
        ("cross_year_findings", INT, "跨年度校验问题数量（结转衔接等）"),
        ("extractor_version", STR, "抽取程序版本"),
        ("loaded_at", TIME, "入库时间（UTC）"),
        ("document_id", INT, "来源文件编号（documents.id）"),
        ("sha256", STR, "来源文件内容的 SHA-256"),
        ("source_format", STR, "来源文件格式（pdf、docx、html、txt……）"),
        ("source_url", STR, "来源网址（本地文件为空）"),
        ("file_name", STR, "来源文件名"),
    ]),
    "bi_cells": ("长格式：每个印在报告上的数字一行，带中文标签和出处（文件名、网址、页码与位置，"
                 "或表格中的行列位置）。", [
        ("report_id", INT, "报告编号（reports.id）"),
        ("agency_id", INT, "机关编号（agencies.id）"),
        ("agency", STR, "机关名称（以其最新一份报告为准）"),
        ("region", STR, "行政区划"),
        ("year", INT, "报告年度"),
        ("template", STR, "国家模板版本：2019 或 2021"),
        ("table_name", STR, "所在统计表：active（表二）、applications（表三）、review（表四）"),
        ("row_code", STR, "行代码"),
        ("column_code", STR, "列代码"),
        ("cell", STR, "单元格代码（表.行.列），见 cell_labels"),
        ("value", FLOAT, "数值（件数，或万元金额）"),
        ("label_zh", STR, "单元格的中文标签（行与列）"),
        ("money", INT, "1 表示金额（万元），0 表示件数"),
        ("raw", STR, "报告上印的原文"),
        ("page", INT, "页码（从 1 起；无分页的格式为空）"),
        ("bbox_x0", FLOAT, "在页面上的位置：左（磅）"),
        ("bbox_top", FLOAT, "在页面上的位置：上（磅）"),
        ("bbox_x1", FLOAT, "在页面上的位置：右（磅）"),
        ("bbox_bottom", FLOAT, "在页面上的位置：下（磅）"),
        ("method", STR, "读取方式：text（文本）、ocr（图片识别）、inferred（由勾稽关系唯一推出）"),
        ("confidence", FLOAT, "置信度，0 到 1"),
        ("table_index", INT, "来源文件中第几张表（从 0 起，按文件中出现的顺序）"),
        ("row_index", INT, "该表中的行号（从 0 起）"),
        ("col_index", INT, "该表中的列号（从 0 起；推出的未印单元格为空）"),
        ("document_id", INT, "来源文件编号（documents.id）"),
        ("sha256", STR, "来源文件内容的 SHA-256"),
        ("file_name", STR, "来源文件名"),
        ("source_url", STR, "来源网址（本地文件为空）"),
        ("source_format", STR, "来源文件格式"),
    ]),
    "bi_findings": ("每个校验问题一行：未通过的勾稽关系、结构性问题和跨年度问题，以及来源文件。", [
        ("finding_id", INT, "问题编号（findings.id）"),
        ("report_id", INT, "报告编号（reports.id）"),
        ("agency_id", INT, "机关编号（agencies.id）"),
        ("agency", STR, "机关名称"),
        ("region", STR, "行政区划"),
        ("year", INT, "报告年度"),
        ("template", STR, "国家模板版本：2019 或 2021"),
        ("kind", STR, "类别：check（勾稽关系）、structural（结构）、cross_year（跨年度）"),
        ("rule", STR, "规则代码，如 apply.balance"),
        ("column_code", STR, "涉及的列代码"),
        ("expected", FLOAT, "按规则应有的数"),
        ("actual", FLOAT, "报告上的数"),
        ("message", STR, "说明"),
        ("sha256", STR, "来源文件内容的 SHA-256"),
        ("file_name", STR, "来源文件名"),
        ("source_url", STR, "来源网址（本地文件为空）"),
    ]),
}

COLUMNS_TABLE = "columns"


def column_types(view: str) -> dict[str, str]:
    """Column name → export type, in the view's column order."""
    return {name: typ for name, typ, _ in VIEWS[view][1]}


def description_rows() -> list[dict[str, Any]]:
    """The rows of the `columns` table."""
    out = []
    for view, (about, cols) in VIEWS.items():
        out.append({"table_name": view, "column_name": "", "position": 0, "data_type": "view",
                    "description": about})
        for i, (name, typ, desc) in enumerate(cols, 1):
            out.append({"table_name": view, "column_name": name, "position": i, "data_type": typ,
                        "description": desc})
    return out


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sync_descriptions(conn: Connection) -> None:
    """Rewrite the `columns` table (and, on PostgreSQL, the views' comments) from VIEWS."""
    from .models import ColumnDoc

    wanted = description_rows()
    have = [dict(r._mapping) for r in conn.execute(
        select(ColumnDoc.table_name, ColumnDoc.column_name, ColumnDoc.position, ColumnDoc.data_type,
               ColumnDoc.description).order_by(ColumnDoc.table_name, ColumnDoc.position))]
    key = lambda r: (r["table_name"], r["position"])  # noqa: E731
    if sorted(have, key=key) != sorted(wanted, key=key):
        conn.execute(delete(ColumnDoc))
        conn.execute(insert(ColumnDoc), wanted)
    if conn.dialect.name != "postgresql":
        return
    current = {(r[0], r[1] or ""): r[2] for r in conn.execute(text(
        "SELECT c.relname, a.attname, d.description FROM pg_class c "
        "JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass "
        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 "
        "WHERE c.oid = ANY (ARRAY[" + ", ".join(f"to_regclass('{v}')" for v in VIEWS) + "])"))}
    for view, (about, cols) in VIEWS.items():  # only what differs: COMMENT locks the view briefly
        if current.get((view, "")) != about:
            conn.exec_driver_sql(f"COMMENT ON VIEW {view} IS {_quote(about)}")
        for name, _, desc in cols:
            if current.get((view, name)) != desc:
                conn.exec_driver_sql(f"COMMENT ON COLUMN {view}.{name} IS {_quote(desc)}")
