"""`gongkai debug`: the drawing shows exactly what the table finders found.

Each test builds a page whose table is known (a hand-written PDF, a rendered table picture,
a scan of it as PDF, an OFD report), then checks the drawn boxes against the extractor's own
output and the drawing's pixels against the page's size and colours.
"""
from __future__ import annotations

import json
from functools import lru_cache

import pytest
from PIL import Image
from typer.testing import CliRunner

import ocr_fixtures as F
from core import template as T
from core.document import Table
from extractors import extract
from gongkai import debug as D
from gongkai.cli import app
from gongkai.debug_draw import PANEL_WIDTH
from test_extractor_pdf import H, W, MiniPdf

pytestmark = pytest.mark.skipif(F.cjk_font() is None, reason="no CJK font (apt install fonts-noto-cjk)")

XS = [72.0, 240.0] + [240.0 + 40 * k for k in range(1, 8)]  # the label, then table 三's seven columns
YS = [100.0, 125.0, 150.0, 175.0, 200.0]
T4_VALUES = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]
HEADER = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def ruled_pdf(path):
    """A piece of table 三 on a text-layer page: its header row, two template rows, and one
    row whose label is no template row but which prints numbers."""
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "三、收到和处理政府信息公开申请情况")
    p.grid(XS, YS)
    rows = [("项目", HEADER), ("（一）予以公开", ["3", "0", "0", "0", "0", "0", "3"]),
            ("1.属于国家秘密", ["5", "0", "0", "0", "0", "0", "5"]),
            ("某某其他事项", ["7", "0", "0", "0", "0", "0", "7"])]
    for top, (label, cells) in zip(YS, rows):
        p.text(XS[0] + 6, top + 7, label)
        for x, text in zip(XS[1:], cells):
            p.text(x + 3, top + 9, text, size=5.5)
    return doc.save(path)


def _same_boxes(a, b, tol=0.06) -> bool:
    """Two lists of boxes equal but for rounding (the document model rounds to 0.01)."""
    a, b = sorted(map(tuple, a)), sorted(map(tuple, b))
    return len(a) == len(b) and all(abs(u - v) <= tol for x, y in zip(a, b) for u, v in zip(x, y))


def _doc_cells(doc, page) -> list[tuple[float, ...]]:
    return [c.prov.bbox for t in doc.blocks if isinstance(t, Table) for c in t.cells if c.prov.page == page]


def _is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 180 and g < 110 and b < 110


# --- a PDF page with a text layer ----------------------------------------------------------------


def test_pdf_page_shows_the_rulings_cells_and_matched_rows(tmp_path):
    path = ruled_pdf(tmp_path / "t3.pdf")
    view = D.debug_page(path, 1)

    assert (view.finder, view.units, view.scale) == ("pdf", "pt", 2.0)
    # the cells drawn are the cells the extractor put in the document, box for box
    assert _same_boxes(view.cells, _doc_cells(extract(path), 1)) and len(view.cells) == 32
    assert view.tables == [(XS[0], YS[0], XS[-1], YS[-1])]
    # the rulings lie on the grid lines drawn, and pdfplumber found every crossing
    assert sorted({e[1] for e in view.edges if e[1] == e[3]}) == YS
    assert sorted({e[0] for e in view.edges if e[0] == e[2]}) == XS
    assert len(view.intersections) == len(XS) * len(YS)

    rows = {r.label: r for r in view.rows}
    assert [r.label for r in view.rows] == ["项目 " + " ".join(HEADER), "（一）予以公开", "1.属于国家秘密", "某某其他事项"]
    assert rows["项目 " + " ".join(HEADER)].status == "not-template"
    assert rows["（一）予以公开"].status == "matched" and rows["（一）予以公开"].prefix == "apply.granted"
    assert rows["1.属于国家秘密"].prefix == "apply.withheld.state_secret"
    assert "apply.withheld.state_secret.commercial" in rows["1.属于国家秘密"].codes
    assert rows["某某其他事项"].status == "unknown" and rows["某某其他事项"].codes == []

    # the drawing: the page at 144 dpi plus the side panel; a ruling is drawn red where it is
    img = view.image
    assert view.page_size == (round(W * 2), round(H * 2))
    assert img.size == (round(W * 2) + PANEL_WIDTH, round(H * 2))
    assert _is_red(img.getpixel((round((XS[1] + XS[2])), round(YS[0] * 2))))
    assert not _is_red(img.getpixel((10, 10)))  # the margin is left alone


def test_cli_writes_the_png_and_prints_the_boxes(tmp_path):
    path = ruled_pdf(tmp_path / "t3.pdf")
    out = tmp_path / "p1.png"
    res = CliRunner().invoke(app, ["debug", str(path), "--page", "1", "-o", str(out), "--json", "--no-rows"])
    assert res.exit_code == 0, res.output
    boxes = json.loads(res.stdout.splitlines()[0])
    assert boxes["finder"] == "pdf" and boxes["rows"] == []
    assert _same_boxes(boxes["cells"], _doc_cells(extract(path), 1))
    with Image.open(out) as png:
        assert png.format == "PNG" and png.size == (round(W * 2) + PANEL_WIDTH, round(H * 2))


