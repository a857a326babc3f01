"""Reading a table of the document model as labelled rows of values.

Two shapes reach the normalizer:
- a real grid (`columns_reliable`): every cell sits in its true column, spans are known,
  and a value's column is found from the header labels above it;
- a flattened grid (text dumps): only the order of the cells in a row is known; blanks
  may be padding or lost cells, so values are taken in order and counted.

Both are turned into `Row`s: the row's label cells, and its value cells (a number or a
printed null marker such as "/") with the grid column each came from when that is known.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.document import Cell, Table
from core.record import CellSource

from core import labels
from core.values import Parsed, clean, is_value_token, parse


@dataclass
class ValueCell:
    cell: Cell
    col: int | None  # grid column when the table's columns are reliable
    table: int | None = None  # the table's index among the document's tables

    @property
    def text(self) -> str:
        return self.cell.text

    def parsed(self, money: bool = False) -> Parsed:
        return parse(self.cell.text, money=money)

    def source(self, money: bool = False) -> CellSource:
        p = self.cell.prov
        return CellSource(page=p.page, bbox=p.bbox, method=p.method, confidence=p.confidence,
                          raw=self.cell.text.strip(), table=self.table, row=self.cell.row, col=self.cell.col,
                          alternatives=p.alternatives)


@dataclass
class Row:
    index: int
    labels: list[str]  # distinct label texts of the row, left to right
    values: list[ValueCell] = field(default_factory=list)
    label_cols: list[int] = field(default_factory=list)  # grid column of each label (grids only)
    label_ids: list[int] = field(default_factory=list)  # identity of each label's cell (grids only)

    @property
    def leaf(self) -> str:
        return self.labels[-1] if self.labels else ""

    @property
    def text(self) -> str:
        return "".join(self.labels)


def table_rows(table: Table, index: int | None = None) -> list[Row]:
    """Rows as labels + values, for either table shape; `index` (the table's position among
    the document's tables) goes into each value's provenance.

    A note row (注：…, 说明：…, 数据来源：…, in or under the table) is set aside here: it is
    no template row, and must neither be matched nor glued onto the last data row."""
    rows = _grid_rows(table) if table.columns_reliable else _flat_rows(table)
    for row in rows:
        for v in row.values:
            v.table = index
    return [r for r in rows if not (r.labels and not r.values and all(labels.is_note(t) for t in r.labels))]


def _flat_rows(table: Table) -> list[Row]:
    out = []
    for i, cells in enumerate(table.rows()):
        items = []
        for c in cells:
            t = labels.squash(c.text)
            if t:  # a blank is padding or a lost cell: a flattened row cannot tell which
                items.append((c, None, _kind(t)))
        out.append(_row(i, items))
    return out


def _grid_rows(table: Table) -> list[Row]:
    """Each grid row, with spanning cells repeated; a cell counts once per row."""
    grid = table.grid()
    lines = []
    for line in grid:
        items = []
        seen: set[int] = set()
        for k, c in enumerate(line):
            if c is None or id(c) in seen:
                continue
            seen.add(id(c))
            t = labels.squash(c.text)
            if t:
                items.append((c, k, _kind(t)))
        lines.append(items)
    # a value cell whose text does not parse stands in a column of values (of other rows)
    value_cols: dict[int, set[int]] = {}
    for i, items in enumerate(lines):
        for c, k, kind in items:
            if kind == "value" and c.col_span == 1:
                value_cols.setdefault(k, set()).add(i)
    return [_row(i, [(c, k, kind) if kind != "unparsed" or value_cols.get(k, set()) - {i} else (c, k, "label")
                     for c, k, kind in items]) for i, items in enumerate(lines)]


def _kind(text: str) -> str:
    """"value" (a number, a null marker, a number with a note on its parts), "unparsed" (it
    starts as a number but is none: "2（3）", an OCR slip in a note), or "label"."""
    if is_value_token(text):
        return "value"
    t = clean(text)
    return "unparsed" if _NUMBER_START.match(t) and labels.enum_number(t) is None else "label"


_NUMBER_START = re.compile(r"^[+-]?\d")


def _row(index: int, items: list[tuple[Cell, int | None, str]]) -> Row:
    """A row from its non-blank cells, left to right. A cell that starts as a number but does
    not parse is a value cell (null; the mapping reports it) where it stands among
    the row's values: the row has a value, and only values follow it; else it is a label."""
    row = Row(index, [])
    has_value = any(kind == "value" for _, _, kind in items)
    for j, (c, k, kind) in enumerate(items):
        if kind == "unparsed" and not (has_value and all(x != "label" for _, _, x in items[j + 1:])):
            kind = "label"
        if kind == "label":
            row.labels.append(c.text.strip())
            if k is not None:
                row.label_cols.append(k)
                row.label_ids.append(id(c))
        else:
            row.values.append(ValueCell(c, k))
    return row


def merge_fragments(rows: list[Row], known: Callable[[str], bool]) -> list[Row]:
    """Join a row's label fragments that a page break pushed into a row of their own.

    A PDF row cut by a page break leaves "（四）无 | 1.本机关不掌握相关政府 | 0 …" on one page
    and "法提供 | 信息 | (blank) …" on the next. A row without values whose own labels (not
    cells spanning down from above) are not labels by themselves (`known` says no), right
    after a row with values, is such a fragment: its texts are appended, column by column,
    to the labels of the row above.
    """
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        own = [(t, c) for t, c, i in zip(row.labels, row.label_cols, row.label_ids)
               if prev is None or i not in prev.label_ids]
        if prev is not None and prev.values and not row.values and own and not any(known(t) for t, _ in own):
            for text, col in own:
                if col in prev.label_cols:
                    j = prev.label_cols.index(col)
                    prev.labels[j] = prev.labels[j] + text
                else:
                    prev.labels.append(text)
                    prev.label_cols.append(col)
                    prev.label_ids.append(-1)
            order = sorted(range(len(prev.labels)), key=lambda j: prev.label_cols[j])
            prev.labels = [prev.labels[j] for j in order]
            prev.label_cols = [prev.label_cols[j] for j in order]
            prev.label_ids = [prev.label_ids[j] for j in order]
            continue
        out.append(row)
    return out


def attach_detached_values(rows: list[Row], known: Callable[[str], bool]) -> list[Row]:
    """A row label on a row of its own, its values on the next row without a label of their
    own (a converter that put a long label on its own line): one row.

    Only where the lone label is a template row's label (`known`) and the next row brings
    no label of its own (labels spanning down from above do not count)."""
    out: list[Row] = []
    skip = False
    for i, row in enumerate(rows):
        if skip:
            skip = False
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if (nxt is not None and not row.values and row.labels and known(row.leaf) and nxt.values
                and all(t in row.labels for t in nxt.labels)):
            out.append(Row(row.index, row.labels, nxt.values, row.label_cols, row.label_ids))
            skip = True
            continue
        out.append(row)
    return out


def join_label_pieces(rows: list[Row], exact: Callable[[str], bool]) -> list[Row]:
    """A row label typeset in two spans that a converter put in two adjacent cells
    ("一、本年新收政府" | "信息公开申请数量"): one label, where the row's last label is no
    label by itself (`exact`) and it joined to the label before it is."""
    for row in rows:
        while len(row.labels) >= 2 and not exact(row.leaf) and exact(row.labels[-2] + row.leaf):
            row.labels[-2:] = [row.labels[-2] + row.leaf]
            if row.label_cols:
                row.label_cols.pop()
            if row.label_ids:
                row.label_ids.pop()
    return rows


def join_label_tails(rows: list[Row], exact: Callable[[str], bool]) -> list[Row]:
    """A label typeset in two lines that a converter split into two rows, the values on the
    first ("2.申请人逾期未按收 | 0 | 0 …" / "费通知要求缴纳费用、…申请 | | …"): one row, where
    the first row's leaf is no label by itself and joined to the second row's one own label
    it is one exactly (`exact`). Runs before `join_split_labels`, which would otherwise take
    the tail for the start of the next row's label (the tail alone is close enough to a
    template label to look like one)."""
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        own = [t for t, i in zip(row.labels, row.label_ids) if prev is None or i not in prev.label_ids] \
            if row.label_ids else row.labels
        if (prev is not None and prev.values and not row.values and len(own) == 1 and prev.labels
                and not exact(prev.leaf) and not exact(own[0]) and exact(prev.leaf + own[0])):
            prev.labels[-1] = prev.leaf + own[0]
            continue
        out.append(row)
    return out


def join_split_labels(rows: list[Row], exact: Callable[[str], bool], known: Callable[[str], bool]) -> list[Row]:
    """A label wrapped so that its start ends a row of labels and its rest begins the next
    row, with the values ("（五）不予处理⇥1.信访举报投" / "诉类申请⇥0⇥0…"): one row, where
    neither piece is a label by itself (`exact`) and the two joined are (`known`)."""
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        if (prev is not None and not prev.values and prev.labels and row.values and row.labels
                and not exact(prev.leaf) and not exact(row.labels[0]) and known(prev.leaf + row.labels[0])):
            out[-1] = Row(prev.index, prev.labels[:-1] + [prev.leaf + row.labels[0]] + row.labels[1:], row.values,
                          prev.label_cols[:-1] + row.label_cols, prev.label_ids[:-1] + row.label_ids)
            continue
        out.append(row)
    return out


def merge_flat_fragments(rows: list[Row], known: Callable[[str], bool]) -> list[Row]:
    """The flattened-row twin of `merge_fragments`: a row of labels only, after a row with
    values whose own leaf is no label by itself, continues that row's labels (a label that
    wrapped onto the next line of an unruled table), joined from the right."""
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        if (prev is not None and prev.values and not row.values and row.labels and prev.labels
                and not known(prev.leaf) and not any(known(t) for t in row.labels)):
            for k in range(1, min(len(row.labels), len(prev.labels)) + 1):
                prev.labels[-k] = prev.labels[-k] + row.labels[-k]
            continue
        out.append(row)
    return out


def column_headers(table: Table, header_rows: range) -> list[str]:
    """For each grid column, the squashed texts of the header cells above it, joined by "|"."""
    grid = table.grid()
    heads = []
    for k in range(table.n_cols):
        parts: list[str] = []
        last = None
        for r in header_rows:
            c = grid[r][k] if r < len(grid) else None
            if c is None or c is last:
                continue
            last = c
            t = labels.squash(c.text)
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        heads.append("|".join(parts))
    return heads
