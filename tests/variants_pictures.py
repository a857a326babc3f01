"""The variant generator's picture formats: every table class as agencies paste it, a picture.

`tests/variants.py` writes each variation class as text-bearing documents; here the same
report (its text as text, its grids drawn — `ocr_fixtures.render` — and scanned under one
of `ocr_degrade`'s steps) becomes the picture-bearing documents the held-out set has:

    docx_pictures    DOCX whose tables are pictures pasted between the paragraphs (~150 dpi)
    html_pictures    an article page whose tables are <img> pictures (data: URLs, ~100 dpi)
    pdf_scan         every page a scan (the text too, 150 dpi, 1°, JPEG 60)
    tiff             the same pages scanned bi-level (200 dpi, ½°) into one multi-page G4 TIFF,
                     as office scanners file them
    images           each table a picture of its own (PNG or JPEG, 140–175 dpi), as a report
                     posted one picture per table: one document per table, its truth that
                     table's cells (no title, agency or date to read)

Same truth as the text formats: the picture shows exactly the cells the grid holds. OCR is
slow (about a second a table on this machine), so the crossing runs in `bench/variants.py`
(`--formats docx_pictures,...`); CI checks a few classes (`tests/test_variants.py`).
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import ocr_degrade as D
import ocr_fixtures as F
import variants as V
from core.document import Cell
from core.template import table_of

TABLE_STEP = D.Step("150dpi", dpi=150)
WEB_STEP = D.Step("100dpi q70", dpi=100, quality=70)
SCAN_STEP = D.Step("scan 150dpi 1° q60", dpi=150, angle=1.0, quality=60)


def layout(cells: list[Cell]) -> F.Layout:
    """A grid as `ocr_fixtures` draws it: column widths in font sizes, from the label lengths
    (`variants._ofd_widths`, millimetres at 10.5 pt ≈ 3.7 mm a character)."""
    # a label's line break ("4.保护第三方\n合法权益") is the picture's to make: it wraps by width
    boxes = [F.Box(c.row, c.col, c.row_span, c.col_span, c.text.replace("\n", "")) for c in cells]
    widths = [w / 3.7 for w in V._ofd_widths(cells)]
    return F.Layout(boxes=boxes, col_widths=widths)


def face_file(r: V.Report) -> Path | None:
    """The font file of the report's face (`Report.face`, a family of `ocr_degrade.FACE_NAMES`);
    None (Noto Sans CJK) when it has none. A face asked for and not installed is an error: a
    fallback face would be measured under the wrong name."""
    if not r.face:
        return None
    key = next((k for k, fam in D.FACE_NAMES.items() if fam == r.face), None)
    path = D.faces().get(key) if key else None
    if path is None:
        raise RuntimeError(f"face {r.face!r} is not installed")
    return path


def table_picture(cells: list[Cell], step: D.Step, seed: int = 0, face: Path | None = None) -> bytes:
    """The grid drawn at 300 dpi (in `face`) and scanned under `step`: the picture file's bytes."""
    img = F.render(layout(cells), font_px=D.BASE_FONT_PX, pad=0.2, font_file=face)
    return D.encode(D.scan(img, step, seed), step)


def write_docx_pictures(r: V.Report, path: Path) -> Path:
    import docx
    from docx.shared import Inches

    d = docx.Document()
    for n, (kind, content) in enumerate(V._body(r)):
        if kind == "footer":
            d.add_page_break()  # the next piece starts a page
        elif kind == "text":
            d.add_paragraph(content)
        elif kind == "grid":
            d.add_picture(io.BytesIO(table_picture(content, TABLE_STEP, seed=n, face=face_file(r))), width=Inches(6.2))
    d.save(path)
    return path


