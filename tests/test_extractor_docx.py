"""The DOCX extractor, on small Word files built here with python-docx (plus raw XML for what
python-docx cannot write: text boxes, VML pictures, gridBefore), and on garbage bytes."""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from extractors import docx as docx_extractor
from core.document import ImageBlock, Table, TextBlock
from core.errors import BadDocument

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (f'xmlns:w="{W}" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid, tiny grey PNG (python-docx reads its header to size the picture)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def save(document, tmp_path: Path, name: str = "report.docx") -> Path:
    path = tmp_path / name
    document.save(path)
    return path


def add_xml(paragraph, xml: str) -> None:
    """Append raw WordprocessingML (runs, bookmarks, fields) to a python-docx paragraph."""
    for el in parse_xml(f"<w:root {NS}>{xml}</w:root>"):
        paragraph._p.append(el)


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, TextBlock)]


# --- text -------------------------------------------------------------------------------

def test_paragraphs_keep_order_tabs_and_breaks_but_not_headers_or_field_codes(tmp_path):
    d = docx.Document()
    d.core_properties.title = "某区2023年政府信息公开工作年度报告"
    d.sections[0].header.paragraphs[0].text = "页眉：某区人民政府"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    d.add_heading("一、总体情况", level=1)
    p = d.add_paragraph("主动公开\t")
    p.add_run("共计").add_break()  # a soft line break (Shift+Enter)
    add_xml(p, '<w:bookmarkStart w:id="0" w:name="_GoBack"/><w:r><w:t>631条</w:t></w:r>'
               '<w:bookmarkEnd w:id="0"/>'
               '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
               '<w:r><w:instrText> HYPERLINK "http://www.gov.cn" </w:instrText></w:r>'
               '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>（见网站）</w:t></w:r>'
               '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
               '<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r>')
    d.add_paragraph("   ")  # blank paragraphs are layout, not content
    d.add_paragraph("二、主动公开政府信息情况")

    doc = docx_extractor.extract(save(d, tmp_path))

    assert doc.format == "docx" and doc.pages is None
    assert doc.metadata == {"title": "某区2023年政府信息公开工作年度报告"}
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "一、总体情况"),
        ("paragraph", "主动公开\t共计\n631条（见网站）"),
        ("paragraph", "二、主动公开政府信息情况"),
    ]
    assert all(b.prov.page is None and b.prov.method == "text" for b in doc.blocks)


