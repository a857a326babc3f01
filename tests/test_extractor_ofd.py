"""OFD packages built by the tests' tiny writer: text, ruled tables, pictures, hostile packages."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from extractors import ofd
from extractors.ofd_package import resolve
from extractors.ofd_page import IDENTITY, abbreviated_segments, deltas
from core.document import Cell, Table
from core.errors import BadDocument
from ofd_writer import NS, OfdWriter


def png(width: int = 40, height: int = 20) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return buf.getvalue()


def grid(table: Table) -> list[list]:
    return [[(c.text, c.row_span, c.col_span) if (c.row_span, c.col_span) != (1, 1) else c.text for c in row]
            for row in table.rows()]


# --- the parts ------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("g 3 3.5", [3.5, 3.5, 3.5]),
    ("1 g 2 0.5 2", [1, 0.5, 0.5, 2]),
    ("", []),
    ("1 2 junk 3", [1, 2]),
])
def test_delta_lists_expand_the_g_repeat(text, expected):
    assert deltas(text) == expected


def test_abbreviated_data_keeps_straight_segments_and_follows_curves():
    segs, points = abbreviated_segments("M 0 0 L 10 0 B 12 0 14 2 14 4 L 14 10 Q 7 12 0 10 C", (1, 0, 0, 1, 5, 5))
    assert [(s.x0, s.y0, s.x1, s.y1) for s in segs] == [(5, 5, 15, 5), (19, 9, 19, 15), (5, 15, 5, 5)]
    assert points[-1] == (5, 15)
    segs, _ = abbreviated_segments("S 0 0 L 1 0 2 0 3 0 Z", IDENTITY)  # implicit repeats, Z closes
    assert [(s.x0, s.x1) for s in segs] == [(0, 1), (1, 2), (2, 3), (3, 0)]
    segs, _ = abbreviated_segments("M 0 0 L 5 0 X 1 1 L 9 9", IDENTITY)  # unknown command ends the path
    assert len(segs) == 1
    segs, _ = abbreviated_segments("M 0 0 A 5 5 0 0 1 10 0 L 10 10", IDENTITY)
    assert [(s.x0, s.y0, s.x1, s.y1) for s in segs] == [(10, 0, 10, 10)]


def test_references_resolve_inside_the_package_only():
    assert resolve("Doc_0", "Pages/Page_0/Content.xml") == "Doc_0/Pages/Page_0/Content.xml"
    assert resolve("Doc_0/Pages/Page_0", "/Doc_0/Res/a.png") == "Doc_0/Res/a.png"
    assert resolve("Doc_0", "./Res\\a.png") == "Doc_0/Res/a.png"
    for bad in ("../../etc/passwd", "/../x", "Res/../../../x"):
        with pytest.raises(BadDocument, match="path traversal"):
            resolve("Doc_0", bad)


# --- text -----------------------------------------------------------------------------------


def test_text_lines_in_reading_order_with_mm_boxes_and_page_numbers_dropped(tmp_path):
    w = OfdWriter(title="某局2022年政府信息公开工作年度报告")
    w.text_object(25, 60, "第二行", 4)
    w.text_object(25, 40, "第一行：", 4)
    w.text_object(41, 40, "共12件", 4)  # same baseline, separate object: one line
    p = w.save(tmp_path / "t.ofd")
    doc = ofd.extract(p)
    assert doc.format == "ofd" and doc.pages == 1
    assert doc.metadata["title"] == "某局2022年政府信息公开工作年度报告"
    assert [b.text for b in doc.texts()] == ["第一行：共12件", "第二行"]
    first = doc.blocks[0]
    assert first.prov.page == 1
    x0, top, x1, bottom = first.prov.bbox  # millimetres
    assert x0 == pytest.approx(25, abs=0.1) and x1 == pytest.approx(41 + 4 + 2 + 2 + 4, abs=0.05)
    assert 36 < top < 37 and 40 < bottom < 41


def test_ctm_scales_text_and_textcode_without_x_continues(tmp_path):
    w = OfdWriter(page_numbers=False)
    # Size in points-like units scaled by the CTM to mm; the second TextCode has no X/Y
    w.pages[0].append(
        '<ofd:TextObject ID="1" Boundary="30 50 100 10" Size="10" CTM="0.5 0 0 0.5 0 0">'
        '<ofd:TextCode X="0" Y="10" DeltaX="g 2 10">政府信</ofd:TextCode>'
        '<ofd:TextCode DeltaX="10">息公</ofd:TextCode><ofd:TextCode X="60" Y="10">开</ofd:TextCode></ofd:TextObject>')
    doc = ofd.extract(w.save(tmp_path / "t.ofd"))
    (line,) = doc.texts()
    assert line.text == "政府信息公开"
    x0, top, x1, bottom = line.prov.bbox
    assert x0 == pytest.approx(30, abs=0.01) and x1 == pytest.approx(30 + 30 + 5, abs=0.01)
    assert bottom == pytest.approx(55 + 0.14 * 5, abs=0.01)


def test_rotated_text_is_kept_apart_from_the_horizontal_lines(tmp_path):
    w = OfdWriter(page_numbers=False)
    w.text_object(25, 40, "正文一行", 4)
    w.text_object(100, 40, "竖排", 4, ctm="0 1 -1 0 0 0")
    texts = [b.text for b in ofd.extract(w.save(tmp_path / "t.ofd")).texts()]
    assert "正文一行" in texts and "正文一行竖排" not in texts


# --- tables ---------------------------------------------------------------------------------


def test_ruled_table_is_rebuilt_with_spans(tmp_path):
    w = OfdWriter()
    w.text("表前文字")
    cells = [Cell(0, 0, "项目", 2, 1), Cell(0, 1, "申请人情况", 1, 2), Cell(1, 1, "自然人"), Cell(1, 2, "总计"),
             Cell(2, 0, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), Cell(2, 1, "3"), Cell(2, 2, "12")]
    w.table(cells, widths=[30, 25, 25])
    w.text("表后文字")
    doc = ofd.extract(w.save(tmp_path / "t.ofd"))
    assert [type(b).__name__ for b in doc.blocks] == ["TextBlock", "Table", "TextBlock"]
    table = doc.blocks[1]
    assert table.columns_reliable
    assert grid(table) == [[("项目", 2, 1), ("申请人情况", 1, 2)], ["自然人", "总计"],
                           ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "3", "12"]]
    assert table.prov.page == 1
    x0, top, x1, bottom = table.prov.bbox
    assert (x0, x1) == (pytest.approx(25, abs=0.05), pytest.approx(105, abs=0.05))
    assert table.cells[0].prov.bbox[0] == pytest.approx(25, abs=0.05)


def test_rulings_drawn_as_thin_fills_count_and_white_or_curved_lines_do_not(tmp_path):
    w = OfdWriter(page_numbers=False)
    xs, ys = [30, 70, 110], [40, 50, 60]
    for y in ys:  # horizontal rulings as 0.3 mm filled rectangles
        w.path_object((30, y - 0.15, 80, 0.3), "M 0 0 L 80 0 L 80 0.3 L 0 0.3 C", stroke=False, fill=True)
    for x in xs:
        w.path_object((x, 40, 0, 20), "M 0 0 L 0 20")
    w.path_object((30, 45, 80, 0), "M 0 0 L 80 0", color="255 255 255")  # white: invisible
    w.path_object((30, 55, 80, 5), "M 0 0 B 20 5 60 5 80 0")  # a curve: never a ruling
    w.path_object((20, 20, 150, 100), "M 0 0 L 150 0 L 150 100 L 0 100 C", stroke=False, fill=True,
                  color="230 230 230")  # shading behind it all
    for r, y in enumerate(ys[:-1]):
        for k, x in enumerate(xs[:-1]):
            w.text_object(x + 2, y + 7, f"格{r}{k}", 3)
    (table,) = ofd.extract(w.save(tmp_path / "t.ofd")).tables()
    assert grid(table) == [["格00", "格01"], ["格10", "格11"]]


def test_a_table_continued_on_the_next_page_is_one_table(tmp_path):
    w = OfdWriter()
    w.text("三、收到和处理政府信息公开申请情况")
    rows = [[f"{i}.事项{i}", str(i)] for i in range(1, 9)]
    w.table([Cell(r, k, t) for r, row in enumerate(rows[:4]) for k, t in enumerate(row)], widths=[60, 20])
    w.new_page()
    w.table([Cell(r, k, t) for r, row in enumerate(rows[4:]) for k, t in enumerate(row)], widths=[60, 20])
    w.text("四、政府信息公开行政复议、行政诉讼情况")
    doc = ofd.extract(w.save(tmp_path / "t.ofd"))
    (table,) = doc.tables()
    assert [[c.text for c in r] for r in table.rows()] == rows
    assert doc.pages == 2


# --- pictures -------------------------------------------------------------------------------


def test_large_pictures_come_with_their_bytes_and_seals_do_not(tmp_path):
    w = OfdWriter()
    w.text("二、主动公开政府信息情况")
    w.image(png(400, 300), (25, 50, 160, 100))  # a table pasted as a picture
    w.image(png(50, 50), (140, 200, 40, 40))  # the seal
    doc = ofd.extract(w.save(tmp_path / "t.ofd"))
    (image,) = doc.images()
    assert image.data.startswith(b"\x89PNG") and image.media_type == "image/png"
    assert image.prov.page == 1 and image.prov.bbox == (25, 50, 185, 150)
    assert image.ref.startswith("Doc_0/Res/image_")
    assert any("needs OCR" in w for w in doc.warnings)


def test_a_scanned_page_keeps_its_picture(tmp_path):
    w = OfdWriter(page_numbers=False)
    w.image(png(), (0, 0, 50, 20))  # small, but the page has no text at all
    (image,) = ofd.extract(w.save(tmp_path / "t.ofd")).images()
    assert image.data is not None


def test_a_missing_picture_is_a_warning(tmp_path):
    w = OfdWriter(page_numbers=False)
    w.pages[0].append('<ofd:ImageObject ID="5" Boundary="0 0 200 200" ResourceID="404"/>')
    doc = ofd.extract(w.save(tmp_path / "t.ofd"))
    (image,) = doc.images()
    assert image.data is None and any("404" in x for x in doc.warnings)


# --- bad and hostile packages --------------------------------------------------------------


def _package(tmp_path: Path, **extra: bytes) -> Path:
    w = OfdWriter()
    w.text("某局2022年政府信息公开工作年度报告")
    w.extra.update({k.replace("__", "/"): v for k, v in extra.items()})
    return w.save(tmp_path / "h.ofd")


def test_can_read_needs_ofd_xml_at_the_root(tmp_path):
    good = _package(tmp_path)
    assert ofd.can_read(good.read_bytes()[:8192], good)
    other = tmp_path / "o.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("Doc_0/OFD.xml", "<x/>")
    assert not ofd.can_read(other.read_bytes()[:8192], other)
    assert not ofd.can_read(b"%PDF-1.7", tmp_path / "x.ofd")


@pytest.mark.parametrize("extra,message", [
    ({"OFD.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                 b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&b;</ofd:OFD>'}, "DOCTYPE"),
    ({"Doc_0/Pages/Page_0/Content.xml": b'<!DOCTYPE p SYSTEM "file:///etc/passwd"><p/>'}, "DOCTYPE"),
    ({"OFD.xml": f'<ofd:OFD xmlns:ofd="{NS}"><ofd:DocBody><ofd:DocRoot>../../etc/Document.xml</ofd:DocRoot>'
                 f'</ofd:DocBody></ofd:OFD>'.encode()}, "path traversal"),
    ({"OFD.xml": b"<ofd:OFD xmlns:ofd="}, "not well-formed"),
    ({"OFD.xml": f'<ofd:OFD xmlns:ofd="{NS}"/>'.encode()}, "no DocBody"),
    ({"Doc_0/bomb.xml": b"\0" * (4 << 20)}, "zip bomb"),
])
def test_hostile_or_broken_packages_are_bad_documents(tmp_path, extra, message):
    with pytest.raises(BadDocument, match=message):
        ofd.extract(_package(tmp_path, **{k.replace("/", "__"): v for k, v in extra.items()}))


def test_traversal_entry_names_and_entry_floods_are_refused(tmp_path):
    p = tmp_path / "t.ofd"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("OFD.xml", "<x/>")
        zf.writestr("../../evil.xml", "<x/>")
    with pytest.raises(BadDocument, match="path traversal"):
        ofd.extract(p)
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("OFD.xml", "<x/>")
        for i in range(20_001):
            zf.writestr(f"d/{i}", b"")
    with pytest.raises(BadDocument, match="entries"):
        ofd.extract(p)


def test_not_a_zip_is_corrupt(tmp_path):
    p = tmp_path / "t.ofd"
    p.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(BadDocument, match="corrupt OFD"):
        ofd.extract(p)


def test_a_missing_page_part_costs_that_page_only(tmp_path):
    w = OfdWriter()
    w.text("第一页")
    w.new_page()
    w.text("第二页")
    parts = w.parts()
    del parts["Doc_0/Pages/Page_0/Content.xml"]
    p = tmp_path / "t.ofd"
    with zipfile.ZipFile(p, "w") as zf:
        for k, v in parts.items():
            zf.writestr(k, v)
    doc = ofd.extract(p)
    assert [b.text for b in doc.texts()] == ["第二页"]
    assert any("page 1" in x and "missing" in x for x in doc.warnings)
