"""Table-grid recovery from pictures, step by step; no OCR engine needed.

The pictures are drawn here (`ocr_fixtures`, Noto CJK fonts from fonts-noto-cjk): the
national table 三 (28 × 10, with the merged corner, 申请人情况 over seven columns and
三、本年度办理结果 down 22 rows) and table 四 (4 × 15), clean and as a rotated, noisy scan.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

import ocr_fixtures as F
from core.document import Cell, Provenance, Table
from ocr import grid as G
from ocr import stitch
from ocr.backends import Reading, ctc_decode, digit_classes, rec_tensor
from ocr.cell_rules import digit_like, fix_number
from ocr.read import cell_lines, text_ink

pytestmark = pytest.mark.skipif(F.cjk_font() is None, reason="no CJK font (apt install fonts-noto-cjk)")

T4_VALUES = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]


@lru_cache(maxsize=None)
def t3_clean():
    return F.render(F.table3_layout(F.sample_values()), font_px=20)


@lru_cache(maxsize=None)
def t3_scan():
    return F.degrade(t3_clean(), angle=1.2, blur=0.8, noise=10, quality=45)


def grids_of(img) -> G.PageScan:
    return G.find_grids(G.prepare(F.to_bgr(img)))


def _cell_at(grid: G.TableGrid, row: int, col: int) -> G.GridCell:
    return next(c for c in grid.cells if c.row == row and c.col == col)


@pytest.mark.parametrize("variant", ["clean", "scan"])
def test_table3_structure(variant):
    scan = grids_of(t3_clean() if variant == "clean" else t3_scan())
    (grid,) = scan.grids
    assert (grid.n_rows, grid.n_cols) == (28, 10)
    assert len(grid.cells) == 215
    corner = _cell_at(grid, 0, 0)
    assert (corner.row_span, corner.col_span) == (3, 3)
    assert _cell_at(grid, 0, 3).col_span == 7  # 申请人情况
    assert _cell_at(grid, 1, 4).col_span == 5  # 法人或其他组织
    assert _cell_at(grid, 5, 0).row_span == 22  # 三、本年度办理结果
    assert _cell_at(grid, 7, 1).row_span == 8  # （三）不予公开
    assert sum(1 for c in grid.cells if c.col >= 3 and c.row >= 3) == 25 * 7


def test_skew_is_found_and_removed():
    scan = G.prepare(F.to_bgr(t3_scan()))
    assert scan.angle == pytest.approx(-1.2, abs=0.15)  # the picture was turned 1.2° anticlockwise
    assert G.prepare(F.to_bgr(t3_clean())).angle == 0.0


def test_box_maps_back_to_the_picture_as_given():
    scan = G.prepare(F.to_bgr(t3_scan()))
    w, h = scan.source_size
    x0, y0, x1, y1 = scan.to_source((0, 0, scan.gray.shape[1], scan.gray.shape[0]))
    assert x0 == 0 and y0 == 0 and abs(x1 - w) <= 1 and abs(y1 - h) <= 1


def test_table4_structure():
    scan = grids_of(F.render(F.table4_layout(T4_VALUES), font_px=20))
    (grid,) = scan.grids
    assert (grid.n_rows, grid.n_cols) == (4, 15)
    assert len(grid.cells) == 34
    assert _cell_at(grid, 0, 5).col_span == 10  # 行政诉讼
    assert all(_cell_at(grid, 1, k).row_span == 2 for k in range(5))


def test_glyph_strokes_are_not_rulings():
    """Rows of 一二三 glyphs make long horizontal runs; only lines that end on other lines
    (or span the table) are rulings, so no spurious row appears."""
    boxes = [F.Box(r, c, 1, 1, "一二三一二三一二三" if c == 0 else str(r)) for r in range(4) for c in range(3)]
    layout = F.Layout(boxes, [8.0, 3.0, 3.0])
    scan = grids_of(F.render(layout, font_px=22))
    (grid,) = scan.grids
    assert (grid.n_rows, grid.n_cols) == (4, 3)
    assert len(scan.h_lines) >= len(scan.h_kept)


@pytest.mark.parametrize("variant", ["clean", "scan"])
def test_an_empty_spacer_column_keeps_its_row_borders(variant):
    """A spacer column narrower than the line opening: the border between its two header
    cells (under 自然人's two rows) is a ruling too, not a mark that reads as "_"."""
    boxes = [F.Box(0, 0, 3, 1, "项目"), F.Box(0, 2, 1, 3, "申请人情况"), F.Box(1, 2, 2, 1, "自然人"),
             F.Box(1, 3, 1, 2, "法人或其他组织"), F.Box(2, 3, 1, 1, "商业企业"), F.Box(2, 4, 1, 1, "科研机构")]
    boxes += [F.Box(r, 1, 1, 1, "") for r in range(4)]
    boxes += [F.Box(3, c, 1, 1, t) for c, t in [(0, "新收"), (2, "5"), (3, "2"), (4, "0")]]
    img = F.render(F.Layout(boxes, [4.0, 1.6, 3.0, 4.5, 4.5]), font_px=20)
    scan = grids_of(img if variant == "clean" else F.degrade(img, angle=1.0, blur=0.8, noise=8, quality=60))
    (grid,) = scan.grids
    assert (grid.n_rows, grid.n_cols) == (4, 5)
    ink = text_ink(scan)
    for row in range(4):
        spacer = _cell_at(grid, row, 1)
        assert spacer.row_span == 1 and cell_lines(ink, spacer.bbox, scan.text_h) == []
    assert _cell_at(grid, 1, 2).row_span == 2  # 自然人, merged over a row border, stays merged


def test_picture_without_rulings_has_no_ruled_grid():
    scan = grids_of(F.render(F.table4_layout(T4_VALUES), font_px=20, ruled=False))
    assert scan.grids == []


def test_cell_lines_splits_wrapped_labels_and_skips_empty_cells():
    scan = grids_of(t3_clean())
    ink = text_ink(scan)
    grid = scan.grids[0]
    corner = _cell_at(grid, 0, 0)  # the two-line note
    assert len(cell_lines(ink, corner.bbox, scan.text_h)) == 2
    empty = G.GridCell(0, 0, 1, 1, (2, 2, 30, 30))  # the white margin
    assert cell_lines(ink, empty.bbox, scan.text_h) == []


def test_debug_drawing_has_the_picture_size():
    scan = grids_of(t3_clean())
    out = G.draw_debug(scan)
    assert out.shape == scan.image.shape


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,fixed,changed", [
    ("O", "0", True), ("1O5", "105", True), ("l2", "12", True), ("I0", "10", True), ("|", "1", True),
    ("105", "105", False), ("No", "No", False), ("lO年", "lO年", False), ("OK", "OK", False), ("", "", False),
    ("—", "—", False), ("/", "/", False),
])
def test_fix_number_only_where_unambiguous(raw, fixed, changed):
    assert fix_number(raw) == (fixed, changed)


