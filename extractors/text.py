"""Plain-text dumps of reports (Apache Tika-style conversions of Word files, like the seeds).

What such a dump looks like (shared/research/format.md §5.3):
- table rows flattened to tab-separated lines, with the converter's padding cells and
  cells shifted left or right per row ("⇥(三) 不予公开⇥1. 属于国家秘密⇥0⇥…");
- or one cell per line ("⇥value"), rows separated by blank lines (seed 004), labels
  wrapped inside a cell ("⇥商业\\n企业"), and a whitespace-only fake cell whose value
  wrapped onto the next line without its tab ("⇥\\u2002\\n0");
- `[image: name]` where a picture was, `[bookmark: _GoBack]` glued to text;
- chart captions and chart data after the signature that look like table rows.

Tables come out with `columns_reliable=False`: a cell's position in its row is known, its
true column is not.
"""
from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from core.document import Cell, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from core.errors import BadDocument
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
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = ExtractedDocument(format=FORMAT)
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line:
            j = _table_end(lines, i)
            table = lines_to_table(lines[i:j])
            if table is not None:
                doc.blocks.append(table)
            i = j
            continue
        _append_text_line(doc, line)
        i += 1
    return doc


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
        if "\t" in line:
            prev_blank = False
        elif not line.strip():
            prev_blank = True
        elif not prev_blank and _is_continuation(line):
            pass
        else:
            break
        i += 1
    while i > start and not lines[i - 1].strip():
        i -= 1
    return i


def _is_continuation(line: str) -> bool:
    s = line.strip()
    return len(s) <= _CONTINUATION_MAX and not _HEADING_START.match(s) and not _MARKER.search(s)


def lines_to_table(lines: list[str]) -> Table | None:
    """Rows from a table's lines, in either dump shape."""
    rows = _one_cell_per_line_rows(lines) if _is_one_cell_per_line(lines) else _tab_rows(lines)
    cells = [Cell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    if not cells:
        return None
    return Table(cells=cells, columns_reliable=False)


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
    for line in lines:
        if not line.strip():
            continue
        if "\t" not in line and rows:
            rows[-1][-1] = rows[-1][-1] + line.strip()  # a wrapped last cell
            continue
        rows.append([_clean_cell(c) for c in line.split("\t")])
    return rows


def _one_cell_per_line_rows(lines: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() and "\t" not in line:
            if current:
                rows.append(current)
                current = []
            continue
        if "\t" in line:
            current.append(line.split("\t", 1)[1])
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
