"""How a cell's reading becomes its text: the rules read_grid (ruled tables) and the
borderless table's cells (`ocr.page`) decide by, apart from the recognition itself.

    fix_number(text)              O/o→0, l/I/|→1 inside an all-digit token — nothing else
    is_number(text), digit_like(text)
    cell_alternatives(lines)      the other numbers a doubtful number may be (the arithmetic
                                  chooses among them, `normalize.candidates`)
    leans / slash_shaped          a printed slash, not a 1 or a brush stroke read as 八
    wrapped_number(cell, ...)     one number wrapped over two lines of a narrow cell, in a
      one_line_number_rows(...)     row that has a number on one line elsewhere
    is_debris(text)               a lone letter where a number belongs
    numeric_lines(cells, texts)   the columns and rows of numbers

Kept apart from `ocr.read` (cropping, recognising) so that every path that reads a table
cell — a ruled grid, a table without rulings — applies one rule, not a copy of it.
"""
from __future__ import annotations

import itertools
import math
import re
from typing import Protocol

import numpy as np

from core.values import NULL_MARKERS

from .backends import DIGIT_SHAPES
from .grid import GridCell, PixelBox

FIX_PENALTY = 0.75
"""A number whose confusions were replaced after the fact (backends without character
probabilities) keeps this share of its score: below the normalizer's 0.8 low-confidence
line whatever the score, so such a cell is always reported."""

DEBRIS_DIGITS = 0.3
"""A letter in a column of numbers is taken as the digit it most resembles only if that digit
reading has at least this probability (then reported as doubtful); below, the cell is read
as empty."""
MAX_DOUBTFUL_DIGITS = 2
"""A number with more doubtful digits than this gets no alternatives: with every digit in
question, the arithmetic would be choosing a number, not a reading (and the combinations
grow as the product of the runners-up)."""

_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"})
_DIGITISH = re.compile(r"^[+-]?[0-9OolI|〇][0-9OolI|〇,]*(?:\.[0-9OolI|〇]+)?$")
_NUMBER = re.compile(r"^[+-]?\d[\d,]*(?:\.\d+)?$")
_DEBRIS = re.compile(r"^[A-Za-z]{1,3}$")


_DIGITLIKE = set("".join(DIGIT_SHAPES.values()))


def fix_number(text: str) -> tuple[str, bool]:
    """Undo the usual OCR confusions in a token that is otherwise a number: O/o/〇 → 0 and
    l/I/| → 1, only when every character is a digit or one of those (so "IO" → "10", but
    "lO年" or "No" stay as read). Returns (text, whether anything was changed)."""
    t = "".join(text.split())
    if not t or _NUMBER.match(t) or not _DIGITISH.match(t):
        return text, False
    fixed = t.translate(_CONFUSABLE)
    if not _NUMBER.match(fixed):
        return text, False
    return fixed, True


def is_number(text: str) -> bool:
    return bool(_NUMBER.match("".join(text.split())))


def digit_like(text: str) -> bool:
    """Only digits, their look-alikes (O, l, I, |) and number punctuation."""
    t = "".join(text.split())
    return bool(t) and all(c in _DIGITLIKE for c in t)


def cell_alternatives(lines: list[tuple[str, tuple[tuple[int, str], ...]]]) -> tuple[str, ...]:
    """The other numbers a cell may hold, from its lines' digit readings and their doubtful
    digits' runners-up (`Reading.digit_alts`): every combination of read and runner-up digits
    but the read one, each a well-formed number (no leading zero). () when no digit has a
    runner-up, or more than MAX_DOUBTFUL_DIGITS have."""
    read = "".join(d for d, _ in lines)
    choices: list[tuple[int, str]] = []
    offset = 0
    for digits, alts in lines:
        choices.extend((offset + pos, others) for pos, others in alts)
        offset += len(digits)
    if not choices or len(choices) > MAX_DOUBTFUL_DIGITS:
        return ()
    out = []
    for combo in itertools.product(*[read[pos] + others for pos, others in choices]):
        chars = list(read)
        for (pos, _), ch in zip(choices, combo):
            chars[pos] = ch
        text = "".join(chars)
        if text != read and is_number(text) and not _LEADING_ZERO.match(text):
            out.append(text)
    return tuple(out)


_LEADING_ZERO = re.compile(r"^[+-]?0\d")


DASH_LIKE = frozenset({"一", "ー", "－", "_", "＿", "__", "一一"})
"""What a lone dash in a cell of numbers comes back as: the ideograph for one (no cell of
numbers holds a Chinese numeral), the katakana long mark, an underscore."""


def glyph_pixels(ink: np.ndarray, boxes: list[PixelBox]) -> tuple[np.ndarray, np.ndarray] | None:
    """The ink pixels (x, y, in the box) of a cell that shows one glyph in one box; None for
    several boxes, or too few pixels (under 8) to tell a shape."""
    if len(boxes) != 1:
        return None
    x0, top, x1, bottom = boxes[0]
    ys, xs = np.nonzero(ink[top:bottom, x0:x1])
    return (xs, ys) if len(xs) >= 8 else None


def dash_shaped(ink: np.ndarray, boxes: list[PixelBox], text_h: float) -> bool:
    """Whether a one-glyph cell's ink is a dash: a stroke wider than it is high, and less than
    half a text height high. The recogniser reads a short printed "-" in a small JPEG as "1",
    with confidence up to 0.9; a 1 is always taller than wide, its foot and flag included,
    and as high as the text (so a scrap of ruling beside it cannot make it a dash). The extent
    is taken between the 2nd and 98th percentiles of the ink: a speck of noise does not count."""
    pixels = glyph_pixels(ink, boxes)
    if pixels is None:
        return False
    xs, ys = pixels
    (xa, xb), (ya, yb) = np.percentile(xs, (2, 98)), np.percentile(ys, (2, 98))
    return (xb - xa + 1) > (yb - ya + 1) and (yb - ya + 1) < 0.5 * text_h