def test_digit_like():
    assert digit_like("1O5") and digit_like("0") and digit_like("1,234")
    assert not digit_like("无") and not digit_like("—") and not digit_like("总计") and not digit_like("")


def test_digit_reading_merges_look_alikes():
    """A glyph the recogniser calls "O" (p .6) or "0" (p .35) is a 0 with p .95 in a number."""
    charset = ["blank", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "O", "o", "l", "年", " "]
    classes = digit_classes(charset)
    probs = np.zeros((1, 4, len(charset)), np.float32)
    probs[0, 0, 0] = 1.0
    probs[0, 1, charset.index("O")], probs[0, 1, charset.index("0")], probs[0, 1, 0] = 0.6, 0.35, 0.05
    probs[0, 2, 0] = 1.0
    probs[0, 3, charset.index("l")], probs[0, 3, charset.index("1")], probs[0, 3, 0] = 0.7, 0.25, 0.05
    (r,) = ctc_decode(probs, charset, classes)
    assert isinstance(r, Reading)
    assert r.text == "Ol" and abs(r.min_score - 0.6) < 1e-6
    assert r.digits == "01" and abs(r.digits_min - 0.95) < 1e-6


def test_recogniser_input_is_centred_and_white_padded():
    narrow = np.zeros((48, 20, 3), np.uint8)
    wide = np.zeros((48, 100, 3), np.uint8)
    x = rec_tensor([narrow, wide])
    assert x.shape == (2, 3, 48, 100)
    assert x[0, :, :, :40].min() == 1.0 and x[0, :, :, 60:].min() == 1.0  # white either side
    assert x[0, :, :, 40:60].max() == -1.0


