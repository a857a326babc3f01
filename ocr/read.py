"""Reading the text of a recovered grid cell by cell, and the text around it.

    clean_gray(scan)              the picture with its rulings painted white
    text_ink(scan)                the ink without rulings, specks and lone marks
    cell_lines(ink, box, text_h)  the text lines inside one cell (row projection)
    crop_line(gray, box, limit)   one line as a recogniser input, white margins
    recognize_once(backend, ...)  identical glyph images recognised once, the rest batched
    read_grid(scan, grid, ...)    → `ReadCell`s: text + confidence per cell, by the rules of
                                  `ocr.cell_rules` (numbers, slashes, dashes, wrapped numbers)
    read_boxes(scan, ...)         text outside the tables: detection + recognition
      split_box(ink, box, text_h)   a detected box cut at wide gaps, shrunk to its ink
    boxes_to_lines(boxes, text_h) boxes on one line joined, lines top to bottom

Why cells and not whole-picture detection: recognition costs about 28 ms per detected box
on one core, and a table 三 has ~230 boxes, most of them a lone "0" padded by PaddleOCR to a
320-pixel-wide line. Cropping each cell's lines from the grid needs no detector, skips
empty cells by their ink, feeds narrow crops at their own width, and reads the dozens of
identical "0" glyph images of a clean picture once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .backends import OcrBackend, Quad, Reading
from .cell_rules import (DASH_LIKE, DEBRIS_DIGITS, FIX_PENALTY, cell_alternatives, dash_shaped, digit_like,
                         is_debris, is_number, leans, numeric_lines, one_line_number_rows, slash_shaped,
                         wrapped_number)
from .grid import PixelBox, GridCell, PageScan, TableGrid

SPECK = 0.012
"""Ink blobs smaller than this × text height² are noise (scan grain, JPEG ringing)."""
DASH_WIDTH = 0.2
"""A bar at least this × text height wide and DASH_ASPECT times as wide as high, next to a
glyph, is a minus sign or a dash, however few pixels it has."""
DASH_ASPECT = 1.5
"""A serif minus 1 pixel thick at 300 dpi is 5 × 3 pixels at 120 dpi after JPEG (blurred
into three rows): 1.8 lost it, and "-1" read as 1 with full confidence."""
MIN_GLYPH = 0.3
"""A glyph is at least this × text height wide or high; a smaller mark is text only next to
one, and a cell whose lines are all smaller reads as empty."""
LINE_GAP = 0.12
"""Ink rows closer than this × text height belong to the same text line."""
PAD_V, PAD_H = 0.5, 0.25
"""White margins around a text line crop, × the height of its ink. Measured on 1,400 cell
lines of seven dev and rendered pictures: every number and label reads as with wider
margins, and the crops are 23% narrower (recognition time goes with width). Much wider
side margins, or a glyph pushed to one side by padding, make a lone "0" read as "O"."""
SPLIT_GAP = 1.0
"""A gap in a detected box's ink wider than this × text height separates two texts (two
numbers of a borderless table row, "发布机构：…    发布日期：…")."""
MIN_TEXT_SCORE = 0.5
"""Lines outside tables recognised with a lower score are dropped (noise, seals, photos)."""



@dataclass
class ReadCell:
    cell: GridCell
    text: str
    confidence: float
    fixed: bool = False  # a confusion fix was applied
    alternatives: tuple[str, ...] = ()
    """Other numbers the recogniser found plausible for a doubtful number (`cell_alternatives`)."""


@dataclass
class TextLine:
    """A detected text box, or boxes joined into a line (`boxes_to_lines`)."""

    text: str
    bbox: PixelBox
    score: float
    digits: str = ""
    digits_min: float = 0.0
    digit_alts: tuple[tuple[int, str], ...] = ()


# --- images for the recogniser -------------------------------------------------------------


def clean_gray(scan: PageScan) -> np.ndarray:
    """The gray picture with the kept rulings painted white, so that a crop reaching over a
    cell border never shows a stroke of the border to the recogniser."""
    gray = scan.gray.copy()
    gray[scan.rulings_mask(grow=2) > 0] = 255
    return gray


def text_ink(scan: PageScan) -> np.ndarray:
    """The ink with the rulings removed, and the marks that are not text: specks (scan
    grain, JPEG ringing), and small marks that lie alone — a small mark counts only next to
    a glyph (the dot of "1.", a "、"); alone, the recogniser would read it as "," or "。"."""
    ink = scan.ink.copy()
    ink[scan.rulings_mask(grow=2) > 0] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    size = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    big = size >= MIN_GLYPH * scan.text_h
    big[0] = False
    speck = stats[:, cv2.CC_STAT_AREA] < max(4.0, SPECK * scan.text_h ** 2)
    # a minus sign (or the bar of "—") is a thin bar: as small as a speck at 150 dpi, but
    # never round; next to a glyph it is kept, or "-2" reads as 2 with full confidence
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    bar = (w >= DASH_WIDTH * scan.text_h) & (w >= DASH_ASPECT * h)
    glyphs = big[labels].astype(np.uint8)
    near = cv2.dilate(glyphs, np.ones((3, max(3, int(scan.text_h * 0.6))), np.uint8))
    touching = np.zeros(n, bool)
    touching[np.unique(labels[(near > 0) & (labels > 0)])] = True
    wide = cv2.dilate(glyphs, np.ones((3, max(3, int(scan.text_h * 1.2))), np.uint8))
    beside = np.zeros(n, bool)  # a serif minus sits up to half an em before its digit
    beside[np.unique(labels[(wide > 0) & (labels > 0)])] = True
    keep = big | (touching & ~speck) | (beside & bar)
    keep[0] = False
    return np.where(keep[labels], ink, 0).astype(np.uint8)


def cell_lines(ink: np.ndarray, box: PixelBox, text_h: float, inset: int = 2) -> list[PixelBox]:
    """The text lines inside a cell: runs of ink rows (row projection), each with the
    horizontal extent of its ink. A run too small to hold a glyph is dropped, so an empty
    cell (or one with a stray mark) gives []."""
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
    if x1 - x0 < 3 or y1 - y0 < 3:
        return []
    sub = ink[y0:y1, x0:x1]
    rows = sub.any(axis=1)
    if not rows.any():
        return []
    runs: list[list[int]] = []
    gap = max(2, int(LINE_GAP * text_h))
    for y in np.flatnonzero(rows):
        if runs and y - runs[-1][1] <= gap:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    # a sliver of ink (the tail of a comma, a quote mark) joins its nearest neighbour line
    merged: list[list[int]] = []
    for r in runs:
        if merged and (r[1] - r[0] < 0.35 * text_h or merged[-1][1] - merged[-1][0] < 0.35 * text_h) \
                and r[0] - merged[-1][1] <= 0.4 * text_h:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    out = []
    for a, b in merged:
        cols = np.flatnonzero(sub[a:b + 1].any(axis=0))
        if len(cols) == 0:
            continue
        if b - a + 1 < MIN_GLYPH * text_h and cols[-1] - cols[0] + 1 < MIN_GLYPH * text_h:
            continue
        out.append((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b + 1))
    return out


def crop_line(gray: np.ndarray, box: PixelBox, limit: PixelBox | None = None) -> np.ndarray:
    """One text line with a white margin, cut from `gray` but never beyond `limit` (the
    cell): what lies outside the cell is replaced by white."""
    x0, y0, x1, y1 = box
    pv = max(2, int(round(PAD_V * (y1 - y0))))
    ph = max(2, int(round(PAD_H * (y1 - y0))))
    lx0, ly0, lx1, ly1 = limit or (0, 0, gray.shape[1], gray.shape[0])
    lx0, ly0 = max(lx0, 0), max(ly0, 0)
    lx1, ly1 = min(lx1, gray.shape[1]), min(ly1, gray.shape[0])
    cx0, cy0, cx1, cy1 = max(x0 - ph, lx0), max(y0 - pv, ly0), min(x1 + ph, lx1), min(y1 + pv, ly1)
    crop = gray[cy0:cy1, cx0:cx1]
    return cv2.copyMakeBorder(crop, cy0 - (y0 - pv), (y1 + pv) - cy1, cx0 - (x0 - ph), (x1 + ph) - cx1,
                              cv2.BORDER_CONSTANT, value=255)


def crop_quad(image: np.ndarray, quad: Quad) -> np.ndarray:
    """A detected text box cut out and straightened (perspective warp), as PaddleOCR does."""
    pts = np.array(quad, np.float32)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if h / w >= 1.5 and len(quad) == 4 and h > 2 * 48:  # a vertical line of text
        out = np.rot90(out)
    return out


def glyph_key(ink: np.ndarray, box: PixelBox) -> bytes:
    """A fingerprint of a line's ink: tight crop, 32 pixels high, binarised. Identical keys
    are the same glyph image (the many "0" cells of one picture)."""
    x0, y0, x1, y1 = box
    sub = ink[y0:y1, x0:x1]
    h, w = sub.shape
    if h == 0 or w == 0:
        return b""
    nw = max(1, int(round(32 * w / h)))
    small = cv2.resize(sub, (nw, 32), interpolation=cv2.INTER_AREA) > 127
    return nw.to_bytes(2, "little") + np.packbits(small).tobytes()


def recognize_once(backend: OcrBackend, crops: list[np.ndarray], keys: list[bytes]) -> list[Reading]:
    """Recognise crops; crops with the same non-empty key are read once."""
    first: dict[bytes, int] = {}
    todo: list[int] = []
    for i, k in enumerate(keys):
        if not k or k not in first:
            if k:
                first[k] = i
            todo.append(i)
    results = backend.recognize([crops[i] for i in todo])
    by_index = dict(zip(todo, results))
    return [by_index[i] if i in by_index else by_index[first[keys[i]]] for i in range(len(crops))]


RETRY_WIDTH = 1.5
"""A line the recogniser read as nothing is read again at least this × its height wide."""


def retry_empty(backend: OcrBackend, crops: list[np.ndarray], results: list[Reading]) -> list[Reading]:
    """Lines that have ink but came back empty, read once more with white margins widening
    them to `RETRY_WIDTH` × their height, the glyph centred: a lone narrow glyph ("0" 26 × 44
    pixels in a 150-dpi scan) gives the recogniser too few steps, and it returned nothing
    for a clean 0 that every other cell of its table read with confidence 0.99."""
    empty = [i for i, r in enumerate(results) if not r.text.strip()]
    if not empty:
        return results
    wide = []
    for i in empty:
        h, w = crops[i].shape[:2]
        side = max(0, int(round((RETRY_WIDTH * h - w) / 2)))
        wide.append(cv2.copyMakeBorder(crops[i], 0, 0, side, side, cv2.BORDER_CONSTANT, value=255))
    out = list(results)
    for i, r in zip(empty, backend.recognize(wide)):
        if r.text.strip():
            out[i] = r
    return out


# --- numbers ---------------------------------------------------------------------------------

# --- reading a grid --------------------------------------------------------------------------


def read_grid(scan: PageScan, grid: TableGrid, backend: OcrBackend, ink: np.ndarray | None = None,
              gray: np.ndarray | None = None) -> list[ReadCell]:
    """Every cell of the grid with its text and confidence.

    A cell's lines are recognised separately and joined without a separator (Chinese labels
    wrap anywhere). In a column or row of numbers (most filled cells digit-like), a
    digit-like cell takes the recogniser's digit reading (`Reading.digits`: O → 0, l → 1 by
    merged glyph probabilities), a lone Latin letter (`is_debris`) its digit reading at a
    penalty (or nothing when even that is unlikely), and anything else ("—", "/", "无")
    keeps its text. Confidence: for a number the lowest character probability (one doubtful
    digit makes a doubtful number), for other text the mean; an empty cell (no ink) is 1.0.
    """
    ink = text_ink(scan) if ink is None else ink
    gray = clean_gray(scan) if gray is None else gray
    lines: list[tuple[int, PixelBox]] = []
    for k, c in enumerate(grid.cells):
        for box in cell_lines(ink, c.bbox, scan.text_h):
            lines.append((k, box))
    crops = [crop_line(gray, box, grid.cells[k].bbox) for k, box in lines]
    keys = [glyph_key(ink, box) for _, box in lines]
    results = recognize_once(backend, crops, keys) if crops else []
    results = retry_empty(backend, crops, results)
    readings: dict[int, list[Reading]] = {}
    boxes: dict[int, list[PixelBox]] = {}
    for (k, box), r in zip(lines, results):
        readings.setdefault(k, []).append(r)
        boxes.setdefault(k, []).append(box)
    raw = {k: "".join(r.text.strip() for r in rs) for k, rs in readings.items()}
    num_cols, num_rows = numeric_lines(grid.cells, raw)
    single_rows = one_line_number_rows(grid.cells, readings)
    out = []
    for k, c in enumerate(grid.cells):
        rs = readings.get(k, [])
        text = raw.get(k, "")
        if not rs:
            out.append(ReadCell(c, "", 1.0))
            continue
        in_numbers = any(col in num_cols for col in range(c.col, c.col + c.col_span)) or c.row in num_rows
        digits = "".join(r.digits for r in rs)
        if c.row in single_rows and wrapped_number(c, rs, boxes.get(k, []), scan.text_h):
            # a number too wide for its column, wrapped by the office program ("100" over
            # "8"): one number, read as its lines joined
            out.append(ReadCell(c, digits, round(min(r.digits_min for r in rs), 4),
                                fixed="".join(text.split()) != digits,
                                alternatives=cell_alternatives([(r.digits, r.digit_alts) for r in rs])))
            continue
        if digit_like(text) and several_numbers(ink, rs, boxes.get(k, []), scan.text_h):
            # numbers far apart on one line of one cell, or on two lines of it: the ruling
            # between two columns or rows was lost (faint, broken) and the numbers would run
            # together ("470" "30" → 47030); no number is better than a wrong one
            out.append(ReadCell(c, "", 0.0))
            continue
        if digit_like(text) and (in_numbers or any(ch.isdigit() for ch in text)) and is_number(digits):
            if digits == "1" and leans(ink, boxes.get(k, [])):
                # a slash, the printed "not applicable", which the recogniser takes for a 1
                # (at 100–150 dpi, with confidence up to 0.9): the stroke's slant tells them apart
                out.append(ReadCell(c, "/", round(min(r.score for r in rs), 4)))
                continue
            if digits == "1" and dash_shaped(ink, boxes.get(k, []), scan.text_h):
                # a printed dash ("-", "not applicable" too) read as 1: it lies, a 1 stands
                out.append(ReadCell(c, "—", round(min(r.score for r in rs), 4)))
                continue
            out.append(ReadCell(c, digits, round(min(r.digits_min for r in rs), 4),
                                fixed="".join(text.split()) != digits,
                                alternatives=cell_alternatives([(r.digits, r.digit_alts) for r in rs])))
            continue
        if in_numbers and is_debris(text):
            # a stained number, or a stray mark in an empty cell: in a column of numbers a
            # lone Latin letter is never content, and left as text it would become the
            # row's label and lose the whole row
            low = min(r.digits_min for r in rs)
            if is_number(digits) and low >= DEBRIS_DIGITS:
                conf = min(low, min(r.score for r in rs)) * FIX_PENALTY
                out.append(ReadCell(c, digits, round(conf, 4), fixed=True))
            else:
                out.append(ReadCell(c, "", round(min(r.score for r in rs), 4)))
            continue
        if in_numbers and len(text.strip()) == 1 and not text.strip().isdigit() and text.strip() != "/" \
                and slash_shaped(ink, boxes.get(k, []), scan.text_h):
            # a printed slash in a brush face (AR PL UKai) is read as 八 or ノ: the stroke's
            # slant and height say what it is. Never a digit read: a 7's stroke leans the
            # same way, and a printed 7 must not become a blank
            out.append(ReadCell(c, "/", round(min(r.score for r in rs), 4)))
            continue
        if in_numbers and "".join(text.split()) in DASH_LIKE:
            text = "—"  # a printed dash ("not applicable"), read at low resolution as 一 or _
        conf = min(r.min_score for r in rs) if is_number(text) else min(r.score for r in rs)
        out.append(ReadCell(c, text, round(conf, 4)))
    return out


def several_numbers(ink: np.ndarray, readings: list[Reading], boxes: list[PixelBox], text_h: float) -> bool:
    """Whether a cell shows more than one number: two lines of digits, or digits far apart
    on one line — each part at least half a text height high (specks of a noisy scan and the
    dot of a decimal do not count)."""
    def tall(b: PixelBox) -> bool:
        return b[3] - b[1] >= 0.5 * text_h

    lines = [b for r, b in zip(readings, boxes) if digit_like(r.text) and tall(b)]
    if len(lines) > 1:
        return True
    return any(sum(1 for p in split_box(ink, b, text_h) if tall(p)) > 1 for b in lines)


# --- text outside the tables -----------------------------------------------------------------


def read_boxes(scan: PageScan, backend: OcrBackend, exclude: list[PixelBox] = (), ink: np.ndarray | None = None,
               gray: np.ndarray | None = None) -> list[TextLine]:
    """The text boxes of the picture outside `exclude` (the tables), each recognised.

    The detector runs only over the part of the picture that still has ink, so a table
    picture with a one-line caption costs a small detection, not a full page's. A detected
    box is cut where its ink has a gap wider than SPLIT_GAP text heights (the detector joins
    the numbers of a borderless table row into one box) and each part is cropped to its ink,
    like a cell's line.
    """
    ink = (text_ink(scan) if ink is None else ink).copy()
    gray = clean_gray(scan) if gray is None else gray
    img = scan.image
    for x0, y0, x1, y1 in exclude:
        ink[max(0, y0 - 3): y1 + 3, max(0, x0 - 3): x1 + 3] = 0
    ys, xs = np.nonzero(ink)
    if len(ys) == 0:
        return []
    m = int(scan.text_h)
    x0, y0 = max(0, int(xs.min()) - m), max(0, int(ys.min()) - m)
    x1, y1 = min(img.shape[1], int(xs.max()) + m), min(img.shape[0], int(ys.max()) + m)
    work = img[y0:y1, x0:x1].copy()
    for ex0, ey0, ex1, ey1 in exclude:
        work[max(0, ey0 - y0 - 3): max(0, ey1 - y0 + 3), max(0, ex0 - x0 - 3): max(0, ex1 - x0 + 3)] = 255
    quads = backend.detect(work)
    parts: list[PixelBox] = []
    crops: list[np.ndarray] = []
    for q in quads:
        qx, qy = [p[0] + x0 for p in q], [p[1] + y0 for p in q]
        box = (int(min(qx)), int(min(qy)), int(math.ceil(max(qx))), int(math.ceil(max(qy))))
        pieces = split_box(ink, box, scan.text_h) if _upright(q) else []
        if pieces:
            parts.extend(pieces)
            crops.extend(crop_line(gray, p) for p in pieces)
        else:
            # recognised as detected, but placed by its ink: the detector's box is padded
            # (a lone digit's by half its height), and a wrapped number's two lines, or two
            # rows of numbers, would seem to touch (`borderless.wrapped_lines`)
            ink_box = split_box(ink, box, scan.text_h)
            parts.append(ink_box[0] if len(ink_box) == 1 else box)
            crops.append(crop_quad(work, q))
    results = backend.recognize(crops) if crops else []
    boxes = []
    for box, r in zip(parts, results):
        text, score = r.text.strip(), r.score
        if not text or score < MIN_TEXT_SCORE:
            continue
        boxes.append(TextLine(text, box, score, r.digits, r.digits_min, r.digit_alts))
    return boxes


def _upright(quad: Quad) -> bool:
    """A detected box whose top edge is level (within 3°) and which is wider than tall."""
    (ax, ay), (bx, by) = quad[0], quad[1]
    w = math.hypot(bx - ax, by - ay)
    h = math.hypot(quad[3][0] - ax, quad[3][1] - ay)
    return w >= h and abs(by - ay) <= 0.05 * max(w, 1.0)


def split_box(ink: np.ndarray, box: PixelBox, text_h: float) -> list[PixelBox]:
    """A detected box cut at wide gaps in its ink, each part shrunk to its ink (the main text
    band only: a box's edge may graze the line above or below). [] when it has no ink."""
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0), max(0, y0)
    sub = ink[y0:y1, x0:x1]
    if sub.size == 0 or not sub.any():
        return []
    cols = np.flatnonzero(sub.any(axis=0))
    runs: list[list[int]] = [[int(cols[0]), int(cols[0])]]
    for c in cols[1:]:
        if c - runs[-1][1] > SPLIT_GAP * text_h:
            runs.append([int(c), int(c)])
        else:
            runs[-1][1] = int(c)
    out = []
    for a, b in runs:
        piece = sub[:, a:b + 1]
        rows = piece.any(axis=1)
        bands: list[list[int]] = []
        for y in np.flatnonzero(rows):
            if bands and y - bands[-1][1] <= max(2, LINE_GAP * text_h):
                bands[-1][1] = int(y)
            else:
                bands.append([int(y), int(y)])
        top, bottom = max(bands, key=lambda t: int(piece[t[0]:t[1] + 1].sum()))
        cols_b = np.flatnonzero(piece[top:bottom + 1].any(axis=0))
        if bottom - top + 1 < 0.25 * text_h and len(cols_b) < 0.25 * text_h:
            continue  # a speck
        out.append((x0 + a + int(cols_b[0]), y0 + top, x0 + a + int(cols_b[-1]) + 1, y0 + bottom + 1))
    return out


def boxes_to_lines(boxes: list[TextLine], text_h: float) -> list[TextLine]:
    """Detected boxes on the same line joined left to right (a wide gap becomes a space);
    lines top to bottom."""
    boxes = sorted(boxes, key=lambda b: (b.bbox[1] + b.bbox[3]) / 2)
    rows: list[list[TextLine]] = []
    for b in boxes:
        cy = (b.bbox[1] + b.bbox[3]) / 2
        if rows:
            last = rows[-1]
            top = max(x.bbox[1] for x in last)
            bottom = min(x.bbox[3] for x in last)
            if top - 0.2 * text_h <= cy <= bottom + 0.2 * text_h:
                last.append(b)
                continue
        rows.append([b])
    out = []
    for row in rows:
        row.sort(key=lambda b: b.bbox[0])
        text = row[0].text
        for a, b in zip(row, row[1:]):
            text += (" " if b.bbox[0] - a.bbox[2] > 1.5 * text_h else "") + b.text
        bbox = (min(b.bbox[0] for b in row), min(b.bbox[1] for b in row),
                max(b.bbox[2] for b in row), max(b.bbox[3] for b in row))
        out.append(TextLine(text, bbox, min(b.score for b in row)))
    return out