SLASH_LEAN = 10.0
"""Degrees from the vertical: a "1" stands within 4° (its flag and foot included, sans and
serif), a "/" leans 17° in the same faces."""


def leans(ink: np.ndarray, boxes: list[PixelBox]) -> bool:
    """Whether the ink of a one-glyph cell leans like a slash: the principal axis of its
    pixels more than `SLASH_LEAN` from the vertical (the picture is already deskewed)."""
    pixels = glyph_pixels(ink, boxes)
    if pixels is None:
        return False
    xs, ys = pixels
    x, y = xs - xs.mean(), ys - ys.mean()
    cov = float((x * y).mean())
    if cov >= 0:
        # its top to the left ("\"): the flag of a "1" in a face with a long one (WenQuanYi
        # at 100 dpi leans 12°); a slash's top is to the right (rows count downwards)
        return False
    axis = 0.5 * math.degrees(math.atan2(2 * cov, float((x * x).mean() - (y * y).mean())))
    return 90 - abs(axis) > SLASH_LEAN


def slash_shaped(ink: np.ndarray, boxes: list[PixelBox], text_h: float) -> bool:
    """Whether a one-glyph cell's ink is a slash: as tall as text, no wider than high, and
    leaning right (`leans`)."""
    if len(boxes) != 1:
        return False
    x0, top, x1, bottom = boxes[0]
    return bottom - top >= 0.8 * text_h and x1 - x0 <= bottom - top and leans(ink, boxes)


_DIGITS = re.compile(r"\d+")

WRAP_FREE = 3.0
"""A wrapped number's first line fills its cell: the room left beside it is less than this
many of its digits (the digit that did not fit, and the cell's two margins, each at most a
digit wide — Word's 0.19 cm at 10.5 pt is about one digit)."""
WRAP_GAP = 1.2
"""The two lines of a wrapped number are one line pitch apart: the ink gap between them is
under this × text height (single spacing leaves about 0.7)."""


def wrapped_number(cell: GridCell, readings: list[DigitLine], boxes: list[PixelBox], text_h: float) -> bool:
    """Whether a one-row cell holds one number wrapped over two lines: both lines digits only,
    the first at least two digits and filling the cell's width (`WRAP_FREE`), the second no
    wider than the first, right under it (`WRAP_GAP`). The caller also requires a one-line
    number elsewhere in the row: two numbers stacked by a lost ruling show up in every column."""
    if cell.row_span != 1 or len(readings) != 2 or len(boxes) != 2:
        return False
    if not all(digit_like(r.text) for r in readings):
        return False  # "3（含转办1" over "(件)": a note, whatever digits its glyphs resemble
    first, second = (r.digits for r in readings)
    if not (_DIGITS.fullmatch(first) and _DIGITS.fullmatch(second)) or len(first) < 2 \
            or len(second) > len(first):
        return False
    (ax0, _, ax1, ab), (bx0, bt, bx1, _) = boxes
    pitch = (ax1 - ax0) / len(first)
    free = (cell.bbox[2] - cell.bbox[0]) - (ax1 - ax0)
    return free < WRAP_FREE * pitch and bx1 - bx0 <= ax1 - ax0 + 0.5 * pitch and 0 <= bt - ab < WRAP_GAP * text_h


class DigitLine(Protocol):
    """One recognised line of a cell: a recogniser's `Reading`, or a detected `read.TextLine`."""

    text: str
    digits: str  # the digit reading, which a line of any text has: only a digit-like text's counts


def one_line_number_rows(cells: list[GridCell], lines: dict[int, list[DigitLine]]) -> set[int]:
    """Grid rows where some one-row cell holds a number on one line (`lines`: cell index →
    its lines). `wrapped_number` joins two lines only in such a row: a row whose ruling below
    was lost, or two rows of a table without rulings, show two lines in every cell of numbers;
    a row with a wrapped number shows them only in its too narrow cells."""
    return {c.row for k, c in enumerate(cells) if c.row_span == 1 and len(lines.get(k, [])) == 1
            and digit_like(lines[k][0].text) and _DIGITS.fullmatch(lines[k][0].digits)}


def is_debris(text: str) -> bool:
    """One to three Latin letters (not a null marker such as "x"): what a recogniser makes of
    a stained digit or a speck."""
    t = "".join(text.split())
    return bool(_DEBRIS.match(t)) and t not in NULL_MARKERS


def numeric_lines(cells: list[GridCell], texts: dict[int, str]) -> tuple[set[int], set[int]]:
    """(columns, rows) of the grid in which most filled cells are digit-like: a column of
    table 三, or the one data row of table 四 under its fifteen headers."""
    by_col: dict[int, list[bool]] = {}
    by_row: dict[int, list[bool]] = {}
    for k, c in enumerate(cells):
        t = texts.get(k, "")
        if not t:
            continue
        if c.col_span == 1:
            by_col.setdefault(c.col, []).append(digit_like(t))
        if c.row_span == 1:
            by_row.setdefault(c.row, []).append(digit_like(t))

    def most(votes: dict[int, list[bool]], least: int) -> set[int]:
        return {k for k, v in votes.items() if len(v) >= least and sum(v) * 2 > len(v)}

    return most(by_col, 1), most(by_row, 3)
