"""Report variants for tests: variation class × output format, each with its ground truth.

The report is `formats_report`'s (2021 template, known numbers). A variation class is a
change to its grids or its text that real reports show (shared/variety.md): a note under a
table, an empty spacer column, 总计 on the first header row, no 勾稽 note, other label
numbering, printed blanks, units in cells, dates in Chinese numerals or with spaces; a
2019 report on either form, whole columns or 总计 blank, labels in two cells or with a
typo, a table cut by a page footer, dates that lost 年/月, titles without a year; blanks
printed "-" or "——", labels in several runs or paragraphs, a table cut inside a group or
printed as several tables, a bare page number between pieces, no date at all. A format
writes the changed report as an agency or another tool would: DOCX (python-docx), an HTML
page, XLSX, OFD, and the text dumps other tools make (Tika tab rows, one cell per line with
empty cells as tabs or as whitespace, Markdown pipe tables with footers and split rows, one
`cell |` per line with or without the empty cells, and each with a bare page number left
on a line between two rows of table 三).

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
    template: str = "2021"
    catalogue: str = ""  # a 公开目录 line above the title (索引号, 发布机构, 发布日期)
    # a table printed in pieces (a page break): its grids, in order, with a page footer between
    pieces: dict[str, list[list[Cell]]] = field(default_factory=dict)
    footer: str = "— {page} —"  # the page footer printed between pieces ("第{page}页" elsewhere;
    # "": no page break, the pieces are tables of their own one under the other)
    sections: list[tuple[str, str | None]] = field(default_factory=lambda: list(R.SECTIONS))
    signature: str | None = None  # the agency under the report, where it differs from `agency`
    # the face the report is printed in (a fontconfig family, "AR PL UMing CN"): the DOCX asks
    # for it (Chinese and Latin, digits included), the pictures are drawn in it; None: the
    # DOCX template's own fonts, pictures in Noto Sans CJK
    face: str | None = None
    # labels typed in several runs (Word: a run per language, font or edit; a CMS page: one
    # `<span>` each, a source line break between them): DOCX and HTML write each label's
    # pieces (`_runs`) as runs / spans; the text of every other format is the same
    runs: bool = False
    # a cell's lines ("4.保护第三\n方合法权益") as paragraphs of their own (DOCX w:p, HTML <p>)
    # rather than line breaks in one paragraph
    paragraphs: bool = False


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


def _cut(cells: list[Cell], at: int, header_rows: int) -> list[list[Cell]]:
    """Rows before `at`, then rows from `at` on (renumbered), the first `header_rows` rows
    repeated on top of the second piece. A cell spanning the cut is cut too."""
    first = [replace(c, row_span=min(c.row_span, at - c.row)) for c in cells if c.row < at]
    head = [c for c in first if c.row < header_rows] if header_rows else []
    rest = []
    for c in cells:
        if c.row >= at:
            rest.append(replace(c, row=c.row - at + header_rows))
        elif c.row + c.row_span > at:  # a label spanning down into the next page is printed again
            rest.append(replace(c, row=header_rows, row_span=c.row + c.row_span - at))
    return [first, sorted(head + rest, key=lambda c: (c.row, c.col))]


def split_repeated_header(r: Report) -> Report:
    """Table 三 across two pages, its three header rows repeated on the second."""
    cells = r.tables["applications"]
    return replace(r, pieces={"applications": _cut(cells, 15, 3)})


def last_row_alone(r: Report) -> Report:
    """Table 三 cut so that only 四、结转下年度继续办理 sits on the next page; table 四's data
    row alone on the next page too."""
    cells = r.tables["applications"]
    return replace(r, pieces={"applications": _cut(cells, _height(cells) - 1, 0),
                              "review": _cut(r.tables["review"], 3, 0)})


ACTIVE_2019 = {
    "rules": (0, 0, 3), "normative": (2, 2, 15), "licensing": (12, -2, 120), "other_services": (5, 0, 30),
    "punishment": (8, 1, 37), "coercion": (2, 0, 4), "fees": (3, -1), "procurement": (6, 12.5),
}


def active_table_2019() -> tuple[list[Cell], dict[str, int | float]]:
    """Table 二 as the 2019 form prints it (five blocks; 本年增/减 is signed)."""
    heads = {"b1": ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
             "b5": ["上一年项目数量", "本年增/减", "处理决定数量"], "b8": ["上一年项目数量", "本年增/减"],
             "b9": ["采购项目数量", "采购总金额"]}
    blocks = [("第二十条第（一）项", "b1", [("规章", "rules"), ("规范性文件", "normative")]),
              ("第二十条第（五）项", "b5", [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")]),
              ("第二十条第（六）项", "b5", [("行政处罚", "punishment"), ("行政强制", "coercion")]),
              ("第二十条第（八）项", "b8", [("行政事业性收费", "fees")]),
              ("第二十条第（九）项", "b9", [("政府集中采购", "procurement")])]
    cols = {"b1": ("new_made", "new_published", "total_published"), "b5": ("prev_items", "delta", "decisions"),
            "b8": ("prev_items", "delta"), "b9": ("items", "amount")}
    cells: list[Cell] = []
    truth: dict[str, int | float] = {}
    row = 0
    for title, kind, rows in blocks:
        cells.append(Cell(row, 0, title, 1, 4))
        texts = ["信息内容"] + heads[kind]
        spans = [1] * len(texts)
        spans[-1] += 4 - sum(spans)
        col = 0
        for t, span in zip(texts, spans):
            cells.append(Cell(row + 1, col, t, 1, span))
            col += span
        row += 2
        for label, key in rows:
            values = ACTIVE_2019[key]
            col = 0
            for t, span in zip([label] + [str(v) for v in values], spans):
                cells.append(Cell(row, col, t, 1, span))
                col += span
            truth.update({f"active.{key}.{c}": v for c, v in zip(cols[kind], values)})
            row += 1
    return cells, truth


def applications_2019(cells: list[Cell]) -> tuple[list[Cell], dict[str, int]]:
    """Table 三 with （六）其他处理 as one row (the 2019 form): the three sub-rows summed."""
    group = next(c for c in cells if c.text == "（六）其他处理")
    r0 = group.row
    sums = [sum(int(c.text) for c in cells if c.row in (r0, r0 + 1, r0 + 2) and c.col == k) for k in range(3, 10)]
    out = []
    for c in cells:
        if r0 <= c.row <= r0 + 2 and c.col >= 1:
            continue
        if c.row > r0 + 2:
            c = replace(c, row=c.row - 2)
        elif c.row_span > 1 and c.row < r0 < c.row + c.row_span:
            c = replace(c, row_span=c.row_span - 2)
        out.append(c)
    out.append(Cell(r0, 1, "（六）其他处理", 1, 2))
    out += [Cell(r0, 3 + i, str(v)) for i, v in enumerate(sums)]
    return sorted(out, key=lambda c: (c.row, c.col)), dict(zip((f"apply.other.{c}" for c in R.APPLY_COLUMNS), sums))


def on_the_2019_form(r: Report) -> Report:
    """A later year's report still printed on the 2019 form (table 二's 2019 blocks, one
    （六）其他处理 row)."""
    active, active_truth = active_table_2019()
    apply_cells, other = applications_2019(r.tables["applications"])
    truth = {k: v for k, v in r.truth.items() if not k.startswith("active.") and not k.startswith("apply.other.")}
    truth.update(active_truth)
    truth.update(other)
    return replace(r, tables={**r.tables, "active": active, "applications": apply_cells}, truth=truth,
                   template="2019")


def review_blanks(r: Report) -> Report:
    """Table 四 with blank cells: 复议后起诉 printed all blank (null, never 0)."""
    truth = dict(r.truth)
    cells = []
    for c in r.tables["review"]:
        if c.text.isdigit() and c.col >= 10:
            truth[f"suit_after_review.{['upheld', 'corrected', 'other', 'pending', 'total'][c.col - 10]}"] = None
            c = replace(c, text="")
        cells.append(c)
    return replace(r, tables={**r.tables, "review": cells}, truth=truth)


def review_leaves_on_third_row(r: Report) -> Report:
    """Table 四's other header layout: 行政复议 spans two rows, all fifteen leaves on the third."""
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells = [Cell(0, 0, "行政复议", 2, 5), Cell(0, 5, "行政诉讼", 1, 10),
             Cell(1, 5, "未经复议直接起诉", 1, 5), Cell(1, 10, "复议后起诉", 1, 5)]
    cells += [Cell(2, i, t) for i, t in enumerate(heads * 3)]
    cells += [c for c in r.tables["review"] if c.row == 3]
    return replace(r, tables={**r.tables, "review": sorted(cells, key=lambda c: (c.row, c.col))})


