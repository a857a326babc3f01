"""PDF tables drawn without ruling lines: found in the aligned text, mapped by label."""
from pathlib import Path

import pytest

import formats_report as R
from extractors import libreoffice
from extractors.pdf_unruled import find_unruled_tables, line_segments
from extractors.pdf_lines import Line
from gongkai.pipeline import extract_document, extract_record


def _char(x0, text, top=100.0, w=10.0):
    return {"x0": x0, "x1": x0 + w, "top": top, "bottom": top + 10, "text": text, "upright": True}


def _line(*cells, top=100.0):
    """A line of glyphs: each cell's text laid out glyph by glyph at its x."""
    chars = []
    for x, text in cells:
        for k, ch in enumerate(text):
            chars.append(_char(x + 10 * k, ch, top))
    return Line(chars)


def test_a_line_splits_at_cell_gaps_not_at_glyphs():
    segs = line_segments(_line((50, "予以公开"), (200, "12"), (260, "0"), (320, "12")))
    assert [s.text for s in segs] == ["予以公开", "12", "0", "12"]


def test_runs_of_aligned_lines_with_numbers_become_tables():
    lines = [_line((50, "一、总体情况"), top=60),
             _line((50, "信息内容"), (200, "本年制发件数"), (320, "本年废止件数"), top=100),
             _line((50, "规章"), (200, "1"), (320, "0"), top=120),
             _line((50, "行政规范性文件"), (200, "9"), (320, "2"), top=140),
             _line((50, "五、存在的主要问题及改进情况"), top=200)]
    tables, used = find_unruled_tables(lines, page=2)
    (table,) = tables
    assert used == {1, 2, 3} and not table.columns_reliable
    assert [[c.text for c in r] for r in table.rows()][1] == ["规章", "1", "0"]
    assert table.cells[0].prov.page == 2 and table.cells[0].prov.bbox


def test_prose_with_numbers_is_not_a_table():
    lines = [_line((50, "2022年，我局共收到申请12件，均按时答复。"), top=100),
             _line((50, "全年主动公开信息1136条。"), top=120)]
    assert find_unruled_tables(lines, page=1) == ([], set())
    # spaced numbers in sentences split a line into segments, but they are not in columns
    lines = [_line((50, "统计期限自"), (103, "2023"), (146, "年"), (159, "1"), (172, "月"), (185, "1"),
                   (198, "日起至"), (233, "2023"), (276, "年"), (289, "12"), top=100),
             _line((50, "我局共收到申请"), (123, "21"), (146, "件，其中予以公开"), (238, "4"), (251, "件。"), top=120),
             _line((50, "统计期限自"), (103, "2023"), (146, "年"), (159, "1"), (172, "月"), (185, "1"), top=140)]
    assert find_unruled_tables(lines, page=1) == ([], set())


@pytest.mark.skipif(not libreoffice.find_soffice(), reason="LibreOffice (soffice) is not installed")
def test_a_report_whose_tables_have_no_borders(tmp_path: Path):
    src = R.write_docx(tmp_path / "borderless.docx", ruled=False)
    libreoffice.run_soffice([src], "pdf", tmp_path / "pdf", tmp_path / "work", timeout=120)
    pdf = tmp_path / "pdf" / "borderless.pdf"
    doc = extract_document(pdf)
    assert any(not t.columns_reliable for t in doc.tables())  # found in the text, not from rulings
    rec = extract_record(pdf)
    assert rec.tables == {"active": "found", "applications": "found", "review": "found"}
    wrong = {c: (v, rec.cells.get(c)) for c, v in R.EXPECTED.items() if rec.cells.get(c) != v}
    assert wrong == {}
    assert (rec.agency, rec.year) == (R.AGENCY, R.YEAR)
