"""A table cut by a page break (or split over two pictures) → one table.

Scanned reports carry table 三 over two pages, the second part without a header; the
normalizer can only map its columns through the header, and its row groups ("(三)不予公开"
spanning rows on both pages) only in one grid. Two OCR tables are joined when nothing lies
between them in the document and their column boundaries, as fractions of the table width,
line up; the second part may lack a label column (the first page's rows are wider), so the
columns of both are mapped onto the union of their boundaries.
"""
from __future__ import annotations

from core.document import Block, Cell, Table

MATCH = 0.03
"""Column boundaries this close (share of the table width) may be the same boundary."""
WIDTH = 0.03
"""On pages of one PDF the two parts are the same width within this share."""
MIN_SHARED = 0.7
"""At least this share of the narrower part's boundaries must line up."""


def boundaries(table: Table) -> dict[int, float]:
    """Grid column boundary → its position as a fraction of the table width."""
    x0, _, x1, _ = table.prov.bbox  # type: ignore[misc]
    width = (x1 - x0) or 1.0
    at: dict[int, float] = {}
    for c in table.cells:
        if c.prov.bbox is None:
            continue
        at.setdefault(c.col, (c.prov.bbox[0] - x0) / width)
        at.setdefault(c.col + c.col_span, (c.prov.bbox[2] - x0) / width)
    return dict(sorted(at.items()))


def last_page(table: Table) -> int | None:
    pages = [c.prov.page for c in table.cells if c.prov.page is not None]
    return max(pages) if pages else table.prov.page


def align(a: list[float], b: list[float], tol: float = MATCH) -> list[tuple[int | None, int | None]]:
    """Monotone alignment of two sorted boundary lists (edit distance: a pair costs their
    distance and must be within `tol`, an unpaired boundary costs `tol`). Each part of a
    table cut by a page break is laid out on its own page, so its label columns may sit a
    little apart from the other part's, or be missing (no sub-label rows on that page)."""
    n, m = len(a), len(b)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c == inf:
                continue
            if i < n and c + tol < cost[i + 1][j]:
                cost[i + 1][j], step[i + 1][j] = c + tol, (i, j)
            if j < m and c + tol < cost[i][j + 1]:
                cost[i][j + 1], step[i][j + 1] = c + tol, (i, j)
            if i < n and j < m and abs(a[i] - b[j]) <= tol and c + abs(a[i] - b[j]) < cost[i + 1][j + 1]:
                cost[i + 1][j + 1], step[i + 1][j + 1] = c + abs(a[i] - b[j]), (i, j)
    out: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = step[i][j]  # type: ignore[misc]
        out.append((i - 1 if pi < i else None, j - 1 if pj < j else None))
        i, j = pi, pj
    return out[::-1]


def continues(a: Table, b: Table) -> bool:
    """Whether `b` carries on `a` (see the module docstring): the right-hand (value) column
    boundaries all pair up, and most of the other ones do."""
    if not (_is_ocr(a) and _is_ocr(b)) or a.prov.bbox is None or b.prov.bbox is None:
        return False
    pa, pb = last_page(a), b.prov.page
    if pa is not None and pb is not None:
        if pb != pa + 1:
            return False
        wa, wb = a.prov.bbox[2] - a.prov.bbox[0], b.prov.bbox[2] - b.prov.bbox[0]
        if abs(wa - wb) > WIDTH * max(wa, wb):
            return False
    ba, bb = list(boundaries(a).values()), list(boundaries(b).values())
    if len(ba) < 3 or len(bb) < 3:
        return False
    pairs = align(ba, bb)
    paired = sum(1 for i, j in pairs if i is not None and j is not None)
    right = min(len(ba), len(bb), 5)
    tail = pairs[-right:]
    return paired >= MIN_SHARED * min(len(ba), len(bb)) and all(i is not None and j is not None for i, j in tail)


def _is_ocr(t: Table) -> bool:
    return t.prov.method == "ocr" and t.columns_reliable and bool(t.cells)


def join(a: Table, b: Table) -> Table:
    """`b` below `a`, both re-indexed onto the union of their aligned column boundaries."""
    ka, kb = list(boundaries(a)), list(boundaries(b))
    pairs = align(list(boundaries(a).values()), list(boundaries(b).values()))
    col_a = {ka[i]: u for u, (i, _) in enumerate(pairs) if i is not None}
    col_b = {kb[j]: u for u, (_, j) in enumerate(pairs) if j is not None}

    def remap(t: Table, col_at: dict[int, int], row0: int) -> list[Cell]:
        out = []
        for c in t.cells:
            c0, c1 = col_at.get(c.col, c.col), col_at.get(c.col + c.col_span, c.col + c.col_span)
            out.append(Cell(row=c.row + row0, col=c0, text=c.text, row_span=c.row_span,
                            col_span=max(1, c1 - c0), prov=c.prov))
        return out

    cells = remap(a, col_a, 0) + remap(b, col_b, a.n_rows)
    return Table(cells=cells, prov=a.prov, columns_reliable=True, caption=a.caption)


def join_continued(blocks: list[Block]) -> list[Block]:
    """Adjacent OCR tables that continue one another joined (see `continues`)."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if isinstance(b, Table) and isinstance(prev, Table) and continues(prev, b):
            out[-1] = join(prev, b)
        else:
            out.append(b)
    return out
