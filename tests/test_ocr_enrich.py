"""Pictures in documents, end to end: extract → OCR → normalize, with the network blocked.

Where pictures come from: a scanned PDF (pages without text), a DOCX with pasted table
pictures, an HTML page with `<img>` files beside it, a picture file; a text dump's
`[image: …]` placeholder has no picture and must stay `image-unreadable`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import ocr_fixtures as F
from core.document import ImageBlock, Table, TextBlock
from gongkai.pipeline import extract_document, extract_record
from core import template as T

pytestmark = pytest.mark.skipif(F.cjk_font() is None, reason="no CJK font (apt install fonts-noto-cjk)")

T4_VALUES = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]
T4_CODES = [f"{b.key}.{c.key}" for b in T.REVIEW_BLOCKS for c in T.REVIEW_COLUMNS]
AGENCY = "测试市测试局"


@lru_cache(maxsize=None)
def t3():
    return F.render(F.table3_layout(F.sample_values()), font_px=20)


@lru_cache(maxsize=None)
def t4():
    return F.render(F.table4_layout(T4_VALUES), font_px=20)


def expected_t3() -> dict[str, int]:
    return {f"apply.{row}.{col}": v for row, cols in F.sample_values().items() for col, v in cols.items()}


def assert_tables(rec, active="missing"):
    want = expected_t3()
    assert {k: rec.cells.get(k) for k in want} == want
    assert [rec.cells[c] for c in T4_CODES] == T4_VALUES
    assert rec.tables == {"active": active, "applications": "found", "review": "found"}


def scanned_pdf(path: Path) -> Path:
    """Two scanned pages: title and text, then table 三 cut by the page break, table 四 and
    the signature; a page number at the foot of each page."""
    cut = t3().info["row_ys"][14]
    top = t3().crop((0, 0, t3().width, cut + 2))
    bottom = t3().crop((0, cut - 1, t3().width, t3().height))
    p1 = F.page([f"{AGENCY}2022年政府信息公开工作年度报告", "本报告中所列数据的统计期限自2022年1月1日起至",
                 "2022年12月31日止。", "一、总体情况", "二、主动公开政府信息情况", "本年度无相关数据。", top])
    p2 = F.page([bottom, t4(), "五、存在的主要问题及改进情况", AGENCY, "2023年1月16日"])
    for k, p in enumerate((p1, p2), start=1):
        from PIL import ImageDraw, ImageFont

        ImageDraw.Draw(p).text((p.width // 2 - 30, p.height - 70), f"- {k} -", fill="black",
                               font=ImageFont.truetype(str(F.cjk_font()), 26))
    p1 = F.degrade(p1, angle=0.6, blur=0.6, noise=6, quality=70)
    p2 = F.degrade(p2, angle=-0.8, blur=0.6, noise=6, quality=70, seed=5)
    p1.save(path, format="PDF", save_all=True, append_images=[p2], resolution=150)
    return path


def test_scanned_pdf(tmp_path: Path, no_network):
    rec = extract_record(scanned_pdf(tmp_path / "scan.pdf"))
    assert_tables(rec)
    assert rec.agency == AGENCY and rec.year == 2022 and rec.published == "2023-01-16"
    assert rec.source["format"] == "pdf"
    assert rec.provenance["apply.new.total"].method == "ocr"
    assert rec.provenance["apply.new.total"].page == 1
    assert rec.provenance["apply.carried_forward.total"].page == 2
    assert not no_network


def test_scanned_pdf_document_model(tmp_path: Path):
    doc = extract_document(scanned_pdf(tmp_path / "scan.pdf"))
    assert not any(isinstance(b, ImageBlock) for b in doc.blocks)
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert len(tables) == 2  # table 三's two parts joined, and table 四
    assert tables[0].n_rows == 28
    texts = [b.text for b in doc.blocks if isinstance(b, TextBlock)]
    assert not any(t.strip() in ("- 1 -", "-1-", "- 2 -", "-2-") for t in texts)  # page numbers dropped
    x0, top, x1, bottom = tables[1].prov.bbox  # in PDF points on an A4 page
    assert 0 <= x0 < x1 <= 596 and 0 <= top < bottom <= 842


def test_docx_with_table_pictures(tmp_path: Path, no_network):
    import docx

    d = docx.Document()
    d.add_paragraph(f"{AGENCY}2022年政府信息公开工作年度报告")
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    d.add_picture(_buffer(t3(), "PNG"))
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    d.add_picture(_buffer(t4(), "JPEG"))
    d.add_paragraph(AGENCY)
    d.add_paragraph("2023年1月16日")
    path = tmp_path / "report.docx"
    d.save(path)
    rec = extract_record(path)
    assert_tables(rec)
    assert rec.agency == AGENCY and rec.year == 2022


def test_html_page_with_img_files(tmp_path: Path, no_network):
    files = tmp_path / "page_files"
    files.mkdir()
    t3().save(files / "t3.png")
    t4().convert("RGB").save(files / "t4.jpg", quality=85)
    (tmp_path / "page.html").write_text(
        "<html><head><meta charset='utf-8'><title>x</title></head><body>"
        f"<h1>{AGENCY}2022年政府信息公开工作年度报告</h1>"
        "<p>三、收到和处理政府信息公开申请情况</p><p><img src='page_files/t3.png' width='700'></p>"
        "<p>四、政府信息公开行政复议、行政诉讼情况</p><p><img src='page_files/t4.jpg' width='700'></p>"
        f"<p>{AGENCY}</p><p>2023年1月16日</p></body></html>", encoding="utf-8")
    rec = extract_record(tmp_path / "page.html")
    assert_tables(rec)


def test_picture_file_offline_from_a_cold_start(tmp_path: Path, no_network):
    """The engine loads and reads with the network blocked: nothing is downloaded."""
    from ocr.engine import reset_backend

    path = tmp_path / "t4.png"
    t4().save(path)
    reset_backend()
    rec = extract_record(path)
    assert rec.tables == {"active": "missing", "applications": "missing", "review": "found"}
    assert [rec.cells[c] for c in T4_CODES] == T4_VALUES
    assert not no_network


def test_multi_page_tiff(tmp_path: Path):
    path = tmp_path / "scan.tif"
    first, second = t3().copy(), t4().copy()
    first.info, second.info = {}, {}  # Pillow would write the drawing notes as TIFF tags
    first.save(path, format="TIFF", save_all=True, append_images=[second], compression="tiff_deflate")
    doc = extract_document(path)
    assert [b.prov.page for b in doc.blocks if isinstance(b, Table)] == [1, 2]


def test_placeholder_without_picture_stays_unreadable(tmp_path: Path):
    path = tmp_path / "dump.txt"
    path.write_text(f"{AGENCY}2022年政府信息公开工作年度报告\n一、总体情况\n本年度工作平稳。\n"
                    "二、主动公开政府信息情况\n[image: 6f1d2a.png]\n三、收到和处理政府信息公开申请情况\n"
                    "[image: 8be03c.png]\n四、政府信息公开行政复议、行政诉讼情况\n[image: 1a2b3c.png]\n"
                    "五、存在的主要问题及改进情况\n无。\n", encoding="utf-8")
    doc = extract_document(path)
    assert sum(isinstance(b, ImageBlock) for b in doc.blocks) == 3
    rec = extract_record(path)
    assert set(rec.tables.values()) == {"image-unreadable"}


def test_logo_picture_stays_an_image(tmp_path: Path):
    from PIL import Image, ImageDraw

    logo = Image.new("RGB", (160, 160), "white")
    ImageDraw.Draw(logo).ellipse([10, 10, 150, 150], outline=(200, 0, 0), width=10)
    files = tmp_path / "p_files"
    files.mkdir()
    logo.save(files / "logo.png")
    (tmp_path / "p.html").write_text(
        f"<html><body><h1>{AGENCY}2022年政府信息公开工作年度报告</h1><img src='p_files/logo.png' width='100'>"
        "<p>一、总体情况</p><p>二、主动公开政府信息情况</p></body></html>", encoding="utf-8")
    doc = extract_document(tmp_path / "p.html")
    assert any(isinstance(b, ImageBlock) and b.data for b in doc.blocks)


def _buffer(img, fmt):
    import io

    buf = io.BytesIO()
    img.convert("RGB").save(buf, format=fmt)
    buf.seek(0)
    return buf


def _pdf_with_picture(path: Path, jpeg: bytes, size: tuple[int, int], box: tuple[float, float, float, float]) -> Path:
    """A one-page A4 PDF with a line of (Latin) text and a JPEG picture at `box` (x0, top,
    x1, bottom in points): a text page with a table pasted as a picture."""
    x0, top, x1, bottom = box
    content = (f"BT /F1 12 Tf 72 780 Td (Section III of the report) Tj ET\n"
               f"q {x1 - x0:.2f} 0 0 {bottom - top:.2f} {x0:.2f} {842 - bottom:.2f} cm /Im1 Do Q").encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
        b"/Filter /DCTDecode /Length %d >>\nstream\n" % (size[0], size[1], len(jpeg)) + jpeg + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_picture_on_a_pdf_text_page(tmp_path: Path):
    """Only the picture's area is read, and the table's boxes land in page points."""
    jpeg = _buffer(t4(), "JPEG").getvalue()
    box = (60.0, 200.0, 540.0, 200.0 + 480.0 * t4().height / t4().width)
    doc = extract_document(_pdf_with_picture(tmp_path / "text.pdf", jpeg, t4().size, box))
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    x0, top, x1, bottom = table.prov.bbox
    assert box[0] <= x0 < x1 <= box[2] + 1 and box[1] <= top < bottom <= box[3] + 1
    assert table.prov.page == 1
    assert [c.text for c in sorted((c for c in table.cells if c.row == 3), key=lambda c: c.col)] == \
        [str(v) for v in T4_VALUES]
    assert any(isinstance(b, TextBlock) and "Section III" in b.text for b in doc.blocks)


def test_undecodable_picture_stays_with_a_warning():
    from core.document import ExtractedDocument
    from ocr import enrich

    svg = ImageBlock(data=b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", ref="chart.svg")
    doc = enrich(ExtractedDocument(blocks=[TextBlock("三、收到和处理政府信息公开申请情况"), svg]))
    assert doc.blocks[-1] is svg
    assert any("chart.svg" in w and "not decodable" in w for w in doc.warnings)


def test_transparent_png_is_read_on_white():
    """A table exported with a transparent background: black on transparent black pixels
    must not turn into a black picture."""
    import numpy as np
    from PIL import Image

    from ocr.images import decode_frames

    rgba = np.zeros((60, 80, 4), np.uint8)  # transparent black
    rgba[20:22, 10:70] = (0, 0, 0, 255)  # one opaque black rule
    (bgr,) = decode_frames(_buffer_rgba(Image.fromarray(rgba, "RGBA")))
    assert bgr[5, 5].tolist() == [255, 255, 255] and bgr[20, 40].tolist() == [0, 0, 0]


def _buffer_rgba(img) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_a_report_posted_as_one_picture_per_table_is_one_report(tmp_path: Path):
    """`gongkai extract t3.png t4.png` (or the folder): one record with both tables."""
    from typer.testing import CliRunner

    from gongkai.cli import app

    folder = tmp_path / "report"
    folder.mkdir()
    t3().save(folder / "1-t3.png")
    t4().save(folder / "2-t4.png")
    res = CliRunner().invoke(app, ["extract", str(folder), "--json"])
    assert res.exit_code == 0, res.output
    import json

    rec = json.loads(res.stdout)
    assert rec["tables"] == {"active": "missing", "applications": "found", "review": "found"}
    assert [rec["cells"][c] for c in T4_CODES] == T4_VALUES
    assert rec["source"]["format"] == "group" and len(rec["source"]["members"]) == 2