def header_of_empty_cells(r: Report) -> Report:
    """Header rows drawn with empty cells instead of merged ones: a header text stands in
    its first cell, the cells it would span are there and empty."""
    tables = {}
    for kind, cells in r.tables.items():
        first_data = min(c.row for c in cells if c.text.isdigit())
        out = []
        for c in cells:
            if c.row < first_data and (c.row_span > 1 or c.col_span > 1):
                out.append(replace(c, row_span=1, col_span=1))
                out += [Cell(rr, cc, "") for rr in range(c.row, c.row + c.row_span)
                        for cc in range(c.col, c.col + c.col_span) if (rr, cc) != (c.row, c.col)]
            else:
                out.append(c)
        tables[kind] = sorted(out, key=lambda c: (c.row, c.col))
    return replace(r, tables=tables)


def spacer_after_labels(r: Report) -> Report:
    """An empty column between the labels and the values of every table."""
    first_value_col = {"active": 1, "applications": 3, "review": 0}
    tables = {}
    for kind, cells in r.tables.items():
        at = first_value_col[kind]
        if not at:
            tables[kind] = cells
            continue
        moved = []
        for c in cells:
            if c.col >= at:
                c = replace(c, col=c.col + 1)
            elif c.col + c.col_span > at:  # a cell spanning across the spacer spans it too
                c = replace(c, col_span=c.col_span + 1)
            moved.append(c)
        covered = {(rr, cc) for c in moved for rr in range(c.row, c.row + c.row_span)
                   for cc in range(c.col, c.col + c.col_span)}
        moved += [Cell(row, at, "") for row in range(_height(cells)) if (row, at) not in covered]
        tables[kind] = sorted(moved, key=lambda c: (c.row, c.col))
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
                    "plainquotes": f"{n}.{rest}".replace("“", "\"").replace("”", "\""),
                    "fullwidth_dot": f"{n}．{rest}", "fullwidth_dun": f"{n}、{rest}".translate(full)}[style]
        return text

    def apply(r: Report) -> Report:
        cells = [replace(c, text=label(c.text)) for c in r.tables["applications"]]
        return replace(r, tables={**r.tables, "applications": cells})

    return apply


def wrapped_labels(r: Report) -> Report:
    """Long row labels of table 三 wrapped inside their cell ("4.保护第三方\n合法权益")."""
    cells = [replace(c, text=c.text[:7] + "\n" + c.text[7:]) if c.col == 2 and len(c.text) > 10 else c
             for c in r.tables["applications"]]
    return replace(r, tables={**r.tables, "applications": cells})


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


def values_with_notes(r: Report) -> Report:
    """A cell that holds its number and a note on its parts: "2（其中修订1件）"."""
    target = R._num(R.ACTIVE["active.normative.issued"])
    active, done = [], False
    for c in r.tables["active"]:
        if not done and c.text == target and c.row == 3:
            c, done = replace(c, text=f"{target}（其中修订1件）"), True
        active.append(c)
    return replace(r, tables={**r.tables, "active": active})


def _retype(r: Report, table: dict[str, str]) -> Report:
    t = str.maketrans(table)
    return replace(r, tables={k: [replace(c, text=c.text.translate(t)) for c in cells] for k, cells in r.tables.items()})


def half_width_brackets(r: Report) -> Report:
    """Labels typed with half-width brackets ((一)予以公开) and single quotes ('三安全一稳定')."""
    return _retype(r, {"（": "(", "）": ")", "“": "'", "”": "'"})


def no_quotes(r: Report) -> Report:
    """三安全一稳定 printed without quotes."""
    return _retype(r, {"“": "", "”": ""})


def unit_wan_in_cell(r: Report) -> Report:
    """The fee printed with its unit, as the template asks: "1.5万元"."""
    target = R._num(R.ACTIVE["active.fees.amount"])
    return replace(r, tables={**r.tables, "active": [replace(c, text=c.text + "万元") if c.text == target else c
                                                     for c in r.tables["active"]]})


def chinese_numeral_date_ling(r: Report) -> Report:
    return replace(r, date_line="二零二三年一月十八日")


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


def catalogue_date_only(r: Report) -> Report:
    """No date under the signature: the date is only in the 公开目录 block above the title."""
    return replace(r, date_line="", catalogue=f"索引号：000014349/2023-00012　发布机构：{r.agency}　"
                                                f"发布日期：{r.published}")


def spaced_date(r: Report) -> Report:
    return replace(r, date_line="2023 年 1 月 18 日")


def review_header_spaced(r: Report) -> Report:
    """Table 四's header words broken by spaces (结 果 维 持)."""
    cells = [replace(c, text=" ".join(c.text)) if not c.text.isdigit() and len(c.text) <= 4 else c
             for c in r.tables["review"]]
    return replace(r, tables={**r.tables, "review": cells})


