"""`gongkai debug`: what the table finder saw on one page, drawn (pdfplumber's `debug_tablefinder`).

When a table comes out wrong, look at a picture, not a log. The steps, each a plain function
whose result can be printed or tested on its own:

    finder_of(path)               which finder reads the file: "pdf", "picture" or "ofd"
    pdf_view(path, n)             a PDF page with a text layer: the extractor's own steps
                                  (`extractors.pdf_tables`): rulings → intersections → cells;
                                  a page without a usable text layer goes to `picture_view`
    picture_view(path, n)         a picture file (frame n) or a scanned PDF page: the OCR grid
                                  (`ocr.grid.prepare` → `find_grids`): candidate lines, the
                                  rulings kept, the cells of each grid
    ofd_view(path, n)             an OFD page: its ruling paths → cells, on a blank page with
                                  the glyphs drawn where they stand
    match_rows(doc, record, n)    the page's table rows as the pipeline read them, each with
                                  the template codes its cells were given (record provenance)
    other_table_cells(doc, n, …)  cells of tables the pipeline read some other way (without
                                  rulings, from a picture on a text page), drawn in orange
    debug_draw.draw(view)         → the picture: page, rulings, intersections, cells, rows, and
                                  a side panel naming each row (label + cell code prefix)
    debug_page(path, n)           all of it → a `PageView` with its `image`

Every box in a `PageView` is in the page units of the document model (PDF points, picture
pixels, OFD millimetres), so it can be compared with a cell's provenance; `scale` is the
pixels of the drawing per page unit.

Rows are coloured by what the normalizer made of them: green, matched to the template (its
cells carry cell codes); grey, not a template row (headers, group labels: no values); red,
unknown (it prints values but no code took them: a label no template row has, or a row the
normalizer knew but could not place, e.g. too few values — the record's `row.unknown_label`
or `row.incomplete` finding says which).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.document import BBox, ExtractedDocument
from core.errors import BadDocument, GongkaiError
from core.record import Record
from core.values import is_value_token

PDF_DPI = 144
"""A text-layer PDF page is drawn at this resolution (2 pixels per point)."""
OFD_DPI = 144
RowStatus = Literal["matched", "not-template", "unknown"]


class NotDrawable(GongkaiError):
    """A file whose tables have no page geometry to draw (DOCX, HTML, text dumps)."""


@dataclass
class RowMatch:
    """One table row on the page, as the normalizer saw it."""

    bbox: BBox
    label: str  # the row's innermost label cell ("1.属于国家秘密"), "" when none
    codes: list[str]  # template cell codes its cells were given
    status: RowStatus
    table: int  # index of the table among the document's tables

    @property
    def prefix(self) -> str:
        """The codes without their column part: "apply.withheld.state_secret"; several
        (table 四's one row holds three blocks) joined by ","."""
        heads: list[str] = []
        for c in self.codes:
            head = c.rsplit(".", 1)[0]
            if head not in heads:
                heads.append(head)
        return ",".join(heads)


@dataclass
class PageView:
    """What one finder saw on one page, in page units (see the module docstring)."""

    path: Path
    page: int
    finder: str  # "pdf", "picture", "ofd"
    units: str  # "pt", "px", "mm"
    background: object  # PIL.Image.Image, RGB, the page as drawn
    scale: float  # drawing pixels per page unit
    edges: list[BBox] = field(default_factory=list)
    """Rulings used, each as its two ends (x0, y0, x1, y1): for PDF and OFD also its box (a
    line is a box of zero width or height); on a deskewed picture a slanted line."""
    candidates: list[BBox] = field(default_factory=list)  # OCR only: lines seen, not kept
    intersections: list[tuple[float, float]] = field(default_factory=list)
    cells: list[BBox] = field(default_factory=list)  # as the cells' provenance has them
    cell_quads: list[list[tuple[float, float]]] = field(default_factory=list)
    """A deskewed picture's cells as the four corners they have on it (drawn instead of the
    boxes around them, which overlap)."""
    tables: list[BBox] = field(default_factory=list)
    other_cells: list[BBox] = field(default_factory=list)
    """Cells of the document's tables on this page that this finder did not find: tables
    read without rulings (`extractors.pdf_unruled` from aligned text, `ocr.borderless` from
    text boxes) or from a picture on a text page. Known only with the rows."""
    rows: list[RowMatch] = field(default_factory=list)
    glyphs: list[tuple[str, BBox]] = field(default_factory=list)  # OFD: text drawn on the blank page
    notes: list[str] = field(default_factory=list)
    image: object | None = None  # PIL.Image.Image once drawn

    def to_dict(self) -> dict:
        """The boxes as plain data (rounded page units), for `gongkai debug --json` and tests."""
        def r(b) -> list[float]:
            return [round(v, 2) for v in b]

        return {"path": str(self.path), "page": self.page, "finder": self.finder, "units": self.units,
                "scale": round(self.scale, 4), "edges": [r(b) for b in self.edges],
                "intersections": [r(p) for p in self.intersections], "cells": [r(b) for b in self.cells],
                "tables": [r(b) for b in self.tables], "other_cells": [r(b) for b in self.other_cells],
                "candidates": len(self.candidates),
                "rows": [{"bbox": r(x.bbox), "label": x.label, "codes": x.codes, "status": x.status,
                          "table": x.table} for x in self.rows], "notes": self.notes}

    @property
    def page_size(self) -> tuple[int, int]:
        """The page's size in drawing pixels (the drawing adds the side panel to the right)."""
        return self.background.size  # type: ignore[attr-defined]


# --- 1. which finder ------------------------------------------------------------------------


def finder_of(path: Path) -> str:
    """"pdf", "picture" or "ofd" from the file's bytes; `NotDrawable` for formats without
    page geometry."""
    import extractors

    fmt = extractors.detect_format(Path(path))
    if fmt in ("pdf", "ofd"):
        return fmt
    if fmt == "image":
        return "picture"
    raise NotDrawable(f"a {fmt} file has no page geometry to draw; "
                      f"`gongkai extract FILE --document` shows its tables")


# --- 2. the finders' intermediates ------------------------------------------------------------


def _edge_box(e: dict) -> BBox:
    return (e["x0"], e["top"], e["x1"], e["bottom"])


def pdf_view(path: Path, n: int) -> PageView:
    """Page n of a PDF through the extractor's own steps: `read_drawing` (PDFium) →
    `merge_rulings` → `close_open_tables` (the edges), their intersections, and the cells of
    the table parts `read_page` keeps (at least 2 × 2). A page that needs OCR is a picture."""
    import pypdfium2 as pdfium

    from extractors.pdf import read_page
    from extractors.pdf_page import read_drawing
    from extractors.pdf_tables import TablePart
    from extractors.rulings import close_open_tables, edges_to_intersections, merge_rulings

    pdf = pdfium.PdfDocument(str(path))
    try:
        _check_page(n, len(pdf))
        page = pdf[n - 1]
        drawing = read_drawing(page, n)
        page.close()
    finally:
        pdf.close()
    content = read_page(drawing)
    if content.needs_ocr:
        view = picture_view(path, n)
        view.notes += [w for w in content.warnings]
        return view
    edges = close_open_tables(merge_rulings(drawing.rulings))
    points = edges_to_intersections(edges) if edges else {}
    parts = [item for _, item in content.items if isinstance(item, TablePart)]
    background = _render_pdf(path, n, PDF_DPI)
    return PageView(path=Path(path), page=n, finder="pdf", units="pt", background=background, scale=PDF_DPI / 72,
                    edges=[_edge_box(e) for e in edges], intersections=sorted(points),
                    cells=[c.bbox for p in parts for c in p.cells], tables=[p.bbox for p in parts],
                    notes=list(content.warnings))


def _render_pdf(path: Path, n: int, dpi: int):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[n - 1]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    return image


def picture_view(path: Path, n: int) -> PageView:
    """Frame n of a picture file, or page n of a PDF rendered as OCR renders it, through the
    OCR grid search (`ocr.grid.prepare` → `find_grids`). The grid's boxes are pixels of the
    deskewed picture; they are mapped back onto the picture as given (`PageScan.to_source`,
    the box around a box turned by at most `MAX_SKEW` degrees) and into page units."""
    from PIL import Image

    from ocr import grid as G
    from ocr.images import decode_frames, render_pdf_page

    path = Path(path)
    if finder_of(path) == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        count = len(pdf)
        pdf.close()
        _check_page(n, count)
        image, scale = render_pdf_page(path, n)
        units = "pt"
    else:
        frames = decode_frames(path.read_bytes())
        _check_page(n, len(frames))
        image, scale, units = frames[n - 1], 1.0, "px"
    scan = G.find_grids(G.prepare(image))

    def box(b) -> BBox:
        x0, y0, x1, y1 = scan.to_source(b)
        return (x0 / scale, y0 / scale, x1 / scale, y1 / scale)

    def point(x: float, y: float) -> tuple[float, float]:
        x0, y0, _, _ = scan.to_source((x, y, x, y))
        return (x0 / scale, y0 / scale)

    def seg(s) -> BBox:
        """A stroke → its centre line's two ends, on the picture as given (slanted there
        when the picture was deskewed)."""
        if s.axis == "h":
            a, b = point(s.x0, s.pos), point(s.x1, s.pos)
        else:
            a, b = point(s.pos, s.top), point(s.pos, s.bottom)
        return (*a, *b)

    def quad(b) -> list[tuple[float, float]]:
        x0, y0, x1, y1 = b
        return [point(x0, y0), point(x1, y0), point(x1, y1), point(x0, y1)]

    kept = {id(s) for s in scan.h_kept + scan.v_kept}
    background = Image.fromarray(image[:, :, ::-1].copy())
    notes = [f"deskewed by {scan.angle:.2f}°; boxes mapped back to the picture as given"] if scan.angle else []
    return PageView(path=path, page=n, finder="picture", units=units, background=background, scale=scale,
                    edges=[seg(s) for s in scan.h_kept + scan.v_kept],
                    candidates=[seg(s) for s in scan.h_lines + scan.v_lines if id(s) not in kept],
                    cells=[box(c.bbox) for g in scan.grids for c in g.cells],
                    cell_quads=[quad(c.bbox) for g in scan.grids for c in g.cells] if scan.angle else [],
                    tables=[box(g.bbox) for g in scan.grids], notes=notes)


def ofd_view(path: Path, n: int) -> PageView:
    """Page n of an OFD through the extractor's steps (`extractors.ofd.page_edges`,
    `layout_page`), on a blank page of the page's size with its glyphs drawn in place.
    The layout works in points; everything here is converted back to millimetres."""
    from PIL import Image

    from extractors.ofd import ASCENT, DESCENT, PT_PER_MM, layout_page, page_edges, page_objects
    from extractors.pdf_tables import TablePart
    from extractors.rulings import close_open_tables

    objs, area = page_objects(Path(path), n)
    content = layout_page(objs, n, area)
    edges = close_open_tables(page_edges(objs))
    parts = [item for _, item in content.items if isinstance(item, TablePart)]

    def mm(b) -> BBox:
        return tuple(v / PT_PER_MM for v in b)  # type: ignore[return-value]

    scale = OFD_DPI / 25.4
    width, height = area[2], area[3]
    background = Image.new("RGB", (max(1, round(width * scale)), max(1, round(height * scale))), "white")
    glyphs = [(g.text, (g.x, g.y - ASCENT * g.size, g.x + g.width, g.y + DESCENT * g.size))
              for g in objs.glyphs if g.text.strip()]
    return PageView(path=Path(path), page=n, finder="ofd", units="mm", background=background, scale=scale,
                    edges=[mm(_edge_box(e)) for e in edges], cells=[mm(c.bbox) for p in parts for c in p.cells],
                    tables=[mm(p.bbox) for p in parts], glyphs=glyphs, notes=list(content.warnings))


def _check_page(n: int, count: int) -> None:
    if not 1 <= n <= count:
        raise BadDocument(f"no page {n}: the file has {count} page(s)")


# --- 3. rows matched to the template ------------------------------------------------------------


def read_document(path: Path) -> tuple[ExtractedDocument, Record]:
    """The document and its record as the pipeline makes them (extract → OCR → normalize →
    validate), without the 'is it a report at all' gate: debugging wants to see everything."""
    from gongkai.pipeline import extract_document
    from normalize.assemble import to_record

    doc = extract_document(Path(path))
    return doc, to_record(doc, {"path": str(path), "format": doc.format})


def _key(page: int | None, bbox) -> tuple:
    return (page, tuple(round(v, 1) for v in bbox)) if bbox else (page, None)


def match_rows(doc: ExtractedDocument, record: Record, n: int) -> list[RowMatch]:
    """Each row of each table on page n, with the cell codes its cells were given.

    A cell's code is found through the record's provenance (page and bbox of the cell a
    value was read from). A row's box is the union of its one-row-high cells on this page (a
    group label spanning rows would stretch it), or of all of them when it has none.
    """
    code_at: dict[tuple, list[str]] = {}
    for code, src in record.provenance.items():
        if src.bbox is not None and src.method != "inferred":
            code_at.setdefault(_key(src.page, src.bbox), []).append(code)
    out: list[RowMatch] = []
    for t, table in enumerate(doc.tables()):
        for row in table.rows():
            here = [c for c in row if c.prov.page == n and c.prov.bbox is not None]
            if not here:
                continue
            flat = [c for c in here if c.row_span == 1] or here
            bbox = (min(c.prov.bbox[0] for c in flat), min(c.prov.bbox[1] for c in flat),
                    max(c.prov.bbox[2] for c in flat), max(c.prov.bbox[3] for c in flat))
            codes = sorted({code for c in here for code in code_at.get(_key(n, c.prov.bbox), [])},
                           key=_code_order(here, code_at, n))
            values = [c for c in here if is_value_token(c.text)]
            labels = [c for c in here if c.text.strip() and not is_value_token(c.text)]
            label = _row_label(labels, values)
            status: RowStatus = "matched" if codes else ("unknown" if values else "not-template")
            out.append(RowMatch(bbox=bbox, label=label, codes=codes, status=status, table=t))
    return out


def other_table_cells(doc: ExtractedDocument, n: int, found: list[BBox]) -> list[BBox]:
    """Cells on page n of the document's tables that lie outside every table the finder
    found (most of their area outside): tables that some other step read."""
    out: list[BBox] = []
    for table in doc.tables():
        boxes = [c.prov.bbox for c in table.cells if c.prov.page == n and c.prov.bbox is not None]
        if not boxes:
            continue
        hull = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if not any(_overlap(hull, f) >= 0.5 * _area(hull) for f in found):
            out.extend(boxes)
    return out


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _overlap(a: BBox, b: BBox) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _row_label(labels: list, values: list) -> str:
    """A value row's innermost label (the rightmost label cell left of its first value:
    "1.属于国家秘密", not its group "（三）不予公开"); a row without values (a header) all
    its texts, left to right."""
    if values:
        first = min(c.col for c in values)
        left = [c for c in labels if c.col < first] or labels
        return max(left, key=lambda c: c.col).text.replace("\n", "") if left else ""
    return " ".join(c.text.replace("\n", "") for c in sorted(labels, key=lambda c: c.col))


def _code_order(cells, code_at, n):
    """Codes in the left-to-right order of the cells that hold them."""
    col = {code: c.col for c in cells for code in code_at.get(_key(n, c.prov.bbox), [])}
    return lambda code: (col.get(code, 0), code)


# --- 4. all of it -----------------------------------------------------------------------------


def view_page(path: Path, n: int = 1) -> PageView:
    """The finder's view of page n (no rows yet): `pdf_view`, `picture_view` or `ofd_view`."""
    finder = finder_of(Path(path))
    return {"pdf": pdf_view, "picture": picture_view, "ofd": ofd_view}[finder](Path(path), n)


def debug_page(path: Path, n: int = 1, rows: bool = True) -> PageView:
    """Page n drawn: the finder's view, and with `rows` the table rows the normalizer matched
    (this runs the whole pipeline, OCR included, on the file)."""
    from gongkai.debug_draw import draw

    view = view_page(path, n)
    if rows:
        doc, record = read_document(path)
        view.rows = match_rows(doc, record, n)
        view.other_cells = other_table_cells(doc, n, view.tables)
    draw(view)
    return view


def save(view: PageView, out: Path) -> Path:
    """Write the drawing as PNG."""
    view.image.save(out, format="PNG")  # type: ignore[union-attr]
    return Path(out)
