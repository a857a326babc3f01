"""The page layout shared by the fixed-layout formats (PDF, OFD): a page's drawing → its
text lines and table parts in reading order → one block list for the document.

    PageDrawing                 what a page draws, in points from its top-left corner:
                                glyphs, ruling edges, picture boxes (`pdf_page`, `pdf_plumber`)
    body_lines(chars, tables)   the glyphs outside tables → lines, page numbers dropped
    PageContent                 one page's blocks and table parts, with its warnings
    drop_running_lines(pages)   running headers/footers repeated page after page
    stitch_pages(pages)         a table running onto the next page → one table

The readers make the drawing, each format's extractor decides what a page yields
(`extractors.pdf.read_page`, `extractors.ofd.layout_page`), and these steps do the rest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.document import TextBlock
from extractors.pdf_lines import Centres, Line, chars_to_lines
from extractors.pdf_tables import TablePart, part_to_table, parts_continue, stitch_parts

MARGIN_SHARE = 0.12
"""Page numbers are looked for in this share of the page height at the top and bottom."""

PICTURE_MIN_WIDTH, PICTURE_MIN_HEIGHT = 0.4, 0.08
"""A picture this large (share of page width, height) on a text page may be a pasted table."""

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~·•\s]*\d+[-—–－~·•\s]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+"
    r"|(?:page|Page|PAGE)\s*\d+(?:\s*of\s*\d+)?)$"
)
"""Footers and headers such as "- 3 -", "— 3 —", "3", "第3页 共5页", "3/5"."""


@dataclass
class PageDrawing:
    """What one page draws, as the layout reads it: points, origin at the top-left corner of
    the page as displayed. `chars` are pdfplumber-style glyph dicts (`text`, `x0`, `x1`,
    `top`, `bottom`, `size`, `upright`, `matrix`) lying on the page; `rulings` unmerged
    edges (`extractors.rulings`); `pictures` picture boxes; `drawn` whether the page draws
    anything besides text and rulings (pictures, curves, many rectangles) — a page like that
    without text is a scan."""

    number: int
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    rulings: list[dict] = field(default_factory=list)
    pictures: list[tuple[float, float, float, float]] = field(default_factory=list)
    drawn: bool = False
    text_objects: int = 0
    unread_text: int = 0
    """Text objects on the page, and those the reader could not decode (another reader may)."""


@dataclass
class PageContent:
    """What one page yields before tables are stitched across pages.

    `items` are (top, block-or-TablePart) in reading order; `needs_ocr` is set for pages
    whose text cannot be used.
    """

    number: int
    items: list[tuple[float, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    needs_ocr: bool = False
    height: float = 842.0


def is_page_furniture(line: Line, page_height: float) -> bool:
    """A page number ("- 3 -", "第3页") in the top or bottom margin."""
    _, top, _, bottom = line.bbox
    in_margin = bottom <= MARGIN_SHARE * page_height or top >= (1 - MARGIN_SHARE) * page_height
    return in_margin and bool(_PAGE_NUMBER.match(line.text.strip()))


def body_lines(chars: list[dict], tables: list[TablePart], page_height: float,
               centres: Centres | None = None) -> list[Line]:
    """Glyphs outside the tables → text lines, without page numbers. `centres`: the page's
    glyph centres, where the caller has them."""
    free = chars
    if tables:
        centres = centres or Centres(chars)
        taken = {i for t in tables for i in centres.within(t.bbox)}
        free = [c for i, c in enumerate(chars) if i not in taken]
    return [ln for ln in chars_to_lines(free) if ln.text.strip() and not is_page_furniture(ln, page_height)]


def drop_running_lines(pages: list[PageContent]) -> None:
    """Remove running headers and footers: margin lines that repeat, digits aside, on at least
    two pages and on half of them ("XX局2023年政府信息公开工作年度报告", "第 3 页"). Left in,
    they would also sit between the two halves of a table cut by the page break."""
    def key(b: TextBlock) -> str:
        return re.sub(r"\d+", "#", b.text.replace(" ", ""))

    def in_margin(b: object, height: float) -> bool:
        if not isinstance(b, TextBlock) or b.prov.bbox is None:
            return False
        return b.prov.bbox[3] <= MARGIN_SHARE * height or b.prov.bbox[1] >= (1 - MARGIN_SHARE) * height

    seen: dict[str, set[int]] = {}
    for p in pages:
        for _, b in p.items:
            if in_margin(b, p.height):
                seen.setdefault(key(b), set()).add(p.number)
    text_pages = sum(1 for p in pages if not p.needs_ocr)
    running = {k for k, on in seen.items() if len(on) >= 2 and 2 * len(on) >= text_pages}
    if not running:
        return
    for p in pages:
        p.items = [(top, b) for top, b in p.items if not (in_margin(b, p.height) and key(b) in running)]


def stitch_pages(pages: list[PageContent]) -> list[object]:
    """Page items → one block list, joining a table that ends page n to one that starts page
    n+1 when nothing else lies between them and their columns line up."""
    blocks: list[object] = []
    for page in pages:
        for i, (_, item) in enumerate(page.items):
            prev = blocks[-1] if blocks else None
            if i == 0 and isinstance(item, TablePart) and isinstance(prev, TablePart) \
                    and prev.pages[-1] == page.number - 1 and parts_continue(prev, item):
                blocks[-1] = stitch_parts(prev, item)
            else:
                blocks.append(item)
    return [part_to_table(b) if isinstance(b, TablePart) else b for b in blocks]
