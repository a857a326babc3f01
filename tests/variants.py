"""Report variants for tests: variation class × output format, each with its ground truth.

The report is `formats_report`'s (2021 template, known numbers). A variation class is a
change to its grids or its text that real reports show (shared/variety.md): a note under a
table, an empty spacer column, 总计 on the first header row, no 勾稽 note, other label
numbering, printed blanks, units in cells, dates in Chinese numerals or with spaces. A
format writes the changed report as an agency or another tool would: DOCX (python-docx),
an HTML page, XLSX, and the text dumps other tools make (Tika tab rows, one cell per line,
Markdown pipe tables, one `cell |` per line).

Each variant carries its truth: every cell code with its value, or None where the report
prints no number; agency, year and published date where the format carries them.
A class fixed in one reader is thus exercised in every format.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from pathlib import Path

import formats_report as R
from core.document import Cell

CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class Report:
    """One report to write: its grids, its text and its truth."""

    tables: dict[str, list[Cell]]
    title: str = R.TITLE
    date_line: str = "2023年1月18日"
    truth: dict[str, int | float | None] = field(default_factory=lambda: dict(R.EXPECTED))
    agency: str = R.AGENCY
    year: int = R.YEAR
    published: str | None = R.PUBLISHED


def base() -> Report:
    return Report({kind: make() for kind, make in R.TABLES.items()})


# ---- variation classes ---------------------------------------------------------------------

def _width(cells: list[Cell]) -> int:
    return max(c.col + c.col_span for c in cells)


def _height(cells: list[Cell]) -> int:
    return max(c.row + c.row_span for c in cells)


def notes_under_tables(r: Report) -> Report:
    """A merged note row under every table (注：… / 说明：… / 数据来源：…)."""
    notes = {"active": "说明：本表数据来源于本机关政务公开平台。",
             "applications": "注：本年度申请数据截至12月31日，含线上线下全部渠道。",
             "review": "数据来源：本机关法制科统计。"}
    tables = {}
    for kind, cells in r.tables.items():
        tables[kind] = cells + [Cell(_height(cells), 0, notes[kind], 1, _width(cells))]
    return replace(r, tables=tables)


def sentences_under_tables(r: Report) -> Report:
    """A merged row of explanation under tables 三 and 四, with no 注： to mark it."""
    notes = {"applications": "以上数据统计时间为2022年1月1日至2022年12月31日，单位为件。",
             "review": "本年度行政复议和行政诉讼案件均已依法办结或正在办理中。"}
    tables = dict(r.tables)
    for kind, text in notes.items():
        cells = r.tables[kind]
        tables[kind] = cells + [Cell(_height(cells), 0, text, 1, _width(cells))]
    return replace(r, tables=tables)


def extra_empty_columns(r: Report) -> Report:
    """An empty spacer column at the left and at the right of every table."""
    tables = {}
    for kind, cells in r.tables.items():
        w, h = _width(cells), _height(cells)
        moved = [replace(c, col=c.col + 1) for c in cells]
        tables[kind] = sorted(moved + [Cell(row, 0, "") for row in range(h)] + [Cell(row, w + 1, "") for row in range(h)],
                              key=lambda c: (c.row, c.col))
    return replace(r, tables=tables)


def total_on_first_header_row(r: Report) -> Report:
    """Table 三's 总计 spans the three header rows instead of starting on the second."""
    cells = []
    for c in r.tables["applications"]:
        if c.text == "申请人情况":
            c = replace(c, col_span=6)
        elif c.text == "总计" and c.row == 1:
            c = replace(c, row=0, row_span=3)
        cells.append(c)
    return replace(r, tables={**r.tables, "applications": sorted(cells, key=lambda c: (c.row, c.col))})


def no_check_note(r: Report) -> Report:
    """The （本列数据的勾稽关系为：…） cell printed empty."""
    cells = [replace(c, text="") if c.text.startswith("（本列数据的勾稽关系") else c for c in r.tables["applications"]]
    return replace(r, tables={**r.tables, "applications": cells})


def _renumber(style: str):
    full = str.maketrans("0123456789.", "０１２３４５６７８９．")

    def label(text: str) -> str:
        if len(text) > 2 and text[0].isdigit() and text[1] == ".":
            n, rest = text[0], text[2:]
            return {"dun": f"{n}、{rest}", "paren": f"（{n}）{rest}", "fullwidth": f"{n}.{rest}".translate(full),
                    "plainquotes": f"{n}.{rest}".replace("“", "\"").replace("”", "\"")}[style]
        return text

    def apply(r: Report) -> Report:
        cells = [replace(c, text=label(c.text)) for c in r.tables["applications"]]
        return replace(r, tables={**r.tables, "applications": cells})

    return apply


