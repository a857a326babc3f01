"""Text dumps like the seeds: both table shapes, markers, and wrapped cells."""
from extractors import text
from core.document import ImageBlock, Table, TextBlock


def test_tab_rows_become_one_table_row_per_line():
    doc = text.text_to_document("二、主动公开政府信息情况\n\n规章\t0\t0\t0\n行政许可\t34\t\t\n\n三、收到")
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert not table.columns_reliable
    assert [[c.text for c in r] for r in table.rows()] == [["规章", "0", "0", "0"], ["行政许可", "34", "", ""]]
    assert [b.text for b in doc.blocks if isinstance(b, TextBlock)] == ["二、主动公开政府信息情况", "三、收到"]


def test_one_cell_per_line_rows_are_separated_by_blank_lines():
    dump = "\t信息内容\n\t本年制发件数\n\n\t行政规范性文件\n\t9\n\t0\n\t9\n\n\t商业\n企业\n\t0\n\t\u2002\n0\n"
    doc = text.text_to_document(dump)
    (table,) = doc.tables()
    rows = [[c.text for c in r] for r in table.rows()]
    assert rows[1] == ["行政规范性文件", "9", "0", "9"]
    # a label wrapped inside its cell is joined; a whitespace-only fake cell takes the value
    # that wrapped onto the next line without its tab (seed 004)
    assert rows[2] == ["商业企业", "0", "0"]


def test_markers_become_images_or_disappear(inbox):
    doc = text.extract(inbox / "seed-002.txt")
    refs = [b.ref for b in doc.blocks if isinstance(b, ImageBlock)]
    assert "新建 XLS 工作表_Sheet1" in refs
    assert not any("[bookmark" in b.text for b in doc.texts())


def test_seed_004_tables_have_the_template_shape(inbox):
    doc = text.extract(inbox / "seed-004.txt")
    tables = list(doc.tables())
    assert len(tables) == 3
    rows = tables[1].rows()
    first_data = next(r for r in rows if r[0].text.startswith("一、本年新收"))
    assert [c.text for c in first_data[1:]] == ["0"] * 7


def test_a_table_line_holding_only_a_tab_is_an_empty_cell_and_reading_ends():
    # one cell per line, empty cells as tab-only or tab-and-space lines, the last line a tab:
    # each step past a table moves on (this input once looped forever)
    dump = "三、收到\n\t（七）总计\n\t\n\t \n\t2\n\n\t\n\n六、其他\n\t\n"
    doc = text.text_to_document(dump)
    assert [b.text for b in doc.blocks if isinstance(b, TextBlock)] == ["三、收到", "六、其他"]
    first = list(doc.tables())[0]
    assert [c.text for c in first.rows()[0]] == ["（七）总计", "", "", "2"]


def test_table_end_always_moves_past_its_start():
    lines = ["\t", "", "\t ", "x", "\t", "\t"]
    for start in range(len(lines)):
        if "\t" in lines[start]:
            assert text._table_end(lines, start) > start


def test_markdown_tables_are_grids_with_merged_header_cells_recovered():
    md = ("| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | | | 申请人情况 | | |\n"
          "|---|---|---|---|---|---|\n"
          "| | | | 自然人 | 法人或其他组织 | 总计 |\n"
          "| 一、本年新收政府信息公开申请数量 | | | 5 | | 9 |\n")
    (table,) = text.text_to_document(md).tables()
    assert table.columns_reliable
    first, second, data = table.rows()
    assert [(c.text, c.col_span) for c in first] == [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3),
                                                     ("申请人情况", 3)]
    # a blank cell never spans into a column the header row above splits off
    assert [(c.text, c.col, c.col_span) for c in second if c.text] == [("自然人", 3, 1), ("法人或其他组织", 4, 1),
                                                                       ("总计", 5, 1)]
    # data rows keep their blanks: a blank is not covered by the number to its left
    assert [c.text for c in data] == ["一、本年新收政府信息公开申请数量", "", "", "5", "", "9"]


def test_one_cell_per_line_ending_with_a_pipe_splits_rows_where_a_label_follows_a_value():
    dump = "信息内容 |\n本年制发件数 |\n规章 |\n0 |\n1 |\n3 |\n行政规范性文件 |\n2 |\n/ |\n15 |\n"
    (table,) = text.text_to_document(dump).tables()
    assert [[c.text for c in r] for r in table.rows()] == [
        ["信息内容", "本年制发件数", "规章", "0", "1", "3"], ["行政规范性文件", "2", "/", "15"]]


