"""Plain-text dumps of reports (Apache Tika-style conversions of Word files, like the seeds).

What such a dump looks like (shared/research/format.md §5.3):
- table rows flattened to tab-separated lines, with the converter's padding cells and
  cells shifted left or right per row ("⇥(三) 不予公开⇥1. 属于国家秘密⇥0⇥…");
- or one cell per line ("⇥value"), rows separated by blank lines (seed 004), labels
  wrapped inside a cell ("⇥商业\\n企业"), and a whitespace-only fake cell whose value
  wrapped onto the next line without its tab ("⇥\\u2002\\n0");
- `[image: name]` where a picture was, `[bookmark: _GoBack]` glued to text;
- chart captions and chart data after the signature that look like table rows.

Other tools' dumps (shared/variety.md, "Text dumps"):
- Markdown from PDF converters: `| a | b |` rows with `|---|` separator rows;
- page-text dumps where each cell ends with ` |` on its own line;
- in any of them, a bare page number on a line between two rows of a table cut by a page:
  no cell, never joined to the value before it.

Tab tables come out with `columns_reliable=False`: a cell's position in its row is known,
its true column is not. A Markdown table whose rows all have the same number of cells is a
real grid (the pipes delimit every cell, blanks included).

Every loop over lines advances by at least one line per step: a table starts at a table
line and `_table_end` returns an index past it.
"""
from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from core.document import Cell, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from core.errors import BadDocument
from core.values import is_value_token
from extractors.html_decode import wide_codec

FORMAT = "txt"

_MARKER = re.compile(r"\[(image|bookmark):\s*([^\]]*)\]")
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
# A line that continues the previous cell (a wrapped label or value) is short and is not a
# section heading of its own.
_CONTINUATION_MAX = 12
_HEADING_START = re.compile(r"^[一二三四五六七八九十]+、")


def can_read(head: bytes, path: Path) -> bool:
    """Text is the fallback format: any bytes without binary control characters that decode
    (UTF-16/32 text, whose zero bytes are not control characters, included)."""
    if wide_codec(head) is not None:
        return True
    if _BINARY_CONTROL.search(head[:4096]):
        return False
    return _decode(head, strict=False) is not None


def _decode(data: bytes, strict: bool = True) -> str | None:
    wide = wide_codec(data)
    if wide is not None:  # UTF-16/32, with a BOM or without
        try:
            return data.decode(wide)
        except UnicodeDecodeError as exc:
            # a head cut inside a code unit is still that encoding
            return None if strict or exc.start < len(data) - 4 else data[: exc.start].decode(wide)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            # A head cut in the middle of a multi-byte character is still that encoding.
            if not strict and exc.start >= len(data) - 3:
                return data[: exc.start].decode(enc)
    best = from_bytes(data).best()
    return str(best) if best is not None else None


def extract(path: Path) -> ExtractedDocument:
    data = Path(path).read_bytes()
    text = _decode(data)
    if text is None:
        raise BadDocument("text file in an unknown encoding")
    if not text.strip():
        raise BadDocument("empty file")
    return text_to_document(text)


def text_to_document(text: str) -> ExtractedDocument:
    """Split a dump into text blocks, tables (runs of tab lines) and image placeholders."""
    text, html_tables = _take_html_tables(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    doc = ExtractedDocument(format=FORMAT)
    i = 0
    while i < len(lines):
        line = lines[i]
        held = _HTML_SLOT.fullmatch(line.strip())
        if held:
            doc.blocks.append(html_tables[int(held.group(1))])
            i += 1
            continue
        if _is_table_line(line):
            j = _table_end(lines, i)
            table = lines_to_table(lines[i:j])
            if table is not None:
                doc.blocks.append(table)
            i = j
            continue
        _append_text_line(doc, line)
        i += 1
    return doc


_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.I | re.S)
_HTML_SLOT = re.compile("\x00table(\\d+)\x00")


