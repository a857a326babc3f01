"""Table grids from a picture: ruling lines → rows and columns → cells with spans.

The steps are module-level functions whose results `find_grids` keeps on a `PageScan`
(pdfplumber's `TableFinder` style), so a wrong grid can be looked at step by step and
drawn with `draw_debug`:

    prepare(image)                  gray, ink mask, text height, skew; the picture deskewed
      binarize(gray)                  ink = 255: adaptive threshold, robust to uneven light
      text_height(ink)                the usual glyph height (80th percentile of blobs)
      find_skew(ink)                  projection-profile search over ±3°
      find_shear(ink)                 the verticals' own lean (a photo's perspective), undone
      warp_on_paper(...)              the new corners filled with the paper next to them
    ruling_masks(ink, text_h)       morphological opening along each axis
    faint_rulings(...)              light rulings (gray, hair lines at 120 dpi): a second
                                    look, thresholded relative to the rulings' own contrast
    mask_to_segments(mask, axis)    each line of a mask as a `Segment`
    join_collinear(...)             pieces of one broken ruling joined
    anchored_segments(...)          keep lines whose two ends touch a perpendicular line
      trim_overhang(...)              (a glyph touching a ruling no longer extends it)
      reach_lines(...)                (a light ruling fading out short of its line reaches it)
    segments_to_regions(...)        crossing lines grouped → one region per table
    region_positions(...)           row and column boundaries (clusters of line positions)
    positions_to_cells(...)         atomic grid; neighbours merge where their shared border
                                    is mostly missing → cells with row/col spans

Tables printed without rulings are rebuilt from text boxes instead: see `ocr.borderless`.

Why keep only anchored lines: runs of horizontal strokes in adjacent glyphs (一二三) or
underlined text look like rulings after an opening; at 200 dpi they made spurious rows,
on screenshots dozens of them. Real rulings end on other rulings (or span the table).

All coordinates are pixels of the deskewed picture (`PageScan.image`); `PageScan.to_source`
maps a box back to the picture as given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from core.geometry import cluster_positions

PixelBox = tuple[int, int, int, int]
"""(x0, top, x1, bottom) in pixels, x1/bottom exclusive."""

MAX_SKEW = 3.0
"""Degrees searched either way for the skew; scans and photos of pages stay within this."""
UPSCALE_BELOW, UPSCALE_TO, MAX_UPSCALE = 14.0, 20.0, 2.5
"""A picture whose text is under UPSCALE_BELOW pixels high is enlarged so that it is about
UPSCALE_TO (at most MAX_UPSCALE times) before anything else."""
PERSPECTIVE_MIN = 0.4
"""Opposite table borders converging by more than this (degrees) are a photo's perspective,
undone by a homography from the outline; less is left to the line steps."""
MAX_SHEAR = 3.0
"""Degrees searched either way for the lean of the verticals after levelling the rows."""
SKEW_MIN = 0.2
"""A smaller skew is left alone: rotating costs time and resamples the glyphs, and 0.2°
moves a ruling by 6 pixels across a 1,600-pixel table, which the line steps tolerate."""
SKEW_WORK_SIDE = 1000
"""The skew search runs on a copy at most this many pixels wide/high."""
H_KERNEL, V_KERNEL = 2.5, 1.4
"""Ruling-line opening lengths, in text heights. A glyph's horizontal stroke is shorter than
2.5 text heights, a vertical one shorter than 1.4 (rows are at least that tall)."""
LONG_LINE = 0.6
"""A line this share of the longest line on the picture is a ruling even if unanchored
(tables whose outer border is missing)."""
BORDER_COVERAGE = 0.5
"""A border between two atomic cells drawn over less than this share is missing: merged."""
MIN_TABLE_LINES = 2
"""A table has at least this many row boundaries and this many column boundaries."""
FAINT_SHARE = 0.5
"""A pixel at least this share as dark as the rulings already found (below the paper around
it) is ruling ink for the line search: a contrast-relative threshold, see `faint_rulings`."""
FAINT_FLOOR = 10.0
"""…but never less dark than this many gray levels (JPEG ringing and scan grain)."""
FAINT_NOISE = 4.0
"""…nor less than this many times the paper's own spread (the scan's noise)."""
FAINT_TEXT = 1.8
"""A line found that way but darker (median along it) than this × the rulings' contrast is text."""
FAINT_COVER = 0.9
"""…and is drawn along this share of its length at least (text has gaps between strokes)."""
FAINT_RATIO = 0.45
"""…and only on a picture whose rulings are at most this share as dark as its text (the
75th percentile of text pixels): measured 0.21–0.26 for gray or hair-line rulings, 0.57–0.65
for black ones blurred (blur σ1.0–1.4, photos)."""
FAINT_CONTRAST = 110.0
"""Rulings darker than this (gray levels below the paper) are found by `binarize` already:
the second look is only for light ones."""
REACH = 0.5
"""On a picture with light rulings, a ruling that stops short of a perpendicular line by at
most this × text height is carried on to it (`reach_lines`)."""
JOIN_GAP = 0.8
"""Pieces of a ruling on one line apart by at most this × text height are one ruling (a
cell is wider than that, so a border left out for a merged cell is never bridged)."""
OVERHANG = 1.0
"""A ruling that runs past its last crossing line by at most this × text height is cut back
there (a glyph touching the ruling extends it); a longer overhang is an open table side."""


