"""One PDF page through PDFium: its glyphs, straight shapes and pictures, as the layout reads them.

PDFium parses a page in C in a millisecond or two; pdfminer's layout analysis of the same
page took a hundred. The layout (`extractors.layout`) needs little: each glyph's text and
box, the lines and rectangles (table rulings), where the pictures are. This module reads
exactly that through pypdfium2's raw API and hands it over in pdfplumber's shapes and
convention — points, origin at the top-left of the page as displayed — so the tolerances
tuned on pdfplumber apply unchanged:

    display_transform(page)   PDF user space → the displayed page (crop box, /Rotate)
    page_glyphs(textpage, t)  every real glyph: text, box, size, upright, matrix
    page_shapes(page, t)      paths split into subpaths → lines, rectangles, curves; pictures
    read_drawing(page, n)     all of it → `PageDrawing`

Glyph boxes run across the glyph's advance (PDFium's "loose" box; its ink where PDFium
stretches that box over letter spacing) and, up and down, the font size from `DESCENT` below
the baseline: pdfminer's box, with one descent for every font so that a row's digits and
its label sit in one band. Text objects PDFium cannot decode are counted (`unread_text`)
so that `extractors.pdf` can let pdfminer read that page.
Shapes are classified as pdfminer does: a subpath of two points (or three, back to the
first) is a line, five points closing an axis-aligned loop a rectangle, anything else a
curve; a closed subpath is closed back to its start first.
"""
from __future__ import annotations

import ctypes
import math
import threading
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from extractors.layout import PageDrawing
from extractors.rulings import is_white, shape_rulings

Matrix = tuple[float, float, float, float, float, float]
"""(a, b, c, d, e, f): x' = a·x + c·y + e, y' = b·x + d·y + f (PDF's row-vector convention)."""

MAX_OBJECTS = 500_000
"""Page objects (paths, pictures, forms, all nesting levels) one page may hold; a real page
has hundreds to a few thousand, a hostile one millions."""
MAX_FORM_DEPTH = 8
"""Form XObjects nest a level or two in real files; deeper is a loop or a bomb."""
SQUARE_TOLERANCE = 0.01
"""Points (pt) this close are one point: PDFium keeps coordinates in 32-bit floats, so a
rectangle's corners come back a few millionths apart after its matrix is applied."""


class TooManyObjects(ValueError):
    """A page with more than `MAX_OBJECTS` objects."""


# --- calls into PDFium ----------------------------------------------------------------------------


class Handle(ctypes.c_void_p):
    """A PDFium object (page object, path segment, font) as a bare call returns it: a ctypes
    value, not an int, so that it passes straight back into PDFium (an int would be passed as
    a 32-bit C int)."""


_BARE = {  # the functions the per-glyph and per-object loops call, and what each returns
    "FPDFText_IsGenerated": ctypes.c_int, "FPDFText_HasUnicodeMapError": ctypes.c_int,
    "FPDFText_GetLooseCharBox": ctypes.c_int, "FPDFText_GetCharBox": ctypes.c_int,
    "FPDFText_GetMatrix": ctypes.c_int, "FPDFText_GetFontSize": ctypes.c_double,
    "FPDFText_GetCharOrigin": ctypes.c_int,
    "FPDFPage_CountObjects": ctypes.c_int, "FPDFPage_GetObject": Handle,
    "FPDFFormObj_CountObjects": ctypes.c_int, "FPDFFormObj_GetObject": Handle,
    "FPDFPageObj_GetType": ctypes.c_int, "FPDFPageObj_GetMatrix": ctypes.c_int,
    "FPDFPageObj_GetStrokeColor": ctypes.c_int, "FPDFPageObj_GetFillColor": ctypes.c_int,
    "FPDFTextObj_GetFont": Handle, "FPDFTextObj_GetText": ctypes.c_ulong, "FPDFFont_GetIsEmbedded": ctypes.c_int,
    "FPDFPath_GetDrawMode": ctypes.c_int, "FPDFPath_CountSegments": ctypes.c_int,
    "FPDFPath_GetPathSegment": Handle, "FPDFPathSegment_GetPoint": ctypes.c_int,
    "FPDFPathSegment_GetType": ctypes.c_int, "FPDFPathSegment_GetClose": ctypes.c_int,
}


