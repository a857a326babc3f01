"""Rulings on a fixed-layout page (PDF, OFD) → merged edges → cells → tables.

Format-neutral: the page readers (`pdf_page` through PDFium, `pdf_plumber` for files PDFium
refuses, `ofd`) hand over the page's straight shapes in points, top-left origin; everything
here is pure geometry on edge dicts (`x0`, `x1`, `top`, `bottom`, `orientation`), and each
step's result can be inspected on its own (`gongkai debug` draws them):

    shape_rulings(lines, rects)  visible strokes only: no white or shading rectangles
    merge_rulings(edges)         snap near-collinear edges together, join the touching ones
    close_open_tables(edges)     a table cut by a page break has no top/bottom border there
    edges_to_intersections(...)  where a vertical and a horizontal edge cross
    intersections_to_cells(...)  the smallest rectangle closed by edges at each crossing
    cells_to_tables(cells)       cells sharing corners → one table

The last four follow pdfplumber's `TableFinder` step for step (same tolerances, same
results; see `tests/test_rulings.py`), indexed so that a page of a few hundred crossings
costs milliseconds instead of the quadratic scans the original makes.
"""
from __future__ import annotations

import bisect
from collections import defaultdict

from core.document import BBox

SNAP_TOLERANCE = 3.0
"""Rulings this close (points) are one ruling (pdfplumber's default)."""
JOIN_TOLERANCE = 3.0
"""Collinear rulings with a gap this small (points) are one ruling."""
MIN_EDGE_LENGTH = 3.0
"""Shorter strokes are specks (dots of a dotted leader, tick marks), not rulings."""
THIN_FILL = 2.0
"""A filled rectangle thinner than this is a ruling drawn as a fill (Word, some printers)."""
INTERSECTION_TOLERANCE = 1.0
"""A vertical and a horizontal ruling this close (points) cross."""

Edge = dict
Point = tuple[float, float]


# --- 1. visible strokes ----------------------------------------------------------------------


def is_white(color) -> bool:
    """Whether a colour (grey, RGB or CMYK components in 0..1) is white: invisible on paper."""
    if color is None:
        return False
    vals = color if isinstance(color, (tuple, list)) else (color,)
    try:
        vals = [float(v) for v in vals]
    except (TypeError, ValueError):  # pattern colours
        return False
    if len(vals) == 4:  # CMYK: white is no ink
        return all(v <= 0.02 for v in vals)
    return bool(vals) and all(v >= 0.98 for v in vals)


def h_edge(x0: float, x1: float, y: float, kind: str = "line") -> Edge:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0,
            "orientation": "h", "object_type": kind}


def v_edge(x: float, top: float, bottom: float, kind: str = "line") -> Edge:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
            "orientation": "v", "object_type": kind}


def shape_rulings(lines: list[dict], rects: list[dict]) -> list[Edge]:
    """The visible straight strokes among a page's lines and rectangles, as edges.

    `lines` and `rects` are pdfplumber-style dicts (`x0`, `x1`, `top`, `bottom`, `stroke`,
    `fill`, `stroking_color`, `non_stroking_color`). Kept: stroked lines and stroked
    rectangles (their four sides) in a non-white colour, and thin filled rectangles (rulings
    drawn as fills). Dropped: filled rectangles that are not thin, i.e. cell shading and the
    white boxes WPS puts behind every line of text.
    """
    edges: list[Edge] = []
    for ln in lines:
        if ln.get("stroke", True) and not is_white(ln.get("stroking_color")):
            if ln["top"] == ln["bottom"]:
                edges.append(h_edge(ln["x0"], ln["x1"], ln["top"]))
            else:  # pdfplumber's convention: any line not exactly horizontal is vertical
                edges.append(v_edge(ln["x0"], ln["top"], ln["bottom"]))
    for r in rects:
        w, h = r["x1"] - r["x0"], r["bottom"] - r["top"]
        if r.get("stroke") and not is_white(r.get("stroking_color")):
            edges += [h_edge(r["x0"], r["x1"], r["top"], "rect_edge"), h_edge(r["x0"], r["x1"], r["bottom"], "rect_edge"),
                      v_edge(r["x0"], r["top"], r["bottom"], "rect_edge"), v_edge(r["x1"], r["top"], r["bottom"], "rect_edge")]
        elif r.get("fill") and min(w, h) <= THIN_FILL and max(w, h) > MIN_EDGE_LENGTH \
                and not is_white(r.get("non_stroking_color")):
            if w >= h:  # one edge along the middle of the thin fill
                edges.append(h_edge(r["x0"], r["x1"], (r["top"] + r["bottom"]) / 2, "rect_edge"))
            else:
                edges.append(v_edge((r["x0"] + r["x1"]) / 2, r["top"], r["bottom"], "rect_edge"))
    return edges