def test_cli_refuses_what_it_cannot_draw(tmp_path, inbox):
    res = CliRunner().invoke(app, ["debug", str(inbox / "d003.docx"), "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 1 and "no page geometry" in res.stderr
    res = CliRunner().invoke(app, ["debug", str(ruled_pdf(tmp_path / "t.pdf")), "--page", "3"])
    assert res.exit_code == 1 and "no page 3" in res.stderr
    assert not (tmp_path / "x.png").exists()


# --- pictures: the OCR grid ---------------------------------------------------------------------


@lru_cache(maxsize=None)
def t4():
    return F.render(F.table4_layout(T4_VALUES), font_px=20)


def test_picture_shows_the_ocr_grid_and_its_rows(tmp_path):
    from ocr import grid as G

    import numpy as np

    path = tmp_path / "t4.png"
    t4().save(path)
    view = D.debug_page(path, 1)

    scan = G.find_grids(G.prepare(np.asarray(t4())[:, :, ::-1].copy()))
    assert (view.finder, view.units, view.scale) == ("picture", "px", 1.0)
    assert _same_boxes(view.cells, [c.bbox for g in scan.grids for c in g.cells], tol=0)
    assert len(view.tables) == 1 and len(view.edges) == len(scan.h_kept) + len(scan.v_kept)
    # table 四: four rows; only the numbers row carries codes, one per block of the template
    (numbers,) = [r for r in view.rows if r.status == "matched"]
    assert numbers.prefix == ",".join(b.key for b in T.REVIEW_BLOCKS)
    assert len(numbers.codes) == len(T4_VALUES)
    assert {r.status for r in view.rows} == {"matched", "not-template"}
    assert view.page_size == t4().size


def test_skewed_scan_maps_the_grid_back_onto_the_picture(tmp_path):
    path = tmp_path / "scan.jpg"
    F.degrade(t4(), angle=1.5).save(path)
    view = D.view_page(path, 1)
    w, h = view.page_size
    assert view.notes and "deskewed" in view.notes[0]
    assert len(view.cells) == len(D.view_page(_saved(t4(), tmp_path / "clean.png"), 1).cells)
    assert all(0 <= b[0] < b[2] <= w and 0 <= b[1] < b[3] <= h for b in view.cells)


def _saved(img, path):
    img.save(path)
    return path


def test_scanned_pdf_page_is_drawn_from_the_ocr_grid_in_points(tmp_path):
    path = tmp_path / "scan.pdf"
    t4().save(path, resolution=150)  # a picture-only PDF: a scanned page
    view = D.view_page(path, 1)
    page_w, page_h = t4().width * 72 / 150, t4().height * 72 / 150
    assert (view.finder, view.units) == ("picture", "pt")
    assert view.scale == pytest.approx(200 / 72)
    assert view.notes and "OCR" in view.notes[0]
    outline = view.tables[0]
    # the table's outline, in points, where the picture puts it on the page
    assert 0 < outline[0] < outline[2] <= page_w + 1 and 0 < outline[1] < outline[3] <= page_h + 1
    assert len(view.cells) == len(D.view_page(_saved(t4(), tmp_path / "t4.png"), 1).cells)


# --- OFD -------------------------------------------------------------------------------------------


def test_ofd_page_shows_its_ruling_paths_cells_and_rows(tmp_path):
    import formats_report as R

    path = R.write_ofd(tmp_path / "report.ofd")
    view = D.debug_page(path, 2)
    assert (view.finder, view.units) == ("ofd", "mm")
    assert _same_boxes(view.cells, _doc_cells(extract(path), 2))
    matched = [r for r in view.rows if r.status == "matched"]
    assert [r.prefix for r in matched] == [f"apply.{k}" for k in R.APPLY_ROWS]  # table 三, all 25 rows
    assert view.glyphs and view.page_size == (round(210 * D.OFD_DPI / 25.4), round(297 * D.OFD_DPI / 25.4))


def test_a_table_without_rulings_is_drawn_from_the_document(tmp_path):
    """No rulings, so the ruled finder finds nothing; the table the PDF extractor read from
    aligned text (`pdf_unruled`) still shows, in its own colour, with its matched rows."""
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "二、主动公开政府信息情况")
    for top, cells in ((100, ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")),
                       (120, ("规章", "1", "0", "3")), (140, ("行政规范性文件", "9", "2", "15"))):
        for x, text in zip((72, 220, 330, 440), cells):
            p.text(x, top, text)
    path = doc.save(tmp_path / "unruled.pdf")
    view = D.debug_page(path, 1)
    assert view.edges == [] and view.cells == [] and view.tables == []
    assert _same_boxes(view.other_cells, _doc_cells(extract(path), 1)) and len(view.other_cells) == 12
    assert [(r.status, r.prefix) for r in view.rows][1:] == [("matched", "active.rules"),
                                                             ("matched", "active.normative")]
