"""One OFD page's content (GB/T 33190 §9–§13) → glyphs, ruling segments and pictures, in mm.

What is read, and how its coordinates work: every graphic object has a `Boundary`
("x y w h", page millimetres, y downwards) whose top-left corner is the origin of the
object's own space, and an optional `CTM` ("a b c d e f") mapping object space into that
frame: page = (Boundary.x, Boundary.y) + CTM · p.

- `TextObject`: `Size` (mm), `HScale`, `ReadDirection`/`CharDirection`; its `TextCode`s put
  their first glyph's baseline origin at (X, Y) and each next glyph `DeltaX`/`DeltaY` further,
  with "g N d" meaning N steps of d. A TextCode without X/Y continues where the last ended;
  steps missing from DeltaX use the font's nominal advance (an em for CJK, half for Latin).
- `PathObject`: `AbbreviatedData` in the compact path syntax — S/M move, L line, Q/B
  quadratic/cubic Bézier, A arc, C (and Z) close — stroked (`Stroke`, default true) and/or
  filled (`Fill`, default false) in `StrokeColor`/`FillColor`. Only straight segments can
  be table rulings; curves only move the pen.
- `ImageObject`: `ResourceID` of a `MultiMedia` resource, placed in its Boundary.
- `PageBlock` groups objects (no transform of its own); `CompositeObject` is not read.

Page templates (headers, watermarks) are not read: their content repeats on every page.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lxml import etree

from extractors.ofd_package import kid, kids, local
from extractors.pdf_lines import is_tight

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

DEFAULT_LINE_WIDTH = 0.353
"""mm; GB/T 33190's default `LineWidth`."""
AXIS_TOLERANCE = 0.2
"""mm a straight segment may lean and still be a horizontal/vertical ruling."""
THIN_FILL = 0.75
"""mm; a filled shape thinner than this is a ruling drawn as a fill."""
MAX_OBJECTS = 500_000
"""Objects one page may hold; more is a hostile or runaway file."""

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARGS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0, "Z": 0}


@dataclass
class Glyph:
    """One character at its baseline origin (page mm)."""

    text: str
    x: float
    y: float
    size: float
    width: float
    upright: bool = True


@dataclass
class Segment:
    """A straight piece of a visible path (page mm)."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Shape:
    """A visible path: its straight segments and its bounding box."""

    segments: list[Segment]
    bbox: tuple[float, float, float, float]
    stroked: bool
    filled: bool


@dataclass
class Picture:
    resource_id: str
    bbox: tuple[float, float, float, float]


@dataclass
class PageObjects:
    glyphs: list[Glyph] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    count: int = 0


# --- numbers and matrices ---------------------------------------------------------------


def numbers(text: str | None) -> list[float]:
    return [float(t) for t in _NUMBER.findall(text or "")]


def box(text: str | None) -> tuple[float, float, float, float] | None:
    """"x y w h" → (x, y, w, h), or None when absent or malformed."""
    v = numbers(text)
    return (v[0], v[1], v[2], v[3]) if len(v) >= 4 else None


def matrix(text: str | None) -> Matrix:
    v = numbers(text)
    return (v[0], v[1], v[2], v[3], v[4], v[5]) if len(v) >= 6 else IDENTITY


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def deltas(text: str | None) -> list[float]:
    """A DeltaX/DeltaY list with "g N d" repeats expanded."""
    out: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "g" and i + 2 < len(tokens):
            try:
                n, d = int(float(tokens[i + 1])), float(tokens[i + 2])
            except ValueError:
                break
            out.extend([d] * max(0, min(n, 100_000)))
            i += 3
            continue
        try:
            out.append(float(tok))
        except ValueError:
            break
        i += 1
    return out


# --- reading a page ---------------------------------------------------------------------


def read_objects(page: etree._Element) -> PageObjects:
    """All text, path and image objects of a page's content layers, in drawing order."""
    out = PageObjects()
    content = kid(page, "Content")
    if content is None:
        return out
    for layer in kids(content, "Layer"):
        _walk(layer, out)
    return out


def _walk(container: etree._Element, out: PageObjects) -> None:
    for el in container:
        out.count += 1
        if out.count > MAX_OBJECTS:
            raise ValueError(f"over {MAX_OBJECTS} objects on one page")
        name = local(el)
        if name == "TextObject":
            out.glyphs += text_glyphs(el)
        elif name == "PathObject":
            shape = path_shape(el)
            if shape is not None:
                out.shapes.append(shape)
        elif name == "ImageObject":
            b = box(el.get("Boundary"))
            if el.get("ResourceID") and b is not None:
                out.pictures.append(Picture(el.get("ResourceID"), (b[0], b[1], b[0] + b[2], b[1] + b[3])))
        elif name == "PageBlock":
            _walk(el, out)
        elif name == "CompositeObject":
            out.warnings.append("composite object not read")