# --- tables cut by a page break --------------------------------------------------------------


def _part(page: int, bounds: list[float], rows: int, texts: list[str] | None = None) -> Table:
    cells = []
    for r in range(rows):
        for c in range(len(bounds) - 1):
            cells.append(Cell(r, c, (texts or [""])[0] if c == 0 else str(r),
                              prov=Provenance(page=page, bbox=(bounds[c], 100 + 20 * r, bounds[c + 1], 120 + 20 * r),
                                              method="ocr")))
    return Table(cells, prov=Provenance(page=page, bbox=(bounds[0], 100, bounds[-1], 100 + 20 * rows), method="ocr"))


def test_continued_table_is_joined_onto_aligned_columns():
    values = [300, 340, 380, 420, 460, 500]
    top = _part(2, [50, 110, 300] + values, 3)  # two label columns on this page
    bottom = _part(3, [52, 120, 200, 302] + [v + 2 for v in values], 4)  # three on the next
    assert stitch.continues(top, bottom)
    (joined,) = stitch.join_continued([top, bottom])
    assert joined.n_rows == 7
    assert joined.n_cols == 9
    value_cols = {c.col for c in joined.cells if c.row >= 3 and c.prov.bbox[0] >= 300}
    assert value_cols == {c.col for c in joined.cells if c.row < 3 and c.prov.bbox[0] >= 300}


def test_different_tables_are_not_joined():
    t2 = _part(2, [50, 200, 300, 400, 500], 3)
    t3 = _part(2, [50, 110, 300, 340, 380, 420, 460, 500], 3)
    assert not stitch.continues(t2, t3)
    far = _part(5, [50, 110, 300, 340, 380, 420, 460, 500], 3)
    assert not stitch.continues(t3, far)  # not the next page


def test_a_line_read_as_nothing_is_read_again_wider():
    """A lone narrow glyph gives the recogniser too few steps: a clean "0" in a scanned
    table came back empty. The line is read again with white margins widening it; a line
    that still reads as nothing stays empty (unreadable, reported), never made up."""
    from ocr.read import RETRY_WIDTH, retry_empty

    class Narrow:  # reads a crop only when it is wide enough
        calls = 0

        def recognize(self, crops):
            Narrow.calls += 1
            return [Reading("0", 0.95, 0.95, "0", 0.99) if c.shape[1] >= RETRY_WIDTH * c.shape[0] - 1
                    else Reading("", 0.0, 0.0) for c in crops]

    narrow, wide = np.full((44, 26), 255, np.uint8), np.full((44, 80), 255, np.uint8)
    first = Narrow().recognize([narrow, wide])
    assert [r.text for r in first] == ["", "0"]
    assert [r.text for r in retry_empty(Narrow(), [narrow, wide], first)] == ["0", "0"]
    blank = [Reading("", 0.0, 0.0)]
    assert retry_empty(type("Never", (), {"recognize": lambda self, c: blank})(), [narrow], blank)[0].text == ""


def test_a_note_wrapped_in_its_cell_is_no_wrapped_number():
    """"3（含转办1件）" wrapped as "3（含转办1" over "(件)" in a scanned PDF: the recogniser's
    digit readings of the two lines were "31" and "4", and the cell was read as the wrapped
    number 314 (left null only because the 4 was unlikely). The wrap rule is for lines of
    digits; the lines' text says whether they are."""
    from ocr.cell_rules import wrapped_number
    from ocr.grid import GridCell

    cell = GridCell(5, 3, 1, 1, (662, 468, 801, 539))
    boxes = [(673, 481, 790, 504), (709, 512, 740, 535)]
    note = [Reading("3（含转办1", 0.98, 0.88, "31", 0.99), Reading("(件)", 0.84, 0.70, "4", 0.9)]
    assert not wrapped_number(cell, note, boxes, 23.0)
    number = [Reading("31", 0.98, 0.98, "31", 0.99), Reading("4", 0.9, 0.9, "4", 0.9)]
    assert wrapped_number(cell, number, [(700, 481, 790, 504), (709, 512, 740, 535)], 23.0)