def test_heading_styles_are_found_by_name_inheritance_and_outline_level(tmp_path):
    d = docx.Document()
    custom = d.styles.add_style("报告章标题", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = d.styles["Heading 2"]
    d.add_paragraph("一、总体情况", style="报告章标题")
    outlined = d.add_paragraph("二、主动公开")
    outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {NS} w:val="0"/>'))
    d.add_paragraph("正文", style="Body Text")

    doc = docx_extractor.extract(save(d, tmp_path))

    assert [b.kind for b in doc.blocks] == ["heading", "heading", "paragraph"]


def test_text_box_is_read_once_next_to_its_anchor(tmp_path):
    box = '<w:txbxContent><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:txbxContent>'
    d = docx.Document()
    d.add_paragraph("前文")
    add_xml(d.add_paragraph("锚点段落"), (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
        '<a:graphicData><wps:wsp><wps:txbx>' + box.format("文本框：联系电话 12345") +
        '</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict><v:shape><v:textbox>' + box.format("文本框：联系电话 12345") +
        '</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    d.add_paragraph("后文")

    doc = docx_extractor.extract(save(d, tmp_path))

    assert texts(doc) == ["前文", "锚点段落", "文本框：联系电话 12345", "后文"]


# --- tables -----------------------------------------------------------------------------

def test_table_cells_carry_grid_columns_and_merged_spans(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "（本列数据的勾稽关系）"  # vertical merge
    t.cell(0, 1).merge(t.cell(0, 3)).text = "申请人情况"  # horizontal merge
    for col, label in zip((1, 2, 3), ("自然人", "商业企业", "总计")):
        t.cell(1, col).text = label
    t.cell(2, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"
    for row, values in ((2, ("4", "2", "6")), (3, ("1", "0", "1"))):
        for col, value in zip((1, 2, 3), values):
            t.cell(row, col).text = value
    t.cell(3, 3).add_paragraph("（含补正）")  # a second paragraph in one cell

    doc = docx_extractor.extract(save(d, tmp_path))

    (table,) = doc.tables()
    assert table.columns_reliable and (table.n_rows, table.n_cols) == (4, 4)
    spans = {c.text: (c.row, c.col, c.row_span, c.col_span) for c in table.cells}
    assert spans["（本列数据的勾稽关系）"] == (0, 0, 2, 1)
    assert spans["申请人情况"] == (0, 1, 1, 3)
    assert spans["三、本年度办理结果"] == (2, 0, 2, 1)
    assert spans["1\n（含补正）"] == (3, 3, 1, 1)
    assert len(table.cells) == 1 + 1 + 3 + 1 + 3 + 3  # merged-away positions are not cells
    assert [c.text for c in table.grid()[3]] == ["三、本年度办理结果", "1", "0", "1\n（含补正）"]


def test_grid_before_shifts_a_row_to_its_true_columns(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for col, text in enumerate(("项目", "数量", "金额")):
        t.cell(0, col).text = text
    row = t.rows[1]._tr
    row.remove(row.tc_lst[0])  # this row starts one grid column in, as in hand-edited reports
    row.insert(0, parse_xml(f'<w:trPr {NS}><w:gridBefore w:val="1"/></w:trPr>'))
    row.tc_lst[0].append(parse_xml(f'<w:p {NS}><w:r><w:t>5</w:t></w:r></w:p>'))

    doc = docx_extractor.extract(save(d, tmp_path))

    (table,) = doc.tables()
    assert [(c.row, c.col, c.text) for c in table.rows()[1]] == [(1, 1, "5"), (1, 2, "")]


def test_nested_table_follows_its_parent_and_stays_out_of_the_cell_text(tmp_path):
    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外表"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "内表甲", "内表乙"
    d.add_paragraph("表后文字")

    doc = docx_extractor.extract(save(d, tmp_path))

    first, second, after = doc.blocks
    assert [c.text for c in first.cells] == ["外表", ""]
    assert isinstance(second, Table) and [c.text for c in second.cells] == ["内表甲", "内表乙"]
    assert after.text == "表后文字"


# --- pictures ---------------------------------------------------------------------------

def test_inline_pictures_come_with_their_bytes_in_reading_order(tmp_path):
    picture = png(3, 2)
    d = docx.Document()
    d.add_paragraph("（三）统计表如下：")
    d.add_picture(io.BytesIO(picture))
    table = d.add_table(rows=1, cols=1)
    table.cell(0, 0).paragraphs[0].add_run().add_picture(io.BytesIO(png(5, 5)))
    d.add_paragraph("表后文字")

    doc = docx_extractor.extract(save(d, tmp_path))

    assert [type(b) for b in doc.blocks] == [TextBlock, ImageBlock, Table, ImageBlock, TextBlock]
    image = doc.blocks[1]
    assert image.data == picture and image.media_type == "image/png"
    assert image.ref.startswith("word/media/") and image.ref.endswith(".png")
    assert doc.blocks[3].data == png(5, 5)  # the picture in a cell comes after its table


def test_a_picture_sharing_a_paragraph_with_text_keeps_its_side(tmp_path):
    d = docx.Document()
    leading = d.add_paragraph()
    leading.add_run().add_picture(io.BytesIO(png(1, 1)))
    leading.add_run("图：主动公开情况")
    trailing = d.add_paragraph("见下图：")
    trailing.add_run().add_picture(io.BytesIO(png(2, 2)))

    doc = docx_extractor.extract(save(d, tmp_path))

    order = [b.text if isinstance(b, TextBlock) else len(b.data) for b in doc.blocks]
    assert order == [len(png(1, 1)), "图：主动公开情况", "见下图：", len(png(2, 2))]


def test_vml_picture_is_read_like_a_drawing(tmp_path):
    d = docx.Document()
    rid, _ = d.part.get_or_add_image(io.BytesIO(png()))
    add_xml(d.add_paragraph(),
            f'<w:r><w:pict><v:shape><v:imagedata r:id="{rid}"/></v:shape></w:pict></w:r>')

    doc = docx_extractor.extract(save(d, tmp_path))

    (image,) = doc.images()
    assert image.data == png() and image.media_type == "image/png"


# --- sniffing and bad input -------------------------------------------------------------

def test_can_read_accepts_word_zips_only(tmp_path):
    good = save(docx.Document(), tmp_path)
    sheet = tmp_path / "book.xlsx"
    with zipfile.ZipFile(sheet, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    picture = tmp_path / "scan.png"
    picture.write_bytes(png())

    def sniff(p: Path) -> bool:
        return docx_extractor.can_read(p.read_bytes()[:8192], p)

    assert sniff(good)
    assert not sniff(sheet) and not sniff(picture)


@pytest.mark.parametrize("name, content, message", [
    ("empty.docx", b"", "empty"),
    ("scan.docx", png(), "not a ZIP"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy Word"),
    ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
     + "EncryptedPackage".encode("utf-16-le"), "encrypted"),
])
def test_unreadable_bytes_raise_bad_document(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadDocument, match=message):
        docx_extractor.extract(path)


def test_truncated_docx_is_bad_but_still_recognised_as_docx(tmp_path):
    whole = save(docx.Document(), tmp_path).read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole[: len(whole) // 2])

    assert docx_extractor.can_read(cut.read_bytes()[:8192], cut)
    with pytest.raises(BadDocument, match="corrupt DOCX") as info:
        docx_extractor.extract(cut)
    assert info.value.__cause__ is not None


def test_a_damaged_picture_costs_only_that_picture(tmp_path):
    d = docx.Document()
    d.add_paragraph("正文保留")
    d.add_picture(io.BytesIO(png(40, 40)))
    path = save(d, tmp_path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        (info,) = [i for i in zf.infolist() if i.filename.startswith("word/media/")]
    name_and_extra = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    data_start = info.header_offset + 30 + sum(name_and_extra)
    raw[data_start + info.compress_size // 2] ^= 0xFF  # flip one byte inside the picture
    path.write_bytes(bytes(raw))

    doc = docx_extractor.extract(path)

    assert texts(doc) == ["正文保留"]
    (image,) = doc.images()
    assert image.data is None and image.ref == info.filename
    assert any("damaged" in w for w in doc.warnings)


def test_zip_without_a_word_body_is_bad(tmp_path):
    path = tmp_path / "book.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(BadDocument, match="no word/document.xml"):
        docx_extractor.extract(path)


# --- the development corpus (absent from a user's clone) --------------------------------

@pytest.mark.shared
@pytest.mark.parametrize("name, data_rows", [("d003.docx", 23), ("d029.docx", 25)])
def test_corpus_statistics_tables_come_out_whole(shared, name, data_rows):
    """Template 2019 (d003) has 23 data rows in table 三, template 2021 (d029) 25."""
    started = time.perf_counter()
    doc = docx_extractor.extract(shared / "corpus" / "dev" / "docs" / name)
    elapsed = time.perf_counter() - started

    active, applications, review = doc.tables()
    assert applications.n_rows == 3 + data_rows and applications.n_cols == 3 + 7
    labels = {c.text: c for c in applications.cells}
    assert labels["三、本年度办理结果"].row_span == data_rows - 3
    assert labels["（三）不予公开" if name == "d003.docx" else "(三)不予公开"].row_span == 8
    assert review.n_rows == 4 and len(review.rows()[3]) == 15
    assert active.cells[0].text.startswith("第二十条") and active.n_cols == 4
    assert elapsed < 0.5


@pytest.mark.shared
def test_corpus_tables_pasted_as_pictures_come_out_as_images(shared):
    doc = docx_extractor.extract(shared / "corpus" / "dev" / "docs" / "d016.docx")
    images = list(doc.images())
    assert not list(doc.tables())
    assert [i.media_type for i in images] == ["image/jpeg"] * 3
    assert all(i.data[:2] == b"\xff\xd8" for i in images)