@dataclass(frozen=True)
class Segment:
    """A ruling line: its bounding box and which way it runs ("h" or "v")."""

    x0: int
    top: int
    x1: int
    bottom: int
    axis: str

    @property
    def pos(self) -> float:
        """Centre across the line: y for a horizontal line, x for a vertical one."""
        return (self.top + self.bottom) / 2 if self.axis == "h" else (self.x0 + self.x1) / 2

    @property
    def start(self) -> int:
        return self.x0 if self.axis == "h" else self.top

    @property
    def end(self) -> int:
        return self.x1 if self.axis == "h" else self.bottom

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class GridCell:
    """One cell of a recovered grid, anchored at its top-left atomic position."""

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: PixelBox


@dataclass
class TableGrid:
    """One table: its outline, its boundaries and its cells (empty text at this stage)."""

    bbox: PixelBox
    rows: list[int]
    cols: list[int]
    cells: list[GridCell]
    ruled: bool = True
    """False for a grid rebuilt from text alignment (no rulings on the picture)."""

    @property
    def n_rows(self) -> int:
        return len(self.rows) - 1

    @property
    def n_cols(self) -> int:
        return len(self.cols) - 1


@dataclass
class PageScan:
    """A picture prepared for table finding, with every intermediate kept."""

    source_size: tuple[int, int]  # (width, height) of the picture as given
    angle: float  # degrees the picture was rotated by to deskew it
    image: np.ndarray  # BGR, deskewed
    gray: np.ndarray
    ink: np.ndarray  # uint8, 255 where there is ink
    text_h: float
    shear: float = 0.0  # degrees the verticals leaned by after the rotation (a photo's slant)
    matrix: np.ndarray | None = None  # 3×3: picture as given → `image` (None: the same pixels)
    rectified: bool = False  # a photo's perspective undone from the table's outline
    h_mask: np.ndarray | None = None
    v_mask: np.ndarray | None = None
    h_lines: list[Segment] = field(default_factory=list)  # all candidates
    v_lines: list[Segment] = field(default_factory=list)
    h_kept: list[Segment] = field(default_factory=list)  # anchored rulings
    v_kept: list[Segment] = field(default_factory=list)
    regions: list[PixelBox] = field(default_factory=list)
    grids: list[TableGrid] = field(default_factory=list)

    @property
    def tol(self) -> int:
        """How far apart two strokes may be and still be one line (pixels)."""
        return max(3, int(round(self.text_h / 6)))

    def rulings_mask(self, grow: int = 1) -> np.ndarray:
        """The kept rulings drawn as a mask (each line widened by `grow` pixels)."""
        mask = np.zeros(self.ink.shape, np.uint8)
        for s in self.h_kept + self.v_kept:
            cv2.rectangle(mask, (s.x0 - grow, s.top - grow), (s.x1 - 1 + grow, s.bottom - 1 + grow), 255, -1)
        return mask

    def to_source(self, bbox: PixelBox) -> tuple[float, float, float, float]:
        """A box of the deskewed picture as a box of the picture as given."""
        m = self.matrix
        if m is None and self.angle:
            h, w = self.gray.shape
            m = _h3(_rotation_matrix(self.angle, self.source_size, (w, h)))
        if m is None:
            return tuple(float(v) for v in bbox)  # type: ignore[return-value]
        sw, sh = self.source_size
        x0, y0, x1, y1 = bbox
        corners = np.array([[[x0, y0], [x1, y0], [x0, y1], [x1, y1]]], np.float64)
        pts = cv2.perspectiveTransform(corners, np.linalg.inv(m))[0]
        return (max(0.0, float(pts[:, 0].min())), max(0.0, float(pts[:, 1].min())),
                min(float(sw), float(pts[:, 0].max())), min(float(sh), float(pts[:, 1].max())))


# --- 1. preparing the picture -------------------------------------------------------------


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 = ink) by a local-mean threshold, which copes with uneven scan light
    and gray table rulings alike."""
    block = max(15, (min(gray.shape) // 40) | 1)
    block = min(block, 51)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)


def text_height(ink: np.ndarray) -> float:
    """The usual glyph height: the 80th percentile of blob heights, lines and specks left out.

    Chinese glyphs split into several blobs (radicals), hence a high percentile."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return 20.0
    w, h, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    ok = (h >= 6) & (h <= 150) & (w <= 3 * h) & (w * 4 >= h) & (area >= 12)
    hs = h[ok]
    if len(hs) < 5:
        return 20.0
    return float(max(8.0, np.percentile(hs, 80)))


def _rotation_matrix(angle: float, src: tuple[int, int], dst: tuple[int, int]) -> np.ndarray:
    """Rotate about the centre of `src` (w, h) into a `dst` canvas of (w, h)."""
    m = cv2.getRotationMatrix2D((src[0] / 2, src[1] / 2), angle, 1.0)
    m[0, 2] += (dst[0] - src[0]) / 2
    m[1, 2] += (dst[1] - src[1]) / 2
    return m