def _in_2019(r: Report) -> Report:
    """The same report on the year 2019, signed in January 2020."""
    year = 2019
    sections = [(h, t.replace(str(R.YEAR), str(year)) if t else t) for h, t in r.sections]
    return replace(r, title=r.title.replace(str(R.YEAR), str(year)), year=year, sections=sections,
                   date_line="2020年1月18日", published="2020-01-18")


def year_2019_on_the_2021_form(r: Report) -> Report:
    """A report on 2019 printed on the 2021 form (the other way round of `form_2019`): the
    template is read from the labels, the year from the title, never one from the other."""
    return replace(_in_2019(r), template="2021")


def year_2019_on_the_2019_form(r: Report) -> Report:
    """A report on 2019 on its own form (table 二's five blocks, one （六）其他处理 row)."""
    return on_the_2019_form(_in_2019(r))


def _blank_apply_cells(r: Report, blank) -> Report:
    """Table 三 with the value cells for which `blank(row code, column code)` holds printed
    empty: their truth is None (a blank is not a zero, and a total is never computed)."""
    rows = list(R.apply_values())
    cells, truth = [], dict(r.truth)
    for c in r.tables["applications"]:
        if 3 <= c.col <= 9 and c.row >= 3 and c.text.isdigit() and c.row - 3 < len(rows):
            code, column = rows[c.row - 3], R.APPLY_COLUMNS[c.col - 3]
            if blank(code, column):
                truth[f"apply.{code}.{column}"] = None
                c = replace(c, text="")
        cells.append(c)
    return replace(r, tables={**r.tables, "applications": cells}, truth=truth)


def blank_org_columns(r: Report) -> Report:
    """The five 法人或其他组织 columns blank on every row; 自然人 and 总计 carry numbers."""
    return _blank_apply_cells(r, lambda code, column: column not in ("natural_person", "total"))


def blank_totals(r: Report) -> Report:
    """总计 left blank on rows whose parts are given (the new, granted and （七）总计 rows),
    and table 四's 总计 blank for 行政复议."""
    rows = ("new", "granted", "result_total")
    blanked = _blank_apply_cells(r, lambda code, column: column == "total" and code in rows)
    review = [replace(c, text="") if c.row == 3 and c.col == 4 else c for c in blanked.tables["review"]]
    return replace(blanked, tables={**blanked.tables, "review": review}, truth={**blanked.truth, "review.total": None})


def blank_total_column(r: Report) -> Report:
    """Table 三's 总计 column left blank on every row (a report that does not add up)."""
    return _blank_apply_cells(r, lambda code, column: column == "total")


def blank_totals_after_spacer(r: Report) -> Report:
    """`blank_totals` in tables with an empty spacer column between labels and values: in a
    dump that keeps empty cells a row then has an empty cell at both ends."""
    return spacer_after_labels(blank_totals(r))