@cache
def bare() -> SimpleNamespace:
    """The PDFium functions of `_BARE` without pypdfium2's argument types.

    pypdfium2 declares every function's argument types, and ctypes then checks and converts
    each argument on every call: about 1 µs a call, which made these calls most of what a
    text page costs (a few per glyph, thousands of glyphs a page). The same function at the
    same address without declared arguments costs a third. The price: nothing is checked, so
    callers pass exactly what C expects — Python ints for ints, `ctypes.byref()` for out-
    parameters, pypdfium2's or `Handle` pointers for objects."""
    import pypdfium2.raw as raw

    calls = {}
    for name, restype in _BARE.items():
        typed = getattr(raw, name)
        fn = type(typed)(ctypes.cast(typed, ctypes.c_void_p).value)  # same library, same address
        fn.restype = restype
        calls[name] = fn
    return SimpleNamespace(**calls)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (apply m first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def display_transform(page) -> tuple[Matrix, float, float]:
    """The matrix from PDF user space (y up) to the displayed page (y down, origin at the
    crop box's top-left corner, turned by the page's /Rotate), and the displayed width and
    height."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation() % 360
    w, h = right - left, top - bottom
    if rotation == 90:    # turned clockwise: the bottom-left corner is now top-left
        return (0.0, 1.0, 1.0, 0.0, -bottom, -left), h, w
    if rotation == 180:
        return (-1.0, 0.0, 0.0, 1.0, right, -bottom), w, h
    if rotation == 270:
        return (0.0, -1.0, -1.0, 0.0, top, right), h, w
    return (1.0, 0.0, 0.0, -1.0, -left, top), w, h


# --- glyphs -------------------------------------------------------------------------------------


def page_glyphs(textpage, t: Matrix, width: float = math.inf, height: float = math.inf) -> list[dict]:
    """Every glyph the page prints (PDFium's inserted spaces and line breaks left out), but
    those whose middle lies off the `width` × `height` page (text clipped away is not read).

    A glyph PDFium cannot map to Unicode (a font without a usable ToUnicode map) comes back
    as U+FFFD, which the layout counts towards a garbled text layer. `upright` and `matrix`
    are in the displayed page's terms, y up as in PDF: (1, 0, 0, 1) is upright text, (0, 1,
    -1, 0) text turned a quarter counter-clockwise. A few calls into PDFium per glyph, no
    more: this loop is most of what reading a text page costs.
    """
    import pypdfium2.raw as raw

    tp = textpage.raw
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    text = page_text(textpage, n)
    pdfium = bare()
    is_generated, map_error = pdfium.FPDFText_IsGenerated, pdfium.FPDFText_HasUnicodeMapError
    loose_box, ink_box, get_matrix, font_size, origin = pdfium.FPDFText_GetLooseCharBox, pdfium.FPDFText_GetCharBox, \
        pdfium.FPDFText_GetMatrix, pdfium.FPDFText_GetFontSize, pdfium.FPDFText_GetCharOrigin
    byref = ctypes.byref
    rect, mx = raw.FS_RECTF(), raw.FS_MATRIX()
    rect_p, mx_p = byref(rect), byref(mx)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ox_p, oy_p = byref(ox), byref(oy)
    ink = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
    ink_p = [byref(v) for v in ink]
    ta, tb, tc, td, te, tf = t
    ra, rb, rc, rd = ta, -tb, tc, -td  # the display transform's turn alone, y kept up
    hypot = math.hypot
    stretched, descent = 2 * MAX_ADVANCE, DESCENT  # module constants read once, not per glyph
    run_key = None
    same_band = tb == 0 and tc == 0  # no quarter turn: the baseline runs along x
    band_top = band_bottom = math.nan
    has_origin = False
    em = 0.0
    a = b = c = d = scale = 0.0
    matrix = (a, b, c, d)
    upright = True
    out = []
    for i in range(n):
        ch = text[i]
        if ch in "\r\n" or (ch == " " and is_generated(tp, i) == 1):  # PDFium adds only these
            continue
        if map_error(tp, i) == 1:
            ch = "\ufffd"
        if not loose_box(tp, i, rect_p):
            continue
        left, right, top, bottom = rect.left, rect.right, rect.top, rect.bottom
        if not (same_band and has_origin and top == band_top and bottom == band_bottom):
            # A glyph whose loose box spans the previous one's band exactly (same font, same
            # size, same baseline: PDFium computes the band from these alone) is in the same
            # run, and its font size, baseline and matrix are the run's: three calls saved.
            # (Only where PDFium takes the band from the font's metrics — where it shrinks the
            # box to each glyph's outline, a third of the glyphs in the reports measured, each
            # is asked — and only on a page without a quarter turn, where the baseline is the
            # band's y.)
            has_origin = origin(tp, i, ox_p, oy_p)
            em = font_size(tp, i)
            # the exact baseline: rounding it would cost more than the matrix call it spares
            key = (em, oy.value) if has_origin else None
            if key is None or key != run_key:
                get_matrix(tp, i, mx_p)
                a, b, c, d = mx.a * ra + mx.b * rc, mx.a * rb + mx.b * rd, mx.c * ra + mx.d * rc, mx.c * rb + mx.d * rd
                scale = hypot(c, d)
                upright = a * d > 0 and b * c <= 0
                matrix = (a, b, c, d)  # one tuple for the run's glyphs
                run_key = key
            band_top, band_bottom = top, bottom
        size = em * scale
        if abs(right - left) + abs(top - bottom) > stretched * size and ink_box(tp, i, *ink_p):
            # PDFium stretches the loose box over the gap a glyph's spacing leaves (WPS sets
            # vertical labels as one line with huge spacing): the ink says where it is.
            left, right, bottom, top = (v.value for v in ink)
        x0, y0 = ta * left + tc * top + te, tb * left + td * top + tf
        x1, y1 = ta * right + tc * bottom + te, tb * right + td * bottom + tf
        if upright and has_origin:
            # The font size tall, `DESCENT` below the baseline (PDFium's loose box follows each
            # font's metrics, and shrinks to the glyph when they look odd).
            y1 = tb * ox.value + td * oy.value + tf + descent * size
            y0 = y1 - size
        if not (-1 <= (x0 + x1) / 2 <= width + 1 and -1 <= (y0 + y1) / 2 <= height + 1):
            continue
        if x1 < x0:  # a page turned upside down (conditionals: min() and max() cost a call each)
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        out.append({"text": ch, "x0": x0, "x1": x1, "top": y0, "bottom": y1,
                    "size": size, "upright": upright, "matrix": matrix})
    return out


def page_text(textpage, n: int) -> str:
    """The `n` characters of a text page, one per index, in one call into PDFium; glyph by
    glyph where the one call's UTF-16 does not come back one unit per index (a code point
    beyond the BMP, 𬌗 in a place name, is one index but two units)."""
    import pypdfium2.raw as raw

    tp = textpage.raw
    buf = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(tp, 0, n, buf)
    text = bytes(buf)[: 2 * max(got - 1, 0)].decode("utf-16-le", "surrogatepass")
    text = text.replace("\x00", "\ufffd")
    if len(text) == n and not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    codes = (raw.FPDFText_GetUnicode(tp, i) for i in range(n))
    return "".join(chr(c) if 0 < c < 0x110000 and not 0xD800 <= c <= 0xDFFF else "\ufffd" for c in codes)


MAX_ADVANCE = 1.5
"""Of the font size: no glyph is wider; a wider box is PDFium's, stretched over spacing."""
DESCENT = 0.12
"""Of the font size, how far a glyph box reaches below the baseline: the same for every
font, so that glyphs on one baseline have one box whatever their fonts' own descents say
(Times' 0.31 beside 宋体's 0.14 would split a row of digits from its label)."""


