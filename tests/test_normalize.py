"""The normalizer: labels, values, table mapping, inference, metadata — on hand-made inputs."""
import pytest

from core.document import Cell, ExtractedDocument, Provenance, Table, TextBlock
from core import labels
from core import template as T
from normalize.metadata import parse_date, published_date, reporting_year, title_and_agency
from normalize.assemble import to_record
from core.values import parse


@pytest.mark.parametrize("printed, expected", [
    ("3. 危及“三安全一稳定”", "危及三安全一稳定"),
    ("３．危及'三安全一稳定'", "危及三安全一稳定"),
    ("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)", "部分公开"),
    ("结果\u2002纠正", "结果纠正"),
    ("尚 未 审 结", "尚未审结"),
    ("\u3000\u3000（一）予以公开", "予以公开"),
    ("1、属于国家秘密", "属于国家秘密"),
])
def test_label_keys_ignore_width_spaces_quotes_enumerators_and_notes(printed, expected):
    assert labels.key(printed) == expected


def test_a_printed_typo_is_matched_within_its_group():
    rows = {r.key: r.label for r in T.APPLY_ROWS if r.group == T.G_WITHHELD}
    assert labels.best_match("2.其他法律行政止公开", rows)[0] == "withheld.prohibited"


@pytest.mark.parametrize("text, value, is_value", [
    ("0", 0, True), ("1,234", 1234, True), ("12", 12, True), ("/", None, True), ("—", None, True),
    ("无", None, True), ("不适用", None, True), ("", None, True), ("予以公开", None, False),
    ("12件", 12, True), ("3条", 3, True), ("1.属于国家秘密", None, False),
])
def test_cells_that_are_not_numbers_are_null_never_zero(text, value, is_value):
    p = parse(text)
    assert (p.value, p.is_value) == (value, is_value)


def test_money_keeps_fractions_and_converts_yuan():
    assert parse("7730.28", money=True).value == 7730.28
    p = parse("251000元", money=True)
    assert p.value == pytest.approx(25.1) and p.unit_converted and p.raw == "251000元"


def test_signed_delta_keeps_its_sign():
    assert parse("+1036").value == 1036 and parse("-3").value == -3


def _flat(rows):
    return Table(cells=[Cell(r, c, t) for r, row in enumerate(rows) for c, t in enumerate(row)],
                 columns_reliable=False)


def _apply_rows(values_by_row):
    rows = [["(本列数据的勾稽关系为:…)", "申请人情况", "总计"], ["自然人", "法人或其他组织"],
            ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    for r in T.apply_rows("2021"):
        rows.append([r.label, *values_by_row.get(r.key, ["0"] * 7)])
    return rows


def _doc(*blocks):
    return ExtractedDocument(blocks=[TextBlock("某某市某某局2022年政府信息公开工作年度报告"), *blocks])


def test_a_row_with_six_zeros_for_seven_cells_is_filled_as_inferred():
    doc = _doc(_flat(_apply_rows({"granted": ["0"] * 6})))
    rec = to_record(doc)
    assert all(rec.cells[f"apply.granted.{c.key}"] == 0 for c in T.APPLY_COLUMNS)
    assert {rec.provenance[f"apply.granted.{c.key}"].method for c in T.APPLY_COLUMNS} == {"inferred"}
    assert not [f for f in rec.findings if f.rule == "row.incomplete"]


def test_a_short_row_that_the_identities_do_not_fix_stays_null():
    # 3 and 1 among six printed values: the lost cell could be any of several, with
    # different results — so nothing is guessed.
    doc = _doc(_flat(_apply_rows({"granted": ["3", "0", "0", "0", "1", "0"]})))
    rec = to_record(doc)
    assert all(rec.cells[f"apply.granted.{c.key}"] is None for c in T.APPLY_COLUMNS)
    assert any(f.rule == "row.incomplete" for f in rec.findings)


def test_one_row_other_in_a_2021_report_goes_to_apply_other_not_other_other():
    rows = [["(本列数据的勾稽关系为:…)", "申请人情况", "总计"]]
    for r in T.apply_rows("2019"):
        rows.append([r.label, *(["2"] if r.key == "other" else ["0"]) * 7])
    active = _flat([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "0"]])
    rec = to_record(_doc(active, _flat(rows)))
    assert rec.template == "2021"
    assert rec.cells["apply.other.natural_person"] == 2
    assert rec.cells["apply.other.other.natural_person"] is None
    assert not [f for f in rec.findings if f.rule == "row.missing" and f.table == "applications"]