def printed_blanks(r: Report) -> Report:
    """Cells printed blank, "/", "—" or "无": none is a number (truth None), none is a zero.

    Whole 法人 columns blank for one row, and a blank 总计 on a row whose parts are given."""
    marks = {("carried_in", 1): "/", ("carried_in", 2): "/", ("carried_in", 3): "/", ("carried_in", 4): "/",
             ("carried_in", 5): "/", ("partial", 6): "—", ("rejected.duplicate", 2): "无"}
    rows = list(R.apply_values())
    cells = []
    truth = dict(r.truth)
    for c in r.tables["applications"]:
        if 3 <= c.col <= 9 and c.row >= 3 and c.text.isdigit():
            rkey = rows[c.row - 3] if c.row - 3 < len(rows) else None
            mark = marks.get((rkey, c.col - 3))
            if mark is not None:
                truth[f"apply.{rkey}.{R.APPLY_COLUMNS[c.col - 3]}"] = None
                c = replace(c, text=mark)
        cells.append(c)
    return replace(r, tables={**r.tables, "applications": cells}, truth=truth)


def units_in_cells(r: Report) -> Report:
    """Counts with their unit (12件) and the fee in 元 where the template says 万元."""
    active = []
    for c in r.tables["active"]:
        if c.text == R._num(R.ACTIVE["active.licensing.decisions"]):
            c = replace(c, text=c.text + "件")
        elif c.text == R._num(R.ACTIVE["active.fees.amount"]):
            c = replace(c, text=f"{int(R.ACTIVE['active.fees.amount'] * 10000)}元")
        active.append(c)
    return replace(r, tables={**r.tables, "active": active})


def _cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def chinese_numeral_date(r: Report) -> Report:
    """二〇二三年一月十八日 (and 二○… with the circle, 二零… with 零)."""
    y = "".join(CN_DIGITS[int(d)] for d in "2023")
    return replace(r, date_line=f"{y}年{_cn_number(1)}月{_cn_number(18)}日")


def chinese_numeral_date_circle(r: Report) -> Report:
    return replace(r, date_line="二○二三年一月十八日")


def spaced_date(r: Report) -> Report:
    return replace(r, date_line="2023 年 1 月 18 日")


def review_header_spaced(r: Report) -> Report:
    """Table 四's header words broken by spaces (结 果 维 持)."""
    cells = [replace(c, text=" ".join(c.text)) if not c.text.isdigit() and len(c.text) <= 4 else c
             for c in r.tables["review"]]
    return replace(r, tables={**r.tables, "review": cells})


CLASSES = {
    "plain": lambda r: r,
    "notes": notes_under_tables,
    "notes_plain": sentences_under_tables,
    "extra_columns": extra_empty_columns,
    "total_first_row": total_on_first_header_row,
    "no_check_note": no_check_note,
    "labels_dun": _renumber("dun"),
    "labels_paren": _renumber("paren"),
    "labels_fullwidth": _renumber("fullwidth"),
    "labels_plainquotes": _renumber("plainquotes"),
    "blanks": printed_blanks,
    "units": units_in_cells,
    "date_chinese": chinese_numeral_date,
    "date_chinese_circle": chinese_numeral_date_circle,
    "date_spaced": spaced_date,
    "review_spaced": review_header_spaced,
}


def variant(klass: str) -> Report:
    return CLASSES[klass](base())


# ---- formats -------------------------------------------------------------------------------

def _grid_rows(cells: list[Cell]) -> list[list[tuple[Cell, bool]]]:
    """Per grid row, (cell, is_anchor) for every column: covered positions repeat the cell."""
    h, w = _height(cells), _width(cells)
    grid: list[list[tuple[Cell, bool] | None]] = [[None] * w for _ in range(h)]
    for c in cells:
        for rr in range(c.row, c.row + c.row_span):
            for cc in range(c.col, c.col + c.col_span):
                grid[rr][cc] = (c, rr == c.row and cc == c.col)
    blank = Cell(0, 0, "")
    return [[g or (blank, True) for g in row] for row in grid]


def _body(r: Report) -> list[tuple[str, str | None]]:
    """(kind, content) in reading order: ("text", line) or ("table", kind)."""
    out: list[tuple[str, str | None]] = [("text", r.title)]
    for i, (heading, text) in enumerate(R.SECTIONS):
        out.append(("text", heading))
        if text:
            out.append(("text", text))
        if i in R.TABLE_AFTER_SECTION:
            out.append(("table", R.TABLE_AFTER_SECTION[i]))
    out += [("text", r.agency), ("text", r.date_line)]
    return out