# --- shapes and pictures ---------------------------------------------------------------------------


@dataclass
class Shapes:
    """A page's paths (as pdfplumber-style lines, rectangles and curves) and picture boxes."""

    lines: list[dict]
    rects: list[dict]
    curves: int
    pictures: list[tuple[float, float, float, float]]
    hidden: int = 0
    """White fills skipped unread (they count as drawing: a scan may be framed by them)."""
    texts: int = 0
    unread: int = 0
    """Text objects, and those of them PDFium gave no text for."""


def page_shapes(page, t: Matrix, textpage=None) -> Shapes:
    """The page's paths and pictures, Form XObjects included, in display coordinates; with
    the page's `textpage`, also how many text objects PDFium could not give the text of."""
    import pypdfium2.raw as raw

    pdfium = bare()
    out = Shapes([], [], 0, [])
    count = texts = unread = 0
    get_type, get_text, get_font = pdfium.FPDFPageObj_GetType, pdfium.FPDFTextObj_GetText, pdfium.FPDFTextObj_GetFont
    TEXT, PATH, IMAGE, FORM = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM
    tp = textpage.raw if textpage is not None else None
    fonts: dict[int | None, bool] = {}  # font address → embedded, or found to give text
    stack = [(page.raw, None, t, 0)]  # (container, form object or None for the page, matrix, depth)
    while stack:
        container, form, m, depth = stack.pop()
        if form is not None:
            n_objects, get_object, owner = pdfium.FPDFFormObj_CountObjects(form), pdfium.FPDFFormObj_GetObject, form
        else:
            n_objects, get_object, owner = pdfium.FPDFPage_CountObjects(container), pdfium.FPDFPage_GetObject, container
        count += max(n_objects, 0)
        if count > MAX_OBJECTS:
            raise TooManyObjects(f"more than {MAX_OBJECTS} objects on the page")
        for i in range(n_objects):
            obj = get_object(owner, i)
            kind = get_type(obj)
            if kind == TEXT:
                texts += 1
                if tp is not None:
                    font = get_font(obj)
                    known = fonts.get(font.value)
                    if known is None:
                        known = fonts[font.value] = bool(font) and pdfium.FPDFFont_GetIsEmbedded(font) == 1
                    if not known:
                        # A font PDFium had to do without: does it give this object's text? (An
                        # embedded font's empty object is a zero-width space: nothing is lost.)
                        # Asking walks the page's glyphs, so a font that gave text once is
                        # trusted for the rest of the page.
                        if get_text(obj, tp, None, 0) <= 2:  # 2 bytes: the NUL alone, no text
                            unread += 1
                        else:
                            fonts[font.value] = True
            elif kind == PATH:
                _add_path(obj, multiply(_matrix(obj), m), out)
            elif kind == IMAGE:
                out.pictures.append(_box([apply(multiply(_matrix(obj), m), x, y)
                                          for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]))
            elif kind == FORM and depth < MAX_FORM_DEPTH:
                stack.append((container, obj, multiply(_matrix(obj), m), depth + 1))
    out.texts, out.unread = texts, unread
    return out