def find_skew(ink: np.ndarray) -> float:
    """The rotation (degrees) that makes text rows and rulings horizontal.

    Projection-profile search: after the right rotation, the row sums of the ink are most
    peaked (rulings and text lines fall on few rows). Coarse steps of 0.25°, then 0.05°.
    """
    h, w = ink.shape
    scale = min(1.0, SKEW_WORK_SIDE / max(h, w))
    small = cv2.resize(ink, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA) \
        if scale < 1 else ink
    sh, sw = small.shape
    centre = (sw / 2, sh / 2)

    def score(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, a, 1.0)
        rot = cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(prof) ** 2))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    best = max(fine, key=score)
    if score(0.0) >= 0.98 * score(best):
        return 0.0  # level already: resampling artefacts favour a tiny turn
    return round(float(best), 2)


def find_shear(ink: np.ndarray) -> float:
    """How far (degrees) the vertical rulings lean once the rows are level: the shear that
    makes the column sums of the ink most peaked. A photo taken at a slant, or a page that
    lay crooked under a phone, leans its verticals differently from its rows; a global
    rotation then leaves them slanted, and line masks lose them. Coarse 0.5° steps, then 0.1°."""
    h, w = ink.shape
    scale = min(1.0, SKEW_WORK_SIDE / max(h, w))
    small = cv2.resize(ink, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA) \
        if scale < 1 else ink
    sh, sw = small.shape

    def score(a: float) -> float:
        m = _shear_matrix(a, sh)
        out = cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = out.sum(axis=0, dtype=np.float64)
        return float(np.sum(np.diff(prof) ** 2))

    coarse = np.arange(-MAX_SHEAR, MAX_SHEAR + 1e-9, 0.5)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.4, best + 0.4 + 1e-9, 0.1)
    best = max(fine, key=score)
    if score(0.0) >= 0.98 * score(best):
        return 0.0
    return round(float(best), 2)


def _shear_matrix(angle: float, height: float) -> np.ndarray:
    """x' = x + tan(angle)·(y − height/2): verticals leaning by `angle` made upright."""
    t = math.tan(math.radians(angle))
    return np.array([[1.0, t, -t * height / 2], [0.0, 1.0, 0.0]])


def _h3(m: np.ndarray) -> np.ndarray:
    """A 2×3 affine map as a 3×3 homography."""
    return np.vstack([m, [0.0, 0.0, 1.0]]) if m.shape[0] == 2 else m


def _line_through(seg) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = (float(v) for v in seg)
    p = np.array([x0, y0])
    d = np.array([x1 - x0, y1 - y0])
    return p, d / (np.linalg.norm(d) or 1.0)


def _cross(a, b) -> np.ndarray | None:
    (p, d), (q, e) = a, b
    m = np.array([d, -e]).T
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    t = np.linalg.solve(m, q - p)[0]
    return p + t * d


def find_outline(ink: np.ndarray) -> np.ndarray | None:
    """The four corners (tl, tr, br, bl) of the table's outline when its borders converge
    (a phone photo taken at a slant), else None.

    The outermost long lines either way (probabilistic Hough on a reduced copy: a border
    can be broken, faint, or a little curved) are extended and intersected; a table whose
    opposite borders are parallel within PERSPECTIVE_MIN degrees is left alone."""
    h, w = ink.shape
    scale = min(1.0, SKEW_WORK_SIDE / max(h, w))
    small = cv2.resize(ink, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA) \
        if scale < 1 else ink
    small = (small > 64).astype(np.uint8) * 255
    sh, sw = small.shape
    # only line-like ink goes to the Hough transform (its cost grows with the pixels it
    # votes for): short openings either way drop the text, keep a border a few degrees off
    k = max(9, min(sw, sh) // 40)
    lines = cv2.bitwise_or(cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))),
                           cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k))))
    found = cv2.HoughLinesP(lines, 1, np.pi / 360, threshold=max(30, int(0.2 * min(sw, sh))),
                            minLineLength=int(0.3 * min(sw, sh)), maxLineGap=max(3, int(0.02 * max(sw, sh))))
    if found is None:
        return None
    hs, vs = [], []
    for x0, y0, x1, y1 in found.reshape(-1, 4).astype(float):
        ang = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 180
        length = math.hypot(x1 - x0, y1 - y0)
        if min(ang, 180 - ang) <= 8 and length >= 0.4 * sw:
            hs.append((x0, y0, x1, y1))
        elif abs(ang - 90) <= 8 and length >= 0.4 * sh:
            vs.append((x0, y0, x1, y1))
    if len(hs) < 2 or len(vs) < 2:
        return None
    # the table's borders, not the edge of a shadow or of the paper: verticals that lie
    # within the horizontals' reach, horizontals within the verticals' reach
    slack = 0.03 * max(sw, sh)
    x_lo, x_hi = min(min(s[0], s[2]) for s in hs) - slack, max(max(s[0], s[2]) for s in hs) + slack
    y_lo, y_hi = min(min(s[1], s[3]) for s in vs) - slack, max(max(s[1], s[3]) for s in vs) + slack
    vs = [s for s in vs if x_lo <= min(s[0], s[2]) and max(s[0], s[2]) <= x_hi]
    hs = [s for s in hs if y_lo <= min(s[1], s[3]) and max(s[1], s[3]) <= y_hi]
    if len(hs) < 2 or len(vs) < 2:
        return None
    top = min(hs, key=lambda s: s[1] + s[3])
    bottom = max(hs, key=lambda s: s[1] + s[3])
    left = min(vs, key=lambda s: s[0] + s[2])
    right = max(vs, key=lambda s: s[0] + s[2])
    if (bottom[1] + bottom[3]) - (top[1] + top[3]) < 0.3 * sh or (right[0] + right[2]) - (left[0] + left[2]) < 0.3 * sw:
        return None

    def angle(seg) -> float:
        x0, y0, x1, y1 = seg if seg[2] >= seg[0] else (seg[2], seg[3], seg[0], seg[1])
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    def vangle(seg) -> float:
        x0, y0, x1, y1 = seg if seg[3] >= seg[1] else (seg[2], seg[3], seg[0], seg[1])
        return math.degrees(math.atan2(x1 - x0, y1 - y0))

    if abs(angle(top) - angle(bottom)) < PERSPECTIVE_MIN and abs(vangle(left) - vangle(right)) < PERSPECTIVE_MIN:
        return None
    lines = [_line_through(s) for s in (top, right, bottom, left)]
    corners = [_cross(lines[0], lines[3]), _cross(lines[0], lines[1]), _cross(lines[2], lines[1]),
               _cross(lines[2], lines[3])]
    if any(c is None for c in corners):
        return None
    return np.array(corners, np.float64) / scale