def _take_html_tables(text: str) -> tuple[str, list[Table]]:
    """HTML `<table>`s inside a dump (PDF-to-Markdown converters print merged tables so),
    read with the HTML reader's span placement; each leaves a slot line in the text."""
    if "<table" not in text.lower():
        return text, []
    import lxml.html

    from extractors.html_tables import table_to_blocks

    tables: list[Table] = []

    def take(m: re.Match) -> str:
        try:
            el = lxml.html.fragment_fromstring(m.group(0))
        except Exception:  # lxml's parser errors vary; unreadable markup stays text
            return m.group(0)
        table, _ = table_to_blocks(el, lambda td: (" ".join(td.text_content().split()), []))
        if table is None:
            return ""
        tables.append(table)
        return f"\n\x00table{len(tables) - 1}\x00\n"

    return _HTML_TABLE.sub(take, text), tables


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_CELL = re.compile(r"\S.*\s\|\s*$|^\s*\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-{0,}:?\s*\|?\s*$")


# a converter's line breaks and emphasis inside a cell ("一、本年新收<br>政府信息…", "**总计**")
_MD_MARKUP = re.compile(r"<br\s*/?>|\*\*|__")


def _is_pipe_line(line: str) -> bool:
    """A Markdown row (`| a | b |`), a rule row (`|---|---|`) or one cell ending with ` |`."""
    return bool(_PIPE_ROW.match(line) or _PIPE_CELL.match(line) or _MD_RULE.match(line))


def _is_table_line(line: str) -> bool:
    return "\t" in line or _is_pipe_line(line)


def _append_text_line(doc: ExtractedDocument, line: str) -> None:
    for m in _MARKER.finditer(line):
        if m.group(1) == "image":
            doc.blocks.append(ImageBlock(ref=m.group(2).strip() or None, prov=Provenance(method="text")))
    clean = _MARKER.sub("", line).strip()
    if clean:
        doc.blocks.append(TextBlock(clean))


def _table_end(lines: list[str], start: int) -> int:
    """Index just past the table that starts at `start`.

    A table is a run of tab lines; blank lines inside it separate rows (one-cell-per-line
    dumps), and a short line without a tab right after a tab line continues that line's last
    cell. A line of text after a blank line ends the table.
    """
    i = start
    prev_blank = False
    while i < len(lines):
        line = lines[i]
        if _is_table_line(line):
            prev_blank = False
        elif not line.strip():
            prev_blank = True
        elif not prev_blank and (_is_continuation(line) or _wraps_into_next(lines, i)):
            pass
        elif prev_blank and _opens_pipe_cell(lines, i):
            pass
        else:
            break
        i += 1
    # Trailing blank lines are not the table's; a line holding only a tab is (an empty cell),
    # and so is a line of whitespace where rows are apart by empty lines (`_whitespace_cell`).
    while i > start + 1 and not lines[i - 1].strip() and not _is_table_line(lines[i - 1]) \
            and not _whitespace_cell(lines, i - 1, start):
        i -= 1
    return max(i, start + 1)


def _whitespace_cell(lines: list[str], i: int, start: int, end: int | None = None) -> bool:
    """Line `i`, whitespace only, is an empty cell of a one-cell-per-line dump: some Tika
    builds write an empty cell as a line of spaces (or U+3000) without a tab, and part rows
    with truly empty lines. Where the table parts no rows with an empty line, a whitespace
    line is only a separator."""
    return bool(lines[i]) and not lines[i].strip() and "" in lines[start:i if end is None else end]


def _opens_pipe_cell(lines: list[str], i: int) -> bool:
    """After a blank line in a dump of one `cell |` per line (rows apart by blank lines), a
    line of words that a `cell |` line follows is the first line of a row's wrapped first
    cell ("4.保护第三\n方合法权益 |"), not text after the table: a cell's lines come before
    its " |"."""
    before = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
    return (i + 1 < len(lines) and bool(_PIPE_CELL.match(lines[i + 1])) and not _PIPE_ROW.match(lines[i + 1])
            and bool(_PIPE_CELL.match(before)) and _wraps_into_next(lines, i))


def _wraps_into_next(lines: list[str], i: int) -> bool:
    """A line of words between two table lines is a cell's text wrapped across lines, however
    long ("1.申请人无正当理由逾期不补正、\n行政机关不再处理…⇥0⇥0")."""
    s = lines[i].strip()
    return (i + 1 < len(lines) and _is_table_line(lines[i + 1]) and not _HEADING_START.match(s)
            and not _MARKER.search(s))