def _split_label(text: str) -> tuple[str, str]:
    """A label cut in the middle, where a line of the typeset label ended."""
    at = max(2, len(text) // 2)
    return text[:at], text[at:]


def labels_in_two_cells(r: Report) -> Report:
    """Row labels of table 三 spread over two adjacent cells ("一、本年新收政府" | "信息公开申请数量"),
    as a converter writes a label typeset in two spans."""
    cells = []
    for c in r.tables["applications"]:
        if c.row >= 3 and c.col < 3 and c.col + c.col_span == 3 and c.col_span > 1 and c.row_span == 1:
            head, tail = _split_label(c.text)
            cells += [replace(c, text=head, col_span=1), replace(c, col=c.col + 1, text=tail, col_span=c.col_span - 1)]
        else:
            cells.append(c)
    return replace(r, tables={**r.tables, "applications": sorted(cells, key=lambda c: (c.row, c.col))})


TYPOS = {"行政复议": "行政复义", "一、本年新收政府信息公开申请数量": "一、本年新收政府信息公开申情数量",
         "二、上年结转政府信息公开申请数量": "二、上年结转政府信息公开申清数量",
         "3.补正后申请内容仍不明确": "3.补正后申请内容仍不明碓", "本年废止件数": "本年废至件数",
         "四、结转下年度继续办理": "四、结转下年度继续力理", "社会公益组织": "社会公益组识", "结果纠正": "结果纠证",
         "行政处罚": "行政处法", "其他结果": "其它结果", "2.重复申请": "2.重复申情"}


def label_typos(r: Report) -> Report:
    """Labels printed with one character wrong (行政复义, 申情, 申清, 力理, 行政处法), row labels
    and column headers alike: still the template's rows and columns."""
    tables = {kind: [replace(c, text=TYPOS.get(c.text, c.text)) for c in cells] for kind, cells in r.tables.items()}
    return replace(r, tables=tables)


def active_across_pages(r: Report) -> Report:
    """Table 二's blocks split over two pages, a page footer (— 3 —) between the parts."""
    return replace(r, pieces={"active": _cut(r.tables["active"], 7, 0)})


def active_across_pages_page_word(r: Report) -> Report:
    """As `active_across_pages`, the footer printed 第3页, and table 四 cut under its header."""
    return replace(r, pieces={"active": _cut(r.tables["active"], 11, 0), "review": _cut(r.tables["review"], 3, 0)},
                   footer="第{page}页")


def active_cut_twice(r: Report) -> Report:
    """Table 二 over three pages: its first block's first row alone on the first (a dump that
    loses header rows keeps only "规章 | 0 | 0 | 3" of it), and only its last row
    (行政事业性收费) at the top of the third."""
    first, rest = _cut(r.tables["active"], 3, 0)
    middle, last = _cut(rest, 10, 0)
    return replace(r, pieces={"active": [first, middle, last]})


def date_marks_lost(r: Report) -> Report:
    """年 and 月 lost in conversion: "2023131日" (one reading only: 13月 is no month)."""
    return replace(r, date_line="2023131日", published="2023-01-31")


def _year_out_of_title(r: Report, first_text: str) -> Report:
    sections = [(r.sections[0][0], first_text)] + r.sections[1:]
    return replace(r, title=r.title.replace(f"{R.YEAR}年", ""), sections=sections)


def title_without_year_period(r: Report) -> Report:
    """No year in the title; the year only in the 统计期限, its 年/月 lost ("202211日到1231日")."""
    return _year_out_of_title(r, f"本报告统计期限为{R.YEAR}11日到1231日。本机关认真贯彻落实《中华人民共和国政府信息公开条例》。")


def title_without_year_body(r: Report) -> Report:
    """No year in the title; the year only in the body's first sentence."""
    return _year_out_of_title(r, f"{R.YEAR}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。")


def agency_without_city(r: Report) -> Report:
    """The title names the agency with its city, the signature without it (生态环境局)."""
    return replace(r, signature=R.AGENCY.removeprefix("示例市"))


def apply_values_with_notes(r: Report) -> Report:
    """Table 三 cells holding two values: "5（其中线上3件）", "3（含转办1件）", "9，其中线上6件",
    "4（线上3件）"."""
    notes = {("new", "natural_person"): "（其中线上3件）", ("granted", "natural_person"): "（含转办1件）",
             ("new", "total"): "，其中线上6件", ("granted", "total"): "（线上3件）"}
    rows = list(R.apply_values())
    cells = []
    for c in r.tables["applications"]:
        if 3 <= c.col <= 9 and 3 <= c.row < 3 + len(rows):
            c = replace(c, text=c.text + notes.get((rows[c.row - 3], R.APPLY_COLUMNS[c.col - 3]), ""))
        cells.append(c)
    return replace(r, tables={**r.tables, "applications": cells})


# ---- classes added for issue #12 (shared/variety.md sub-shapes not generated before) ---------

def dash_blanks(r: Report) -> Report:
    """Cells printed blank with a hyphen "-", a full-width "－" or a double dash "——": like
    "/" and "—" none is a number (truth None), none is a zero; in table 四 too."""
    marks = {("carried_in", "commercial"): "-", ("carried_in", "research"): "－", ("partial", "total"): "——",
             ("unavailable.not_held", "legal_service"): "-"}
    rows = list(R.apply_values())
    cells, truth = [], dict(r.truth)
    for c in r.tables["applications"]:
        if 3 <= c.col <= 9 and 3 <= c.row < 3 + len(rows):
            mark = marks.get((rows[c.row - 3], R.APPLY_COLUMNS[c.col - 3]))
            if mark is not None:
                truth[f"apply.{rows[c.row - 3]}.{R.APPLY_COLUMNS[c.col - 3]}"] = None
                c = replace(c, text=mark)
        cells.append(c)
    review = []
    for c in r.tables["review"]:
        if c.row == 3 and c.col in (7, 8):  # 未经复议直接起诉: 其他结果, 尚未审结
            truth[f"suit_direct.{['other', 'pending'][c.col - 7]}"] = None
            c = replace(c, text="-")
        review.append(c)
    return replace(r, tables={**r.tables, "applications": cells, "review": review}, truth=truth)


def notes_in_first_cell(r: Report) -> Report:
    """A note row under every table that is not merged: the note in the row's first cell, the
    row's other cells there and empty (a table drawn by hand, or a converter's grid)."""
    notes = {"active": "注：本表数据截至2022年12月31日。",
             "applications": "说明：数据来源于依申请公开系统，单位：件。",
             "review": "注：无行政复议、行政诉讼的填0。"}
    tables = {}
    for kind, cells in r.tables.items():
        h, w = _height(cells), _width(cells)
        tables[kind] = cells + [Cell(h, 0, notes[kind])] + [Cell(h, col, "") for col in range(1, w)]
    return replace(r, tables=tables)


def _cut_blank(cells: list[Cell], at: int, header_rows: int = 0) -> list[list[Cell]]:
    """Rows before `at`, then the rest (the first `header_rows` rows repeated on top): a
    label cell spanning the cut is not printed again (Word prints a merged cell's text on its
    first page only) — its part on the next page is an empty cell."""
    first, rest = _cut(cells, at, header_rows)
    spanning = {(c.col, c.text) for c in cells if c.row < at < c.row + c.row_span}
    return [first, [replace(c, text="") if c.row == header_rows and (c.col, c.text) in spanning else c
                    for c in rest]]


def apply_cut_mid_group(r: Report) -> Report:
    """Table 三 cut inside （三）不予公开 with no header on the next page, and the group's
    label (and 三、本年度办理结果) not printed again: the continuation's first rows have
    an empty label cell, only their sub-labels say what they are."""
    return replace(r, pieces={"applications": _cut_blank(r.tables["applications"], 9)})


def apply_cut_header_repeated_mid_group(r: Report) -> Report:
    """Table 三 cut inside （四）无法提供, its three header rows repeated on the next page, the
    group's label not printed again there."""
    return replace(r, pieces={"applications": _cut_blank(r.tables["applications"], 16, 3)})


def review_header_repeated(r: Report) -> Report:
    """Table 四's one data row pushed to the next page, its three header rows repeated there:
    the first page holds a table of header rows only."""
    return replace(r, pieces={"review": _cut(r.tables["review"], 3, 3)})


def apply_cut_bare_page_number(r: Report) -> Report:
    """Table 三 cut inside （五）不予处理, the page footer a bare page number ("3"): a number
    between two parts of a table that is no cell of it."""
    return replace(r, pieces={"applications": _cut(r.tables["applications"], 20, 0)}, footer="{page}")


def active_block_header_alone(r: Report) -> Report:
    """Table 二 cut after a block's column-header row: 第二十条第（五）项 and its 信息内容 |
    本年处理决定数量 row end one page, its 行政许可 row opens the next, footer "- 2 -"."""
    return replace(r, pieces={"active": _cut(r.tables["active"], 6, 0)}, footer="- {page} -")


def title_year_in_chinese(r: Report) -> Report:
    """The title's year in Chinese numerals (二〇二二年), the body's in digits."""
    year = "".join(CN_DIGITS[int(d)] for d in str(R.YEAR))
    return replace(r, title=r.title.replace(f"{R.YEAR}年", f"{year}年"))


def active_one_table_per_block(r: Report) -> Report:
    """Table 二 printed as four tables, one per 第二十条 block, on one page (no footer
    between them), as CMS editors and some agencies lay it out."""
    first, rest = _cut(r.tables["active"], 4, 0)
    second, rest = _cut(rest, 3, 0)
    third, fourth = _cut(rest, 4, 0)
    return replace(r, pieces={"active": [first, second, third, fourth]}, footer="")


def apply_in_small_tables(r: Report) -> Report:
    """Table 三 printed as three tables one under the other (no page break): the header and
    rows 一 to （二）, then （三）不予公开 and （四）无法提供, then the rest; the later tables
    have no header, and 三、本年度办理结果 is printed again in each."""
    first, rest = _cut(r.tables["applications"], 7, 0)
    second, third = _cut(rest, 11, 0)
    return replace(r, pieces={"applications": [first, second, third]}, footer="")


def labels_in_paragraphs(r: Report) -> Report:
    """Long labels of table 三 wrapped as two paragraphs in their cell (Enter typed inside the
    cell), not a line break: DOCX w:p, HTML <p>; in a dump, two lines as in `wrapped_labels`."""
    return replace(wrapped_labels(r), paragraphs=True)


def date_marks_lost_ambiguous(r: Report) -> Report:
    """年 and 月 lost so that two readings are dates ("2023118日": 1月18日 or 11月8日): the
    record gives no date rather than pick one."""
    return replace(r, date_line="2023118日", published=None)


def title_without_year_standard_period(r: Report) -> Report:
    """No year in the title; the year only in the template's own period sentence
    (统计期限自…年1月1日起至…年12月31日止), none in the body's first words."""
    return _year_out_of_title(r, f"本报告中所列数据的统计期限自{R.YEAR}年1月1日起至{R.YEAR}年12月31日止。"
                                 "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。")


def labels_in_runs(r: Report) -> Report:
    """Every label typed in several runs (DOCX runs, HTML `<span>`s with line breaks between
    them in the page's source), and so in the PDF, DOC and RTF made of the DOCX."""
    return replace(r, runs=True)


def date_absent(r: Report) -> Report:
    """No date anywhere: no signature date, no 公开目录. The record gives none (never a guessed
    one, nor the year's)."""
    return replace(r, date_line="", published=None)


CLASSES = {
    "plain": lambda r: r,
    "notes": notes_under_tables,
    "notes_plain": sentences_under_tables,
    "form_2019": on_the_2019_form,
    "review_blanks": review_blanks,
    "review_leaves_third_row": review_leaves_on_third_row,
    "header_empty_cells": header_of_empty_cells,
    "extra_columns": extra_empty_columns,
    "spacer_after_labels": spacer_after_labels,
    "split_repeated_header": split_repeated_header,
    "last_row_alone": last_row_alone,
    "total_first_row": total_on_first_header_row,
    "no_check_note": no_check_note,
    "labels_dun": _renumber("dun"),
    "labels_paren": _renumber("paren"),
    "labels_fullwidth": _renumber("fullwidth"),
    "labels_plainquotes": _renumber("plainquotes"),
    "blanks": printed_blanks,
    "wrapped_labels": wrapped_labels,
    "units": units_in_cells,
    "values_with_notes": values_with_notes,
    "date_chinese": chinese_numeral_date,
    "date_chinese_circle": chinese_numeral_date_circle,
    "date_chinese_ling": chinese_numeral_date_ling,
    "brackets_halfwidth": half_width_brackets,
    "labels_noquotes": no_quotes,
    "units_wan": unit_wan_in_cell,
    "date_spaced": spaced_date,
    "date_catalogue_only": catalogue_date_only,
    "review_spaced": review_header_spaced,
    "year_2019_form_2021": year_2019_on_the_2021_form,
    "year_2019_form_2019": year_2019_on_the_2019_form,
    "blank_org_columns": blank_org_columns,
    "blank_totals": blank_totals,
    "blank_total_column": blank_total_column,
    "blank_totals_spacer": blank_totals_after_spacer,
    "labels_two_cells": labels_in_two_cells,
    "label_typos": label_typos,
    "active_across_pages": active_across_pages,
    "active_across_pages_page_word": active_across_pages_page_word,
    "active_cut_twice": active_cut_twice,
    "date_marks_lost": date_marks_lost,
    "title_no_year_period": title_without_year_period,
    "title_no_year_body": title_without_year_body,
    "agency_without_city": agency_without_city,
    "apply_values_with_notes": apply_values_with_notes,
    "blanks_dashes": dash_blanks,
    "labels_fullwidth_dot": _renumber("fullwidth_dot"),
    "labels_fullwidth_dun": _renumber("fullwidth_dun"),
    "notes_first_cell": notes_in_first_cell,
    "apply_cut_mid_group": apply_cut_mid_group,
    "apply_cut_bare_page_number": apply_cut_bare_page_number,
    "active_block_header_alone": active_block_header_alone,
    "title_year_chinese": title_year_in_chinese,
    "date_absent": date_absent,
    "labels_runs": labels_in_runs,
    "active_one_table_per_block": active_one_table_per_block,
    "apply_small_tables": apply_in_small_tables,
    "labels_paragraphs": labels_in_paragraphs,
    "date_marks_lost_ambiguous": date_marks_lost_ambiguous,
    "title_no_year_standard_period": title_without_year_standard_period,
    "apply_cut_header_mid_group": apply_cut_header_repeated_mid_group,
    "review_header_repeated": review_header_repeated,
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


def _body(r: Report) -> list[tuple[str, object]]:
    """(kind, content) in reading order: ("text", line) or ("grid", cells)."""
    out: list[tuple[str, object]] = [("text", r.catalogue)] if r.catalogue else []
    out.append(("text", r.title))
    for i, (heading, text) in enumerate(r.sections):
        out.append(("text", heading))
        if text:
            out.append(("text", text))
        if i in R.TABLE_AFTER_SECTION:
            kind = R.TABLE_AFTER_SECTION[i]
            for n, grid in enumerate(r.pieces.get(kind, [r.tables[kind]])):
                if n and r.footer:
                    out.append(("footer", r.footer.format(page=n + 2)))  # the page footer between the pieces
                elif n:
                    out.append(("text", " "))  # pieces on one page: an empty paragraph between the tables
                out.append(("grid", grid))
                out.append(("widths", r.tables[kind]))  # a piece is as wide as its table
    out += [("text", r.signature or r.agency)] + ([("text", r.date_line)] if r.date_line else [])
    return out


def write_docx(r: Report, path: Path) -> Path:
    import docx

    d = docx.Document()
    if r.face:
        _docx_face(d, r.face)
    for kind, content in _body(r):
        if kind == "widths":
            continue
        if kind == "footer":
            d.add_page_break()  # the next piece starts a page (in the PDF LibreOffice makes of it too)
            continue
        if kind == "text":
            d.add_paragraph(content)
            continue
        cells = content
        width = _width(cells)
        table = d.add_table(rows=_height(cells), cols=width)
        table.style = "Table Grid"
        # the cells looked up once: `table.cell` walks the whole table on every call
        grid = table._cells
        for c in cells:
            target = grid[c.row * width + c.col]
            if c.row_span > 1 or c.col_span > 1:
                target = target.merge(grid[(c.row + c.row_span - 1) * width + c.col + c.col_span - 1])
            if r.paragraphs and "\n" in c.text:
                first, *more = c.text.split("\n")
                target.text = first
                for line in more:
                    target.add_paragraph(line)
            elif r.runs and len(_runs(c.text)) > 1:
                para = target.paragraphs[0]
                for k, piece in enumerate(_runs(c.text)):
                    run = para.add_run(piece)
                    run.bold = k % 2 == 1 or None  # runs that differ in format, as Word keeps them apart
            else:
                target.text = c.text
    if r.pieces:
        _page_number_footer(d, r.footer)
    d.save(path)
    return path


def _docx_face(d, family: str) -> None:
    """Every run of the document in `family`: the defaults' w:rFonts (and the Normal style's)
    name it for East Asian text (w:eastAsia) and for Latin text and digits (w:ascii,
    w:hAnsi), the theme fonts dropped, as a report typed in one face is saved by Word."""
    from docx.oxml.ns import qn

    defaults = d.styles.element.find(qn("w:docDefaults"))
    targets = [d.styles["Normal"].element.get_or_add_rPr()]
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            targets.append(rpr)
    for rpr in targets:
        fonts = rpr.get_or_add_rFonts()
        for name in list(fonts.attrib):
            if name.lower().endswith("theme"):
                del fonts.attrib[name]
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), family)