# --- 2. merging ------------------------------------------------------------------------------


def _position(e: Edge) -> float:
    return e["x0"] if e["orientation"] == "v" else e["top"]


def snap_edges(edges: list[Edge], tolerance: float = SNAP_TOLERANCE) -> list[Edge]:
    """Edges whose positions (x of a vertical, y of a horizontal) chain within `tolerance`
    moved to their group's mean position (pdfplumber's `snap_edges`)."""
    out: list[Edge] = []
    for orientation in ("v", "h"):
        group = [e for e in edges if e["orientation"] == orientation]
        values = sorted({_position(e) for e in group})
        cluster_of: dict[float, int] = {}
        k, last = -1, None
        for v in values:
            if last is None or v > last + tolerance:
                k += 1
            cluster_of[v] = k
            last = v
        clusters: dict[int, list[Edge]] = defaultdict(list)
        for e in group:
            clusters[cluster_of[_position(e)]].append(e)
        for k in sorted(clusters):
            members = clusters[k]
            mean = sum(_position(e) for e in members) / len(members)
            for e in members:
                shift = mean - _position(e)  # added, not assigned: pdfplumber's arithmetic exactly
                moved = dict(e)
                if orientation == "v":
                    moved["x0"], moved["x1"] = e["x0"] + shift, e["x1"] + shift
                else:
                    moved["top"], moved["bottom"] = e["top"] + shift, e["bottom"] + shift
                out.append(moved)
    return out


def join_edge_group(edges: list[Edge], orientation: str, tolerance: float = JOIN_TOLERANCE) -> list[Edge]:
    """Edges on one line, those overlapping or less than `tolerance` apart joined."""
    lo, hi = ("x0", "x1") if orientation == "h" else ("top", "bottom")
    ordered = sorted(edges, key=lambda e: e[lo])
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e[lo] <= last[hi] + tolerance:
            if e[hi] > last[hi]:
                grown = dict(last)
                grown[hi] = e[hi]
                grown["width" if orientation == "h" else "height"] = e[hi] - last[lo]
                joined[-1] = grown
        else:
            joined.append(e)
    return joined


def merge_rulings(edges: list[Edge]) -> list[Edge]:
    """Snap and join collinear rulings, dropping specks shorter than `MIN_EDGE_LENGTH`."""
    if not edges:
        return []
    lines: dict[tuple[str, float], list[Edge]] = defaultdict(list)
    for e in snap_edges(edges):
        lines[(e["orientation"], _position(e))].append(e)
    merged = [j for key in sorted(lines) for j in join_edge_group(lines[key], key[0])]
    return [e for e in merged if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"])
            >= MIN_EDGE_LENGTH]


# --- 3. page-break borders -------------------------------------------------------------------


def close_open_tables(edges: list[Edge]) -> list[Edge]:
    """Add the missing top/bottom border where vertical rulings start or end together unruled.

    A table that continues on a new page is often drawn there without its top border (and
    sometimes without a bottom border before the break); two or more vertical rulings
    starting (ending) at the same height with no horizontal ruling across them there mark
    such an open side. The added edge runs from the leftmost to the rightmost of them.
    """
    verticals = [e for e in edges if e["orientation"] == "v"]
    horizontals = [e for e in edges if e["orientation"] == "h"]
    added: list[Edge] = []
    for key in ("top", "bottom"):
        for group in _cluster(verticals, key, SNAP_TOLERANCE):
            if len(group) < 2:
                continue
            y = sum(e[key] for e in group) / len(group)
            x0, x1 = min(e["x0"] for e in group), max(e["x0"] for e in group)
            if x1 - x0 < MIN_EDGE_LENGTH or _covered(horizontals, y, x0, x1):
                continue
            added.append(h_edge(x0, x1, y, "synthetic"))
    return merge_rulings(edges + added) if added else edges


def _cluster(objs: list[Edge], key: str, tolerance: float) -> list[list[Edge]]:
    """Objects grouped where their `key` values lie within `tolerance` of the previous one."""
    groups: list[list[Edge]] = []
    for o in sorted(objs, key=lambda o: o[key]):
        if groups and o[key] - groups[-1][-1][key] <= tolerance:
            groups[-1].append(o)
        else:
            groups.append([o])
    return groups


