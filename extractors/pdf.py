"""PDF with a text layer → `ExtractedDocument` (text lines and ruled tables, page by page).

    open_pdf(path)                  pypdfium2: page count, info title, BadDocument on bad bytes
    read_page(page, n)              one page → `PageContent` (text lines, table parts, images)
      text_layer_state(chars)       "ok" / "empty" / "garbled" → a page needing OCR
      find_table_parts(...)         see `extractors.pdf_tables`
      body_lines(...)               the glyphs outside tables → lines, page numbers dropped
    drop_running_lines(pages)       running headers/footers repeated page after page
    stitch_pages(pages)             a table running onto the next page → one table
    extract(path)                   all of it → `ExtractedDocument`

A page whose text layer is missing (a scan) or unreadable (CID fonts without ToUnicode) gives
no text at all, only `ImageBlock(ref="page:N", media_type="application/pdf")`: the hook where
OCR renders and reads page N. Large pictures on text pages (a table pasted as an image) get
the same kind of block with their bbox.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from extractors.pdf_lines import Line, chars_to_lines, is_unmapped
from extractors.pdf_tables import TablePart, find_table_parts, part_to_table, parts_continue, stitch_parts
from extractors.pdf_unruled import find_unruled_tables
from core import progress
from core.document import ExtractedDocument, ImageBlock, Provenance, TextBlock
from core.errors import BadDocument

FORMAT = "pdf"

SNIFF_WINDOW = 1024
"""`%PDF-` may follow a little junk (a BOM, an HTTP header left in the file); readers allow 1 KB."""

GARBLED_SHARE = 0.2
"""A page whose glyphs are more than this share unmapped ("(cid:N)", private use) needs OCR."""

MARGIN_SHARE = 0.12
"""Page numbers are looked for in this share of the page height at the top and bottom."""

PICTURE_MIN_WIDTH, PICTURE_MIN_HEIGHT = 0.4, 0.08
"""A picture this large (share of page width, height) on a text page may be a pasted table."""

PAGE_COVER = 0.8
"""A picture covering this share of a text page is its background or its scan, not a table."""

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~·•\s]*\d+[-—–－~·•\s]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+"
    r"|(?:page|Page|PAGE)\s*\d+(?:\s*of\s*\d+)?)$"
)
"""Footers and headers such as "- 3 -", "— 3 —", "3", "第3页 共5页", "3/5"."""


MAX_PAGES = 2000
"""Pages of one PDF; a report has a handful to a few dozen, a bound volume of them hundreds."""


def can_read(head: bytes, path: Path) -> bool:
    """PDF bytes start with `%PDF-`, possibly after a little junk."""
    return b"%PDF-" in head[:SNIFF_WINDOW]


# --- opening -------------------------------------------------------------------------------


def open_pdf(path: Path) -> tuple[int | None, dict[str, str]]:
    """Page count and info metadata via pypdfium2, which is fast and strict about bad files.

    pypdfium2 also decodes UTF-16LE info strings that pdfminer garbles (WPS writes the title
    as "ÿþ*mýl…" otherwise). When PDFium calls the file malformed, the page count is None
    and `extract` lets pdfminer decide (it reads some files PDFium refuses, and tells an
    empty page tree from a broken file).
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4:  # FPDF_ERR_PASSWORD
            raise BadDocument("encrypted PDF: it needs a password to open") from exc
        if code == 5:  # FPDF_ERR_SECURITY
            raise BadDocument("PDF uses an unsupported security handler") from exc
        if path.exists() and path.stat().st_size == 0:
            raise BadDocument("empty file") from exc
        if code == 3:  # FPDF_ERR_FORMAT
            return None, {}
        raise BadDocument(f"unreadable PDF (corrupt or truncated): {exc}") from exc
    except OSError as exc:
        raise BadDocument(f"cannot read PDF: {exc}") from exc
    try:
        n_pages = len(pdf)
        info = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    if n_pages == 0:
        raise BadDocument("PDF has no pages")
    if n_pages > MAX_PAGES:
        raise BadDocument(f"PDF of {n_pages} pages: more than the {MAX_PAGES} a report can have")
    return n_pages, info


MAX_CONTENT_BYTES = 128 * 2**20
"""What one page's content streams may inflate to; a dense page is well under 1 MB."""


