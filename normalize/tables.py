"""Mapping table grids onto the template's cells, by label.

Rows are found by their printed label (normalized, fuzzily within a group), columns by
the header labels above the values when the grid's columns are reliable. Position alone
is used only where the template fixes it and the labels agree (a flattened text dump has
no columns to read): table 三's seven columns, table 四's fifteen.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.document import Table
from core.record import CellSource, Finding

from core import labels
from core import template as T
from core.values import is_value_token, parse
from .rows import (Row, ValueCell, attach_detached_values, column_headers, join_label_pieces, join_label_tails,
                   join_split_labels, merge_flat_fragments, merge_fragments, table_rows)

Mapped = tuple[int | float | None, CellSource]


@dataclass
class TableMapping:
    """What the tables of one document gave: cells by code, and what was seen."""

    cells: dict[str, Mapped] = field(default_factory=dict)
    found: set[str] = field(default_factory=set)  # table kinds located
    apply_rows: set[str] = field(default_factory=set)  # table 三 row keys printed
    active_rows: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    short_rows: dict[str, list[ValueCell]] = field(default_factory=dict)
    apply_group: str | None = None  # table 三's group in force where the last piece ended
    table_index: int | None = None  # the table being mapped: its index among the document's tables

    def put(self, code: str, value, source: CellSource) -> None:
        if code in self.cells:
            return
        self.cells[code] = (value, source)
        if value is None and source.raw and not is_value_token(source.raw):
            # a value cell that prints neither a number, a null marker nor a number with a
            # note on its parts ("2（3）"): no number is better than a guessed one
            self.findings.append(Finding("cell.unparsed", f"{code}: the cell prints {source.raw!r}, which is no "
                                         "number; left null", cells=(code,), column=code.rsplit(".", 1)[-1],
                                         table=T.table_of(code)))


# ---- classification ------------------------------------------------------------------------

_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "active": ("信息内容", "第二十条", "本年制发件数", "本年新制作数量", "处理决定数量", "行政事业性收费", "规范性文件"),
    "applications": ("自然人", "商业企业", "本年新收", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理",
                     "结转下年度", "上年结转"),
    "review": ("行政复议", "行政诉讼", "结果维持", "结果纠正", "尚未审结", "复议后起诉", "未经复议直接起诉"),
}


def classify(table: Table) -> str | None:
    """Which of the three statistical tables this is, from the words in it (or None).

    A piece of table 三 (a page's share of it, without its header) may hold none of the
    header words: its row labels, matched exactly, count too."""
    text = labels.squash(table.to_text())
    scores = {k: sum(1 for w in words if w in text) for k, words in _KIND_WORDS.items()}
    scores["applications"] += min(3, sum(1 for c in table.cells if labels.key(c.text) in _DISTINCT_APPLY_KEYS))
    kind = max(scores, key=lambda k: scores[k])
    return kind if scores[kind] >= 2 else None


# 其他 and 总计 are printed in table 四 too: no evidence of table 三
_DISTINCT_APPLY_KEYS = {labels.key(r.label) for r in T.APPLY_ROWS} - {"其他", "总计", "其他处理"}
_ROW_KEYS = {"active": {labels.key(x) for t in T.TEMPLATES for r in T.ACTIVE_ROWS[t] for x in (r.label, *r.aliases)},
             "applications": _DISTINCT_APPLY_KEYS}


def is_row_label(text: str) -> bool:
    """Exactly a row label of table 二 or 三."""
    k = labels.key(text)
    return k in _ROW_KEYS["active"] or k in _ROW_KEYS["applications"]


def continues(table: Table, kind: str) -> bool:
    """A piece too small to classify by itself (a page break left a table's last row alone
    at the top of the next page: "行政事业性收费 | 1.5") that prints a row of `kind`: a
    label matched exactly, and a value."""
    keys = _ROW_KEYS.get(kind, set())
    return (any(labels.key(c.text) in keys for c in table.cells)
            and any(is_value_token(c.text) for c in table.cells if labels.squash(c.text)))


def detect_template(tables: list[Table]) -> str | None:
    """"2019" or "2021" from table 二's column labels (spec: never from the notice cited)."""
    text = "".join(labels.squash(t.to_text()) for t in tables)
    hits = {v: sum(1 for m in marks if labels.squash(m) in text) for v, marks in T.TEMPLATE_MARKERS.items()}
    if hits["2021"] == hits["2019"]:
        return None
    return max(hits, key=lambda v: hits[v])


def template_from_applications(tables: list[Table]) -> str | None:
    """Without table 二, table 三's （六）其他处理 tells: three sub-rows ⇒ 2021, one row ⇒ 2019
    (canonical-record spec). Weaker evidence than table 二's labels, so used only after them."""
    text = "".join(labels.squash(t.to_text()) for t in tables)
    if "其他处理" not in text:
        return None
    return "2021" if ("逾期不补正" in text or "逾期未按收费通知" in text) else "2019"


# ---- table 二 -------------------------------------------------------------------------------

def map_active(table: Table, template: str, out: TableMapping) -> None:
    defs = T.ACTIVE_ROWS[template]  # type: ignore[index]
    candidates = {r.key: r.label for r in defs}
    aliases = {labels.key(a): r.key for r in defs for a in r.aliases}
    row_keys = {labels.key(lab) for lab in candidates.values()} | set(aliases)
    rows = attach_detached_values(table_rows(table, out.table_index), lambda t: labels.key(t) in row_keys)
    header: dict[int, str] = {}
    grid = table.grid() if table.columns_reliable else None
    for row in rows:
        if not row.values:
            if grid is not None and any(labels.key(t) == labels.key(T.ACTIVE_HEADER) for t in row.labels):
                header = {k: labels.key(c.text) for k, c in enumerate(grid[row.index]) if c is not None}
            continue
        rkey = None
        for text in row.labels:
            k = labels.key(text)
            rkey = next((r for r, lab in candidates.items() if labels.key(lab) == k), None) or aliases.get(k)
            if rkey:
                break
        if rkey is None:
            rkey, _ = labels.best_match(row.text, candidates, floor=0.8)
        for text in row.labels if rkey is None else []:
            # a four-character label printed with one character wrong (行政处法) is 0.75 like
            # its row and at most 0.5 like any other
            rkey, _ = labels.best_match(text, candidates, floor=0.75)
            if rkey:
                break
        if rkey is None:
            out.findings.append(Finding("row.unknown_label", f"table 二: unknown row label {row.text!r}",
                                        table="active"))
            continue
        adef = next(r for r in defs if r.key == rkey)
        _assign_active(adef, row, header, out)


def _assign_active(adef: T.ActiveRow, row: Row, header: dict[int, str], out: TableMapping) -> None:
    codes = [f"active.{adef.key}.{c.key}" for c in adef.columns]
    by_header: dict[str, ValueCell] = {}
    if header:
        names = {code: [col.label, *col.aliases] for col, code in zip(adef.columns, codes)}
        for v in row.values:
            h = header.get(v.col) if v.col is not None else None
            code = _column_named(h, names) if h else None
            if code:
                by_header.setdefault(code, v)
    if by_header:
        chosen = by_header
    elif len(row.values) == len(codes):
        chosen = dict(zip(codes, row.values))
    else:
        out.findings.append(Finding(
            "row.incomplete", f"table 二 row {adef.label}: {len(row.values)} values for {len(codes)} columns; "
            "cannot tell which is which", table="active"))
        out.active_rows.add(adef.key)
        return
    out.active_rows.add(adef.key)
    for code in codes:
        v = chosen.get(code)
        if v is None:
            continue
        money = code in T.MONEY_CODES
        out.put(code, v.parsed(money).value, v.source(money))


def _column_named(head: str, names: dict[str, list[str]]) -> str | None:
    """The column whose label (or an alias) the header text is, or, failing that, the one it
    resembles closely: a header printed with one character wrong (本年废至件数) is still its
    column, while 本年制发件数 and 本年废止件数 stay apart (they share only 本年…件数)."""
    for code, texts in names.items():
        if head in {labels.key(t) for t in texts}:
            return code
    code, _ = labels.best_match(head, {f"{code}\0{i}": t for code, texts in names.items() for i, t in enumerate(texts)},
                                floor=0.8)
    return code.split("\0")[0] if code else None


# ---- table 三 -------------------------------------------------------------------------------

_GROUP_KEYS = {labels.key(g): g for g in T.APPLY_GROUPS}
_TOP_LEVEL = {"new", "carried_in", "carried_forward"}


def _apply_candidates(group: str | None) -> dict[str, str]:
    rows = [r for r in T.APPLY_ROWS if r.key != "other"]
    if group in (T.G_WITHHELD, T.G_UNAVAILABLE, T.G_REJECTED, T.G_OTHER):
        rows = [r for r in rows if r.group == group]
    else:
        rows = [r for r in rows if r.group not in (T.G_WITHHELD, T.G_UNAVAILABLE, T.G_REJECTED, T.G_OTHER)]
    return {r.key: r.label for r in rows}


def match_apply_row(row: Row, group: str | None) -> tuple[str | None, str | None]:
    """(row key, group in force after this row) for one row of table 三.

    The row-spanning group labels may themselves be cut (a wrapped cell, a page break) or
    misread (OCR), so the group in force may be wrong or unknown: a label that matches no
    row of its group may still match one row of the whole template closely
    (≥ WHOLE_TEMPLATE_FLOOR)."""
    for text in row.labels[:-1]:
        g = _GROUP_KEYS.get(labels.key(text))
        if g:
            group = g
    leaf = row.leaf
    k = labels.key(leaf)
    if not k:
        return None, group
    g = _GROUP_KEYS.get(k)
    if g is not None:
        if g == T.G_OTHER and row.values:
            return "other", T.G_RESULTS  # the one-row （六）其他处理
        return None, g  # a group label on a row of its own
    if k == "其他" and group == T.G_OTHER:
        return "other.other", group
    for grp in ([group] if group else []) + [None, T.G_WITHHELD, T.G_UNAVAILABLE, T.G_REJECTED, T.G_OTHER]:
        cands = _apply_candidates(grp)
        exact = next((rk for rk, lab in cands.items() if labels.key(lab) == k and lab != "3.其他"), None)
        if exact:
            return exact, _group_after(exact, grp)
    # Fuzzy, within the group in force only: a printed typo or an OCR slip.
    cands = {rk: lab for rk, lab in _apply_candidates(group).items() if rk != "other.other"}
    rk, score = labels.best_match(leaf, cands, floor=0.7)
    if rk is None and group:
        rk, score = _by_number(leaf, group, score)
    if rk is None:  # the group label itself may be cut or misread (OCR, a wrapped cell)
        every = {r.key: r.label for r in T.APPLY_ROWS if r.key not in ("other", "other.other")}
        rk, _ = labels.best_match(leaf, every, floor=WHOLE_TEMPLATE_FLOOR)
        if rk:
            grp = next(r.group for r in T.APPLY_ROWS if r.key == rk)
            return rk, _group_after(rk, grp)
    return (rk, _group_after(rk, group)) if rk else (None, group)


WHOLE_TEMPLATE_FLOOR = 0.8
"""Across the whole template (not only the group in force), a row label must be this close
to one row's label."""


def _by_number(leaf: str, group: str, score: float) -> tuple[str | None, float]:
    """Within a group, "2.<garbled>" is the group's second row if the text half-agrees."""
    n = labels.enum_number(leaf)
    rows = [r for r in T.APPLY_ROWS if r.group == group]
    if n and 1 <= n <= len(rows) and labels.similarity(labels.key(leaf), labels.key(rows[n - 1].label)) >= 0.5:
        return rows[n - 1].key, score
    return None, score


def _group_after(rkey: str | None, group: str | None) -> str | None:
    if rkey in _TOP_LEVEL:
        return None
    if rkey in ("granted", "partial", "result_total", "other"):
        return T.G_RESULTS
    return group


def apply_column_map(heads: list[str]) -> dict[int, str]:
    """Grid column → table 三 column key, from the header texts above each column.

    A header printed or read with a character wrong (OCR: 自然文 for 自然人) still names its
    column where it is the only one left: one template column unnamed, and one header
    between its named neighbours that resembles its label (`COLUMN_LEFT_FLOOR`)."""
    strip = [labels.squash(h) for h in T.APPLY_HEADER_LABELS]
    out: dict[int, str] = {}
    leaves: dict[int, str] = {}
    for k, h in enumerate(heads):
        parts = [p for p in h.split("|") if p and p not in strip]
        if not parts:
            continue
        leaf = leaves[k] = labels.key(parts[-1])
        for c in T.APPLY_COLUMNS:
            if leaf == labels.key(c.label):
                out[k] = c.key
    order = [c.key for c in T.APPLY_COLUMNS]
    left = [i for i, key in enumerate(order) if key not in out.values()]
    if len(left) == 1 and len(set(out.values())) == len(out):
        i = left[0]
        at = {key: k for k, key in out.items()}
        lo = max((at[key] for key in order[:i] if key in at), default=-1)
        hi = min((at[key] for key in order[i + 1:] if key in at), default=len(heads))
        label = labels.key(T.APPLY_COLUMNS[i].label)
        near = [k for k, leaf in leaves.items() if lo < k < hi and k not in out
                and labels.similarity(leaf, label) >= COLUMN_LEFT_FLOOR]
        if len(near) == 1:
            out[near[0]] = order[i]
    return out


COLUMN_LEFT_FLOOR = 0.5
"""The one table 三 header left unnamed must resemble its column's label this much (自然文
and 自然人: 0.67); a spacer's stray mark or the row-label column's note never does."""


def _is_apply_label(text: str) -> bool:
    k = labels.key(text)
    if k in _GROUP_KEYS or k in _APPLY_KEYS:
        return True
    return labels.best_match(text, {r.key: r.label for r in T.APPLY_ROWS}, floor=0.7)[0] is not None


_APPLY_KEYS = {labels.key(r.label) for r in T.APPLY_ROWS}


def _is_exact_apply_label(text: str) -> bool:
    k = labels.key(text)
    return k in _APPLY_KEYS or k in _GROUP_KEYS


def _is_leaf_apply_label(text: str) -> bool:
    """A row label of table 三 that carries values (not a group, not a header word), exactly
    or with a printed typo (申清 for 申请): close to one row's label across the template."""
    k = labels.key(text)
    if k in _GROUP_KEYS or k == "总计":
        return False
    return k in _APPLY_KEYS or labels.best_match(text, _LEAF_LABELS, floor=WHOLE_TEMPLATE_FLOOR)[0] is not None


_LEAF_LABELS = {r.key: r.label for r in T.APPLY_ROWS if r.key not in ("other", "other.other")}


def map_applications(table: Table, out: TableMapping, prev_colmap: dict[int, str] | None = None
                     ) -> dict[int, str] | None:
    rows = join_label_pieces(table_rows(table, out.table_index), _is_exact_apply_label)
    rows = join_label_tails(rows, _is_exact_apply_label)
    rows = attach_detached_values(rows, _is_leaf_apply_label)
    rows = join_split_labels(rows, _is_exact_apply_label, _is_apply_label)
    merge = merge_fragments if table.columns_reliable else merge_flat_fragments
    rows = merge(rows, _is_apply_label)
    # a piece of table 三 continued from the previous page carries on the group in force
    group: str | None = out.apply_group
    matched: list[tuple[Row, str]] = []
    for row in rows:
        rkey, group = match_apply_row(row, group)
        # Header rows come first and carry labels such as 总计 but no values (or a stray
        # null mark, "_" in a spacer column's header cell); a labelled row without values
        # after the data has started is a printed row of blank cells.
        if rkey and (row.values or matched) and not (not matched and _header_row(row)):
            matched.append((row, rkey))
        elif row.values and len(row.values) >= 3 and row.labels:
            out.findings.append(Finding("row.unknown_label", f"table 三: unknown row label {row.text!r}",
                                        table="applications"))
    out.apply_group = group
    colmap = None
    if table.columns_reliable and matched:
        first = matched[0][0].index
        colmap = apply_column_map(column_headers(table, range(first))) if first > 0 else None
        if not _complete(colmap) and prev_colmap and max(prev_colmap) < table.n_cols:
            colmap = _carried_colmap(prev_colmap, [row for row, _ in matched])
    order = [c.key for c in T.APPLY_COLUMNS]
    for row, rkey in matched:
        if rkey in out.apply_rows:
            continue
        out.apply_rows.add(rkey)
        assigned = _by_columns(row, colmap) if _complete(colmap) else None
        if assigned is None:
            if len(row.values) != len(order) and not table.columns_reliable:
                row = _with_printed_apply_blanks(table, row, len(order)) or row
            if len(row.values) == len(order):
                assigned = dict(zip(order, row.values))
            else:
                out.short_rows[rkey] = row.values
                continue
        for col, v in assigned.items():
            out.put(f"apply.{rkey}.{col}", v.parsed().value, v.source())
    return colmap if _complete(colmap) else prev_colmap


_COLUMN_KEYS = {labels.key(c.label) for c in T.APPLY_COLUMNS}


def _header_row(row: Row) -> bool:
    """A row of column headers (its leaf is a column's label, 总计 or 自然人) without a number."""
    return labels.key(row.leaf) in _COLUMN_KEYS and all(v.parsed().value is None for v in row.values)


def _with_printed_apply_blanks(table: Table, row: Row, width: int) -> Row | None:
    """A table 三 row from a flattened dump that kept its blank cells as empty ones
    ("⇥一、本年新收…⇥5⇥⇥⇥⇥⇥⇥9": 法人 columns blank; "…⇥3⇥1⇥0⇥0⇥0⇥0⇥": 总计 blank): exactly
    `width` cells after the row's last label are the columns, an empty one a printed blank
    (null, never a zero, never computed). One more cell is a padding or spacer cell where
    exactly one end is empty, or where both are and the table's other rows show at which end
    it stands; any other count leaves the row short (a lost cell)."""
    slots = _slots(table.rows()[row.index])
    if len(slots) == width + 1:
        side = _padding_side(slots) or _table_padding_side(table, width)
        slots = slots[1:] if side == "first" else slots[:-1] if side == "last" else slots
    if len(slots) != width:
        return None
    printed = [c for c in slots if labels.squash(c.text)]
    if [id(c) for c in printed] != [id(v.cell) for v in row.values]:  # the row's own values, in order
        return None
    table_index = row.values[0].table if row.values else None
    return Row(row.index, row.labels, [ValueCell(c, None, table_index) for c in slots])


def _slots(cells: list) -> list:
    """A flattened row's cells after its last label: its values and its empty cells."""
    labelled = [i for i, c in enumerate(cells) if labels.squash(c.text) and not is_value_token(c.text)]
    return cells[labelled[-1] + 1:] if labelled else cells


def _padding_side(slots: list) -> str | None:
    first_empty, last_empty = (not labels.squash(c.text) for c in (slots[0], slots[-1]))
    return None if first_empty == last_empty else "first" if first_empty else "last"


def _table_padding_side(table: Table, width: int) -> str | None:
    """The end at which the rows of one more cell than columns all show their padding (a
    spacer column between labels and values), where they agree."""
    sides = {_padding_side(s) for s in map(_slots, table.rows()) if len(s) == width + 1} - {None}
    return sides.pop() if len(sides) == 1 else None


def _carried_colmap(prev: dict[int, str], rows: list[Row]) -> dict[int, str] | None:
    """The previous piece's column map, for a piece of table 三 that prints no header of its
    own, where it fits this piece's grid. A piece is a grid of its own: a PDF's next table
    may have one label column more or less than the first (its own rulings), so the value
    columns stand elsewhere. Where a row of all seven values shows the map's columns moved
    by one offset, the map moves with them; a map that leaves a value outside its columns
    does not fit (its cells would be dropped unsaid, or shifted into the wrong column), and
    the rows are then read by their count of values."""
    keys = sorted(prev)
    for row in rows:
        cols = [v.col for v in row.values]
        if len(cols) == len(keys) and None not in cols:
            shift = cols[0] - keys[0]  # type: ignore[operator]
            if cols == [k + shift for k in keys]:
                prev = {k + shift: code for k, code in prev.items()}
            break
    fits = all(v.col in prev for row in rows for v in row.values)
    return prev if fits else None


def _complete(colmap: dict[int, str] | None) -> bool:
    return bool(colmap) and set(colmap.values()) == {c.key for c in T.APPLY_COLUMNS}


def _by_columns(row: Row, colmap: dict[int, str]) -> dict[str, ValueCell]:
    out: dict[str, ValueCell] = {}
    for v in row.values:
        if v.col is not None and v.col in colmap:
            out.setdefault(colmap[v.col], v)
    return out


# ---- table 四 -------------------------------------------------------------------------------

def _review_block(head: str) -> str | None:
    text = "".join(head.split("|"))
    for b in ("suit_direct", "suit_after_review", "review"):
        lab = labels.squash(next(x.label for x in T.REVIEW_BLOCKS if x.key == b))
        if lab in text:
            return b
    return None


def _review_code(head: str) -> str | None:
    parts = head.split("|")
    block = _review_block(head)
    leaf = labels.key(parts[-1]) if parts else ""
    col = next((c.key for c in T.REVIEW_COLUMNS if labels.key(c.label) == leaf), None)
    return f"{block}.{col}" if block and col else None


def _review_codes(heads: list[str]) -> list[str | None]:
    """Each grid column's table 四 code by its header. As in `apply_column_map`, a leaf label
    read with a character wrong ("总i计" from a picture: 讠 read as i) still names the one
    code left: one code unnamed, and one header under that code's block, between the code's
    named neighbours, that resembles its label (`COLUMN_LEFT_FLOOR`)."""
    codes = [_review_code(h) for h in heads]
    order = [f"{b.key}.{c.key}" for b in T.REVIEW_BLOCKS for c in T.REVIEW_COLUMNS]
    left = [i for i, code in enumerate(order) if code not in codes]
    if len(left) == 1 and len({c for c in codes if c}) == len([c for c in codes if c]):
        i = left[0]
        block, leaf = order[i].split(".")
        at = {code: k for k, code in enumerate(codes) if code}
        lo = max((at[c] for c in order[:i] if c in at), default=-1)
        hi = min((at[c] for c in order[i + 1:] if c in at), default=len(heads))
        label = labels.key(next(c.label for c in T.REVIEW_COLUMNS if c.key == leaf))
        near = [k for k in range(lo + 1, hi) if codes[k] is None and _review_block(heads[k]) == block
                and labels.similarity(labels.key(heads[k].split("|")[-1]), label) >= COLUMN_LEFT_FLOOR]
        if len(near) == 1:
            codes[near[0]] = order[i]
    return codes


def review_leaf_order(rows: list[Row]) -> list[str]:
    """Table 四's column order as its header prints it (first five leaf labels)."""
    leaves = []
    for row in rows:
        for t in row.labels:
            k = labels.key(t)
            c = next((c.key for c in T.REVIEW_COLUMNS if labels.key(c.label) == k), None)
            if c:
                leaves.append(c)
    first = leaves[:5]
    return first if sorted(first) == sorted(c.key for c in T.REVIEW_COLUMNS) else [c.key for c in T.REVIEW_COLUMNS]


def _with_printed_blanks(table: Table, data: Row) -> Row | None:
    """Table 四's data row from a flattened dump that kept its blank cells as empty ones
    ("⇥1⇥0⇥⇥⇥…"): fifteen cells after the labels (one more when a converter's padding cell
    leads or trails) are the fifteen columns, a blank one null. Accepted only where every
    block's 总计 = sum of its four parts holds wherever all five are printed, and at least
    one block is printed whole: otherwise which blank is which cannot be told."""
    cells = [c for c in table.rows()[data.index] if not labels.squash(c.text) or is_value_token(c.text)]
    if len(cells) == 16 and not cells[0].text.strip():
        cells = cells[1:]
    elif len(cells) == 16 and not cells[-1].text.strip():
        cells = cells[:-1]
    if len(cells) != 15:
        return None
    values = [parse(c.text).value for c in cells]
    whole = 0
    for b in range(3):
        block = values[5 * b: 5 * b + 5]
        if all(isinstance(v, (int, float)) for v in block):
            if sum(block[:4]) != block[4]:
                return None
            whole += 1
    if not whole:
        return None
    table_index = data.values[0].table if data.values else None
    return Row(data.index, data.labels, [ValueCell(c, None, table_index) for c in cells])


def review_shaped(table: Table) -> bool:
    """One row holds table 四's fifteen values (printed blanks counted where a dump kept them)."""
    rows = table_rows(table)
    if any(len(r.values) == 15 for r in rows):
        return True
    data = max(rows, key=lambda r: len(r.values), default=None)
    return bool(data and not table.columns_reliable and _with_printed_blanks(table, data))


def map_review(table: Table, out: TableMapping) -> bool:
    rows = table_rows(table, out.table_index)
    data = max(rows, key=lambda r: len(r.values), default=None)
    if data is None or len(data.values) < 5:
        return False
    codes: dict[str, ValueCell] = {}
    header_complete = False
    if table.columns_reliable:
        heads = column_headers(table, range(data.index))
        named = _review_codes(heads)
        for v in data.values:
            code = named[v.col] if v.col is not None and v.col < len(heads) else None
            if code:
                codes.setdefault(code, v)
        # the header names all fifteen columns: a blank data cell is a printed blank (null)
        header_complete = len({c for c in named if c}) == 15
    if len(codes) != 15 and not header_complete:
        if len(data.values) != 15 and not table.columns_reliable:
            data = _with_printed_blanks(table, data) or data
        if len(data.values) != 15:
            out.findings.append(Finding("row.incomplete", f"table 四: {len(data.values)} values for 15 columns; "
                                        "cannot tell which is which", table="review"))
            return True
        leaves = review_leaf_order(rows[: data.index])
        order = [f"{b.key}.{c}" for b in T.REVIEW_BLOCKS for c in leaves]
        codes = dict(zip(order, data.values))
    for code, v in codes.items():
        out.put(code, v.parsed().value, v.source())
    return True