def write_html_pictures(r: V.Report, path: Path) -> Path:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", html.escape(r.title),
             "</title></head><body>", f"<h1>{html.escape(r.title)}</h1><div class='article'>"]
    for n, (kind, content) in enumerate(b for b in V._body(r) if b != ("text", r.title)):
        if kind == "text":  # a page footer ("footer") has no place on a web page
            parts.append(f"<p>{html.escape(content)}</p>")
        elif kind == "grid":
            data = base64.b64encode(table_picture(content, WEB_STEP, seed=n, face=face_file(r))).decode()
            parts.append(f"<p><img src='data:image/jpeg;base64,{data}'/></p>")
    parts.append("</div></body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_pdf_scan(r: V.Report, path: Path) -> Path:
    """Pages of text and tables drawn as one would print them, each scanned, into a PDF of
    pictures only (no text layer): what a scanned report is. A table piece after a page
    footer starts a new page, as in the text formats."""
    scans = [D.scan(p, SCAN_STEP, seed=i).convert("RGB") for i, p in enumerate(printed_pages(r))]
    scans[0].save(path, "PDF", resolution=SCAN_STEP.dpi, save_all=True, append_images=scans[1:])
    return path


def write_tiff(r: V.Report, path: Path) -> Path:
    """The printed pages scanned bi-level, as office scanners file a report: one multi-page
    TIFF, CCITT G4, 200 dpi, the sheet half a degree off. Ink is thresholded, not shaded:
    thin strokes break and rulings lose pixels the grey scans keep."""
    pages = [D.scan(p, TIFF_STEP, seed=i).convert("L").point(lambda v: 255 if v > 150 else 0, mode="1")
             for i, p in enumerate(printed_pages(r))]
    pages[0].save(path, "TIFF", compression="group4", dpi=(TIFF_STEP.dpi, TIFF_STEP.dpi), save_all=True,
                  append_images=pages[1:])
    return path


def printed_pages(r: V.Report) -> list:
    """The report printed on A4 at 300 dpi (`ocr_fixtures.page`): text wrapped by width, each
    table whole on one page, a new page after each page footer."""
    page_w, margin, px = 2480, 200, D.BASE_FONT_PX  # A4 at 300 dpi
    face = face_file(r)
    page_h, per_line = int(page_w * 297 / 210), (page_w - 2 * margin) // px - 1
    pages: list[list] = [[]]
    height = 0
    for kind, content in V._body(r):
        if kind == "widths":
            continue
        if kind == "footer":
            pages[-1].append(content)  # the page number under the first piece, then a new page
            pages.append([])
            height = 0
            continue
        if kind == "text":
            items = [content[k:k + per_line] for k in range(0, len(content), per_line)] or [""]
            sizes = [int(px * 1.6)] * len(items)
        else:
            pic = F.render(layout(content), font_px=px, pad=0.2, font_file=face)
            # the whole table on one page, as a careful scan of a printed table is (a table
            # cut by the page is the class `split_repeated_header`'s, not this writer's)
            scale = min(1.0, (page_w - 2 * margin) / pic.width, (page_h - 2 * margin - 60) / pic.height)
            if scale < 1.0:
                pic = pic.resize((int(pic.width * scale), int(pic.height * scale)))
            items, sizes = [pic], [pic.height + 40]
        for item, h in zip(items, sizes):
            if height + h > page_h - 2 * margin and pages[-1]:
                pages.append([])
                height = 0
            pages[-1].append(item)
            height += h
    return [F.page(parts, width=page_w, margin=margin, gap=40, font_px=px, font_file=face) for parts in pages if parts]


TIFF_STEP = D.Step("bi-level scan 200dpi 0.5°", dpi=200, angle=0.5)
IMAGE_STEPS = {  # one per table, as a report's pictures come: screenshots and phone exports differ
    "active": D.Step("png 175dpi", dpi=175),
    "applications": D.Step("jpeg 140dpi q70", dpi=140, quality=70),
    "review": D.Step("jpeg 160dpi 0.5° q65", dpi=160, angle=0.5, quality=65),
}


def write_images(r: V.Report, path: Path) -> list[tuple[Path, dict]]:
    """Each table of the report, whole, as a picture file of its own: (file, that table's
    truth) for each. `path` names the report; the files are `path`'s stem + the table."""
    out = []
    for n, (kind, cells) in enumerate(r.tables.items()):
        step = IMAGE_STEPS[kind]
        target = path.with_name(f"{path.stem}-{kind}{'.png' if step.quality is None else '.jpg'}")
        target.write_bytes(table_picture(cells, step, seed=n, face=face_file(r)))
        truth = {code: v for code, v in r.truth.items() if table_of(code) == kind}
        out.append((target, truth))
    return out


FORMATS = {
    "docx_pictures": (".docx", write_docx_pictures),
    "html_pictures": (".html", write_html_pictures),
    "pdf_scan": (".pdf", write_pdf_scan),
    "tiff": (".tif", write_tiff),
}
PER_TABLE = {"images": write_images}
"""Formats that make one document per table (`write_images`): scored on that table's cells only."""