def check_content_size(page, n: int) -> None:
    """`BadDocument` when page n's content streams inflate past `MAX_CONTENT_BYTES` (a
    deflate bomb, which pdfminer and then PDFium's renderer would both unpack whole).
    Measured in 1 MB steps, so the check itself never holds more than that."""
    import zlib

    from pdfminer.pdftypes import PDFStream, resolve1

    contents = resolve1(page.page_obj.attrs.get("Contents"))
    total = 0
    for ref in contents if isinstance(contents, list) else [contents]:
        stream = resolve1(ref)
        if not isinstance(stream, PDFStream):
            continue
        filters = resolve1(stream.attrs.get("Filter") or stream.attrs.get("F"))
        names = [str(getattr(resolve1(f), "name", f)) for f in (filters if isinstance(filters, list) else [filters])]
        if not names or names[0] not in ("FlateDecode", "Fl"):
            total += len(stream.rawdata or b"")
            continue
        z = zlib.decompressobj()
        data = stream.rawdata or b""
        try:
            while data and total <= MAX_CONTENT_BYTES:
                total += len(z.decompress(data, 2**20))
                data = z.unconsumed_tail
        except zlib.error:
            continue  # damaged streams are pdfminer's business
        if total > MAX_CONTENT_BYTES:
            raise BadDocument(f"page {n}'s content inflates to over {MAX_CONTENT_BYTES >> 20} MB "
                              "(a decompression bomb)")


# --- one page ------------------------------------------------------------------------------


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


def text_layer_state(chars: list[dict], page) -> str:
    """"ok", "blank" (nothing on the page), "empty" (a picture or drawing but no text: a
    scan) or "garbled" (mostly glyphs without a Unicode mapping)."""
    visible = [c for c in chars if c["text"] and not c["text"].isspace()]
    if not visible:
        return "empty" if (page.images or page.curves or len(page.rects) > 50) else "blank"
    bad = sum(is_unmapped(c["text"]) or _is_mojibake(c["text"]) for c in visible)
    return "garbled" if bad > GARBLED_SHARE * len(visible) else "ok"


def _is_mojibake(text: str) -> bool:
    """Latin-1 letters and signs ("ÐÅÏ¢¹«¿ª"): GBK bytes mapped one by one, a broken
    ToUnicode map. A Chinese report has almost none of them."""
    return any(0x80 <= ord(ch) <= 0xFF and ch not in "·×÷°±²³¹½¼¾§¥" for ch in text)


def _page_chars(page) -> list[dict]:
    """The page's glyphs that lie on the page (text clipped off the media box is dropped)."""
    x0, top, x1, bottom = page.bbox
    return [c for c in page.chars
            if x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1 and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1]