def _paper(image: np.ndarray) -> tuple[float, ...]:
    """The colour at the picture's edge (median of its outermost pixels): what a turned
    picture's new corners are filled with, so that they make no edge against gray paper."""
    ring = np.concatenate([image[:2].reshape(-1, image.shape[2]), image[-2:].reshape(-1, image.shape[2]),
                           image[:, :2].reshape(-1, image.shape[2]), image[:, -2:].reshape(-1, image.shape[2])])
    return tuple(float(v) for v in np.median(ring, axis=0))


def rectify(image: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picture warped so that the outline `corners` becomes an upright rectangle (the
    whole picture comes along, on a canvas that holds it). Returns (picture, 3×3 map)."""
    tl, tr, br, bl = corners
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    dst = np.array([tl, tl + [width, 0], tl + [width, height], tl + [0, height]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    h, w = image.shape[:2]
    box = cv2.perspectiveTransform(np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float64), m)[0]
    lo = np.floor(box.min(axis=0))
    shift = np.array([[1, 0, -lo[0]], [0, 1, -lo[1]], [0, 0, 1]], np.float64)
    m = shift @ m
    size = np.ceil(box.max(axis=0) - lo).astype(int)
    size = np.minimum(size, [2 * w + 16, 2 * h + 16])
    out = cv2.warpPerspective(image, m, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    return out, m


def warp_on_paper(image: np.ndarray, m: np.ndarray, size: tuple[int, int], paper, text_h: float) -> np.ndarray:
    """The picture warped by the 2×3 map `m` onto a canvas of `size`, the new corners filled
    with the paper as it is next to them: its brightness (a max filter wider than any
    stroke, so no text or ruling) carried outwards. One paper colour for all corners makes
    an edge where a photo's light falls off, and the edge is taken for the table's border
    (the outline then rectifies the table askew); the replicated picture itself would carry
    a ruling on its edge outwards as a band."""
    out = cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR, borderValue=paper)
    inside = cv2.warpAffine(np.full(image.shape[:2], 255, np.uint8), m, size, flags=cv2.INTER_NEAREST,
                            borderValue=0)
    if inside.all():
        return out
    k = max(5, int(text_h) | 1)
    bg = cv2.dilate(image, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.warpAffine(bg, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # the warp's own edge pixels blend with the constant fill: take those from bg as well
    outside = cv2.erode(inside, np.ones((3, 3), np.uint8)) == 0
    out[outside] = bg[outside]
    return out


def rotate(image: np.ndarray, angle: float, border) -> np.ndarray:
    """The picture rotated by `angle` degrees on a canvas large enough to keep every pixel."""
    h, w = image.shape[:2]
    r = math.radians(abs(angle))
    nw, nh = int(math.ceil(w * math.cos(r) + h * math.sin(r))), int(math.ceil(h * math.cos(r) + w * math.sin(r)))
    m = _rotation_matrix(angle, (w, h), (nw, nh))
    return cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border)


def prepare(image: np.ndarray) -> PageScan:
    """Gray, ink, text height and skew of a BGR picture; the picture deskewed."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    ink = binarize(gray)
    matrix = None
    small_text = text_height(ink)
    if small_text < UPSCALE_BELOW:
        # a picture at 80–100 dpi (pasted into a DOCX or a web page): its rulings are under
        # a pixel wide and its glyphs 11–13 px high; drawn larger, lines and strokes survive
        # the binarisation and the line masks
        k = min(MAX_UPSCALE, UPSCALE_TO / small_text)
        image = cv2.resize(image, (int(round(w * k)), int(round(h * k))), interpolation=cv2.INTER_CUBIC)
        matrix = np.diag([k, k, 1.0])
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        ink = binarize(gray)
    angle = find_skew(ink)
    paper = _paper(image)
    if abs(angle) >= SKEW_MIN:
        h0, w0 = image.shape[:2]
        r = math.radians(abs(angle))
        nw = int(math.ceil(w0 * math.cos(r) + h0 * math.sin(r)))
        nh = int(math.ceil(h0 * math.cos(r) + w0 * math.sin(r)))
        rot = _rotation_matrix(angle, (w0, h0), (nw, nh))
        matrix = _h3(rot) if matrix is None else _h3(rot) @ matrix
        image = warp_on_paper(image, rot, (nw, nh), paper, small_text)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        ink = binarize(gray)
    else:
        angle = 0.0
    shear = find_shear(ink)
    if abs(shear) >= SKEW_MIN:
        hh, ww = ink.shape
        m = _shear_matrix(shear, hh)
        grow = int(math.ceil(abs(m[0, 1]) * hh / 2)) + 1  # the canvas widens by the lean
        m[0, 2] += grow
        matrix = _h3(m) if matrix is None else _h3(m) @ matrix
        image = warp_on_paper(image, m, (ww + 2 * grow, hh), paper, small_text)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        ink = binarize(gray)
    else:
        shear = 0.0
    rectified = False
    corners = find_outline(ink)
    if corners is not None:
        image, m = rectify(image, corners)
        matrix = m if matrix is None else m @ matrix
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        ink = binarize(gray)
        rectified = True
    return PageScan(source_size=(w, h), angle=angle, image=image, gray=gray, ink=ink, text_h=text_height(ink),
                    shear=shear, matrix=matrix, rectified=rectified)


# --- 2. ruling lines ----------------------------------------------------------------------


def ruling_masks(ink: np.ndarray, text_h: float) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) line masks: a short close bridges dotted or broken lines, an
    opening longer than any glyph stroke keeps only lines."""
    hk = max(15, int(H_KERNEL * text_h))
    vk = max(10, int(V_KERNEL * text_h))
    gap = max(2, int(round(text_h / 12)))
    h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return h, v


def paper_level(gray: np.ndarray, text_h: float) -> np.ndarray:
    """The paper's brightness around each pixel: the brightest pixel within about a text
    height, smoothed. Unlike a local mean it is not pulled down by text set tight against a
    ruling, and it follows a photo's uneven light."""
    k = max(5, int(text_h) | 1)
    bright = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.blur(bright, (k, k))