def _frame(el: etree._Element) -> Matrix:
    """Object space → page: CTM, then the Boundary's origin."""
    b = box(el.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    a, bb, c, d, e, f = matrix(el.get("CTM"))
    return (a, bb, c, d, e + b[0], f + b[1])


def text_glyphs(obj: etree._Element) -> list[Glyph]:
    """A TextObject's characters with page positions (see the module docstring)."""
    frame = _frame(obj)
    a, b, c, d, _, _ = frame
    sx, sy = math.hypot(a, b) or 1.0, math.hypot(c, d) or 1.0
    size = (numbers(obj.get("Size")) or [3.5])[0]
    hscale = (numbers(obj.get("HScale")) or [1.0])[0] or 1.0
    upright = (obj.get("ReadDirection") in (None, "0") and obj.get("CharDirection") in (None, "0")
               and a > 0 and d > 0 and abs(b) <= 0.05 * a and abs(c) <= 0.05 * d)
    out: list[Glyph] = []
    pen_x, pen_y = 0.0, 0.0
    for code in kids(obj, "TextCode"):
        text = code.text or ""
        if not text:
            continue
        x = _float(code.get("X"), pen_x)
        y = _float(code.get("Y"), pen_y)
        dx, dy = deltas(code.get("DeltaX")), deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            advance = size * hscale * (1.0 if is_tight(ch) else 0.5)
            px, py = apply(frame, x, y)
            out.append(Glyph(ch, px, py, size * sy, advance * sx, upright))
            x += dx[i] if i < len(dx) else advance
            y += dy[i] if i < len(dy) else 0.0
        pen_x, pen_y = x, y
    return out


def _float(text: str | None, default: float) -> float:
    v = numbers(text)
    return v[0] if v else default


def path_shape(obj: etree._Element) -> Shape | None:
    """A PathObject's straight segments when it is visible (stroked or filled, not white)."""
    stroked = obj.get("Stroke", "true").strip().lower() != "false" and _visible(kid(obj, "StrokeColor"))
    filled = obj.get("Fill", "false").strip().lower() == "true" and _visible(kid(obj, "FillColor"))
    if obj.get("Visible", "true").strip().lower() == "false" or not (stroked or filled):
        return None
    data = kid(obj, "AbbreviatedData")
    if data is None or not (data.text or "").strip():
        return None
    segments, points = abbreviated_segments(data.text, _frame(obj))
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Shape(segments, (min(xs), min(ys), max(xs), max(ys)), stroked, filled)


def _visible(color: etree._Element | None) -> bool:
    """False for a white or fully transparent colour; an absent colour is black (visible)."""
    if color is None:
        return True
    if (numbers(color.get("Alpha")) or [255])[0] <= 0:
        return False
    v = numbers(color.get("Value"))
    if not v:
        return True
    if len(v) == 4:  # CMYK: white is no ink
        return not all(x <= 5 for x in v)
    return not all(x >= 250 for x in v)


def abbreviated_segments(data: str, frame: Matrix) -> tuple[list[Segment], list[tuple[float, float]]]:
    """AbbreviatedData → (straight segments, all points reached), in page coordinates.

    Numbers following a command's arguments repeat that command (as in SVG paths). An
    unknown command ends the path: what came before it is kept.
    """
    tokens = _TOKEN.findall(data)
    segments: list[Segment] = []
    points: list[tuple[float, float]] = []
    cur = start = None
    cmd = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok.upper()
            i += 1
            if cmd not in _ARGS:
                break
        elif cmd is None or _ARGS.get(cmd, 0) == 0:
            break
        elif cmd in ("S", "M"):  # extra pairs after a move are lines, as in SVG
            cmd = "L"
        n = _ARGS[cmd]
        args = tokens[i:i + n]
        if len(args) < n or any(t.isalpha() for t in args):
            break
        i += n
        vals = [float(t) for t in args]
        if cmd in ("C", "Z"):
            if cur is not None and start is not None and cur != start:
                segments.append(Segment(*cur, *start))
            cur = start
            continue
        end = apply(frame, vals[-2], vals[-1])
        points.append(end)
        if cmd in ("S", "M"):
            start = end
        elif cmd == "L" and cur is not None:
            segments.append(Segment(*cur, *end))
        cur = end
        if start is None:
            start = end
    return segments, points


# --- rulings ----------------------------------------------------------------------------


def rulings(shapes: list[Shape]) -> list[tuple[str, float, float, float]]:
    """Horizontal and vertical rulings as ("h", y, x0, x1) / ("v", x, y0, y1), in mm.

    Stroked paths give their axis-parallel straight segments; filled paths thinner than
    `THIN_FILL` (rulings drawn as thin rectangles) give one ruling along their middle. Filled
    areas that are not thin are shading, not rulings.
    """
    out: list[tuple[str, float, float, float]] = []
    for s in shapes:
        if s.stroked:
            for g in s.segments:
                if abs(g.y1 - g.y0) <= AXIS_TOLERANCE and abs(g.x1 - g.x0) > AXIS_TOLERANCE:
                    out.append(("h", (g.y0 + g.y1) / 2, min(g.x0, g.x1), max(g.x0, g.x1)))
                elif abs(g.x1 - g.x0) <= AXIS_TOLERANCE and abs(g.y1 - g.y0) > AXIS_TOLERANCE:
                    out.append(("v", (g.x0 + g.x1) / 2, min(g.y0, g.y1), max(g.y0, g.y1)))
        elif s.filled:
            x0, y0, x1, y1 = s.bbox
            w, h = x1 - x0, y1 - y0
            if h <= THIN_FILL < w:
                out.append(("h", (y0 + y1) / 2, x0, x1))
            elif w <= THIN_FILL < h:
                out.append(("v", (x0 + x1) / 2, y0, y1))
    return out