def write_docx(r: Report, path: Path) -> Path:
    import docx

    d = docx.Document()
    for kind, content in _body(r):
        if kind == "text":
            d.add_paragraph(content)
            continue
        cells = r.tables[content]
        table = d.add_table(rows=_height(cells), cols=_width(cells))
        table.style = "Table Grid"
        for c in cells:
            target = table.cell(c.row, c.col)
            if c.row_span > 1 or c.col_span > 1:
                target = target.merge(table.cell(c.row + c.row_span - 1, c.col + c.col_span - 1))
            target.text = c.text
    d.save(path)
    return path


def write_html(r: Report, path: Path) -> Path:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", html.escape(r.title),
             "</title></head><body><div class='location'>首页 &gt; 政务公开 &gt; 政府信息公开年报</div>",
             f"<h1>{html.escape(r.title)}</h1><div class='article'>"]
    for kind, content in _body(r)[1:]:
        if kind == "text":
            parts.append(f"<p>{html.escape(content)}</p>")
            continue
        parts.append("<table border='1'>")
        for row in range(_height(r.tables[content])):
            parts.append("<tr>")
            for c in r.tables[content]:
                if c.row == row:
                    parts.append(f"<td rowspan='{c.row_span}' colspan='{c.col_span}'>{html.escape(c.text)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</div></body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_xlsx(r: Report, path: Path) -> Path:
    """One sheet per table, the report's title in the first sheet's first row."""
    import openpyxl

    wb = openpyxl.Workbook()
    for i, kind in enumerate(R.TABLES):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = ["主动公开", "依申请公开", "复议诉讼"][i]
        top = 1
        if i == 0:
            ws.cell(row=1, column=1, value=r.title)
            top = 3
        for c in r.tables[kind]:
            value: object = int(c.text) if c.text.isdigit() else (float(c.text) if c.text.replace(".", "", 1).isdigit() else c.text)
            ws.cell(row=top + c.row, column=1 + c.col, value=value if value != "" else None)
            if c.row_span > 1 or c.col_span > 1:
                ws.merge_cells(start_row=top + c.row, start_column=1 + c.col,
                               end_row=top + c.row + c.row_span - 1, end_column=c.col + c.col_span)
    wb.save(path)
    return path


def _dump(r: Report, table_lines) -> str:
    out = []
    for kind, content in _body(r):
        if kind == "text":
            out += [content, ""]
        else:
            out += table_lines(r.tables[content]) + [""]
    return "\n".join(out) + "\n"


def _tika_lines(cells: list[Cell]) -> list[str]:
    """Tika: a row's cells (merged ones once, where they start) joined by tabs."""
    return ["\t" + "\t".join(c.text for c, anchor in row if anchor) for row in _grid_rows(cells)]


def _cell_lines(cells: list[Cell]) -> list[str]:
    """One cell per line ("⇥text", an empty cell a line holding only a tab); blank line between rows."""
    out = []
    for row in _grid_rows(cells):
        out += ["\t" + c.text for c, anchor in row if anchor] + [""]
    return out[:-1]


def _markdown_lines(cells: list[Cell]) -> list[str]:
    """A PDF converter's Markdown: a merged cell printed once, the cells it covers blank."""
    rows = [["" if not anchor else c.text for c, anchor in row] for row in _grid_rows(cells)]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return out + ["| " + " | ".join(row) + " |" for row in rows[1:]]


def _pipe_cell_lines(cells: list[Cell]) -> list[str]:
    """A page-text dump: every cell on its own line ending with " |", rows run on."""
    return [f"{c.text} |" for row in _grid_rows(cells) for c, anchor in row if anchor and c.text]


def writer(table_lines):
    def write(r: Report, path: Path) -> Path:
        path.write_text(_dump(r, table_lines), encoding="utf-8")
        return path

    return write


FORMATS = {
    "docx": (".docx", write_docx),
    "html": (".html", write_html),
    "xlsx": (".xlsx", write_xlsx),
    "txt_tika": (".txt", writer(_tika_lines)),
    "txt_cells": (".txt", writer(_cell_lines)),
    "markdown": (".md", writer(_markdown_lines)),
    "txt_pipes": (".txt", writer(_pipe_cell_lines)),
}
CARRIES_DATE = {"docx", "html", "txt_tika", "txt_cells", "markdown", "txt_pipes"}


def write(klass: str, fmt: str, directory: Path) -> tuple[Path, Report]:
    r = variant(klass)
    ext, write_fn = FORMATS[fmt]
    return write_fn(r, Path(directory) / f"{klass}-{fmt}{ext}"), r
