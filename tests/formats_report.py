"""One small annual report, written in every format the extractors read (test helper).

The report: a title with agency and year, the six section headings with a sentence each,
the three statistical tables of the 2021 template (merged cells as real reports print
them) with known numbers, and a signature date. `EXPECTED` holds the cell codes those
numbers must come out as; `write_docx`, `write_xlsx` and `write_ofd` produce the file,
and the LibreOffice-made formats (DOC, WPS, RTF, XLS) are converted from these.
"""
from __future__ import annotations

from pathlib import Path

from core.document import Cell

AGENCY = "示例市生态环境局"
YEAR = 2022
PUBLISHED = "2023-01-18"
TITLE = f"{AGENCY}{YEAR}年政府信息公开工作年度报告"
SECTIONS = [
    ("一、总体情况", f"{YEAR}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。"),
    ("二、主动公开政府信息情况", None),
    ("三、收到和处理政府信息公开申请情况", None),
    ("四、政府信息公开行政复议、行政诉讼情况", None),
    ("五、存在的主要问题及改进情况", "一是公开内容不够全面，下一步将加强培训。"),
    ("六、其他需要报告的事项", "本机关未收取信息处理费。"),
]
SIGNATURE = [AGENCY, "2023年1月18日"]

APPLY_COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]

# table 三 rows: (code, label cells left to right (None = covered by a merged cell), values)
_APPLY_VALUES = {
    "new": [5, 2, 0, 1, 0, 1],
    "carried_in": [1, 0, 0, 0, 0, 0],
    "granted": [3, 1, 0, 0, 0, 0],
    "partial": [1, 0, 0, 0, 0, 0],
    "withheld.third_party": [0, 1, 0, 0, 0, 0],
    "unavailable.not_held": [1, 0, 0, 0, 0, 0],
    "rejected.duplicate": [0, 0, 0, 1, 0, 0],
    "other.other": [0, 0, 0, 0, 0, 1],
}
APPLY_ROWS = [
    "new", "carried_in", "granted", "partial",
    "withheld.state_secret", "withheld.prohibited", "withheld.security", "withheld.third_party",
    "withheld.internal", "withheld.process", "withheld.case_file", "withheld.query",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
    "rejected.petition", "rejected.duplicate", "rejected.publication", "rejected.excessive",
    "rejected.confirmation", "other.no_correction", "other.unpaid_fee", "other.other",
    "result_total", "carried_forward",
]
_SUB_LABELS = {
    "withheld": ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                 "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"],
    "unavailable": ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"],
    "rejected": ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                 "5.要求行政机关确认或重新出具已获取信息"],
    "other": ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
              "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"],
}
_GROUP_LABELS = {"withheld": "（三）不予公开", "unavailable": "（四）无法提供", "rejected": "（五）不予处理",
                 "other": "（六）其他处理"}

ACTIVE = {
    "active.rules.issued": 0, "active.rules.repealed": 0, "active.rules.in_force": 3,
    "active.normative.issued": 2, "active.normative.repealed": 1, "active.normative.in_force": 15,
    "active.licensing.decisions": 120, "active.punishment.decisions": 37, "active.coercion.decisions": 4,
    "active.fees.amount": 1.5,
}
REVIEW = {"review": [1, 0, 0, 1], "suit_direct": [0, 1, 0, 0], "suit_after_review": [0, 0, 0, 1]}
_RESULT_ROWS = APPLY_ROWS[2:23]


def apply_values() -> dict[str, list[int]]:
    """Every table 三 row's seven values, totals computed so that every cross-check holds."""
    rows = {code: list(_APPLY_VALUES.get(code, [0] * 6)) for code in APPLY_ROWS}
    rows["result_total"] = [sum(rows[r][i] for r in _RESULT_ROWS) for i in range(6)]
    rows["carried_forward"] = [rows["new"][i] + rows["carried_in"][i] - rows["result_total"][i] for i in range(6)]
    return {code: v + [sum(v)] for code, v in rows.items()}


def expected_cells() -> dict[str, int | float]:
    out: dict[str, int | float] = dict(ACTIVE)
    for code, values in apply_values().items():
        for col, v in zip(APPLY_COLUMNS, values):
            out[f"apply.{code}.{col}"] = v
    for block, vals in REVIEW.items():
        for key, v in zip(("upheld", "corrected", "other", "pending"), vals):
            out[f"{block}.{key}"] = v
        out[f"{block}.total"] = sum(vals)
    return out


