"""A table cut by a page break (or split over two pictures) → one table.

Scanned reports carry table 三 over two pages, the second part without a header; the
normalizer can only map its columns through the header, and its row groups ("(三)不予公开"
spanning rows on both pages) only in one grid. Two OCR tables are joined when nothing lies
between them in the document and their column boundaries, as fractions of the table width,
line up; the second part may lack a label column (the first page's rows are wider), so the
columns of both are mapped onto the union of their boundaries. Header rows that the second
part repeats are dropped (`repeated_header`), and a note row under a table (注：…) is set
after it as a paragraph (`split_notes`).
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from core.document import Block, Cell, Table, TextBlock

MATCH = 0.03
"""Column boundaries this close (share of the table width) may be the same boundary."""
WIDTH = 0.03
"""On pages of one PDF the two parts are the same width within this share."""
MIN_SHARED = 0.7
"""At least this share of the narrower part's boundaries must line up."""
MAX_HEADER_ROWS = 5
"""A continuation repeats at most this many header rows of the first part."""
SAME_ROW = 0.8
"""Two rows whose texts (spaces and punctuation left out) are this similar are the same
header row: OCR reads the repeated header a little differently on each page."""
NOTE_START = re.compile(r"^[（(]?(?:注|说明|备注|附注|数据来源|资料来源|填报说明)")
"""A note under a table: 注：…, 说明：…, 数据来源：… (not a template row)."""
NOTE_SPAN = 0.5
"""A note row's one filled cell spans at least this share of the table's columns."""


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

    b = drop_rows(b, repeated_header(a, b))
    cells = remap(a, col_a, 0) + remap(b, col_b, a.n_rows)
    return Table(cells=cells, prov=a.prov, columns_reliable=True, caption=a.caption)


def _key(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in t if ch.isalnum())


def _row_key(table: Table, row: int) -> str:
    return "|".join(_key(c.text) for c in sorted(table.cells, key=lambda c: c.col) if c.row == row and _key(c.text))


def repeated_header(a: Table, b: Table) -> int:
    """How many of `b`'s first rows repeat `a`'s first rows (a header printed again on the
    continuation page): rows compared in order, by their texts; a row of numbers never
    counts as a header."""
    n = 0
    for r in range(min(MAX_HEADER_ROWS, a.n_rows, b.n_rows - 1)):
        ka, kb = _row_key(a, r), _row_key(b, r)
        if not ka or not kb or any(part.isdigit() for part in (ka + "|" + kb).split("|")):
            break  # a row with a number in it is data, never a header
        if difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio() < SAME_ROW:
            break
        n = r + 1
    # a header cell spanning past the repeated rows would be cut: then keep them all
    if n and any(c.row < n < c.row + c.row_span for c in b.cells):
        return 0
    return n


def drop_rows(t: Table, n: int) -> Table:
    """The table without its first `n` rows."""
    if n <= 0:
        return t
    cells = [Cell(row=c.row - n, col=c.col, text=c.text, row_span=c.row_span, col_span=c.col_span, prov=c.prov)
             for c in t.cells if c.row >= n]
    return Table(cells=cells, prov=t.prov, columns_reliable=t.columns_reliable, caption=t.caption)


def split_notes(blocks: list[Block]) -> list[Block]:
    """A note printed as the last row(s) of an OCR table (注：…, 说明：…, one cell across
    the table) taken out of the table and set after it as a paragraph, as the other formats
    read it: it is not a template row, and inside the grid it would be read as one."""
    out: list[Block] = []
    for b in blocks:
        if not (isinstance(b, Table) and b.prov.method == "ocr" and b.cells):
            out.append(b)
            continue
        notes: list[TextBlock] = []
        while b.n_rows > 1:
            last = b.n_rows - 1
            row = [c for c in b.cells if c.row + c.row_span - 1 == last and c.text.strip()]
            if len(row) != 1 or row[0].row != last or row[0].col_span < NOTE_SPAN * b.n_cols \
                    or not NOTE_START.match(_key(row[0].text[:6]) or ""):
                break
            notes.insert(0, TextBlock(text=row[0].text.strip(), prov=row[0].prov))
            b = Table(cells=[c for c in b.cells if c.row + c.row_span - 1 < last], prov=b.prov,
                      columns_reliable=b.columns_reliable, caption=b.caption)
        out.append(b)
        out.extend(notes)
    return out


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