_OUT = threading.local()  # reused out-parameters per thread (threads may read pages at once)


def _out_params() -> SimpleNamespace:
    """This thread's out-parameters for the per-object calls, each with its `byref`."""
    v = getattr(_OUT, "v", None)
    if v is None:
        import pypdfium2.raw as raw

        byref = ctypes.byref
        matrix, x, y = raw.FS_MATRIX(), ctypes.c_float(), ctypes.c_float()
        fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
        rgba = tuple(ctypes.c_uint() for _ in range(4))
        v = _OUT.v = SimpleNamespace(matrix=matrix, matrix_p=byref(matrix), x=x, y=y, xy_p=(byref(x), byref(y)),
                                     fill_mode=fill_mode, stroke=stroke, mode_p=(byref(fill_mode), byref(stroke)),
                                     rgba=rgba, rgba_p=tuple(byref(c) for c in rgba))
    return v


def _matrix(obj) -> Matrix:
    o = _out_params()
    if not bare().FPDFPageObj_GetMatrix(obj, o.matrix_p):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    m = o.matrix
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _color(getter, obj) -> tuple[float, float, float] | None:
    o = _out_params()
    if not getter(obj, *o.rgba_p):
        return None
    r, g, b, _ = o.rgba
    return (r.value / 255, g.value / 255, b.value / 255)