def faint_rulings(gray: np.ndarray, ink: np.ndarray, h_mask: np.ndarray, v_mask: np.ndarray,
                  text_h: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(horizontal, vertical) line masks of light rulings (gray 185 printed, or a hair line
    averaged away by a 120-dpi scan, then JPEG), which `binarize`'s local-mean threshold
    loses wherever text sits close: the rulings break into pieces that end on nothing, and
    whole rows or columns vanish.

    The rulings already found tell how dark rulings are on this picture (their contrast
    below the paper); every pixel at least FAINT_SHARE that dark, and darker than the paper's
    noise, is ink for a second line search. Its lines are kept only where they look like
    those rulings (`_ruling_like`): unbroken, and no darker. None when the rulings found are dark
    (`binarize` has them) or too few to measure."""
    lines = (h_mask > 0) | (v_mask > 0)
    if lines.sum() < 4 * text_h:
        return None
    paper = paper_level(gray, text_h).astype(np.int16)
    dark = np.clip(paper - gray.astype(np.int16), 0, 255).astype(np.uint8)
    contrast = float(np.median(dark[lines]))
    if contrast >= FAINT_CONTRAST:
        return None
    # light rulings are printed lighter than the text; rulings that are as dark as the text
    # are black ones under blur (a soft scan, a photo), where a lower threshold would take
    # the smeared text rows for rulings
    near_lines = cv2.dilate(lines.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    text = (ink > 0) & ~near_lines
    if not text.any() or contrast > FAINT_RATIO * float(np.percentile(dark[text], 75)):
        return None
    blank = (ink == 0) & ~lines
    if not blank.any():
        return None
    # averaged along each axis first: a light ruling is dark by a few levels only, and JPEG
    # dips some of its pixels under any threshold, which would break it into pieces. The
    # paper's noise (measured unaveraged: averaged, the blank pixels next to text take on
    # the text's darkness) drops by √k in the average.
    k = max(3, int(text_h / 3))
    noise = float(np.percentile(dark[blank], 90)) / 1.28  # about one sigma
    t = max(FAINT_FLOOR, FAINT_SHARE * contrast, FAINT_NOISE * noise / math.sqrt(k))
    if t >= contrast:
        return None  # the rulings are no darker than the noise: nothing to gain
    masks = []
    for axis, size in (("h", (k, 1)), ("v", (1, k))):
        smooth = cv2.blur(dark, size)
        m = ruling_masks(((smooth >= t) * 255).astype(np.uint8), text_h)[0 if axis == "h" else 1]
        masks.append(_ruling_like(m, dark, axis, t / 2, FAINT_TEXT * contrast))
    return masks[0], masks[1]


def _ruling_like(mask: np.ndarray, dark: np.ndarray, axis: str, lo: float, hi: float) -> np.ndarray:
    """The lines of `mask` that look like a light ruling along their whole length: at
    FAINT_COVER of their positions along the line some pixel across it is at least `lo`
    dark (a line of text, smeared into a line by the averaging, has gaps between its
    strokes), and the median of those darkest pixels is at most `hi` (text is black, these
    rulings are not; the median, because glyphs set tight against a ruling touch it)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = np.zeros_like(mask)
    for k in range(1, n):
        x, y, w, h, _a = stats[k]
        own = labels[y:y + h, x:x + w] == k
        d = np.where(own, dark[y:y + h, x:x + w], 0)
        along = d.max(axis=0 if axis == "h" else 1)
        if (along >= lo).mean() >= FAINT_COVER and np.median(along) <= hi:
            out[y:y + h, x:x + w][own] = 255
    return out


def mask_to_segments(mask: np.ndarray, axis: str, max_thickness: int) -> list[Segment]:
    """Each connected line of a mask as a Segment; blobs thicker than a line are dropped
    (a filled header band or a photo is not a ruling)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for x, y, w, h, _a in stats[1:]:
        thick = h if axis == "h" else w
        if thick > max_thickness:
            continue
        out.append(Segment(int(x), int(y), int(x + w), int(y + h), axis))
    return out


def join_collinear(segs: list[Segment], tol: int, max_gap: int) -> list[Segment]:
    """Pieces of one ruling joined: same axis, positions within `tol`, overlapping or apart by
    at most `max_gap`. A light ruling breaks where JPEG or a touching glyph eats a few
    pixels of it, or steps by a pixel where a small leftover skew crosses a pixel row; its
    pieces each end on nothing and would all be dropped as unanchored."""
    out: list[Segment] = []
    for s in sorted(segs, key=lambda s: (round(s.pos / max(1, tol)), s.start)):
        for i, o in enumerate(out):
            if abs(o.pos - s.pos) <= tol and s.start - o.end <= max_gap and o.start - s.end <= max_gap:
                out[i] = Segment(min(o.x0, s.x0), min(o.top, s.top), max(o.x1, s.x1), max(o.bottom, s.bottom), o.axis)
                break
        else:
            out.append(s)
    return out


def _touches(mask: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> bool:
    h, w = mask.shape
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    return x1 > x0 and y1 > y0 and bool(mask[y0:y1, x0:x1].any())


def trim_overhang(s: Segment, cross: np.ndarray, tol: int, overhang: int) -> Segment:
    """The segment cut back to the outermost perpendicular lines it crosses, where it runs
    past them by at most `overhang` pixels: a glyph stroke touching a ruling (text set tight
    against the border, at 100–150 dpi) continues the ruling in the line mask, and the
    ruling's end would no longer touch the line it ends on."""
    h, w = cross.shape
    if s.axis == "v":
        band = cross[max(0, s.top - tol):min(h, s.bottom + tol), max(0, s.x0 - tol):min(w, s.x1 + tol)]
        hits = np.flatnonzero(band.any(axis=1)) + max(0, s.top - tol)
    else:
        band = cross[max(0, s.top - tol):min(h, s.bottom + tol), max(0, s.x0 - tol):min(w, s.x1 + tol)]
        hits = np.flatnonzero(band.any(axis=0)) + max(0, s.x0 - tol)
    if len(hits) == 0:
        return s
    first, last = int(hits[0]), int(hits[-1]) + 1
    start, end = s.start, s.end
    if 0 < first - start <= overhang:
        start = first
    if 0 < end - last <= overhang:
        end = last
    if (start, end) == (s.start, s.end) or end - start < 2 * tol:
        return s
    if s.axis == "v":
        return Segment(s.x0, start, s.x1, end, "v")
    return Segment(start, s.top, end, s.bottom, "h")


def reach_lines(s: Segment, cross: np.ndarray, tol: int, reach: int) -> Segment:
    """The segment's ends carried on to the perpendicular line just beyond them, where that
    line is at most `reach` pixels away: a light or hair-line ruling fades out a few pixels
    before the line it ends on (a 120-dpi scan averages it with the paper, JPEG takes the
    rest), and an end that touches nothing would drop the ruling."""
    h, w = cross.shape
    if s.axis == "v":
        x0, x1 = max(0, s.x0 - tol), min(w, s.x1 + tol)
        before = np.flatnonzero(cross[max(0, s.top - reach):s.top, x0:x1].any(axis=1))
        after = np.flatnonzero(cross[s.bottom:min(h, s.bottom + reach), x0:x1].any(axis=1))
        top = s.top - reach + int(before[-1]) if len(before) and s.top >= reach else s.top
        bottom = s.bottom + int(after[0]) + 1 if len(after) else s.bottom
        return Segment(s.x0, min(top, s.top), s.x1, max(bottom, s.bottom), "v")
    y0, y1 = max(0, s.top - tol), min(h, s.bottom + tol)
    before = np.flatnonzero(cross[y0:y1, max(0, s.x0 - reach):s.x0].any(axis=0))
    after = np.flatnonzero(cross[y0:y1, s.x1:min(w, s.x1 + reach)].any(axis=0))
    x0 = s.x0 - reach + int(before[-1]) if len(before) and s.x0 >= reach else s.x0
    x1 = s.x1 + int(after[0]) + 1 if len(after) else s.x1
    return Segment(min(x0, s.x0), s.top, max(x1, s.x1), s.bottom, "h")


def anchored_segments(h_lines: list[Segment], v_lines: list[Segment], h_mask: np.ndarray, v_mask: np.ndarray,
                      tol: int, overhang: int = 0, reach: int = 0) -> tuple[list[Segment], list[Segment]]:
    """The lines that are rulings: both ends touch a perpendicular line, or the line is
    long (a share of the longest line on the picture: tables with open outer borders).
    Ends that run past their last crossing by at most `overhang` (a glyph touching the
    ruling) are cut back first (`trim_overhang`); ends that stop short of a line by at most
    `reach` are carried on to it (`reach_lines`), if the line is 5 × `reach` long."""
    longest_h = max((s.length for s in h_lines), default=0)
    longest_v = max((s.length for s in v_lines), default=0)
    h_lines = [trim_overhang(s, v_mask, tol, overhang) for s in h_lines]
    v_lines = [trim_overhang(s, h_mask, tol, overhang) for s in v_lines]
    if reach > tol:
        # only lines longer than a glyph stroke can be (a stroke of a tall glyph in a row
        # set tight between two rulings would otherwise reach both)
        h_lines = [reach_lines(s, v_mask, tol, reach) if s.length >= 5 * reach else s for s in h_lines]
        v_lines = [reach_lines(s, h_mask, tol, reach) if s.length >= 5 * reach else s for s in v_lines]

    def keep_h(s: Segment) -> bool:
        if s.length >= LONG_LINE * longest_h and s.length >= 8 * tol:
            return True
        left = _touches(v_mask, s.x0 - tol, s.top - tol, s.x0 + tol, s.bottom + tol)
        right = _touches(v_mask, s.x1 - tol, s.top - tol, s.x1 + tol, s.bottom + tol)
        return left and right

    def keep_v(s: Segment) -> bool:
        if s.length >= LONG_LINE * longest_v and s.length >= 8 * tol:
            return True
        top = _touches(h_mask, s.x0 - tol, s.top - tol, s.x1 + tol, s.top + tol)
        bottom = _touches(h_mask, s.x0 - tol, s.bottom - tol, s.x1 + tol, s.bottom + tol)
        return top and bottom

    return [s for s in h_lines if keep_h(s)], [s for s in v_lines if keep_v(s)]


def segments_to_regions(h: list[Segment], v: list[Segment], shape: tuple[int, int], tol: int) -> list[PixelBox]:
    """Groups of crossing rulings, one bounding box each, top to bottom: the tables."""
    mask = np.zeros(shape, np.uint8)
    for s in h + v:
        cv2.rectangle(mask, (s.x0 - tol, s.top - tol), (s.x1 + tol, s.bottom + tol), 255, -1)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for x, y, w, hh, _a in stats[1:]:
        box = (int(x + tol), int(y + tol), int(x + w - tol), int(y + hh - tol))
        n_h = len(cluster_positions([s.pos for s in h if _inside(s, box)], tol))
        n_v = len(cluster_positions([s.pos for s in v if _inside(s, box)], tol))
        if n_h >= MIN_TABLE_LINES and n_v >= MIN_TABLE_LINES:
            out.append(box)
    return sorted(out, key=lambda b: (b[1], b[0]))


def _inside(s: Segment, box: PixelBox, slack: int = 2) -> bool:
    return s.x0 >= box[0] - slack and s.x1 <= box[2] + slack and s.top >= box[1] - slack and s.bottom <= box[3] + slack


# --- 3. the grid --------------------------------------------------------------------------


def region_positions(h: list[Segment], v: list[Segment], box: PixelBox, tol: int) -> tuple[list[int], list[int]]:
    """Row and column boundaries of one table: the clustered positions of its rulings, plus
    the outline where an outer border is not drawn (lines that run on past the last
    perpendicular line mark an open side)."""
    rows = cluster_positions([s.pos for s in h], tol)
    cols = cluster_positions([s.pos for s in v], tol)
    x0, y0, x1, y1 = box
    open_side = 3 * tol
    if cols and cols[0] - x0 > open_side:
        cols.insert(0, float(x0))
    if cols and x1 - cols[-1] > open_side:
        cols.append(float(x1))
    if rows and rows[0] - y0 > open_side:
        rows.insert(0, float(y0))
    if rows and y1 - rows[-1] > open_side:
        rows.append(float(y1))
    return [int(round(r)) for r in rows], [int(round(c)) for c in cols]


def _coverage(mask: np.ndarray, axis: str, pos: int, a: int, b: int, tol: int) -> float:
    """Share of the border at `pos` between `a` and `b` (its middle 60%) that is drawn."""
    span = b - a
    a, b = int(a + 0.2 * span), int(b - 0.2 * span)
    if b <= a:
        return 1.0
    if axis == "v":  # a vertical border at x = pos, from y = a to b
        band = mask[a:b, max(0, pos - tol): pos + tol + 1]
        drawn = band.any(axis=1)
    else:
        band = mask[max(0, pos - tol): pos + tol + 1, a:b]
        drawn = band.any(axis=0)
    return float(drawn.mean()) if drawn.size else 0.0


def positions_to_cells(rows: list[int], cols: list[int], h_mask: np.ndarray, v_mask: np.ndarray,
                       tol: int) -> list[GridCell]:
    """Atomic cells between the boundaries, merged with a neighbour wherever the border
    between them is mostly missing; each merged group becomes one cell with spans."""
    nr, nc = len(rows) - 1, len(cols) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and _coverage(v_mask, "v", cols[c + 1], rows[r], rows[r + 1], tol) < BORDER_COVERAGE:
                union(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and _coverage(h_mask, "h", rows[r + 1], cols[c], cols[c + 1], tol) < BORDER_COVERAGE:
                union(r * nc + c, (r + 1) * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    taken: set[tuple[int, int]] = set()
    out = []
    for members in sorted(groups.values(), key=lambda m: min(m)):
        r0, r1 = min(r for r, _ in members), max(r for r, _ in members)
        c0, c1 = min(c for _, c in members), max(c for _, c in members)
        area = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if len(area) != len(members) or area & taken:
            # not a rectangle (a broken border): keep its atomic cells apart
            pieces = [(r, c, r, c) for r, c in members if (r, c) not in taken]
        else:
            pieces = [(r0, c0, r1, c1)]
        for a, b, e, f in pieces:
            taken.update((r, c) for r in range(a, e + 1) for c in range(b, f + 1))
            out.append(GridCell(a, b, e - a + 1, f - b + 1, (cols[b], rows[a], cols[f + 1], rows[e + 1])))
    out.sort(key=lambda c: (c.row, c.col))
    return out


def short_rulings(rows: list[int], cols: list[int], ink: np.ndarray, h_kept: np.ndarray, tol: int,
                  text_h: float) -> list[Segment]:
    """Row borders across a column too narrow for the line opening to see (an empty spacer
    column, narrower than `H_KERNEL` text heights): ink on a row boundary that runs, one
    ruling thick, from the column's left ruling to its right one. Missed, the two cells
    merge and the stub is read as text ("_"). A glyph's stroke is no such bar: it does not
    reach both rulings of a column at least a glyph wide, nor lie on a row boundary."""
    out = []
    thick = max(3, int(round(text_h / 6)))
    for c in range(len(cols) - 1):
        a, b = cols[c], cols[c + 1]
        if b - a >= H_KERNEL * text_h or b - a < 1.2 * text_h:
            continue
        for y in rows[1:-1]:
            if _coverage(h_kept, "h", y, a, b, tol) >= BORDER_COVERAGE:
                continue
            band = ink[max(0, y - tol): y + tol + 1, a: b + 1] > 0
            if band.size == 0:
                continue
            full = np.flatnonzero(band.mean(axis=1) >= 0.95)
            if len(full) == 0 or full[-1] - full[0] + 1 > thick:
                continue
            top = max(0, y - tol) + int(full[0])
            out.append(Segment(a, top, b, top + int(full[-1] - full[0]) + 1, "h"))
    return out


def find_grids(scan: PageScan) -> PageScan:
    """Every ruled table on the picture, with all intermediates kept on `scan`."""
    tol = scan.tol
    scan.h_mask, scan.v_mask = ruling_masks(scan.ink, scan.text_h)
    faint = faint_rulings(scan.gray, scan.ink, scan.h_mask, scan.v_mask, scan.text_h)
    if faint is not None:
        scan.h_mask, scan.v_mask = scan.h_mask | faint[0], scan.v_mask | faint[1]
    thick = max(4, int(scan.text_h / 2))
    gap = int(JOIN_GAP * scan.text_h)
    scan.h_lines = join_collinear(mask_to_segments(scan.h_mask, "h", thick), tol, gap)
    scan.v_lines = join_collinear(mask_to_segments(scan.v_mask, "v", thick), tol, gap)
    scan.h_kept, scan.v_kept = anchored_segments(scan.h_lines, scan.v_lines, scan.h_mask, scan.v_mask, tol,
                                                 overhang=int(OVERHANG * scan.text_h),
                                                 reach=int(REACH * scan.text_h) if faint is not None else 0)
    scan.regions = segments_to_regions(scan.h_kept, scan.v_kept, scan.ink.shape, tol)
    h_kept = np.zeros(scan.ink.shape, np.uint8)
    v_kept = np.zeros(scan.ink.shape, np.uint8)
    for s in scan.h_kept:
        h_kept[s.top:s.bottom, s.x0:s.x1] = 255
    for s in scan.v_kept:
        v_kept[s.top:s.bottom, s.x0:s.x1] = 255
    scan.grids = []
    for box in scan.regions:
        h = [s for s in scan.h_kept if _inside(s, box)]
        v = [s for s in scan.v_kept if _inside(s, box)]
        rows, cols = region_positions(h, v, box, tol)
        if len(rows) < 2 or len(cols) < 2:
            continue
        for s in short_rulings(rows, cols, scan.ink, h_kept, tol, scan.text_h):
            scan.h_kept.append(s)
            h_kept[s.top:s.bottom, s.x0:s.x1] = 255
        cells = positions_to_cells(rows, cols, h_kept, v_kept, tol)
        scan.grids.append(TableGrid(bbox=(cols[0], rows[0], cols[-1], rows[-1]), rows=rows, cols=cols, cells=cells))
    return scan


# --- debugging ----------------------------------------------------------------------------


def draw_debug(scan: PageScan) -> np.ndarray:
    """The deskewed picture with candidate lines (gray), kept rulings (blue), table regions
    (green) and cells (red) drawn on it: look at this when a grid comes out wrong."""
    out = scan.image.copy()
    for s in scan.h_lines + scan.v_lines:
        cv2.rectangle(out, (s.x0, s.top), (s.x1, s.bottom), (160, 160, 160), 1)
    for s in scan.h_kept + scan.v_kept:
        cv2.rectangle(out, (s.x0, s.top), (s.x1, s.bottom), (255, 0, 0), 2)
    for g in scan.grids:
        cv2.rectangle(out, g.bbox[:2], g.bbox[2:], (0, 200, 0), 3)
        for c in g.cells:
            x0, y0, x1, y1 = c.bbox
            cv2.rectangle(out, (x0 + 3, y0 + 3), (x1 - 3, y1 - 3), (0, 0, 255), 1)
    return out