def test_template_is_decided_by_table_labels_not_year():
    active2019 = _flat([["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "1", "1", "5"]])
    doc = ExtractedDocument(blocks=[TextBlock("某局2021年政府信息公开工作年度报告"), active2019])
    rec = to_record(doc)
    assert rec.template == "2019" and rec.cells["active.rules.total_published"] == 5


def test_real_grid_columns_are_read_from_the_header_labels():
    # 总计 printed first, 自然人 last: a grid is mapped by its header labels, not by position.
    header = ["", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "自然人"]
    cells = [Cell(0, k, t) for k, t in enumerate(header)]
    cells += [Cell(1, 0, T.APPLY_ROWS[0].label)] + [Cell(1, k, str(k)) for k in range(1, 8)]
    rec = to_record(_doc(Table(cells=cells)))
    assert rec.cells["apply.new.total"] == 1
    assert rec.cells["apply.new.natural_person"] == 7


def test_a_header_read_with_a_character_wrong_still_names_the_one_column_left():
    # OCR read 自然人 as 自然文, and the row's 总计 is printed blank: the header names the
    # column by elimination, so the blank stays the total's and the six values keep theirs
    header = ["", "自然文", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    cells = [Cell(0, k, t) for k, t in enumerate(header)]
    cells += [Cell(1, 0, T.APPLY_ROWS[0].label)] + [Cell(1, k, str(k)) for k in range(1, 7)] + [Cell(1, 7, "")]
    rec = to_record(_doc(Table(cells=cells)))
    assert rec.cells["apply.new.natural_person"] == 1 and rec.cells["apply.new.other_org"] == 6
    assert rec.cells["apply.new.total"] is None
    assert not [f for f in rec.findings if f.rule == "row.incomplete"]


def test_a_null_mark_in_a_header_row_does_not_make_it_the_total_row():
    # a spacer column's header cell printed "—" (or read so): the header row ending in 总计
    # is no data row, and （七）总计 keeps its values
    header = [T.APPLY_NOTE, "—", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    cells = [Cell(0, k, t) for k, t in enumerate(header)]
    for r, row in enumerate(T.apply_rows("2021"), start=1):
        cells += [Cell(r, 0, row.label), Cell(r, 1, "")] + [Cell(r, 2 + k, str(k)) for k in range(7)]
    rec = to_record(_doc(Table(cells=cells)))
    assert [rec.cells[f"apply.result_total.{c.key}"] for c in T.APPLY_COLUMNS] == list(range(7))
    assert not [f for f in rec.findings if f.rule == "row.incomplete"]


def test_a_header_unlike_the_column_left_names_nothing():
    from normalize.tables import apply_column_map

    heads = ["", "申请人情况|备注", "申请人情况|法人或其他组织|商业企业", "申请人情况|法人或其他组织|科研机构",
             "申请人情况|法人或其他组织|社会公益组织", "申请人情况|法人或其他组织|法律服务机构",
             "申请人情况|法人或其他组织|其他", "申请人情况|总计"]
    assert "natural_person" not in apply_column_map(heads).values()
    assert apply_column_map([h.replace("备注", "自然入") for h in heads])[1] == "natural_person"


def test_blank_grid_cells_are_null_and_keep_their_column():
    cells = [Cell(0, k, t) for k, t in enumerate(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])]
    cells += [Cell(1, 0, "规章"), Cell(1, 1, "2"), Cell(1, 2, ""), Cell(1, 3, "/")]
    rec = to_record(_doc(Table(cells=cells)))
    assert (rec.cells["active.rules.issued"], rec.cells["active.rules.repealed"],
            rec.cells["active.rules.in_force"]) == (2, None, None)
    assert rec.provenance["active.rules.in_force"].raw == "/"


def test_title_agency_and_year_variants():
    doc = ExtractedDocument(blocks=[TextBlock("海东市应急管理局文件"),
                                    TextBlock("海东市应急管理局 2021 年政府信息公开工作年度报告")])
    assert title_and_agency(doc)[1:] == ("海东市应急管理局", 2021)
    doc = ExtractedDocument(blocks=[TextBlock("长治市上党区应急管理局"), TextBlock("政府信息公开工作年度报告"),
                                    TextBlock("统计期限为202211日到1231日。")])
    _, agency, year = title_and_agency(doc)
    assert agency == "长治市上党区应急管理局" and reporting_year(doc, year) == 2022
    # a year OCR could not read (the 〇 of 二〇二二 lost) is neither the agency's nor guessed
    for title in ("示例市生态环境局二二二年政府信息公开工作年度报告", "示例市生态环境局202年政府信息公开工作年度报告"):
        assert title_and_agency(ExtractedDocument(blocks=[TextBlock(title)]))[1:] == ("示例市生态环境局", None)


@pytest.mark.parametrize("text, iso", [
    ("2023年1月16日", "2023-01-16"), ("2023 年 1 月 16 日", "2023-01-16"), ("2023-01-31 09:45", "2023-01-31"),
    ("2023/1/16", "2023-01-16"), ("20230116", "2023-01-16"), ("2023年13月1日", None),
])
def test_dates(text, iso):
    assert parse_date(text) == iso


def test_signature_date_ignores_dated_sentences():
    doc = ExtractedDocument(blocks=[TextBlock("2023年1月16日，我局召开会议。"), TextBlock("某某局"),
                                    TextBlock("2023年1月20日        ")])
    assert published_date(doc) == "2023-01-20"


def test_without_table_two_a_one_row_other_means_the_2019_template():
    rows = [["(本列数据的勾稽关系为:…)", "申请人情况", "总计"]]
    rows += [[r.label, *["0"] * 7] for r in T.apply_rows("2019")]
    assert to_record(ExtractedDocument(blocks=[_flat(rows)])).template == "2019"
    rows = [[r.label, *["0"] * 7] for r in T.apply_rows("2021")]
    assert to_record(ExtractedDocument(blocks=[_flat(rows)])).template == "2021"


def test_agency_from_the_opening_sentence_when_the_title_is_unreadable():
    doc = ExtractedDocument(blocks=[TextBlock("福建省行场督管理局2022年政府信息公于工作年度"),  # an OCR'd title
                                    TextBlock("根据《中华人民共和国政府信息公开条例》的规定，现"),
                                    TextBlock("公布福建省市场监督管理局2022年度政府信息公开工作年度报告。")])
    assert to_record(doc).agency == "福建省市场监督管理局"


def test_column_identities_pick_the_one_placement_of_a_lost_cell():
    # 自然人 3 and 总计 3 printed, one zero lost: the row identity alone allows several
    # placements; 一 + 二 = 三 + 四 in the 自然人 column (new 3 = result_total 3) fixes it.
    values = {r.key: ["0"] * 7 for r in T.apply_rows("2021")}
    values["new"] = ["3", "0", "0", "0", "0", "0", "3"]
    values["granted"] = ["3", "0", "0", "0", "0", "0", "3"]
    values["result_total"] = ["3", "0", "0", "0", "0", "3"]  # six printed for seven
    rec = to_record(_doc(_flat(_apply_rows(values))))
    assert [rec.cells[f"apply.result_total.{c.key}"] for c in T.APPLY_COLUMNS] == [3, 0, 0, 0, 0, 0, 3]
    assert rec.provenance["apply.result_total.total"].method == "inferred"


def test_a_row_whose_label_is_not_recognised_is_one_finding_not_two():
    from core.document import Cell, ExtractedDocument, Table, TextBlock
    from normalize.assemble import to_record

    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "3"],
            ["行政规范性文件", "2", "1", "15"], ["信息内容", "本年处理决定数量"], ["行政许可", "120"],
            ["行政处罚", "37"], ["行政强制", "4"], ["信息内容", "本年收费金额（单位：万元）"],
            ["某某莫名其妙的一行标签文字", "1.5"]]
    cells = [Cell(r, c, t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    doc = ExtractedDocument(blocks=[TextBlock("二、主动公开政府信息情况"), Table(cells=cells, columns_reliable=False)])
    record = to_record(doc)
    lost = [f for f in record.findings if f.table == "active" and f.rule.startswith("row.")]
    assert [f.rule for f in lost] == ["row.missing"]
    assert "行政事业性收费" in lost[0].message and "某某莫名其妙" in lost[0].message


def test_a_flat_row_that_kept_its_blank_cells_reads_them_as_blanks():
    # "⇥一、本年新收…⇥5⇥⇥⇥⇥⇥⇥9": the 法人 columns printed blank, the dump kept them as
    # empty cells; seven cells after the label are the seven columns.
    values = {r.key: ["0"] * 7 for r in T.apply_rows("2021")}
    values["new"] = ["5", "", "", "", "", "", "9"]
    rec = to_record(_doc(_flat(_apply_rows(values))))
    assert [rec.cells[f"apply.new.{c.key}"] for c in T.APPLY_COLUMNS] == [5, None, None, None, None, None, 9]
    assert not [f for f in rec.findings if f.rule.startswith("row.")]


def test_a_blank_total_is_never_computed():
    # 3, 1 and four zeros for seven columns: the missing cell would be 总计 = 4, but a
    # report that leaves 总计 blank prints exactly this — so the row stays null, with a finding.
    values = {r.key: ["0"] * 7 for r in T.apply_rows("2021")}
    values["granted"] = ["3", "1", "0", "0", "0", "0"]
    rec = to_record(_doc(_flat(_apply_rows(values))))
    assert rec.cells["apply.granted.total"] is None
    assert [f.rule for f in rec.findings if f.rule.startswith("row.")] == ["row.incomplete"]


def test_rows_that_lost_cells_give_one_finding_for_the_table():
    values = {r.key: ["0"] * 7 for r in T.apply_rows("2021")}
    values["new"] = ["5", "9"]
    values["carried_in"] = ["1", "1"]
    rec = to_record(_doc(_flat(_apply_rows(values))))
    incomplete = [f for f in rec.findings if f.rule == "row.incomplete"]
    assert len(incomplete) == 1 and "new" in incomplete[0].message and "carried_in" in incomplete[0].message


def test_a_row_label_typeset_in_two_cells_is_one_label():
    values = {r.key: ["0"] * 7 for r in T.apply_rows("2021")}
    rows = _apply_rows(values)
    new = next(i for i, row in enumerate(rows) if row[0].startswith("一、本年新收"))
    rows[new] = ["一、本年新收政府", "信息公开申请数量", "5", "0", "0", "0", "0", "0", "5"]
    rec = to_record(_doc(_flat(rows)))
    assert rec.cells["apply.new.natural_person"] == 5 and rec.cells["apply.new.total"] == 5


@pytest.mark.parametrize("printed, iso", [
    ("2023131日", "2023-01-31"),  # 年 and 月 lost: 13月 is no month, so 1月31日
    ("20231231日", "2023-12-31"),
    ("20231月31日", "2023-01-31"),
    ("2023111日", None),  # 1月11日 or 11月1日: no date rather than a guess
    ("2023101日", None),
])
def test_dates_that_lost_their_marks_are_read_only_where_one_reading_exists(printed, iso):
    assert parse_date(printed) == iso


def test_a_file_name_without_a_year_still_names_the_agency():
    from normalize.metadata import name_parts
    assert name_parts("某市公安局政府信息公开工作年度报告.xlsx") == ("某市公安局", None)


@pytest.mark.parametrize("printed", ["22（其中修订16件）", "22（含修订16件）", "22（修订16件）", "22，其中修订16件",
                                     "22件（其中修订16件）",
                                     "22（含修订16(件)"])  # OCR: a bracket too many inside the note
def test_a_cell_with_a_note_on_its_parts_is_its_first_number(printed):
    assert parse(printed).value == 22


def test_a_last_row_left_as_a_line_of_text_under_its_table_is_read():
    # a page layer that makes no table of a one-row grid at the top of the next page
    from normalize.assemble import to_record
    table = Table(cells=[Cell(0, 0, "第二十条第（八）项", col_span=2), Cell(1, 0, "信息内容"),
                         Cell(1, 1, "本年收费金额（单位：万元）"), Cell(2, 0, "行政强制"), Cell(2, 1, "4")])
    doc = _doc(TextBlock("二、主动公开政府信息情况"), table, TextBlock("— 3 —"), TextBlock("行政事业性收费 1.5"))
    rec = to_record(doc)
    assert rec.cells["active.coercion.decisions"] == 4 and rec.cells["active.fees.amount"] == 1.5


def test_a_sentence_under_a_table_is_no_row():
    from normalize.continuations import _text_row
    from normalize.tables import is_row_label
    assert _text_row("行政事业性收费 1.5", is_row_label) == ["行政事业性收费", "1.5"]
    assert _text_row("本年行政事业性收费 0 元", is_row_label) is None


def _apply_grid(values_by_row, prov=None):
    header = [T.APPLY_NOTE, "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    cells = [Cell(0, k, t) for k, t in enumerate(header)]
    for r, row in enumerate(T.apply_rows("2021"), start=1):
        texts = values_by_row.get(row.key, ["0"] * 7)
        cells += [Cell(r, 0, row.label)] + [Cell(r, 1 + k, t, prov=prov or Provenance()) for k, t in enumerate(texts)]
    return Table(cells=cells)


@pytest.mark.parametrize("shape", ["grid", "flat"])
def test_a_value_cell_that_is_no_number_is_null_with_one_finding(shape):
    # "2（3）": a number and a bracket that is no note on its parts; the row keeps its label
    # and its other values, the cell is null, and the record says which cell it could not read
    granted = ["2（3）", "1", "0", "0", "0", "0", "3"]
    table = _apply_grid({"granted": granted}) if shape == "grid" else _flat(_apply_rows({"granted": granted}))
    rec = to_record(_doc(table))
    assert rec.cells["apply.granted.natural_person"] is None
    assert [rec.cells[f"apply.granted.{c}"] for c in ("commercial", "total")] == [1, 3]
    (unparsed,) = [f for f in rec.findings if f.rule.startswith(("cell.", "row."))]
    assert unparsed.rule == "cell.unparsed" and unparsed.cells == ("apply.granted.natural_person",)
    assert unparsed.table == "applications"


def test_printed_blanks_and_notes_are_no_unparsed_cells():
    rec = to_record(_doc(_apply_grid({"granted": ["3（含转办1件）", "/", "—", "", "无", "0", "3"]})))
    assert rec.cells["apply.granted.natural_person"] == 3
    assert not [f for f in rec.findings if f.rule.startswith(("cell.", "row."))]


def test_an_unparsed_ocr_cell_read_unsure_is_reported_once():
    ocr = Provenance(method="ocr", confidence=0.5)
    rec = to_record(_doc(_apply_grid({"granted": ["2（3）", "1", "0", "0", "0", "0", "3"]}, prov=ocr)))
    about = [f for f in rec.findings if "apply.granted.natural_person" in f.cells]
    assert [f.rule for f in about] == ["cell.unparsed"]


def test_a_label_split_into_two_rows_with_the_values_on_the_first_is_one_row():
    # a converter made two rows of a label typeset in two lines: the tail row alone is close
    # enough to a template label to be taken for one, and was glued to the next row's label
    from extractors.text import text_to_document
    from normalize.rows import join_label_tails, table_rows
    from normalize.tables import _is_exact_apply_label

    md = "\n".join([
        "| （六）其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "|---|---|---|---|---|---|---|---|---|",
        "| | 2.申请人逾期未按收 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| | 费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | | | | | | | |",
        "| | 3.其他 | 0 | 0 | 0 | 0 | 0 | 1 | 1 |"])
    (table,) = text_to_document(md).tables()
    joined = join_label_tails(table_rows(table), _is_exact_apply_label)
    assert [r.leaf for r in joined] == ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                                        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]


def test_a_headerless_piece_uses_the_previous_column_map_only_where_it_fits():
    # a PDF's next table had one label column more: its values stand one grid column right
    from normalize.rows import Row, ValueCell
    from normalize.tables import _carried_colmap

    codes = [c.key for c in T.APPLY_COLUMNS]
    prev = {2 + i: code for i, code in enumerate(codes)}

    def row(cols):
        return Row(0, ["x"], [ValueCell(Cell(0, k, "0"), k) for k in cols])

    moved = _carried_colmap(prev, [row(range(3, 10)), row([3, 9])])
    assert moved == {3 + i: code for i, code in enumerate(codes)}
    assert _carried_colmap(prev, [row(range(2, 9))]) == prev
    # no row shows where the columns went and a value stands outside the map: no map
    assert _carried_colmap(prev, [row([3, 9])]) is None


def test_a_table_four_header_read_with_a_character_wrong_still_names_the_one_column_left():
    # a picture's narrow 总计 read as 总i计 (its 讠 as an i), and that total printed blank:
    # the header names the column by elimination, so the blank stays the total's and the
    # fourteen values keep theirs (the row was lost: 14 values for 15 columns)
    cells = [Cell(0, 0, "行政复议", col_span=5), Cell(0, 5, "行政诉讼", col_span=10),
             Cell(1, 5, "未经复议直接起诉", col_span=5), Cell(1, 10, "复议后起诉", col_span=5)]
    leaves = [c.label for c in T.REVIEW_COLUMNS]
    cells += [Cell(1, k, "总i计" if k == 4 else leaf, row_span=2) for k, leaf in enumerate(leaves)]
    cells += [Cell(2, 5 + b * 5 + k, leaf) for b in range(2) for k, leaf in enumerate(leaves)]
    values = ["1", "0", "0", "1", ""] + ["0", "1", "0", "0", "1"] + ["0", "0", "0", "1", "1"]
    cells += [Cell(3, k, v) for k, v in enumerate(values)]
    rec = to_record(_doc(TextBlock("四、政府信息公开行政复议、行政诉讼情况"), Table(cells=cells, columns_reliable=True)))
    assert rec.cells["review.upheld"] == 1 and rec.cells["review.pending"] == 1
    assert rec.cells["review.total"] is None
    assert rec.cells["suit_after_review.total"] == 1
    assert not [f for f in rec.findings if f.rule == "row.incomplete"]
    cells[4 + 4] = Cell(1, 4, "备注", row_span=2)  # a header unlike 总计 names nothing
    rec = to_record(_doc(TextBlock("四、政府信息公开行政复议、行政诉讼情况"), Table(cells=cells, columns_reliable=True)))
    assert rec.cells["review.upheld"] is None and [f for f in rec.findings if f.rule == "row.incomplete"]
