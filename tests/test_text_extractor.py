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
