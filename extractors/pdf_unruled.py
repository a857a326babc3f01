"""Tables drawn without ruling lines, found in a page's text lines.

Some PDFs (made from web pages, or from Word tables whose borders were switched off) lay
the statistics out as aligned text only. Their lines split into segments at wide gaps —
far wider than a word space — and the rows carry numbers. A run of such lines becomes a
`Table` with `columns_reliable=False`: like a text dump, only the order of the segments in a
row is known, and the normalizer matches rows by label and takes values in order.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from core.document import Cell, Provenance, Table
from core.values import is_value_token

from core.sections import section_of

from .pdf_lines import Line, chars_to_text

GAP_FACTOR = 1.5
"""A gap wider than this many median glyph widths separates two cells."""
MIN_GAP_PT = 8.0
"""Wider than any word space (a space beside "2023 年" in prose is 2.5–5 pt): next to a number
or before an enumerator, a gap this wide is a cell boundary."""
CONTINUATION_MAX_CHARS = 40
"""A short one-segment line inside a run (a wrapped label) stays in the table."""
_NUMBER = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?$")


@dataclass
class Segment:
    text: str
    bbox: tuple[float, float, float, float]


def line_segments(line: Line) -> list[Segment]:
    """A line's glyphs split at gaps wider than a cell boundary."""
    return [s for s in map(_segment, line_groups(line)) if s.text]


def line_groups(line: Line) -> list[list[dict]]:
    """A line's visible glyphs in the groups `line_segments` makes of them, before their
    texts are built: each group is one segment (every group holds a visible glyph)."""
    chars = [c for c in line.chars if c["text"].strip()]
    if not chars or line.vertical:
        return []
    widths = [c["x1"] - c["x0"] for c in chars if c["x1"] > c["x0"]]
    gap = max(MIN_GAP_PT, GAP_FACTOR * (statistics.median(widths) if widths else 10.0))
    groups: list[list[dict]] = [[chars[0]]]
    for prev, c in zip(chars, chars[1:]):
        space = c["x0"] - prev["x1"]
        if space > gap or (space > MIN_GAP_PT and _boundary(prev["text"], c["text"])):
            groups.append([c])
        else:
            groups[-1].append(c)
    return groups


def _segment(g: list[dict]) -> Segment:
    return Segment(chars_to_text(g).strip(), (min(c["x0"] for c in g), min(c["top"] for c in g),
                                              max(c["x1"] for c in g), max(c["bottom"] for c in g)))


def _boundary(left: str, right: str) -> bool:
    """A visible gap is a cell boundary next to a number, or before an enumerator ("1." "（四）")."""
    return left.isdigit() or right.isdigit() or right in "（("


def _numeric(seg: Segment) -> bool:
    return bool(_NUMBER.match(seg.text.replace(" ", ""))) or is_value_token(seg.text) and seg.text.strip() != ""


ALIGN_PT = 4.0


def _aligned(rows: list[list[Segment]]) -> bool:
    """Numbers in columns: most numeric rows share at least two number positions (right edges)
    with another numeric row."""
    edges = [[s.bbox[2] for s in row if _numeric(s)] for row in rows]

    def shares(a: list[float], b: list[float]) -> bool:
        return sum(1 for x in a if any(abs(x - y) <= ALIGN_PT for y in b)) >= 2

    ok = sum(1 for i, a in enumerate(edges) if any(shares(a, b) for j, b in enumerate(edges) if j != i))
    return ok >= max(2, len(edges) // 2)


def find_unruled_tables(lines: list[Line], page: int) -> tuple[list[Table], set[int]]:
    """Runs of aligned lines that carry numbers → tables; also the indices of the lines used."""
    groups = [line_groups(ln) for ln in lines]
    segs: list[list[Segment]] = [[] for _ in lines]  # texts built only where asked for (below)
    runs: list[list[int]] = []
    current: list[int] = []
    pending: list[int] = []  # short one-segment lines that may be wrapped labels inside a run
    for i, g in enumerate(groups):
        if len(g) == 1 and not current:
            continue  # a line of prose outside a run: neither starts nor ends one, whatever its text
        s = segs[i] = [x for x in map(_segment, g) if x.text]
        if len(s) == 1 and section_of(s[0].text):
            s = []  # a section heading ends any table above it
        if len(s) >= 2:
            if current:
                current.extend(pending)
            pending = []
            current.append(i)
        elif current and len(s) == 1 and len(s[0].text) <= CONTINUATION_MAX_CHARS and len(pending) < 3:
            pending.append(i)
        else:
            if current:
                runs.append(current)
            current, pending = [], []
    if current:
        runs.append(current)
    tables, used = [], set()
    for run in runs:
        numeric_rows = [i for i in run if sum(_numeric(s) for s in segs[i]) >= 2]
        if len(numeric_rows) < 2 and not any(sum(_numeric(s) for s in segs[i]) >= 5 for i in numeric_rows):
            continue
        if len(numeric_rows) >= 2 and not _aligned([segs[i] for i in numeric_rows]):
            continue  # numbers in prose ("2023 年 1 月 1 日起"): not in columns
        cells = []
        for r, i in enumerate(sorted(run)):
            for k, seg in enumerate(segs[i]):
                cells.append(Cell(r, k, seg.text, prov=Provenance(page=page, bbox=seg.bbox, method="text")))
        boxes = [s.bbox for i in run for s in segs[i]]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        tables.append(Table(cells=cells, columns_reliable=False, prov=Provenance(page=page, bbox=bbox)))
        used.update(run)
    return tables, used
