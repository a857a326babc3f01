"""Excel 2007+ workbooks (.xlsx/.xlsm, and `.xls`/`.et` after LibreOffice) → tables.

Agencies post the statistics tables alone as a workbook, one table per sheet or several
stacked on one sheet. Each sheet gives, in order: its name as a heading `TextBlock`, then
one block per run of non-blank rows — a `Table` (merged cells kept as spans, columns
reliable) or, for a run one column wide (a title, a note), a `TextBlock` per row — then
the pictures anchored in it (a table pasted as an image, for OCR). Blank rows split a
sheet into runs, so three tables stacked on one sheet become three `Table`s, each
classified on its own by the normalizer; blank columns are dropped.

Cells read as printed: the cached value of a formula (`data_only`; a formula never
calculated has none and reads blank), integer-valued floats without ".0", fixed decimals
and thousands separators as the number format asks, dates as ISO dates.

openpyxl is opened with `read_only=False`: read-only mode streams rows but does not load
merged-cell ranges, which carry the table's structure. The used range is walked through
the worksheet's cell dictionary rather than `iter_rows`, which would materialise every
empty cell of a sheet formatted down to row 1 048 576. Before openpyxl sees the package
it is checked for zip bombs and DOCTYPEs (openpyxl parses with the standard library).
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path

from core.document import Block, Cell, ExtractedDocument, ImageBlock, Table, TextBlock
from core.errors import BadDocument

FORMAT = "xlsx"

MAX_ENTRIES = 10_000
MAX_TOTAL = 256 * 2**20
"""Uncompressed bytes a workbook may unpack to; more is a zip bomb, not a report."""
MAX_RATIO = 200
MAX_CELLS = 2_000_000

_XLSX_EXTS = (".xlsx", ".xlsm", ".xltx", ".xltm")
_MAIN_TYPE = re.compile(rb"spreadsheetml\.(?:sheet|template)\.main\+xml"
                        rb"|ms-excel\.(?:sheet|template)\.macroEnabled\.main\+xml")
_DECIMALS = re.compile(r"\.([0#?]+)")
_MEDIA = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif",
          "bmp": "image/bmp", "tiff": "image/tiff", "emf": "image/x-emf"}


def can_read(head: bytes, path: Path) -> bool:
    """A ZIP holding a SpreadsheetML workbook (a zip we cannot open: by its name)."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                return True
            return "[Content_Types].xml" in names and bool(_MAIN_TYPE.search(zf.read("[Content_Types].xml")))
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError, RuntimeError):
        return Path(path).suffix.lower() in _XLSX_EXTS


def extract(path: Path) -> ExtractedDocument:
    """Read every sheet into blocks; `BadDocument` when the workbook cannot be read."""
    import openpyxl

    path = Path(path)
    check_package(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "DrawingML support is incomplete…", unknown extensions
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True, keep_links=False, keep_vba=False)
    except BadDocument:
        raise
    except Exception as exc:  # openpyxl raises KeyError, ValueError, TypeError… on damaged parts
        raise BadDocument(f"corrupt XLSX ({type(exc).__name__}: {str(exc)[:200]})") from exc
    doc = ExtractedDocument(format=FORMAT)
    try:
        for ws in wb.worksheets:
            doc.blocks += sheet_blocks(ws, doc.warnings)
        title = (wb.properties.title or "").strip() if wb.properties else ""
        if title:
            doc.metadata["title"] = title
    finally:
        wb.close()
    return doc


