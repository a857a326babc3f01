"""One picture → document blocks: its tables, the text around them, in reading order.

    read_picture(image, backend, place)  → `Picture`: its kind and its blocks
                                           (TextBlock/Table), top to bottom
      grid.prepare / grid.find_grids       ruled tables
      read.read_grid                       their cells
      read.read_boxes                      text outside them (detector + recogniser)
      find_borderless(boxes)               a table without rulings (`ocr.borderless`)
      is_page_furniture(line)              page numbers dropped

`Place` says where the picture sits, so that every bbox lands in the units of the page it
came from: image pixels for a picture file or an embedded picture, PDF points (plus the
picture's offset) for a rendered PDF page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from core.document import Cell, Provenance, Table, TextBlock

from . import borderless as B
from . import cell_rules as C
from . import grid as G
from . import read as R
from .backends import OcrBackend

MIN_TEXT_CHARS = 6
"""A picture with fewer surely read characters than this is a logo, stamp or photo."""
SURE = 0.8
"""A line recognised at least this surely counts towards MIN_TEXT_CHARS."""
NUMBERS_LEFT_AS_IMAGE = 6
"""A picture with at least this many number-only text boxes but no recovered table is a
table we could not rebuild: it is kept as an image (so the table reads `image-unreadable`,
never `missing`)."""
FURNITURE_SHARE = 0.1
"""Page numbers are looked for in this share of the picture's height at the top and bottom."""
_PAGE_NUMBER = re.compile(r"^(?:[-—–－~·•\s]*\d{1,3}[-—–－~·•\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
                          r"|\d+\s*/\s*\d+)$")