def test_html_tables_inside_a_markdown_dump_keep_their_spans():
    md = ("# 报告\n\n三、收到和处理政府信息公开申请情况\n\n<table><tr><td rowspan=\"2\">三、本年度办理结果</td>"
          "<td>（一）予以公开</td><td>3</td></tr><tr><td>（二）部分公开</td><td>1</td></tr></table>\n\n四、结束\n")
    doc = text.text_to_document(md)
    (table,) = doc.tables()
    assert table.columns_reliable
    assert [(c.row, c.col, c.row_span, c.text) for c in table.cells][0] == (0, 0, 2, "三、本年度办理结果")
    assert [c.text for c in table.rows()[1]] == ["（二）部分公开", "1"]
    assert [b.text for b in doc.blocks if isinstance(b, TextBlock)] == ["# 报告", "三、收到和处理政府信息公开申请情况", "四、结束"]


def test_a_line_of_whitespace_is_an_empty_cell_where_rows_part_on_empty_lines():
    # another Tika build: an empty cell is a line of spaces or U+3000, without a tab; the
    # rows are apart by truly empty lines (a row may start and end with an empty cell)
    dump = "三、收到\n\n\t（七）总计\n\u3000\n\t2\n  \n\n\u3000\n\t四、结转\n\t1\n\u3000\n\n六、其他\n"
    doc = text.text_to_document(dump)
    (table,) = doc.tables()
    assert [[c.text for c in r] for r in table.rows()] == [["（七）总计", "", "2", ""], ["", "四、结转", "1", ""]]
    assert [b.text for b in doc.blocks if isinstance(b, TextBlock)] == ["三、收到", "六、其他"]


def test_a_pipe_dump_with_blank_lines_between_rows_keeps_a_wrapped_first_cell():
    # one `cell |` per line, an empty cell a lone "|", rows apart by blank lines: a row whose
    # first cell wrapped starts with a line of words, still inside the table
    dump = "三、收到\n\n（三）不予公开 |\n1.属于国家秘密 |\n0 |\n|\n\n4.保护第三\n方合法权益 |\n1 |\n|\n\n五、存在\n"
    doc = text.text_to_document(dump)
    (table,) = doc.tables()
    assert [[c.text for c in r] for r in table.rows()] == [["（三）不予公开", "1.属于国家秘密", "0", ""],
                                                            ["4.保护第三方合法权益", "1", ""]]
    assert [b.text for b in doc.blocks if isinstance(b, TextBlock)] == ["三、收到", "五、存在"]


def test_a_page_number_between_tab_rows_is_never_joined_to_a_value():
    # a PDF's text: the page number on its own line between two rows of table 三; joined
    # to the last value it made 13 of 1, or a number under a printed blank
    for row, last in (("\t2.重复申请\t0\t0\t0\t1\t0\t0\t1", "1"), ("\t2.重复申请\t0\t0\t0\t1\t0\t0\t", "")):
        doc = text.text_to_document(f"三、收到\n{row}\n3\n\t3.要求提供公开出版物\t0\t0\t0\t0\t0\t0\t0\n\n六、其他\n")
        (table,) = doc.tables()
        rows = [[c.text for c in r] for r in table.rows()]
        assert rows[0][-1] == last and ["3"] in [[t for t in r if t] for r in rows]


def test_a_page_number_between_cell_lines_is_never_joined_to_a_value():
    # one cell per line: a page number at the end of a row, on a line without a tab
    for last, row_end in (("1", "\t1"), ("", "\t")):
        dump = f"三、收到\n\t2.重复申请\n\t0\n\t1\n{row_end}\n3\n\n\t3.其他\n\t0\n\t0\n\t0\n\n六、其他\n"
        (table,) = text.text_to_document(dump).tables()
        rows = [[c.text for c in r] for r in table.rows()]
        assert rows[0][-1] == last and rows[1] == ["3"] and rows[2][0] == "3.其他"


def test_a_page_number_inside_a_markdown_or_pipe_dump_is_no_cell():
    md = "| 2.重复申请 | 0 | 1 |\n|---|---|---|\n3\n| 3.其他 | 0 | 0 |\n"
    (table,) = text.text_to_document(md).tables()
    assert [[c.text for c in r] for r in table.rows()] == [["2.重复申请", "0", "1"], ["3.其他", "0", "0"]]
    pipes = "2.重复申请 |\n0 |\n1 |\n\n3\n7.属于行政执法案卷 |\n0 |\n0 |\n"
    (table,) = text.text_to_document(pipes).tables()
    assert [[c.text for c in r] for r in table.rows()] == [["2.重复申请", "0", "1"], ["7.属于行政执法案卷", "0", "0"]]