def check_package(path: Path) -> None:
    """Refuse zip bombs, absurd entry counts and XML parts with a DOCTYPE (entity tricks)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise BadDocument(f"XLSX has {len(infos)} entries (over {MAX_ENTRIES}): not a workbook")
            total = sum(i.file_size for i in infos)
            if total > MAX_TOTAL:
                raise BadDocument(f"XLSX unpacks to {total >> 20} MB (over {MAX_TOTAL >> 20} MB): zip bomb?")
            for i in infos:
                ratio = i.file_size // max(i.compress_size, 1)
                if i.file_size > 2**20 and ratio > MAX_RATIO:
                    raise BadDocument(f"XLSX part {i.filename} is compressed {ratio}:1: zip bomb?")
                if i.filename.endswith((".xml", ".rels")):
                    with zf.open(i) as fh:
                        if b"<!DOCTYPE" in fh.read(4096).replace(b"\x00", b""):
                            raise BadDocument(f"XLSX part {i.filename} declares a DOCTYPE (entity expansion?)")
                if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
                    check_merged_area(i.filename, zf.read(i))
    except BadDocument:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BadDocument(f"corrupt XLSX ({type(exc).__name__}: {exc})") from exc


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\"")


def check_merged_area(name: str, sheet_xml: bytes) -> None:
    """openpyxl makes an object for every cell a merged range covers, so one range over the
    whole sheet (17 billion cells) is a memory bomb: refuse ranges past `MAX_CELLS` in all."""
    area = 0
    for m in _MERGE_REF.finditer(sheet_xml):
        c1, r1, c2, r2 = _col(m.group(1)), int(m.group(2)), _col(m.group(3)), int(m.group(4))
        area += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
        if area > MAX_CELLS:
            raise BadDocument(f"XLSX sheet {name} merges over {MAX_CELLS} cells (a merged-cell bomb)")


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


# --- one sheet --------------------------------------------------------------------------


def sheet_blocks(ws, warnings_out: list[str]) -> list[Block]:
    """A sheet → its name (heading), its runs of rows as tables/paragraphs, its pictures."""
    blocks: list[Block] = [TextBlock(ws.title, kind="heading")] if ws.title else []
    texts = {}
    if len(ws._cells) > MAX_CELLS:
        raise BadDocument(f"sheet {ws.title!r} has {len(ws._cells)} cells (over {MAX_CELLS})")
    for (r, c), cell in ws._cells.items():
        t = cell_text(cell)
        if t:
            texts[(r, c)] = t
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    blocks += grid_blocks(texts, merges, caption=ws.title or None)
    for img in getattr(ws, "_images", []):
        try:
            data = img._data()
        except Exception as exc:  # a damaged picture costs only itself
            warnings_out.append(f"sheet {ws.title!r}: picture unreadable ({exc})")
            continue
        fmt = (getattr(img, "format", "") or "").lower()
        blocks.append(ImageBlock(data=data, ref=f"{ws.title}:{getattr(img, 'path', '') or 'image'}",
                                 media_type=_MEDIA.get(fmt)))
    return blocks


def grid_blocks(texts: dict[tuple[int, int], str], merges: list[tuple[int, int, int, int]],
                caption: str | None = None) -> list[Block]:
    """Non-empty cells (1-based (row, col) → text) and merged ranges → blocks, top to bottom.

    A merged range covers its cells with the anchor's text; one without text is ignored
    (formatting). Runs of rows are separated by rows no text touches; a run is trimmed to
    the columns that hold text. A run one column wide is paragraphs, not a table.
    """
    spans = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges if (r0, c0) in texts}
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in spans.items():
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)
    anchors = {pos: t for pos, t in texts.items() if pos not in covered}
    used_rows = {r for (r, _c) in anchors} | {r for (r, _c) in covered}
    out: list[Block] = []
    for run in _runs(sorted(used_rows)):
        rows = set(run)
        cells = {pos: t for pos, t in anchors.items() if pos[0] in rows}
        cols = sorted({c for (_r, c) in cells} | {c for (r, c) in covered if r in rows})
        if len(cols) == 1:
            out += [TextBlock(cells[pos]) for pos in sorted(cells)]
            continue
        out.append(_table(run, cols, cells, spans, caption))
    return out


def _runs(rows: list[int]) -> list[list[int]]:
    """Consecutive row numbers grouped: a gap is a blank row."""
    out: list[list[int]] = []
    for r in rows:
        if out and r == out[-1][-1] + 1:
            out[-1].append(r)
        else:
            out.append([r])
    return out


def _table(run: list[int], cols: list[int], cells: dict[tuple[int, int], str],
           spans: dict[tuple[int, int], tuple[int, int]], caption: str | None) -> Table:
    """One run of rows → a `Table` over the used columns, every grid position a cell."""
    col_index = {c: i for i, c in enumerate(cols)}
    first, last = run[0], run[-1]
    out: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    for (r, c), text in sorted(cells.items()):
        r1, c1 = spans.get((r, c), (r, c))
        r1 = min(r1, last)
        used = [k for k in cols if c <= k <= c1]
        row_span, col_span = r1 - r + 1, max(1, len(used))
        out.append(Cell(row=r - first, col=col_index[c], text=text, row_span=row_span, col_span=col_span))
        taken.update((rr, col_index[k]) for rr in range(r, r1 + 1) for k in used)
    for r in run:  # blank cells inside the table: present, so the grid is complete
        for i in range(len(cols)):
            if (r, i) not in taken:
                out.append(Cell(row=r - first, col=i, text=""))
    out.sort(key=lambda c: (c.row, c.col))
    return Table(cells=out, columns_reliable=True, caption=caption)


# --- cell values --------------------------------------------------------------------------


def cell_text(cell) -> str:
    """A cell's value as printed (see the module docstring)."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return format_number(v, cell.number_format or "General")
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return str(v).strip()


def format_number(v: int | float, number_format: str) -> str:
    """A number under an Excel number format, as far as a report's tables use them:
    General, fixed decimals ("0.00"), thousands separators ("#,##0"), percentages."""
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", number_format.split(";")[0]).strip()
    if fmt.lower() in ("general", "@", ""):
        return _general(v)
    percent = "%" in fmt
    if percent:
        v = v * 100
    m = _DECIMALS.search(fmt)
    places = len(m.group(1)) if m else 0
    thousands = "," in fmt.split(".")[0]
    if not any(ch in fmt for ch in "0#?"):
        return _general(v)
    text = f"{v:,.{places}f}" if thousands else f"{v:.{places}f}"
    return text + ("%" if percent else "")


def _general(v: int | float) -> str:
    if isinstance(v, int):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.15g}"
    if "e" in text:  # Excel's General shows small/large numbers plainly up to 11 digits
        text = f"{v:.11f}".rstrip("0").rstrip(".")
    return text