@dataclass(frozen=True)
class Place:
    """How picture pixels map to page units: unit = offset + pixel / scale."""

    page: int | None = None
    scale: float = 1.0  # pixels per page unit
    offset: tuple[float, float] = (0.0, 0.0)

    def bbox(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        ox, oy = self.offset
        return tuple(round(v, 2) for v in (ox + box[0] / self.scale, oy + box[1] / self.scale,
                                           ox + box[2] / self.scale, oy + box[3] / self.scale))  # type: ignore


@dataclass
class Picture:
    """What one picture held."""

    kind: str
    """"table" (tables found), "text" (a page of text), "unread-table" (numbers in rows but no
    grid: keep the image too) or "picture" (nothing read: leave the image as it was)."""
    blocks: list = field(default_factory=list)  # (TextBlock | Table), top to bottom
    scan: G.PageScan | None = None  # every intermediate of the grid search (grid.draw_debug)


def read_picture(image: np.ndarray, backend: OcrBackend, place: Place = Place()) -> Picture:
    """Tables and text of one picture, as document blocks in reading order."""
    scan = G.find_grids(G.prepare(image))
    ink, gray = R.text_ink(scan), R.clean_gray(scan)
    items: list[tuple[float, object]] = []
    for grid in scan.grids:
        cells = R.read_grid(scan, grid, backend, ink=ink, gray=gray)
        if not any(rc.text for rc in cells):
            continue  # a ruled box with nothing in it (a frame, a form field)
        items.append((grid.bbox[1], to_table(scan, grid, cells, place)))
    tables_at = [g.bbox for g in scan.grids]
    boxes = R.read_boxes(scan, backend, tables_at, ink=ink, gray=gray)
    table = find_borderless(scan, boxes, place, backend, ink, gray)
    if table is not None:
        t, used = table
        items.append((t[0], t[1]))
        boxes = [b for b in boxes if id(b) not in used]
    lines = R.boxes_to_lines(boxes, scan.text_h)
    height = scan.gray.shape[0]
    for ln in lines:
        if is_page_furniture(ln, height):
            continue
        prov = Provenance(page=place.page, bbox=place.bbox(scan.to_source(ln.bbox)), method="ocr",
                          confidence=round(ln.score, 4))
        items.append((ln.bbox[1], TextBlock(text=ln.text, prov=prov)))
    items.sort(key=lambda it: it[0])
    blocks = [b for _, b in items]
    has_table = any(isinstance(b, Table) for b in blocks)
    sure_chars = sum(len(ln.text) for ln in lines if ln.score >= SURE)
    if has_table:
        kind = "table"
    elif sum(1 for b in boxes if C.is_number(b.text)) >= NUMBERS_LEFT_AS_IMAGE:
        kind = "unread-table"
    elif sure_chars >= MIN_TEXT_CHARS:
        kind = "text"
    else:
        kind, blocks = "picture", []  # a logo, seal or photo: a stray letter read in it is noise
    return Picture(kind=kind, blocks=blocks, scan=scan)


def to_table(scan: G.PageScan, grid: G.TableGrid, cells: list[R.ReadCell], place: Place) -> Table:
    """The document model's Table: cells with spans and OCR provenance in page units; the
    table's own confidence is its least sure filled cell's."""
    out = []
    for rc in cells:
        c = rc.cell
        prov = Provenance(page=place.page, bbox=place.bbox(scan.to_source(c.bbox)), method="ocr",
                          confidence=rc.confidence, alternatives=rc.alternatives)
        out.append(Cell(row=c.row, col=c.col, text=rc.text, row_span=c.row_span, col_span=c.col_span, prov=prov))
    conf = min((rc.confidence for rc in cells if rc.text), default=1.0)
    prov = Provenance(page=place.page, bbox=place.bbox(scan.to_source(grid.bbox)), method="ocr",
                      confidence=round(conf, 4))
    return Table(cells=out, prov=prov, columns_reliable=True)


def find_borderless(scan: G.PageScan, boxes: list[R.TextLine], place: Place, backend: OcrBackend,
                    ink: np.ndarray, gray: np.ndarray) -> tuple[tuple[float, Table], set[int]] | None:
    """A table printed without rulings (`borderless.find_borderless`) as a `Table`.
    Returns ((top, Table), ids of the boxes it used) or None.

    A cell of numbers that no detected box fell into but that has ink (a lone "0" the
    detector passed over, a box read below MIN_TEXT_SCORE) is read as a ruled grid's cell
    is (`read.read_grid`): left out, the number would be lost without a word."""
    found = B.find_borderless(boxes, scan.text_h)
    if found is None:
        return None
    cells = []
    lines = {k: [boxes[i] for i in found.cells.get(k, [])] for k in range(len(found.grid.cells))}
    single_rows = C.one_line_number_rows(found.grid.cells, lines)
    for k, c in enumerate(found.grid.cells):
        parts = lines[k]
        if not parts:
            cells.append(R.ReadCell(c, "", 1.0))
            continue
        text = "".join(b.text for b in parts)
        digits = "".join(b.digits for b in parts)
        if len(parts) > 1 and C.digit_like(text) and not (
                c.row in single_rows and C.wrapped_number(c, parts, [b.bbox for b in parts], scan.text_h)):
            # numbers stacked or side by side in one cell that are not one wrapped number:
            # joined they would make a number nobody printed ("380" over "27" → 38027)
            cells.append(R.ReadCell(c, "", 0.0))
            continue
        if C.digit_like(text) and C.is_number(digits):
            cells.append(R.ReadCell(c, digits, round(min(b.digits_min for b in parts), 4), fixed=digits != text,
                                    alternatives=C.cell_alternatives([(b.digits, b.digit_alts) for b in parts])))
        else:
            cells.append(R.ReadCell(c, text, round(min(b.score for b in parts), 4)))
    inked = unread_cells(found.grid, cells, ink, scan.text_h)
    if inked:
        sub = G.TableGrid(bbox=found.grid.bbox, rows=found.grid.rows, cols=found.grid.cols,
                          cells=[cells[k].cell for k in inked], ruled=False)
        for k, rc in zip(inked, R.read_grid(scan, sub, backend, ink=ink, gray=gray)):
            cells[k] = rc
    table = to_table(scan, found.grid, cells, place)
    return (found.grid.bbox[1], table), {id(boxes[i]) for i in found.used}


def unread_cells(grid: G.TableGrid, cells: list[R.ReadCell], ink: np.ndarray, text_h: float) -> list[int]:
    """Indices of the empty cells of a borderless grid that lie in a row and a column of
    numbers and hold a glyph's worth of ink (`read.cell_lines`)."""
    numbers = [k for k, rc in enumerate(cells) if rc.text and C.is_number(rc.text)]
    rows = {cells[k].cell.row for k in numbers}
    cols = {cells[k].cell.col for k in numbers}
    return [k for k, rc in enumerate(cells) if not rc.text and rc.confidence > 0 and rc.cell.row in rows
            and rc.cell.col in cols and R.cell_lines(ink, rc.cell.bbox, text_h)]


def is_page_furniture(line: R.TextLine, height: int) -> bool:
    """A page number ("- 3 -", "第3页", "3/5") in the top or bottom tenth of the page."""
    top, bottom = line.bbox[1], line.bbox[3]
    in_margin = bottom <= FURNITURE_SHARE * height or top >= (1 - FURNITURE_SHARE) * height
    return in_margin and bool(_PAGE_NUMBER.match(line.text.strip()))
