"""Characters → lines → text, for the PDF extractor (page text and table cells alike).

pdfplumber gives one dict per glyph (`text`, `x0`, `top`, `x1`, `bottom`, `size`, `upright`).
Chinese reports place every glyph on its own, so the word-gap heuristics made for Latin text
put spaces inside CJK runs ("只计这一情 形") and leave wrapped labels broken over lines. The
functions here build lines from glyphs and text from lines with CJK in mind: no space between
two CJK glyphs ever, a space elsewhere only where the PDF prints one or leaves a real gap, and
wrapped CJK or digit runs re-joined without a line break ("商业\\n企业" → "商业企业",
"113\\n2" → "1132", a vertical "三\\n、\\n本…" → "三、本…").
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from core.document import BBox

SPACE_GAP = 0.25
"""A gap wider than this fraction of the font size between two non-CJK glyphs is a space."""

DUPLICATE_TOLERANCE = 1.0
"""Glyphs with the same text this close (points) are one glyph drawn twice (fake bold)."""

_TIGHT_RANGES = (
    (0x25A0, 0x25FF),  # geometric shapes, full width in Chinese faces: ○ (the zero of 二○二三), □, ■, ●
    (0x2E80, 0x2FFF),  # CJK radicals, Kangxi
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。〈〉《》「」【】
    (0x3040, 0x30FF),  # kana (the odd Japanese-flavoured font)
    (0x3100, 0x31FF),
    (0x3200, 0x33FF),  # enclosed CJK, compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms: （）：，０-９
    (0x20000, 0x3FFFF),
)
_TIGHT_EXTRA = set("“”‘’…—·★☆※")


def is_tight(ch: str) -> bool:
    """Whether a character is set solid in Chinese text (CJK, full-width, curly quotes)."""
    return bool(ch) and _tight(ch[0])


@lru_cache(maxsize=1 << 16)  # a report uses a few thousand characters; a hostile file may try them all
def _tight(c: str) -> bool:
    o = ord(c)
    return c in _TIGHT_EXTRA or any(lo <= o <= hi for lo, hi in _TIGHT_RANGES)


@lru_cache(maxsize=1 << 16)  # each distinct glyph text is judged once
def is_unmapped(text: str) -> bool:
    """Whether a glyph's text is not a real character: "(cid:123)", private use, U+FFFD, controls.

    These come from fonts without a usable ToUnicode map; the page then needs OCR.
    """
    if text.startswith("(cid:"):
        return True
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cs", "Cn") or ch == "\ufffd" or (cat == "Cc" and ch not in "\t\n\r"):
            return True
    return False


@dataclass
class Line:
    """Glyphs that share a baseline band, in reading order (left to right; for rotated text
    along the glyphs' advance, `vertical` set)."""

    chars: list[dict] = field(default_factory=list)
    vertical: bool = False

    @cached_property  # like `text`: asked for once the line is built, never before
    def bbox(self) -> BBox:
        cs = self.chars
        return (min([c["x0"] for c in cs]), min([c["top"] for c in cs]),
                max([c["x1"] for c in cs]), max([c["bottom"] for c in cs]))

    @cached_property
    def text(self) -> str:
        return chars_to_text(self.chars, self.vertical)


class Centres:
    """The middles of a page's glyphs, and the glyphs ordered by the height of theirs: the
    glyphs whose middles lie in a band of the page (a table) are a bisection away, instead
    of a pass over the whole page for every table."""

    def __init__(self, chars: list[dict]):
        self.x = [(c["x0"] + c["x1"]) / 2 for c in chars]
        self.y = [(c["top"] + c["bottom"]) / 2 for c in chars]
        self.by_height = sorted(range(len(chars)), key=self.y.__getitem__)
        self.heights = [self.y[i] for i in self.by_height]

    def within(self, box: BBox) -> list[int]:
        """Indices, in page order, of the glyphs whose middles lie in `box` (edges included)."""
        x0, top, x1, bottom = box
        lo, hi = bisect.bisect_left(self.heights, top), bisect.bisect_right(self.heights, bottom)
        xs = self.x
        return [i for i in sorted(self.by_height[lo:hi]) if x0 <= xs[i] <= x1]


def chars_to_lines(chars: list[dict]) -> list[Line]:
    """Group glyphs into lines, top to bottom.

    Glyphs are sorted by their vertical middle; a glyph joins the current line when its middle
    lies above the bottom of the line's first glyph, so digits in Times and CJK in 宋体 (whose
    boxes differ by a point) stay on one line while stacked vertical text (one glyph per line)
    splits. Rotated glyphs (`upright` False) form their own lines, ordered top to bottom.
    """
    if len(chars) == 1 and chars[0].get("upright", True):
        return [Line([chars[0]])]  # a table's lone "0": most of its cells
    rotated = [c for c in chars if not c.get("upright", True)]
    upright = [c for c in chars if c.get("upright", True)] if rotated else chars
    lines: list[Line] = []
    band_bottom = float("-inf")
    mids = [(c["top"] + c["bottom"]) / 2 for c in upright]
    for i in sorted(range(len(upright)), key=mids.__getitem__):  # by vertical middle, stable
        c = upright[i]
        if lines and mids[i] <= band_bottom:
            lines[-1].chars.append(c)
        else:
            lines.append(Line([c]))
            band_bottom = c["bottom"]
    for line in lines:
        line.chars = _dedupe(sorted(line.chars, key=lambda c: c["x0"]))
    if rotated:
        lines.extend(_rotated_lines(rotated))
        lines.sort(key=lambda ln: ln.bbox[1])
    return lines


def _rotated_lines(chars: list[dict]) -> list[Line]:
    """Rotated glyphs grouped by column (x), each column read along the glyphs' advance:
    upwards for text turned counter-clockwise, downwards for text turned clockwise."""
    cols: list[Line] = []
    for c in sorted(chars, key=lambda c: (c["x0"] + c["x1"]) / 2):
        mid = (c["x0"] + c["x1"]) / 2
        if cols and mid <= cols[-1].chars[0]["x1"]:
            cols[-1].chars.append(c)
        else:
            cols.append(Line([c], vertical=True))
    for col in cols:
        upwards = (col.chars[0].get("matrix") or (0, 1))[1] > 0
        col.chars = sorted(col.chars, key=lambda c: c["top"], reverse=upwards)
    return cols


def _dedupe(chars: list[dict]) -> list[dict]:
    """Drop a glyph drawn again on top of the previous one (WPS/Word fake bold, shadows)."""
    out: list[dict] = []
    for c in chars:
        if out and c["text"] == out[-1]["text"] and abs(c["x0"] - out[-1]["x0"]) <= DUPLICATE_TOLERANCE \
                and abs(c["top"] - out[-1]["top"]) <= DUPLICATE_TOLERANCE:
            continue
        out.append(c)
    return out


def chars_to_text(chars: list[dict], vertical: bool = False) -> str:
    """One line's glyphs (in reading order) → text, spacing CJK-aware.

    A space is kept where the PDF prints one or leaves a gap wider than `SPACE_GAP` × size,
    except between two CJK (tight) characters: justified Chinese text has wide gaps that are
    not spaces, and "总 计" must read "总计".
    """
    out: list[str] = []
    pending_space = False
    prev: dict | None = None
    prev_tight = False
    for c in chars:
        t = c["text"]
        if not t or t.isspace():
            pending_space = prev is not None
            continue
        tight = _tight(t[0])  # t is not empty: is_tight's own test spared, once per glyph
        if prev is not None and not (prev_tight and tight):
            size = min(prev.get("size") or 10.0, c.get("size") or 10.0)
            if vertical:
                gap = max(c["top"] - prev["bottom"], prev["top"] - c["bottom"])
            else:
                gap = c["x0"] - prev["x1"]
            if pending_space or gap > SPACE_GAP * size:
                out.append(" ")
        out.append(t)
        prev, prev_tight = c, (tight if len(t) == 1 else _tight(t[-1]))
        pending_space = False
    return "".join(out)


_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def join_lines(texts: list[str]) -> str:
    """Lines of one cell or paragraph → one string.

    Lines join without a break when the text wraps inside a CJK or numeric run (neither side of
    the join is a Latin letter): a wrapped label is one label, a number wrapped in a narrow
    column is one number. Between Latin words the break stays as "\\n".
    """
    out = ""
    for t in (t.strip() for t in texts):
        if not t:
            continue
        if out and (_LATIN.match(out[-1]) or _LATIN.match(t[0])):
            out += "\n"
        out += t
    return out


def lines_bbox(lines: list[Line]) -> BBox | None:
    """The box around some lines, or None for none."""
    if not lines:
        return None
    boxes = [ln.bbox for ln in lines]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
