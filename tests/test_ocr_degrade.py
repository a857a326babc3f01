"""Pictures as agencies publish them: the degradation generator's tables read back exactly.

Each test draws tables of the national templates with known numbers (`ocr_degrade`), puts
them through one class of degradation (low resolution, rotation, JPEG, a photo's light and
perspective, a multi-page TIFF with a table continued under repeated headers and a note),
and reads them with the real OCR engine. The full curve, step by step, is
`bench/ocr_degrade.py`; these are a few points of it, kept short.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

import ocr_degrade as D
import ocr_fixtures as F
from core.document import Cell, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from ocr import grid as G
from ocr import stitch
from ocr.read import text_ink

pytestmark = pytest.mark.skipif(F.cjk_font() is None, reason="no CJK font (apt install fonts-noto-cjk)")


@lru_cache(maxsize=None)
def tables(template: str):
    return D.report_tables(template, seed=1)


def read(pictures: list[bytes]):
    from normalize.assemble import to_record
    from ocr import enrich

    blocks = [ImageBlock(data=b, ref=f"t{k}", prov=Provenance(page=k, method="text"))
              for k, b in enumerate(pictures, start=1)]
    doc = enrich(ExtractedDocument(blocks=blocks, format="image", pages=len(blocks)))
    return to_record(doc, {"path": "test", "sha256": "", "format": "image"})


def wrong_cells(rec, truth: dict) -> list[tuple[str, object, object]]:
    return [(c, rec.cells.get(c), v) for c, v in truth.items()
            if rec.cells.get(c) is None or abs(float(rec.cells[c]) - float(v)) > 0.005]


def degraded(template: str, which: int, step: D.Step, serif: bool = False, tight: bool = True) -> bytes:
    tab = tables(template)[which]
    face = D.faces().get("serif" if serif else "sans")
    img = D.draw(tab, face, tight=tight, line_px=step.ruling_px, ruling=step.ruling)
    return D.encode(D.scan(img, step, seed=which), step)


@pytest.mark.parametrize("step", [
    D.Step("docx picture", dpi=100, quality=60, blur=0.4),
    D.Step("photo", dpi=120, angle=1.0, quality=50, noise=8.0, blur=0.8, light=0.5, perspective=0.02),
], ids=lambda s: s.name)
def test_table_four_at_low_resolution_and_as_a_photo(step):
    """Table 四 at 100–120 dpi (text 12–15 px high, rulings under a pixel wide), and as a
    photo with uneven light and converging borders: all 15 cells."""
    rec = read([degraded("2021", 2, step)])
    assert rec.tables["review"] == "found"
    assert wrong_cells(rec, tables("2021")[2].truth) == []


def test_table_three_scanned_crooked_at_120_dpi():
    step = D.Step("scan", dpi=120, angle=-2.5, quality=50, noise=8.0, blur=0.6)
    rec = read([degraded("2021", 1, step)])
    assert wrong_cells(rec, tables("2021")[1].truth) == []


def test_table_two_of_2019_in_serif_with_signed_changes():
    """The 2019 table 二 in a serif face: 本年增/减 prints -2 and -1, whose thin minus sign is
    as small as a speck at 150 dpi; it must not be dropped (2 would be a wrong number read
    with full confidence)."""
    step = D.Step("scan", dpi=150, quality=60, perspective=0.01)
    tab = tables("2019")[0]
    assert any(v < 0 for v in tab.truth.values())
    rec = read([degraded("2019", 0, step, serif=True, tight=False)])
    assert wrong_cells(rec, tab.truth) == []


@pytest.mark.parametrize("step", [s for s in D.STEPS["rulings"] if "@120dpi" in s.name], ids=lambda s: s.name)
def test_light_rulings_scanned_at_120_dpi(step):
    """Table 三 with light gray (185) or hair-line rulings, scanned at 120 dpi, crooked,
    JPEG q55: the rulings are a few gray levels under the paper and break up. Every number
    comes back (it read 7 wrong numbers and lost the rest when whole rows of rulings were
    lost and the rows of numbers slid under other labels)."""
    rec = read([degraded("2021", 1, step)])
    assert wrong_cells(rec, tables("2021")[1].truth) == []


def test_minus_sign_of_a_light_ruled_2019_table_at_120_dpi():
    """"-1" in a serif face at 120 dpi after JPEG: the minus is 5 × 3 pixels; lost, the cell
    reads 1 with full confidence."""
    step = next(s for s in D.STEPS["rulings"] if s.name.startswith("gray 185 @"))
    tab = tables("2019")[0]
    rec = read([degraded("2019", 0, step, serif=True, tight=False)])
    assert wrong_cells(rec, tab.truth) == []


def test_table_three_photographed_under_a_lamp():
    """A phone photo: perspective, uneven light, rotation, JPEG. The corners the deskew adds
    must not make an edge against the darkened paper (it was taken for the table's border,
    and the table came out askew, 0.125 of its cells read)."""
    step = next(s for s in D.STEPS["combined"] if s.name.startswith("photo"))
    rec = read([degraded("2021", 1, step)])
    assert wrong_cells(rec, tables("2021")[1].truth) == []


FACE_SCAN = D.STEPS["face"][0]  # a 150-dpi scan, 1° crooked, JPEG 60


def in_face(key: str):
    face = D.faces().get(key)
    if face is None:
        pytest.skip(f"face {D.FACE_NAMES[key]} not installed (scripts/setup.sh installs it)")
    return face


@pytest.mark.parametrize("key", ["ukai", "uming", "wqy"])
def test_table_three_printed_in_kai_ming_or_hei(key):
    """The 2019 table 三 printed in AR PL UKai (thin brush strokes), AR PL UMing or
    WenQuanYi Zen Hei, scanned: every number. WenQuanYi's digits are wide: 1008, 1275 and
    5139 do not fit the column and wrap ("100" over "8"); such a cell was left empty as if
    two rows had run together."""
    tab = tables("2019")[1]
    img = D.draw(tab, in_face(key))
    rec = read([D.encode(D.scan(img, FACE_SCAN, seed=1), FACE_SCAN)])
    assert wrong_cells(rec, tab.truth) == []


@pytest.mark.parametrize("labels", ["one line", "two lines"])
def test_wrapped_numbers_of_a_table_without_rulings(labels):
    """The same table printed without rulings, scanned: "1008" over two lines ("100" over
    "8") of its column, "111" beside it on one line, centred in the row. The second lines
    made a row of numbers of their own, every row under them took the wrong label and the
    first lines were read as 100, 127, 126, 513; now the two lines are one cell, read by the
    ruled cells' rule (`cell_rules.wrapped_number`). Lone zeros the detector passed over
    were lost without a finding; their cells are now read like a ruled grid's. With narrow
    label columns the row's label wraps too, its lines level with the number's two lines."""
    from dataclasses import replace

    from ocr_fixtures import render

    tab = tables("2019")[1]
    layout = tab.layout
    if labels == "two lines":
        layout = replace(layout, col_widths=[3.0, 3.0, 8.0] + list(layout.col_widths[3:]))
    img = render(layout, font_px=D.BASE_FONT_PX, font_file=in_face("wqy"), ruled=False)
    rec = read([D.encode(D.scan(img, FACE_SCAN, seed=1), FACE_SCAN)])
    assert wrong_cells(rec, tab.truth) == []


def test_table_without_rulings_printed_tight():
    """Table 三 without rulings, its rows as tight as an office program prints them (text 0.1
    font sizes apart): a one-line label, level with its row's numbers, took the first line of
    the next row's two-line label under it, and label after label ran into one (105 of 161
    cells lost). A label centred on a row of numbers now takes no line below. Left: the two
    rows beside a label the detector joins with its neighbour on one line ("(四)无法
    2.没有现成信息…"), reported, never wrong."""
    from ocr_fixtures import render

    tab = tables("2019")[1]
    img = render(tab.layout, font_px=D.BASE_FONT_PX, font_file=D.faces().get("sans"), ruled=False, pad=0.1)
    rec = read([D.encode(D.scan(img, FACE_SCAN, seed=1), FACE_SCAN)])
    bad = wrong_cells(rec, tab.truth)
    assert all(got is None for _, got, _ in bad), bad
    assert {c.rsplit(".", 1)[0] for c, _, _ in bad} <= {"apply.rejected.petition", "apply.unavailable.unclear"}
    assert any(f.rule in ("row.missing", "row.unknown_label") for f in rec.findings)


def test_numbers_stacked_by_a_lost_ruling_are_not_joined():
    """The same table with the rulings under two rows of numbers lost: each cell there shows
    two numbers one over the other ("380" over "27"), which read as one wrapped number
    would be invented. They stay empty; nothing read is wrong."""
    from PIL import ImageDraw

    tab = tables("2019")[1]
    img = D.draw(tab, in_face("wqy"))
    draw = ImageDraw.Draw(img)
    for r in (7, 9):
        y = img.info["row_ys"][r]
        draw.rectangle([0, y - 3, img.width, y + 3], fill="white")
    rec = read([D.encode(D.scan(img, FACE_SCAN, seed=1), FACE_SCAN)])
    bad = wrong_cells(rec, tab.truth)
    assert bad and all(got is None for _, got, _ in bad)


def test_multi_page_tiff_report_with_continued_table(tmp_path: Path):
    """A report scanned into one TIFF: table 三 cut over two pages, its header rows printed
    again on the second, a note under it; every number of the three tables comes back."""
    from gongkai.pipeline import extract_record

    data, truth = D.report_tiff("2021", cut=12)
    path = tmp_path / "report.tif"
    path.write_bytes(data)
    rec = extract_record(path)
    assert rec.tables == {"active": "found", "applications": "found", "review": "found"}
    assert wrong_cells(rec, truth) == []
    assert not [f for f in rec.findings if f.rule in ("row.unknown_label", "row.missing")]


# --- the steps, without the recogniser ---------------------------------------------------------


def test_shear_is_found_and_undone():
    """Verticals leaning 1.5° while the rows are level (a photo's slant): found, and the
    grid comes out whole."""
    img = F.to_bgr(D.draw(tables("2021")[2]))
    img = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    t = np.tan(np.radians(1.5))
    sheared = cv2.warpAffine(img, np.float32([[1, t, 20], [0, 1, 0]]), (w + 40 + int(t * h), h),
                             borderValue=(255, 255, 255))
    ink = G.binarize(cv2.cvtColor(sheared, cv2.COLOR_BGR2GRAY))
    assert abs(abs(G.find_shear(ink)) - 1.5) <= 0.2
    scan = G.find_grids(G.prepare(sheared))  # undone by the shear, or by the outline's homography
    assert abs(abs(scan.shear) - 1.5) <= 0.2 or scan.rectified
    assert [(g.n_rows, g.n_cols) for g in scan.grids] == [(4, 15)]
    x0, y0, x1, y1 = scan.to_source(scan.grids[0].bbox)
    assert 0 <= x0 < x1 <= sheared.shape[1] and 0 <= y0 < y1 <= sheared.shape[0]


def test_perspective_is_rectified_from_the_outline():
    step = D.Step("photo", dpi=150, perspective=0.03)
    pic = D.scan(D.draw(tables("2019")[1]), step, seed=2)
    scan = G.find_grids(G.prepare(F.to_bgr(pic)))
    assert scan.rectified
    assert [(g.n_rows, g.n_cols) for g in scan.grids] == [(26, 10)]


def test_a_glyph_touching_a_ruling_does_not_unanchor_it():
    """A vertical ruling continued by a glyph stroke above its top crossing is cut back there."""
    cross = np.zeros((200, 200), np.uint8)
    cross[50:52, :] = 255  # the horizontal ruling it should end on
    seg = G.Segment(100, 40, 102, 180, "v")  # 10 px of glyph above the crossing
    assert G.trim_overhang(seg, cross, tol=3, overhang=20) == G.Segment(100, 50, 102, 180, "v")
    far = G.Segment(100, 0, 102, 180, "v")  # 50 px: an open table side, left alone
    assert G.trim_overhang(far, cross, tol=3, overhang=20) == far


def test_pieces_of_a_ruling_are_joined_a_gap_as_wide_as_a_cell_is_not():
    a, b = G.Segment(0, 50, 100, 52, "h"), G.Segment(108, 51, 200, 53, "h")
    far = G.Segment(260, 50, 400, 52, "h")
    joined = G.join_collinear([a, b, far], tol=3, max_gap=12)
    assert G.Segment(0, 50, 200, 53, "h") in joined and far in joined and len(joined) == 2


def test_a_ruling_fading_short_of_its_crossing_line_reaches_it():
    cross = np.zeros((200, 200), np.uint8)
    cross[20:22, :] = 255
    cross[150:152, :] = 255
    seg = G.Segment(100, 26, 102, 144, "v")  # stops 5 and 6 px short
    assert G.reach_lines(seg, cross, tol=3, reach=9) == G.Segment(100, 21, 102, 151, "v")
    assert G.reach_lines(seg, cross, tol=3, reach=4) == seg


def test_light_rulings_are_found_and_blurred_text_is_not_taken_for_one():
    """Rulings 40 gray levels under the paper, broken by JPEG-like dips, beside black text:
    found by `faint_rulings`; on the same picture with rulings as dark as the text, nothing
    is added (that is a blurred scan, whose smeared text rows look like light lines)."""
    rng = np.random.default_rng(0)
    gray = np.full((300, 400), 250, np.uint8)
    for y in (40, 120, 200, 280):
        gray[y:y + 2, 20:380] = 210
    for x in (20, 200, 378):
        gray[40:282, x:x + 2] = 210
    gray[rng.random(gray.shape) < 0.08] = 250  # dips
    for x0 in range(40, 180, 24):  # "text": black glyph boxes in the first row
        gray[60:78, x0:x0 + 14] = 20
    ink = G.binarize(gray)
    h, v = G.ruling_masks(ink, 18.0)
    found = G.faint_rulings(gray, ink, h, v, 18.0)
    assert found is not None
    fh, fv = found
    assert all(fh[y:y + 2, 30:370].any(axis=0).mean() > 0.95 for y in (40, 120, 200, 280))
    assert not fh[55:85].any()  # the text row is no ruling
    dark_rulings = gray.copy()
    dark_rulings[(gray == 210)] = 20
    ink2 = G.binarize(dark_rulings)
    h2, v2 = G.ruling_masks(ink2, 18.0)
    assert G.faint_rulings(dark_rulings, ink2, h2, v2, 18.0) is None


def test_minus_sign_beside_a_digit_is_kept_a_lone_speck_is_not():
    ink = np.zeros((60, 120), np.uint8)
    ink[20:40, 60:64] = 255  # a "1", 20 px high
    ink[29:32, 47:53] = 255  # a serif minus, 6 px before it
    ink[5:7, 5:7] = 255  # a speck far away
    scan = G.PageScan(source_size=(120, 60), angle=0.0, image=np.zeros((60, 120, 3), np.uint8),
                      gray=255 - ink, ink=ink, text_h=20.0)
    kept = text_ink(scan)
    assert kept[30, 50] == 255 and kept[30, 62] == 255
    assert kept[6, 6] == 0


# --- stitching -----------------------------------------------------------------------------------


def _table(page: int, rows: list[list[str]], spans: dict[tuple[int, int], int] | None = None) -> Table:
    cells = []
    n = max(len(r) for r in rows)
    for r, row in enumerate(rows):
        c = 0
        for text in row:
            span = (spans or {}).get((r, c), 1)
            cells.append(Cell(r, c, text, col_span=span,
                              prov=Provenance(page=page, bbox=(50 + 60 * c, 100 + 20 * r, 50 + 60 * (c + span),
                                                               120 + 20 * r), method="ocr")))
            c += span
    return Table(cells, prov=Provenance(page=page, bbox=(50, 100, 50 + 60 * n, 100 + 20 * len(rows)), method="ocr"))


def test_repeated_header_rows_are_dropped_when_joining():
    header = [["项目", "自然人", "商业企业", "总计"], ["", "甲", "乙", "丙"]]
    top = _table(2, header + [["1.属于国家秘密", "1", "0", "1"]])
    again = [["项目", "自然人", "商业企业", "总计"], ["", "甲", "乙", "丙"]]  # OCR reads it the same
    bottom = _table(3, again + [["2.重复申请", "0", "2", "2"], ["（七）总计", "1", "2", "3"]])
    (joined,) = stitch.join_continued([top, bottom])
    labels = [r[0].text for r in joined.rows()]
    assert labels == ["项目", "", "1.属于国家秘密", "2.重复申请", "（七）总计"]


def test_a_continuation_without_header_keeps_all_rows():
    top = _table(2, [["项目", "自然人", "商业企业", "总计"], ["1.属于国家秘密", "1", "0", "1"]])
    bottom = _table(3, [["2.重复申请", "0", "2", "2"], ["（七）总计", "1", "2", "3"]])
    (joined,) = stitch.join_continued([top, bottom])
    assert joined.n_rows == 4


def test_note_row_under_a_table_becomes_a_paragraph():
    t = _table(1, [["项目", "自然人", "总计"], ["四、结转下年度继续办理", "0", "4"],
                   ["注：本表统计期限为上年1月1日至12月31日。"]], spans={(2, 0): 3})
    out = stitch.split_notes([t])
    assert isinstance(out[0], Table) and out[0].n_rows == 2
    assert isinstance(out[1], TextBlock) and out[1].text.startswith("注：")
    plain = _table(1, [["项目", "自然人", "总计"], ["合计说明", "0", "4"]])
    assert stitch.split_notes([plain]) == [plain]


def test_small_picture_is_enlarged_and_boxes_map_back():
    """Table 四 at 85 dpi (text about 12 px): enlarged before the grid search, the whole grid
    found, and its box mapped back inside the picture as given."""
    pic = D.scan(D.draw(tables("2021")[2], tight=True), D.Step("85dpi", dpi=85))
    img = F.to_bgr(pic)
    scan = G.find_grids(G.prepare(img))
    assert scan.matrix is not None and scan.image.shape[1] > img.shape[1]
    assert [(g.n_rows, g.n_cols) for g in scan.grids] == [(4, 15)]
    x0, y0, x1, y1 = scan.to_source(scan.grids[0].bbox)
    assert 0 <= x0 < x1 <= img.shape[1] and 0 <= y0 < y1 <= img.shape[0]
    assert x1 - x0 > 0.8 * img.shape[1]