def _page_number_footer(d, footer: str) -> None:
    """The page footer ("— 3 —", "第3页") on every page, the number a PAGE field: in the PDF
    LibreOffice makes of it, the footer stands between the parts of a table cut by a page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    before, _, after = footer.partition("{page}")
    para = d.sections[0].footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run(before)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    para._p.append(field)
    para.add_run(after)


def _runs(text: str) -> list[str]:
    """A label's runs as Word keeps them: its number marker ("4." / "（三）") apart, the rest in
    pieces of three characters. A number, or a short text, is one run."""
    if len(text) <= 4 or text.replace(".", "", 1).isdigit():
        return [text]
    head = len(text) - len(text.lstrip("0123456789.、．（）()一二三四五六七八九十"))
    pieces = [text[:head]] if head else []
    pieces += [text[k:k + 3] for k in range(head, len(text), 3)]
    return pieces


def _html_runs(r: Report, text: str) -> str:
    """A cell's text in HTML: with `r.runs`, every run its own `<span>`, a source line break
    between them (as Word's HTML export and CMS editors wrap their source); with
    `r.paragraphs`, every line its own `<p>`."""
    if r.paragraphs and "\n" in text:
        return "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
    if not r.runs or len(_runs(text)) == 1:
        return html.escape(text)
    return "\n".join(f"<span lang='zh-CN'>{html.escape(p)}</span>" for p in _runs(text))


def write_html(r: Report, path: Path) -> Path:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", html.escape(r.title),
             "</title></head><body><div class='location'>首页 &gt; 政务公开 &gt; 政府信息公开年报</div>",
             f"<h1>{html.escape(r.title)}</h1><div class='article'>"]
    for kind, content in [b for b in _body(r) if b != ("text", r.title)]:
        if kind == "widths":
            continue
        if kind in ("text", "footer"):  # a page converted from a PDF keeps its footers
            parts.append(f"<p>{html.escape(content)}</p>")
            continue
        parts.append("<table border='1'>")
        for row in range(_height(content)):
            parts.append("<tr>")
            for c in content:
                if c.row == row:
                    parts.append(f"<td rowspan='{c.row_span}' colspan='{c.col_span}'>{_html_runs(r, c.text)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</div></body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_html_cms(r: Report, path: Path) -> Path:
    """Another CMS: GBK-encoded, a 发布时间 line under the title, `<th>` header cells, every
    cell's text in `<p><span style=…>`, blank cells as `&nbsp;`, the article in a layout table."""
    parts = ["<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>",
             f"<title>{html.escape(r.title)}_政府信息公开</title></head><body>",
             "<table width='100%'><tr><td class='nav'>当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</td></tr>",
             f"<tr><td><div class='title'>{html.escape(r.title)}</div>",
             f"<div class='info'>发布时间：{r.published or ''} 09:30  来源：本站  浏览次数：128</div>",
             "<div id='zoom'>"]
    for kind, content in [b for b in _body(r) if b != ("text", r.title)]:
        if kind == "widths":
            continue
        if kind in ("text", "footer"):
            parts.append(f"<p style='text-indent:2em'><span style='font-family:仿宋'>{html.escape(content)}</span></p>")
            continue
        parts.append("<table class='MsoNormalTable' border='1' cellspacing='0'>")
        first_data = min((c.row for c in content if c.text.isdigit()), default=0)
        for row in range(_height(content)):
            parts.append("<tr>")
            for c in content:
                if c.row == row:
                    tag = "th" if row < first_data else "td"
                    text = _html_runs(r, c.text) if c.text else "&nbsp;"
                    parts.append(f"<{tag} rowspan='{c.row_span}' colspan='{c.col_span}'><p align='center'>"
                                 f"<span style='font-size:10.5pt'>{text}</span></p></{tag}>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</div></td></tr></table></body></html>")
    path.write_bytes("".join(parts).encode("gb18030"))
    return path


def write_xlsx(r: Report, path: Path, title: str = "row") -> Path:
    """One sheet per table. Where agency and year are: `title="row"` the report's title in
    the first sheet's first row; "sheet" only in the first sheet's name; "file" only in the
    file's name (the workbook's sheets and cells say neither)."""
    import openpyxl

    wb = openpyxl.Workbook()
    for i, kind in enumerate(R.TABLES):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = ["主动公开", "依申请公开", "复议诉讼"][i]
        top = 1
        if i == 0 and title == "row":
            ws.cell(row=1, column=1, value=r.title)
            top = 3
        if i == 0 and title == "sheet":
            ws.title = f"{r.agency}{r.year}年度"
        for grid in r.pieces.get(kind, [r.tables[kind]]):
            _put_grid(ws, grid, top)
            top += _height(grid) + 1
    wb.save(path)
    return path


def _put_grid(ws, cells: list[Cell], top: int) -> None:
    for c in cells:
        value: object = int(c.text) if c.text.isdigit() else (float(c.text) if c.text.replace(".", "", 1).isdigit() else c.text)
        ws.cell(row=top + c.row, column=1 + c.col, value=value if value != "" else None)
        if c.row_span > 1 or c.col_span > 1:
            ws.merge_cells(start_row=top + c.row, start_column=1 + c.col,
                           end_row=top + c.row + c.row_span - 1, end_column=c.col + c.col_span)


def _ofd_widths(cells: list[Cell]) -> list[float]:
    """Label columns wide, number columns narrow, the whole within the page (170 mm)."""
    w = _width(cells)
    need = [6.0] * w
    for c in cells:
        if c.col_span == 1 and c.text and not c.text.isdigit():
            need[c.col] = max(need[c.col], min(40.0, 3.2 * len(c.text)))
        elif c.col_span == 1 and c.text:
            need[c.col] = max(need[c.col], 10.0)
    scale = min(1.0, 170.0 / sum(need))
    return [x * scale for x in need]


def write_ofd(r: Report, path: Path) -> Path:
    from ofd_writer import OfdWriter

    w = OfdWriter(title=r.title, face=_face_file(r.face))
    pending = None
    for kind, content in _body(r):
        if kind == "footer":
            w.new_page()  # the piece after a page footer starts the next page (the writer numbers pages)
        elif kind == "text":
            w.text(content)
        elif kind == "grid":
            pending = content
        else:
            w.table(pending, widths=_ofd_widths(content), size=2.6)  # small type keeps each table on a page
    w.save(path)
    return path


def _face_file(family: str | None) -> tuple[str, Path] | None:
    """(family, its font file) for a face of `ocr_degrade.FACE_NAMES` that is installed."""
    if not family:
        return None
    import ocr_degrade as D

    key = next((k for k, fam in D.FACE_NAMES.items() if fam == family), None)
    path = D.faces().get(key) if key else None
    if path is None:
        raise RuntimeError(f"face {family!r} is not installed")
    return family, path


def _dump(r: Report, table_lines) -> str:
    out = []
    for kind, content in _body(r):
        if kind == "widths":
            continue
        if kind in ("text", "footer"):
            out += [content, ""]
        else:
            out += table_lines(content) + [""]
    return "\n".join(out) + "\n"


def _tika_lines(cells: list[Cell]) -> list[str]:
    """Tika: a row's cells (merged ones once, where they start) joined by tabs."""
    return ["\t" + "\t".join(c.text for c, anchor in row if anchor) for row in _grid_rows(cells)]


def _tika_footer_lines(cells: list[Cell], footer: str = "3") -> list[str]:
    """Tab rows from a PDF's text (a page's lines, cells apart by tabs): the page number the
    page ends with stands on a line of its own between two rows of table 三, no blank line
    around it. A number after a row that ends in a number: joined, 1 and 3 make 13."""
    lines = _tika_lines(cells)
    return lines[:13] + [footer] + lines[13:] if len(lines) > 20 else lines


def _cell_lines(cells: list[Cell]) -> list[str]:
    """One cell per line ("⇥text", an empty cell a line holding only a tab); blank line between rows."""
    out = []
    for row in _grid_rows(cells):
        out += ["\t" + c.text for c, anchor in row if anchor] + [""]
    return out[:-1]


def _cell_footer_lines(cells: list[Cell], footer: str = "3") -> list[str]:
    """One cell per line, the page number on a line of its own (no tab) at the end of a row
    of table 三, before the blank line: a PDF's page ended there."""
    lines = _cell_lines(cells)
    seps = [i for i, ln in enumerate(lines) if ln == ""]
    return lines[:seps[12]] + [footer] + lines[seps[12]:] if len(seps) > 20 else lines


def _pipe_footer_lines(cells: list[Cell], footer: str = "3") -> list[str]:
    """One `cell |` per line, the page number on a line of its own (no " |") between two
    rows of table 三: a PDF's page ended there."""
    lines, out, row = _pipe_blank_lines(cells), [], 0
    for ln in lines:
        out.append(ln)
        row += ln == ""
        if ln == "" and row == 13 and len(lines) > 100:
            out.append(footer)
    return out


def _markdown_footer_line_lines(cells: list[Cell], footer: str = "3") -> list[str]:
    """Markdown whose converter left the page number as a bare line between two rows of
    table 三, no blank line around it."""
    lines = _markdown_lines(cells)
    return lines[:13] + [footer] + lines[13:] if len(lines) > 20 else lines


def _cell_lines_ws(cells: list[Cell]) -> list[str]:
    """One cell per line as another Tika build writes it: an empty cell a line holding only
    whitespace (an ideographic space, no tab); rows still apart by truly empty lines."""
    return [ln if ln != "\t" else "\u3000" for ln in _cell_lines(cells)]


def _pipe_blank_lines(cells: list[Cell]) -> list[str]:
    """A page-text dump that keeps empty cells: every cell on its own line ending with " |",
    an empty cell a line holding only "|"; a blank line between rows."""
    out = []
    for row in _grid_rows(cells):
        out += [f"{c.text} |" if c.text else "|" for c, anchor in row if anchor] + [""]
    return out[:-1]


def _markdown_lines(cells: list[Cell]) -> list[str]:
    """A PDF converter's Markdown: a merged cell printed once, the cells it covers blank."""
    rows = [["" if not anchor else c.text.replace("\n", "<br>") for c, anchor in row] for row in _grid_rows(cells)]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return out + ["| " + " | ".join(row) + " |" for row in rows[1:]]


def _pipe_cell_lines(cells: list[Cell]) -> list[str]:
    """A page-text dump: every cell on its own line ending with " |", rows run on."""
    return [f"{c.text} |" for row in _grid_rows(cells) for c, anchor in row if anchor and c.text]


DETACHED = ("上年结转", "要求行政机关确认", "行政事业性收费")
"""Labels a PDF converter put on a row of their own (a top-level row of 三, a sub-row under
its group, a row of 二)."""


def _markdown_pdf_lines(cells: list[Cell]) -> list[str]:
    """Markdown as a PDF converter writes it: the page footer inside the table (the table
    then restarts as a second Markdown table without its header), and long labels that
    the converter put on a row of their own, their values on the next row."""
    lines = _markdown_lines(cells)
    out = []
    for i, line in enumerate(lines):
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        at = next((k for k, c in enumerate(cols) if c and not c.replace(".", "", 1).isdigit()), None)
        if at is not None and any(w in cols[at] for w in DETACHED) and any(c[:1].isdigit() for c in cols[at + 1:]):
            out.append("| " + " | ".join(c if k <= at else "" for k, c in enumerate(cols)) + " |")
            out.append("| " + " | ".join("" if k <= at else c for k, c in enumerate(cols)) + " |")
            continue
        out.append(line)
        if i == 12 and len(lines) > 20:  # a page ends inside table 三
            out += ["", "— 3 —", "", "|" + " |" * len(cols), "|" + "---|" * len(cols)]
    return out


def _markdown_footer_row_lines(cells: list[Cell], footer: str = "— 3 —") -> list[str]:
    """Markdown from a converter that took the page's footer into the table: a row holding
    only the footer ("— 3 —", or a bare "3") in its first cell inside table 三, the rest of
    the table going on below it. A bare page number there is no value of any row."""
    lines = _markdown_lines(cells)
    width = lines[0].count("|") - 1
    if len(lines) > 20:  # a page ends inside table 三
        lines = lines[:13] + [f"| {footer} |" + " |" * (width - 1)] + lines[13:]
    return lines


def _markdown_wrapped_rows_lines(cells: list[Cell]) -> list[str]:
    """Markdown from a converter that splits a row at each printed line: a label typeset in
    two lines gives two rows, the values on the first, the label's second line alone on the
    next row with empty cells (the template's long labels wrap so)."""
    out = []
    for line in _markdown_lines(cells):
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        at = next((k for k, c in enumerate(cols) if len(c) > 14), None)  # a long label (no value is)
        if at is None or not any(c.replace(".", "", 1).isdigit() for c in cols[at + 1:]):
            out.append(line)
            continue
        # a label wrapped in its cell already splits where it wrapped, any other after 10 characters
        head, _, tail = cols[at].partition("<br>") if "<br>" in cols[at] else (cols[at][:10], "", cols[at][10:])
        out.append("| " + " | ".join(head if k == at else c for k, c in enumerate(cols)) + " |")
        out.append("| " + " | ".join(tail if k == at else "" for k in range(len(cols))) + " |")
    return out


def _markdown_pieces_lines(cells: list[Cell], rows_per_piece: int = 6) -> list[str]:
    """Markdown from a PDF converter that made several small tables of one: every few rows a
    new table starts, its first row taken as a header row (`|---|` under it)."""
    rows = _markdown_lines(cells)
    rows = rows[:1] + rows[2:]  # the grid rows, the first table's separator dropped
    out: list[str] = []
    for at in range(0, len(rows), rows_per_piece):
        piece = rows[at:at + rows_per_piece]
        width = piece[0].count("|") - 1
        out += ([""] if out else []) + piece[:1] + ["|" + "---|" * width] + piece[1:]
    return out


def _html_table_lines(cells: list[Cell]) -> list[str]:
    """Markdown whose tables are HTML with their spans, as some PDF converters write them."""
    rows = []
    for row in range(_height(cells)):
        tds = "".join(f'<td rowspan="{c.row_span}" colspan="{c.col_span}">{html.escape(c.text)}</td>'
                      for c in cells if c.row == row)
        rows.append(f"<tr>{tds}</tr>")
    return ["<table>" + "".join(rows) + "</table>"]


def _ocr_lines(cells: list[Cell]) -> list[str]:
    """An OCR tool's dump: the header rows lost, a generic header (数据1 … 数据N) instead,
    then the data rows as tab-separated cells."""
    rows = [[c.text for c, anchor in row if anchor] for row in _grid_rows(cells)]
    first = next((i for i, row in enumerate(rows) if any(t.isdigit() for t in row)), 0)
    width = max(sum(1 for t in row if t.isdigit()) for row in rows)
    head = "项目\t" + "\t".join(f"数据{i + 1}" for i in range(width))
    return [head] + ["\t".join(row) for row in rows[first:] if any(row)]


def _run_together_lines(cells: list[Cell]) -> list[str]:
    """Crawler text: each row's cells run together with no separator ("3960181")."""
    return ["".join(c.text for c, anchor in row if anchor) for row in _grid_rows(cells)]


def writer(table_lines):
    def write(r: Report, path: Path) -> Path:
        path.write_text(_dump(r, table_lines), encoding="utf-8")
        return path

    return write


FORMATS = {
    "docx": (".docx", write_docx),
    "html": (".html", write_html),
    "html_cms": (".html", write_html_cms),
    "ofd": (".ofd", write_ofd),
    "xlsx": (".xlsx", write_xlsx),
    "xlsx_sheetname": (".xlsx", lambda r, path: write_xlsx(r, path, title="sheet")),
    "xlsx_filename": (".xlsx", lambda r, path: write_xlsx(r, path, title="file")),
    "txt_tika": (".txt", writer(_tika_lines)),
    "txt_cells": (".txt", writer(_cell_lines)),
    "markdown": (".md", writer(_markdown_lines)),
    "txt_pipes": (".txt", writer(_pipe_cell_lines)),
    "txt_ocr": (".txt", writer(_ocr_lines)),
    "markdown_pdf": (".md", writer(_markdown_pdf_lines)),
    "markdown_html": (".md", writer(_html_table_lines)),
    "markdown_pieces": (".md", writer(_markdown_pieces_lines)),
    "txt_runtogether": (".txt", writer(_run_together_lines)),
    "txt_cells_ws": (".txt", writer(_cell_lines_ws)),
    "txt_pipes_blank": (".txt", writer(_pipe_blank_lines)),
    "txt_tika_footer": (".txt", writer(_tika_footer_lines)),
    "txt_cells_footer": (".txt", writer(_cell_footer_lines)),
    "txt_pipes_footer": (".txt", writer(_pipe_footer_lines)),
    "markdown_footer_line": (".md", writer(_markdown_footer_line_lines)),
    "markdown_footer_row": (".md", writer(_markdown_footer_row_lines)),
    "markdown_footer_number_row": (".md", writer(lambda cells: _markdown_footer_row_lines(cells, "3"))),
    "markdown_wrapped_rows": (".md", writer(_markdown_wrapped_rows_lines)),
}
NOT_EXACT = {("review_blanks", "txt_pipes"): "the dump drops blank cells: which of table 四's columns are blank "
                                              "cannot be told, so the row is null with a finding",
             ("blank_org_columns", "txt_pipes"): "the dump drops blank cells: table 三's rows print 2 values for 7 "
                                                  "columns, so they are null with a finding",
             ("blank_totals", "txt_pipes"): "the dump drops blank cells: a row missing its 总计 cannot be told from "
                                             "a row that lost another cell, so those rows are null with a finding",
             ("blank_totals_spacer", "txt_pipes"): "as for blank_totals",
             ("blank_total_column", "txt_pipes"): "the dump drops blank cells: every row prints 6 values for 7 "
                                                   "columns, so table 三 is null with a finding"}
"""Variants that cannot come out exactly, and why; the property (every loss reported) still holds."""
UNREADABLE = {"txt_runtogether"}
"""Formats whose tables cannot be read: every cell must come back null with a finding."""
YEAR_ONLY_IN_BODY = {"title_no_year_period", "title_no_year_body", "title_no_year_standard_period"}
"""Classes whose year is printed only in the report's text, not in its title."""
NO_BODY = {"xlsx", "xlsx_filename", "xls"}
"""Formats that carry the tables and the title but not the report's text (a sheet name may
carry the year: `xlsx_sheetname`)."""


def truth_year(klass: str, fmt: str, r: Report) -> int | None:
    """The year the record must give; None where the variant prints it nowhere (the record
    must then give none rather than guess one)."""
    return None if klass in YEAR_ONLY_IN_BODY and fmt in NO_BODY else r.year


DATELESS = {"date_absent", "date_marks_lost_ambiguous"}
"""Classes that print no date at all: the record must give none."""
CARRIES_DATE = {"txt_tika_footer", "txt_cells_footer", "txt_pipes_footer", "markdown_footer_line", "txt_cells_ws", "txt_pipes_blank", "markdown_footer_row", "markdown_footer_number_row", "markdown_wrapped_rows", "docx", "html", "html_cms", "ofd", "markdown_pdf", "markdown_html", "markdown_pieces", "txt_ocr",
                "txt_tika", "txt_cells", "markdown", "txt_pipes"}


def write(klass: str, fmt: str, directory: Path, face: str | None = None) -> tuple[Path, Report]:
    """The variant of `klass` written as `fmt` in `directory`; `face`: printed in that face."""
    r = replace(variant(klass), face=face)
    ext, write_fn = FORMATS[fmt]
    if fmt == "xlsx_filename":  # the title is the file's name, as sites name attachments
        folder = Path(directory) / f"{klass}-{fmt}"
        folder.mkdir(exist_ok=True)
        return write_fn(r, folder / f"{r.title}{ext}"), r
    return write_fn(r, Path(directory) / f"{klass}-{fmt}{ext}"), r