EXPECTED = expected_cells()


# --- the three tables as grids (core.document.Cell: row, col, text, spans) ------------------


def _num(v) -> str:
    return str(v)


def active_table() -> list[Cell]:
    a = ACTIVE
    rows: list[list[tuple[str, int]]] = [
        [("第二十条第（一）项", 4)],
        [("信息内容", 1), ("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)],
        [("规章", 1)] + [(_num(a[f"active.rules.{k}"]), 1) for k in ("issued", "repealed", "in_force")],
        [("行政规范性文件", 1)] + [(_num(a[f"active.normative.{k}"]), 1) for k in ("issued", "repealed", "in_force")],
        [("第二十条第（五）项", 4)],
        [("信息内容", 1), ("本年处理决定数量", 3)],
        [("行政许可", 1), (_num(a["active.licensing.decisions"]), 3)],
        [("第二十条第（六）项", 4)],
        [("信息内容", 1), ("本年处理决定数量", 3)],
        [("行政处罚", 1), (_num(a["active.punishment.decisions"]), 3)],
        [("行政强制", 1), (_num(a["active.coercion.decisions"]), 3)],
        [("第二十条第（八）项", 4)],
        [("信息内容", 1), ("本年收费金额（单位：万元）", 3)],
        [("行政事业性收费", 1), (_num(a["active.fees.amount"]), 3)],
    ]
    out = []
    for r, row in enumerate(rows):
        col = 0
        for text, span in row:
            out.append(Cell(r, col, text, 1, span))
            col += span
    return out


def applications_table() -> list[Cell]:
    """Ten grid columns: three for the labels, seven for the values (as the template prints)."""
    cells = [
        Cell(0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
        Cell(0, 3, "申请人情况", 1, 7),
        Cell(1, 3, "自然人", 2, 1), Cell(1, 4, "法人或其他组织", 1, 5), Cell(1, 9, "总计", 2, 1),
    ]
    cells += [Cell(2, 4 + i, t) for i, t in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])]
    values = apply_values()
    r = 3

    def put_values(row: int, code: str) -> None:
        cells.extend(Cell(row, 3 + i, _num(v)) for i, v in enumerate(values[code]))

    for code, label in (("new", "一、本年新收政府信息公开申请数量"), ("carried_in", "二、上年结转政府信息公开申请数量")):
        cells.append(Cell(r, 0, label, 1, 3))
        put_values(r, code)
        r += 1
    result_start = r
    for code, label in (("granted", "（一）予以公开"), ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")):
        cells.append(Cell(r, 1, label, 1, 2))
        put_values(r, code)
        r += 1
    for group in ("withheld", "unavailable", "rejected", "other"):
        subs = _SUB_LABELS[group]
        cells.append(Cell(r, 1, _GROUP_LABELS[group], len(subs), 1))
        codes = [c for c in APPLY_ROWS if c.startswith(group + ".")]
        for code, label in zip(codes, subs):
            cells.append(Cell(r, 2, label))
            put_values(r, code)
            r += 1
    cells.append(Cell(r, 1, "（七）总计", 1, 2))
    put_values(r, "result_total")
    r += 1
    cells.append(Cell(result_start, 0, "三、本年度办理结果", r - result_start, 1))
    cells.append(Cell(r, 0, "四、结转下年度继续办理", 1, 3))
    put_values(r, "carried_forward")
    return sorted(cells, key=lambda c: (c.row, c.col))


def review_table() -> list[Cell]:
    cells = [Cell(0, 0, "行政复议", 1, 5), Cell(0, 5, "行政诉讼", 1, 10),
             Cell(1, 5, "未经复议直接起诉", 1, 5), Cell(1, 10, "复议后起诉", 1, 5)]
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells += [Cell(1, i, t, 2, 1) for i, t in enumerate(heads)]
    cells += [Cell(2, 5 + i, t) for i, t in enumerate(heads * 2)]
    col = 0
    for block in ("review", "suit_direct", "suit_after_review"):
        vals = REVIEW[block] + [sum(REVIEW[block])]
        cells += [Cell(3, col + i, _num(v)) for i, v in enumerate(vals)]
        col += 5
    return sorted(cells, key=lambda c: (c.row, c.col))


TABLES = {"active": active_table, "applications": applications_table, "review": review_table}
TABLE_AFTER_SECTION = {1: "active", 2: "applications", 3: "review"}


def _dims(cells: list[Cell]) -> tuple[int, int]:
    return max(c.row + c.row_span for c in cells), max(c.col + c.col_span for c in cells)


# --- writers ------------------------------------------------------------------------------


def _label_columns_wide(table, n_cols: int) -> None:
    """Borderless tables as agencies lay them out: labels wide, numbers narrow."""
    from docx.shared import Cm

    table.autofit = False
    label_cols = n_cols - 7 if n_cols == 10 else 1
    widths = ([Cm(1.3), Cm(2.4), Cm(6.6)] if label_cols == 3 else [Cm(4.0)] * label_cols)
    widths += [Cm(0.9 if n_cols >= 10 else 2.2)] * (n_cols - label_cols)
    if n_cols == 15:
        widths = [Cm(1.05)] * 15
    for col, w in zip(table.columns, widths):
        col.width = w  # the grid (w:gridCol) is what LibreOffice lays out
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = w


def write_docx(path: Path, ruled: bool = True) -> Path:
    """The report as DOCX; `ruled=False` leaves the tables without borders (python-docx's
    default table style), as agencies' "aligned text" tables print."""
    import docx

    d = docx.Document()
    d.core_properties.title = TITLE
    d.add_paragraph(TITLE, style="Title")
    for i, (heading, text) in enumerate(SECTIONS):
        d.add_paragraph(heading, style="Heading 1")
        if text:
            d.add_paragraph(text)
        if i in TABLE_AFTER_SECTION:
            cells = TABLES[TABLE_AFTER_SECTION[i]]()
            n_rows, n_cols = _dims(cells)
            table = d.add_table(rows=n_rows, cols=n_cols)
            if ruled:
                table.style = "Table Grid"
            else:
                _label_columns_wide(table, n_cols)
            for c in cells:
                target = table.cell(c.row, c.col)
                if c.row_span > 1 or c.col_span > 1:
                    target = target.merge(table.cell(c.row + c.row_span - 1, c.col + c.col_span - 1))
                target.text = c.text
    for line in SIGNATURE:
        d.add_paragraph(line)
    d.save(path)
    return path


def write_xlsx(path: Path, one_sheet: bool = False) -> Path:
    """The three tables only: one per sheet, or stacked on one sheet with blank rows between."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.title = TITLE
    sheets = []
    for i, kind in enumerate(TABLES):
        if one_sheet:
            ws = wb.active
        else:
            ws = wb.active if i == 0 else wb.create_sheet()
            ws.title = ["主动公开", "依申请公开", "复议诉讼"][i]
        sheets.append((ws, kind))
    top = {}
    offset = 1
    for ws, kind in sheets:
        if not one_sheet:
            offset = 1
        cells = TABLES[kind]()
        for c in cells:
            value: object = c.text
            if c.text.replace(".", "", 1).isdigit():
                value = float(c.text) if "." in c.text else int(c.text)
            ws.cell(row=offset + c.row, column=1 + c.col, value=value)
            if c.row_span > 1 or c.col_span > 1:
                ws.merge_cells(start_row=offset + c.row, start_column=1 + c.col,
                               end_row=offset + c.row + c.row_span - 1, end_column=c.col + c.col_span)
        top[kind] = offset
        offset += _dims(cells)[0] + 2
    wb.save(path)
    return path


def write_ofd(path: Path) -> Path:
    from ofd_writer import OfdWriter

    w = OfdWriter(title=TITLE)
    w.text(TITLE, size=5.5, center=True)
    w.space(4)
    for i, (heading, text) in enumerate(SECTIONS):
        w.text(heading, size=4.2)
        if text:
            w.text(text)
        if i in TABLE_AFTER_SECTION:
            kind = TABLE_AFTER_SECTION[i]
            w.table(TABLES[kind](), widths=OFD_WIDTHS[kind])
    w.space(6)
    for line in SIGNATURE:
        w.text(line, right=True)
    w.save(path)
    return path


OFD_WIDTHS = {
    "active": [40, 40, 40, 40],
    "applications": [14, 18, 40] + [12.5] * 7,
    "review": [10.6] * 15,
}