def _is_continuation(line: str) -> bool:
    s = line.strip()
    return len(s) <= _CONTINUATION_MAX and not _HEADING_START.match(s) and not _MARKER.search(s)


def lines_to_table(lines: list[str]) -> Table | None:
    """Rows from a table's lines, in any dump shape."""
    tab_lines = sum(1 for ln in lines if "\t" in ln)
    pipe_lines = sum(1 for ln in lines if "\t" not in ln and _is_pipe_line(ln))
    if pipe_lines > tab_lines:
        return _pipe_table(lines)
    rows = _one_cell_per_line_rows(lines) if _is_one_cell_per_line(lines) else _tab_rows(lines)
    cells = [Cell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    if not cells:
        return None
    return Table(cells=cells, columns_reliable=False)


def _split_pipes(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [_clean_cell(_MD_MARKUP.sub("", c)) for c in s.split("|")]


def _pipe_table(lines: list[str]) -> Table | None:
    """A Markdown table, or a dump with one `cell |` per line (rows split by blank lines)."""
    body = [ln for ln in lines if not _MD_RULE.match(ln)]
    split = [_split_pipes(ln) if _is_pipe_line(ln) else None for ln in body]
    singles = [c for c in split if c is not None and len(c) == 1]
    if len(singles) >= 0.9 * sum(1 for c in split if c is not None):
        return _cell_per_line_table(body)
    rows: list[list[str]] = []
    for ln, cells in zip(body, split):
        if cells is not None:
            rows.append(cells)
        elif ln.strip() and rows and _page_number(ln, rows[-1][-1]):
            continue
        elif ln.strip() and rows:
            rows[-1][-1] += _clean_cell(ln)  # a wrapped last cell
    if not rows:
        return None
    widths = {len(r) for r in rows}
    if len(widths) == 1:
        return Table(cells=_markdown_grid(rows), columns_reliable=True)
    cells = [Cell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(cells=cells, columns_reliable=False)


def _page_number(line: str, last: str) -> bool:
    """A line holding only a number after a row whose last cell is a number or empty: the
    page number of a page that ended between two rows (a PDF converter left it there). It
    is no part of any cell: joined to the last one it made 13 of 1, or a number where the
    report prints a blank."""
    return is_value_token(line.strip()) and (is_value_token(last) or not last.strip())


def _markdown_grid(rows: list[list[str]]) -> list[Cell]:
    """Markdown cannot merge cells: a converter prints a merged header cell once and leaves
    the cells it covered blank. In a row without a single number (a header row), a blank
    cell right of a text cell is taken as covered by it, as long as the row above has one
    cell over both (a span never crosses a column boundary of the header above it); data
    rows keep their blanks."""
    out: list[Cell] = []
    owner_above: list[int] | None = None  # per column, the index of the cell above
    for r, row in enumerate(rows):
        header = not any(is_value_token(t) for t in row)
        owner: list[int] = []
        c = 0
        while c < len(row):
            span = 1
            if header and row[c]:
                while (c + span < len(row) and not row[c + span]
                       and (owner_above is None or owner_above[c + span] == owner_above[c])):
                    span += 1
            out.append(Cell(row=r, col=c, text=row[c], col_span=span))
            owner += [len(out)] * span
            c += span
        owner_above = owner
    return out


def _cell_per_line_table(lines: list[str]) -> Table | None:
    rows: list[list[str]] = []
    current: list[str] = []
    head = ""  # the first lines of a cell that wrapped: the cell ends at its " |"
    for ln in lines + [""]:
        if _is_pipe_line(ln):
            cells = _split_pipes(ln)
            cells[0] = head + cells[0]
            head = ""
            current.extend(cells)
        elif not ln.strip():
            if current:
                rows.append(current)
                current = []
        elif not head and is_value_token(ln.strip()):
            continue  # a number alone where a cell's first line would be: a page number (`_page_number`)
        else:
            head += _clean_cell(ln)
    rows = [piece for row in rows for piece in _split_at_labels(row)]
    cells = [Cell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(cells=cells, columns_reliable=False) if cells else None


def _split_at_labels(cells: list[str]) -> list[list[str]]:
    """A row's labels come before its values: a label after a value starts the next row
    (a dump that prints no blank line between rows)."""
    out: list[list[str]] = [[]]
    seen_value = False
    for t in cells:
        value = not t or is_value_token(t)
        if not value and seen_value:
            out.append([])
            seen_value = False
        out[-1].append(t)
        seen_value = seen_value or value
    return [r for r in out if r]


def _is_one_cell_per_line(lines: list[str]) -> bool:
    tab_lines = [ln for ln in lines if "\t" in ln]
    single = [ln for ln in tab_lines if ln.count("\t") == 1 and ln.startswith("\t")]
    return len(tab_lines) >= 3 and len(single) >= 0.9 * len(tab_lines)


def _clean_cell(text: str) -> str:
    text = _MARKER.sub("", text)
    # U+2002 and friends are not matched by every splitter; collapse all whitespace here.
    return " ".join(text.split())


def _tab_rows(lines: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    # Tika starts every row with a tab (its padding cell); where it does, a line that starts
    # with text continues the row above: the rest of a wrapped cell, then that row's cells.
    tab_lines = [ln for ln in lines if "\t" in ln]
    padded = len(tab_lines) >= 3 and sum(ln.startswith("\t") for ln in tab_lines) >= 0.5 * len(tab_lines)
    loose = -1  # index of a row begun by a line of words without a tab (a wrapped label's start)
    last = ""  # the last line read into a row, as printed
    for line in lines:
        if not line.strip():
            continue
        before, last = last, line
        if rows and "\t" in line and not line.startswith("\t") and not any(is_value_token(c) for c in rows[-1]) \
                and (padded or loose == len(rows) - 1):
            first, *rest = [_clean_cell(c) for c in line.split("\t")]
            if padded or any(is_value_token(c) for c in rest):  # unpadded: the tail comes with its values
                rows[-1][-1] = rows[-1][-1] + first
                rows[-1].extend(rest)
                loose = -1
                continue
        if "\t" not in line and rows:
            if is_value_token(rows[-1][-1]) and not is_value_token(line.strip()):
                rows.append([_clean_cell(line)])  # a number never wraps into words: a row of one cell
                loose = len(rows) - 1
            elif is_value_token(line.strip()) and (is_value_token(rows[-1][-1]) or before.endswith("\t")):
                # A number alone after a row that ends in a number, or in an empty cell (a line
                # ending with its tab: a printed blank), is no part of it: a page number between
                # two rows of a PDF's text ("…⇥0⇥1" / "3"). Joined it made 13 of 1, or a number
                # where the report prints a blank; a row of its own, without a label, it is
                # matched to nothing. (A whitespace-only last cell, "⇥\u2002", still takes
                # the value that wrapped onto the next line.)
                rows.append([_clean_cell(line)])
            else:
                rows[-1][-1] = rows[-1][-1] + line.strip()  # a wrapped last cell
            continue
        rows.append([_clean_cell(c) for c in line.split("\t")])
    return rows


def _one_cell_per_line_rows(lines: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip() and "\t" not in line:
            if _whitespace_cell(lines, i, 0, end=len(lines)):
                current.append("")
                continue
            if current:
                rows.append(current)
                current = []
            continue
        if "\t" in line:
            current.append(line.split("\t", 1)[1])
        elif current and is_value_token(line.strip()) and (is_value_token(current[-1]) or current[-1] == ""):
            # a number alone after a number cell or an empty one ("⇥" alone: a printed blank)
            # is a page number, as in `_tab_rows`: it ends the row and stands as one of its
            # own, never joined (1 and 3 made 13); a whitespace-only fake cell ("⇥\u2002")
            # still takes the value that wrapped onto the next line (seed 004)
            rows += [current, [line.strip()]]
            current = []
        elif current:
            current[-1] = current[-1] + "\n" + line  # wrapped label or value
        else:
            current.append(line)
    if current:
        rows.append(current)
    out = []
    for row in rows:
        cleaned = [_join_wrapped(c) for c in row]
        out.append(cleaned)
    return out


def _join_wrapped(text: str) -> str:
    """A cell wrapped over lines: CJK pieces join without a space ("商业\\n企业" → "商业企业")."""
    parts = [_clean_cell(p) for p in text.split("\n")]
    return "".join(p for p in parts if p)
