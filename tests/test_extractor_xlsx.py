"""Workbooks → tables: spans, trimming, runs of rows, numbers as printed, hostile packages."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from extractors import xlsx
from core.document import ImageBlock, Table, TextBlock
from core.errors import BadDocument


def save(wb, tmp_path: Path, name: str = "t.xlsx") -> Path:
    p = tmp_path / name
    wb.save(p)
    return p


def grid(table: Table) -> list[list[tuple]]:
    return [[(c.text, c.row_span, c.col_span) if (c.row_span, c.col_span) != (1, 1) else c.text for c in row]
            for row in table.rows()]


def test_merged_cells_become_spans_and_outer_blank_rows_and_columns_are_trimmed(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "依申请公开"
    ws["C3"] = "申请人情况"
    ws.merge_cells("C3:E3")
    ws["B3"] = "项目"
    ws.merge_cells("B3:B4")
    ws["C4"], ws["D4"], ws["E4"] = "自然人", "商业企业", "总计"
    ws["B5"], ws["C5"], ws["D5"], ws["E5"] = "本年新收", 3.0, 2, 5
    ws.column_dimensions["A"].width = 30  # formatting only: not content
    ws["G20"].number_format = "0.00"  # a styled empty cell far away: not content either
    doc = xlsx.extract(save(wb, tmp_path))
    heading, table = doc.blocks
    assert heading == TextBlock("依申请公开", kind="heading")
    assert table.columns_reliable and table.caption == "依申请公开"
    assert grid(table) == [
        [("项目", 2, 1), ("申请人情况", 1, 3)],
        ["自然人", "商业企业", "总计"],
        ["本年新收", "3", "2", "5"],
    ]


def test_blank_rows_split_a_sheet_into_tables_and_one_column_runs_are_paragraphs(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "二、主动公开政府信息情况"
    ws["A2"], ws["B2"] = "信息内容", "本年制发件数"
    ws["A3"], ws["B3"] = "规章", 0
    # row 4 blank
    ws["A5"] = "注：本表数据截至12月31日。"
    ws["A6"] = "填报单位：某局"
    # row 7 blank; an empty merged range there is formatting, not a bridge
    ws.merge_cells("A7:C7")
    ws["A8"], ws["C8"] = "行政复议", "行政诉讼"  # column B empty throughout this run: dropped
    ws["A9"], ws["C9"] = 1, 2
    doc = xlsx.extract(save(wb, tmp_path))
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["TextBlock", "Table", "TextBlock", "TextBlock", "Table"]
    assert grid(doc.blocks[1]) == [["二、主动公开政府信息情况", ""], ["信息内容", "本年制发件数"], ["规章", "0"]]
    assert [doc.blocks[2].text, doc.blocks[3].text] == ["注：本表数据截至12月31日。", "填报单位：某局"]
    assert grid(doc.blocks[4]) == [["行政复议", "行政诉讼"], ["1", "2"]]


def test_a_merged_range_holding_text_keeps_its_rows_together(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "三、本年度办理结果"
    ws.merge_cells("A1:A3")
    ws["B1"], ws["C1"] = "（一）予以公开", 1
    ws["B3"], ws["C3"] = "（七）总计", 1  # row 2 is empty apart from the merged label
    table = xlsx.extract(save(wb, tmp_path)).blocks[1]
    assert grid(table) == [[("三、本年度办理结果", 3, 1), "（一）予以公开", "1"], ["", ""], ["（七）总计", "1"]]


@pytest.mark.parametrize("value,fmt,printed", [
    (3.0, "General", "3"),
    (3, "General", "3"),
    (1.5, "General", "1.5"),
    (0.1 + 0.2, "General", "0.3"),
    (-4.0, "General", "-4"),
    (12.5, "0.00", "12.50"),
    (1234567, "#,##0", "1,234,567"),
    (1234.5, "#,##0.00", "1,234.50"),
    (0.25, "0%", "25%"),
    (7, '"共"0"件"', "7"),
    (dt.datetime(2023, 1, 16), "yyyy-mm-dd", "2023-01-16"),
    (True, "General", "TRUE"),
    ("  十二  ", "@", "十二"),
])
def test_cells_read_as_printed(tmp_path, value, fmt, printed):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "标签", value
    ws["B1"].number_format = fmt
    table = xlsx.extract(save(wb, tmp_path)).blocks[1]
    assert table.rows()[0][1].text == printed


def test_every_sheet_comes_in_order_with_its_pictures(tmp_path):
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    wb = openpyxl.Workbook()
    wb.active.title = "表一"
    wb.active.append(["a", 1])
    ws2 = wb.create_sheet("表二")
    ws2.append(["b", 2])
    buf = io.BytesIO()
    PILImage.new("RGB", (40, 20), "white").save(buf, format="PNG")
    ws2.add_image(Image(io.BytesIO(buf.getvalue())), "D4")
    doc = xlsx.extract(save(wb, tmp_path))
    assert [type(b).__name__ for b in doc.blocks] == ["TextBlock", "Table", "TextBlock", "Table", "ImageBlock"]
    assert [b.text for b in doc.texts()] == ["表一", "表二"]
    image = doc.blocks[-1]
    assert isinstance(image, ImageBlock) and image.data.startswith(b"\x89PNG") and image.media_type == "image/png"


def test_workbook_title_is_metadata(tmp_path):
    wb = openpyxl.Workbook()
    wb.properties.title = "某局2022年政府信息公开工作年度报告"
    wb.active.append(["a", 1])
    assert xlsx.extract(save(wb, tmp_path)).metadata["title"] == "某局2022年政府信息公开工作年度报告"


def test_can_read_only_claims_workbooks(tmp_path):
    import docx

    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    misnamed = save(wb, tmp_path, "really-a-workbook.docx")
    d = docx.Document()
    word = tmp_path / "really-word.xlsx"
    d.save(word)

    def sniff(p: Path) -> bool:
        return xlsx.can_read(p.read_bytes()[:8192], p)

    assert sniff(misnamed)
    assert not sniff(word)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 50)
    assert sniff(broken)
    with pytest.raises(BadDocument, match="corrupt XLSX"):
        xlsx.extract(broken)


def _zip(tmp_path: Path, entries: dict[str, bytes], name: str = "h.xlsx") -> Path:
    p = tmp_path / name
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in entries.items():
            zf.writestr(k, v)
    return p


def test_zip_bombs_and_doctypes_are_refused_before_parsing(tmp_path):
    bomb = _zip(tmp_path, {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (8 << 20)})
    with pytest.raises(BadDocument, match="zip bomb"):
        xlsx.extract(bomb)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b"<workbook>&lol2;</workbook>")
    with pytest.raises(BadDocument, match="DOCTYPE"):
        xlsx.extract(_zip(tmp_path, {"xl/workbook.xml": laughs}, "l.xlsx"))
    many = _zip(tmp_path, {f"xl/media/{i}.bin": b"" for i in range(xlsx.MAX_ENTRIES + 1)}, "m.xlsx")
    with pytest.raises(BadDocument, match="entries"):
        xlsx.extract(many)


def test_grid_blocks_directly_for_sheets_the_normalizer_sees():
    texts = {(1, 1): "自然人", (1, 2): "总计", (2, 1): "1", (2, 2): "1"}
    (table,) = xlsx.grid_blocks(texts, merges=[])
    assert [[c.text for c in r] for r in table.rows()] == [["自然人", "总计"], ["1", "1"]]