def _inside(c: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def is_page_furniture(line: Line, page_height: float) -> bool:
    """A page number ("- 3 -", "第3页") in the top or bottom margin."""
    _, top, _, bottom = line.bbox
    in_margin = bottom <= MARGIN_SHARE * page_height or top >= (1 - MARGIN_SHARE) * page_height
    return in_margin and bool(_PAGE_NUMBER.match(line.text.strip()))


def body_lines(chars: list[dict], tables: list[TablePart], page_height: float) -> list[Line]:
    """Glyphs outside the tables → text lines, without page numbers."""
    boxes = [t.bbox for t in tables]
    free = [c for c in chars if not _inside(c, boxes)] if boxes else chars
    return [ln for ln in chars_to_lines(free) if ln.text.strip() and not is_page_furniture(ln, page_height)]


def _picture_blocks(page, n: int, tables: list[TablePart]) -> list[ImageBlock]:
    """Pictures large enough to hold a table (pasted from Excel, a scan of a form).

    Small pictures (seals, logos) are left out, and so are pictures covering most of the page:
    on a page with text those are backgrounds, or the scan under a text layer the producer
    already made by OCR, and that text is what we read.
    """
    out = []
    for im in page.images:
        w, h = im["x1"] - im["x0"], im["bottom"] - im["top"]
        if w < PICTURE_MIN_WIDTH * page.width or h < PICTURE_MIN_HEIGHT * page.height:
            continue
        if w * h >= PAGE_COVER * page.width * page.height:
            continue
        if any(_inside({"x0": im["x0"], "x1": im["x1"], "top": im["top"], "bottom": im["bottom"]}, [t.bbox])
               for t in tables):
            continue
        bbox = (round(im["x0"], 2), round(im["top"], 2), round(im["x1"], 2), round(im["bottom"], 2))
        out.append(ImageBlock(ref=f"page:{n}", media_type="application/pdf",
                              prov=Provenance(page=n, bbox=bbox, method="text")))
    return out


def ocr_block(n: int) -> ImageBlock:
    """The hook for OCR: page n must be rendered and read."""
    return ImageBlock(ref=f"page:{n}", data=None, media_type="application/pdf", prov=Provenance(page=n))


def read_page(page, n: int) -> PageContent:
    """One pdfplumber page → its text lines, table parts and pictures, in reading order."""
    out = PageContent(number=n, height=float(page.height))
    chars = _page_chars(page)
    state = text_layer_state(chars, page)
    if state == "blank":
        return out
    if state != "ok":
        out.needs_ocr = True
        out.items.append((0.0, ocr_block(n)))
        why = "no text layer (scanned image)" if state == "empty" else "text layer garbled (fonts without Unicode map)"
        out.warnings.append(f"page {n}: {why}, needs OCR")
        return out
    unmapped = [c for c in chars if is_unmapped(c["text"])]
    if unmapped:
        chars = [c for c in chars if not is_unmapped(c["text"])]
        out.warnings.append(f"page {n}: {len(unmapped)} glyphs without Unicode mapping dropped")
    tables = find_table_parts(page, chars, n)
    for t in tables:
        out.items.append((t.bbox[1], t))
    lines = body_lines(chars, tables, page.height)
    unruled, used = find_unruled_tables(lines, n)  # statistics laid out as aligned text only
    for t in unruled:
        out.items.append((t.prov.bbox[1], t))
    for i, ln in enumerate(lines):
        if i in used:
            continue
        prov = Provenance(page=n, bbox=tuple(round(v, 2) for v in ln.bbox), method="text")
        out.items.append((ln.bbox[1], TextBlock(text=ln.text.strip(), prov=prov)))
    for im in _picture_blocks(page, n, tables):
        out.items.append((im.prov.bbox[1], im))
        out.warnings.append(f"page {n}: picture at {im.prov.bbox} may hold a table, needs OCR")
    out.items.sort(key=lambda it: it[0])
    return out


# --- whole document ------------------------------------------------------------------------


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


def extract(path: Path) -> ExtractedDocument:
    """Read a PDF's text layer into the document model (see the module docstring)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    path = Path(path)
    n_pages, info = open_pdf(path)
    recovered = n_pages is None
    pages: list[PageContent] = []
    try:
        with pdfplumber.open(path) as pdf:
            if n_pages is None:  # PDFium refused the file; pdfminer may still read it
                n_pages = len(pdf.pages)
                info = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
                if n_pages == 0:
                    raise BadDocument("PDF has no pages")
            for n, page in enumerate(pdf.pages, start=1):
                progress.page(n, n_pages)
                check_content_size(page, n)
                try:
                    pages.append(read_page(page, n))
                except MemoryError:  # not a broken page: the whole document is over its budget
                    raise
                except Exception as exc:  # one broken content stream must not lose the document
                    pages.append(PageContent(number=n, items=[(0.0, ocr_block(n))], needs_ocr=True,
                                             warnings=[f"page {n}: cannot read text layer ({exc}), needs OCR"]))
                finally:
                    page.close()
    except BadDocument:
        raise
    except PDFPasswordIncorrect as exc:
        raise BadDocument("encrypted PDF: it needs a password to open") from exc
    except Exception as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise BadDocument("encrypted PDF: it needs a password to open") from exc
        raise BadDocument(f"unreadable PDF (corrupt or truncated): {cause}") from exc
    drop_running_lines(pages)
    doc = ExtractedDocument(blocks=stitch_pages(pages), format=FORMAT, pages=n_pages)
    title = (info.get("Title") or "").strip()
    if title:
        doc.metadata["title"] = title
    if recovered:
        doc.warnings.append("PDFium found the file malformed; read through pdfminer's recovery, "
                            "content may be incomplete")
    for p in pages:
        doc.warnings.extend(p.warnings)
    return doc