def _box(points) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _add_path(obj, m: Matrix, out: Shapes) -> None:
    """One path object's subpaths → lines, rectangles or curves (pdfminer's classes)."""
    import pypdfium2.raw as raw

    pdfium, o = bare(), _out_params()
    if not pdfium.FPDFPath_GetDrawMode(obj, *o.mode_p):
        return
    stroked, filled = bool(o.stroke.value), o.fill_mode.value != 0
    if not (stroked or filled):
        return
    stroke_color = _color(pdfium.FPDFPageObj_GetStrokeColor, obj) if stroked else None
    fill_color = _color(pdfium.FPDFPageObj_GetFillColor, obj)
    if not stroked and is_white(fill_color):
        out.hidden += 1  # white boxes behind text (WPS draws one per line): never a ruling
        return
    paint = {"stroke": stroked, "fill": filled, "stroking_color": stroke_color, "non_stroking_color": fill_color}
    get_segment, get_point, get_kind, get_close = pdfium.FPDFPath_GetPathSegment, pdfium.FPDFPathSegment_GetPoint, \
        pdfium.FPDFPathSegment_GetType, pdfium.FPDFPathSegment_GetClose
    x, y, xy_p = o.x, o.y, o.xy_p
    MOVETO, BEZIERTO = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO
    subpaths: list[tuple[list[tuple[float, float]], bool, bool]] = []  # points, closed, curved
    for i in range(pdfium.FPDFPath_CountSegments(obj)):
        seg = get_segment(obj, i)
        if not seg or not get_point(seg, *xy_p):
            continue
        kind = get_kind(seg)
        pt = apply(m, x.value, y.value)
        if kind == MOVETO or not subpaths:
            subpaths.append(([pt], False, False))
        else:
            pts, closed, curved = subpaths[-1]
            pts.append(pt)
            subpaths[-1] = (pts, closed, curved or kind == BEZIERTO)
        if get_close(seg):
            pts, _, curved = subpaths[-1]
            subpaths[-1] = (pts, True, curved)
    for pts, closed, curved in subpaths:
        _classify(pts, closed, curved, paint, out)


def _same(p, q) -> bool:
    return abs(p[0] - q[0]) <= SQUARE_TOLERANCE and abs(p[1] - q[1]) <= SQUARE_TOLERANCE


def _classify(pts, closed: bool, curved: bool, paint: dict, out: Shapes) -> None:
    if closed and not _same(pts[-1], pts[0]):
        pts = pts + [pts[0]]
    if len(pts) > 3 and _same(pts[-1], pts[0]) and _same(pts[-2], pts[0]):
        pts = pts[:-1]  # a redundant last point back on the start
    if curved or len(pts) < 2:
        out.curves += len(pts) >= 2
        return
    x0, top, x1, bottom = _box(pts)
    shape = {"x0": x0, "x1": x1, "top": top, "bottom": bottom, **paint}
    if len(pts) == 2 or (len(pts) == 3 and _same(pts[2], pts[0])):
        (ax, ay), (bx, by) = pts[0], pts[1]
        if abs(ay - by) <= SQUARE_TOLERANCE:      # float noise must not make a horizontal
            shape["top"] = shape["bottom"] = ay    # ruling "not exactly horizontal"
        elif abs(ax - bx) <= SQUARE_TOLERANCE:
            shape["x0"] = shape["x1"] = ax
        else:
            out.curves += 1  # a diagonal (the slash across a header cell) is not a ruling
            return
        out.lines.append(shape)
    elif len(pts) == 5 and _same(pts[4], pts[0]) and _axis_loop(pts):
        out.rects.append(shape)
    else:
        out.curves += 1


def _axis_loop(pts) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[:4]
    eq = lambda a, b: abs(a - b) <= SQUARE_TOLERANCE  # noqa: E731
    return (eq(x0, x1) and eq(y1, y2) and eq(x2, x3) and eq(y3, y0)) or \
           (eq(y0, y1) and eq(x1, x2) and eq(y2, y3) and eq(x3, x0))


# --- one page ------------------------------------------------------------------------------------


def read_drawing(page, n: int) -> PageDrawing:
    """Page n (a pypdfium2 page) → its glyphs, rulings and pictures. `unread_text` counts the
    text objects that gave no text: PDFium cannot decode text in a font it cannot load (a
    CID font in Identity encoding that is not embedded), where pdfminer still reads the
    ToUnicode map."""
    t, width, height = display_transform(page)
    textpage = page.get_textpage()
    try:
        chars = page_glyphs(textpage, t, width, height)
        shapes = page_shapes(page, t, textpage)
    finally:
        textpage.close()
    return PageDrawing(number=n, width=width, height=height, chars=chars,
                       rulings=shape_rulings(shapes.lines, shapes.rects), pictures=shapes.pictures,
                       drawn=bool(shapes.pictures or shapes.curves or len(shapes.rects) + shapes.hidden > 50),
                       text_objects=shapes.texts, unread_text=shapes.unread)