def _covered(horizontals: list[Edge], y: float, x0: float, x1: float) -> bool:
    """Whether horizontal rulings at height y cover most of [x0, x1]."""
    span = sum(max(0.0, min(h["x1"], x1) - max(h["x0"], x0))
               for h in horizontals if abs(h["top"] - y) <= SNAP_TOLERANCE)
    return span >= 0.9 * (x1 - x0)


# --- 4. crossings, cells, tables ---------------------------------------------------------------


def edges_to_intersections(edges: list[Edge], tolerance: float = INTERSECTION_TOLERANCE
                           ) -> dict[Point, dict[str, list[Edge]]]:
    """(x, y) → the vertical and horizontal edges crossing there, within `tolerance`."""
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: (e["x0"], e["top"]))
    horizontals = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: (e["top"], e["x0"]))
    tops = [h["top"] for h in horizontals]
    spans = [(h["x0"] - tolerance, h["x1"] + tolerance, h) for h in horizontals]  # once per edge, not per pair
    out: dict[Point, dict[str, list[Edge]]] = {}
    for v in verticals:
        x = v["x0"]
        lo = bisect.bisect_left(tops, v["top"] - tolerance)
        hi = bisect.bisect_right(tops, v["bottom"] + tolerance)
        for left, right, h in spans[lo:hi]:
            if left <= x <= right:
                at = out.setdefault((x, h["top"]), {"v": [], "h": []})
                at["v"].append(v)
                at["h"].append(h)
    return out


def intersections_to_cells(intersections: dict[Point, dict[str, list[Edge]]]) -> list[BBox]:
    """For each crossing, the smallest cell it is the top-left corner of: the nearest crossing
    below and the nearest to the right that one edge each joins to it, closed by a crossing at
    the bottom right joined to both."""
    # Edges by identity: an edge crosses every point its coordinates reach, so a twin with the
    # same coordinates (merge_rulings joins those anyway) is at the same crossings.
    v_at = {p: {id(e) for e in es["v"]} for p, es in intersections.items()}
    h_at = {p: {id(e) for e in es["h"]} for p, es in intersections.items()}
    column: dict[float, list[float]] = defaultdict(list)  # x → the ys of its crossings, ascending
    row: dict[float, list[float]] = defaultdict(list)     # y → the xs of its crossings, ascending
    for x, y in sorted(intersections):
        column[x].append(y)
        row[y].append(x)

    def joined_v(p: Point, q: Point) -> bool:
        return not v_at[p].isdisjoint(v_at[q])

    def joined_h(p: Point, q: Point) -> bool:
        return not h_at[p].isdisjoint(h_at[q])

    cells: list[BBox] = []
    for x, y in sorted(intersections):
        ys, xs = column[x], row[y]
        below = ys[bisect.bisect_right(ys, y):]
        right = xs[bisect.bisect_right(xs, x):]
        cell = None
        for by in below:
            if not joined_v((x, y), (x, by)):
                continue
            for rx in right:
                if not joined_h((x, y), (rx, y)):
                    continue
                corner = (rx, by)
                if corner in intersections and joined_v(corner, (rx, y)) and joined_h(corner, (x, by)):
                    cell = (x, y, rx, by)
                    break
            if cell:
                break
        if cell:
            cells.append(cell)
    return cells


def cells_to_tables(cells: list[BBox]) -> list[list[BBox]]:
    """Cells that share corners, transitively, form one table; tables of one cell are dropped,
    the rest ordered top to bottom, then left to right."""
    def corners(c: BBox) -> tuple[Point, ...]:
        return ((c[0], c[1]), (c[0], c[3]), (c[2], c[1]), (c[2], c[3]))

    remaining = [(cell, corners(cell)) for cell in cells]  # each cell's corners made once
    tables: list[list[BBox]] = []
    while remaining:
        seen: set[Point] = set()
        current: list[BBox] = []
        grew = True
        while grew and remaining:
            grew, rest = False, []
            for cell, cs in remaining:
                if not current or not seen.isdisjoint(cs):
                    seen.update(cs)
                    current.append(cell)
                    grew = True
                else:
                    rest.append((cell, cs))
            remaining = rest
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def edges_to_cell_groups(edges: list[Edge]) -> list[list[BBox]]:
    """Merged rulings → groups of cell boxes, one group per table."""
    if not edges:
        return []
    return cells_to_tables(intersections_to_cells(edges_to_intersections(edges)))
