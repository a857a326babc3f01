"""PDF with a text layer → `ExtractedDocument` (text lines and ruled tables, page by page).

    open_pdf(path)                  pypdfium2: the document, its info title; BadDocument on bad bytes
    check_content_streams(path)     a page whose content would inflate past reason (a bomb)
    read_drawing(page, n)           PDFium: the page's glyphs, rulings, pictures (`pdf_page`)
    read_page(drawing)              one page → `PageContent` (text lines, table parts, pictures)
      text_layer_state(drawing)     "ok" / "empty" / "garbled" → a page needing OCR
      find_table_parts(...)         see `extractors.pdf_tables`
      body_lines(...)               the glyphs outside tables → lines (`extractors.layout`)
    drop_running_lines(pages)       running headers/footers repeated page after page
    stitch_pages(pages)             a table running onto the next page → one table
    extract(path)                   all of it → `ExtractedDocument`

PDFium reads every page; pdfminer (through pdfplumber, `extractors.pdf_plumber`) only the
files PDFium calls malformed, which it sometimes recovers. Both hand `read_page` the same
`PageDrawing`, so the layout is one whatever read the page.

A page whose text layer is missing (a scan) or unreadable (CID fonts without ToUnicode) gives
no text at all, only `ImageBlock(ref="page:N", media_type="application/pdf")`: the hook where
OCR renders and reads page N. Large pictures on text pages (a table pasted as an image) get
the same kind of block with their bbox.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from core import progress
from core.document import ExtractedDocument, ImageBlock, Provenance, TextBlock
from core.errors import BadDocument
from extractors.layout import (PICTURE_MIN_HEIGHT, PICTURE_MIN_WIDTH, PageContent, PageDrawing, body_lines,
                               drop_running_lines, stitch_pages)
from extractors.pdf_limits import MAX_CONTENT_BYTES, MAX_PAGES, inflated_size
from extractors.pdf_lines import Centres, is_unmapped
from extractors.pdf_tables import TablePart, find_table_parts, round_box
from extractors.pdf_unruled import find_unruled_tables

FORMAT = "pdf"

SNIFF_WINDOW = 1024
"""`%PDF-` may follow a little junk (a BOM, an HTTP header left in the file); readers allow 1 KB."""

GARBLED_SHARE = 0.2
"""A page whose glyphs are more than this share unmapped ("(cid:N)", private use) needs OCR."""

PAGE_COVER = 0.8
"""A picture covering this share of a text page is its background or its scan, not a table."""



def can_read(head: bytes, path: Path) -> bool:
    """PDF bytes start with `%PDF-`, possibly after a little junk."""
    return b"%PDF-" in head[:SNIFF_WINDOW]


# --- opening -------------------------------------------------------------------------------


def open_pdf(path: Path):
    """The pypdfium2 document, or None when PDFium calls the file malformed: `extract` then
    lets pdfminer decide (it reads some files PDFium refuses, and tells an empty page tree
    from a broken file). Encrypted, empty, unreadable and oversized files are `BadDocument`.
    pypdfium2 also decodes UTF-16LE info strings that pdfminer garbles (WPS writes the title
    as "ÿþ*mýl…" otherwise)."""
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
            return None
        raise BadDocument(f"unreadable PDF (corrupt or truncated): {exc}") from exc
    except OSError as exc:
        raise BadDocument(f"cannot read PDF: {exc}") from exc
    n_pages = len(pdf)
    if n_pages == 0:
        pdf.close()
        raise BadDocument("PDF has no pages")
    if n_pages > MAX_PAGES:
        pdf.close()
        raise BadDocument(f"PDF of {n_pages} pages: more than the {MAX_PAGES} a report can have")
    return pdf


_STREAM = re.compile(rb"<<((?:[^<>]|<<(?:[^<>]|<<[^<>]*>>|<[^<>]*>)*>>|<[^<>]*>)*)>>\s*stream\r?\n")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")
_NOT_CONTENT = re.compile(rb"/(?:Type|Subtype|Length1|Length2|Length3)\b")


def check_content_streams(data: bytes) -> None:
    """`BadDocument` when a content stream inflates past `MAX_CONTENT_BYTES` (a deflate bomb,
    which PDFium would unpack whole before the first glyph). Fonts, pictures and object
    streams say what they are (/Type, /Subtype, /Length1…) and are skipped; the rest is
    counted by `pdf_limits.inflated_size`, which never holds more than a megabyte; it costs a
    text report's few kilobytes of page content."""
    view = memoryview(data)
    for m in _STREAM.finditer(data):
        head = m.group(1)
        if not _FLATE.search(head) or _NOT_CONTENT.search(head):
            continue
        if inflated_size(view, m.end()) > MAX_CONTENT_BYTES:
            raise BadDocument(f"a content stream inflates to over {MAX_CONTENT_BYTES >> 20} MB "
                              "(a decompression bomb)")


# --- one page ------------------------------------------------------------------------------


def text_layer_state(drawing: PageDrawing, counts: Counter[str] | None = None) -> str:
    """"ok", "blank" (nothing on the page), "empty" (a picture or drawing but no text: a
    scan) or "garbled" (mostly glyphs without a Unicode mapping). `counts`: the glyphs
    counted by their text, where the caller has them."""
    if counts is None:
        counts = glyph_counts(drawing)
    visible = {t: k for t, k in counts.items() if t and not t.isspace()}
    if not visible:
        return "empty" if drawing.drawn else "blank"
    bad = sum(k for t, k in visible.items() if is_unmapped(t) or _is_mojibake(t))
    return "garbled" if bad > GARBLED_SHARE * sum(visible.values()) else "ok"


def glyph_counts(drawing: PageDrawing) -> Counter[str]:
    """How many glyphs of each text the page has: each distinct text is then judged once."""
    return Counter(map(itemgetter("text"), drawing.chars))


@lru_cache(maxsize=1 << 16)  # each distinct glyph text judged once per process, as is_unmapped
def _is_mojibake(text: str) -> bool:
    """Latin-1 letters and signs ("ÐÅÏ¢¹«¿ª"): GBK bytes mapped one by one, a broken
    ToUnicode map. A Chinese report has almost none of them."""
    return any(0x80 <= ord(ch) <= 0xFF and ch not in "·×÷°±²³¹½¼¾§¥" for ch in text)


def _picture_blocks(drawing: PageDrawing, tables: list[TablePart]) -> list[ImageBlock]:
    """Pictures large enough to hold a table (pasted from Excel, a scan of a form).

    Small pictures (seals, logos) are left out, and so are pictures covering most of the page:
    on a page with text those are backgrounds, or the scan under a text layer the producer
    already made by OCR, and that text is what we read.
    """
    out, n = [], drawing.number
    for x0, top, x1, bottom in drawing.pictures:
        w, h = x1 - x0, bottom - top
        if w < PICTURE_MIN_WIDTH * drawing.width or h < PICTURE_MIN_HEIGHT * drawing.height:
            continue
        if w * h >= PAGE_COVER * drawing.width * drawing.height:
            continue
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        if any(t.bbox[0] <= cx <= t.bbox[2] and t.bbox[1] <= cy <= t.bbox[3] for t in tables):
            continue  # a picture inside a ruled table (a seal in a cell): the table is read
        bbox = round_box((x0, top, x1, bottom))
        out.append(ImageBlock(ref=f"page:{n}", media_type="application/pdf",
                              prov=Provenance(page=n, bbox=bbox, method="text")))
    return out


def ocr_block(n: int) -> ImageBlock:
    """The hook for OCR: page n must be rendered and read."""
    return ImageBlock(ref=f"page:{n}", data=None, media_type="application/pdf", prov=Provenance(page=n))


def read_page(drawing: PageDrawing) -> PageContent:
    """One page's drawing → its text lines, table parts and pictures, in reading order."""
    n = drawing.number
    out = PageContent(number=n, height=float(drawing.height))
    counts = glyph_counts(drawing)
    state = text_layer_state(drawing, counts)
    if state == "blank":
        return out
    if state != "ok":
        out.needs_ocr = True
        out.items.append((0.0, ocr_block(n)))
        why = "no text layer (scanned image)" if state == "empty" else "text layer garbled (fonts without Unicode map)"
        out.warnings.append(f"page {n}: {why}, needs OCR")
        return out
    chars = drawing.chars
    unmapped = {t for t in counts if is_unmapped(t)}
    if unmapped:
        chars = [c for c in chars if c["text"] not in unmapped]
        out.warnings.append(f"page {n}: {sum(counts[t] for t in unmapped)} glyphs without Unicode mapping dropped")
    centres = Centres(chars) if drawing.rulings else None  # shared by every table and the body text
    tables = find_table_parts(drawing.rulings, chars, n, centres)
    for t in tables:
        out.items.append((t.bbox[1], t))
    lines = body_lines(chars, tables, drawing.height, centres)
    unruled, used = find_unruled_tables(lines, n)  # statistics laid out as aligned text only
    for t in unruled:
        out.items.append((t.prov.bbox[1], t))
    for i, ln in enumerate(lines):
        if i in used:
            continue
        prov = Provenance(page=n, bbox=round_box(ln.bbox), method="text")
        out.items.append((ln.bbox[1], TextBlock(text=ln.text.strip(), prov=prov)))
    for im in _picture_blocks(drawing, tables):
        out.items.append((im.prov.bbox[1], im))
        out.warnings.append(f"page {n}: picture at {im.prov.bbox} may hold a table, needs OCR")
    out.items.sort(key=lambda it: it[0])
    return out


def unreadable_page(n: int, exc: Exception) -> PageContent:
    """A page whose content cannot be parsed: one broken page must not lose the document."""
    return PageContent(number=n, items=[(0.0, ocr_block(n))], needs_ocr=True,
                       warnings=[f"page {n}: cannot read text layer ({exc}), needs OCR"])


# --- whole document ------------------------------------------------------------------------


UNREAD_SHARE = 0.01
"""When more than this share of a page's text objects gave PDFium no glyph, pdfminer reads
the page instead (a font PDFium cannot load; pdfminer reads its ToUnicode map)."""


def read_pages(pdf, path: Path) -> list[PageContent]:
    """Every page of a pypdfium2 document, through `pdf_page.read_drawing` and `read_page`;
    a page with text PDFium cannot decode through pdfminer (`pdf_plumber.Recovery`)."""
    from extractors.pdf_page import read_drawing

    fallback = None

    def drawing(n: int) -> PageDrawing:
        nonlocal fallback
        page = pdf[n - 1]
        try:
            d = read_drawing(page, n)
        finally:
            page.close()
        if d.unread_text and d.unread_text > UNREAD_SHARE * d.text_objects:
            if fallback is None:
                from extractors.pdf_plumber import Recovery
                fallback = Recovery(path)
            d = fallback.drawing(n)
        return d

    try:
        return _read_all(len(pdf), drawing)
    finally:
        if fallback is not None:
            fallback.close()


def _read_all(n_pages: int, drawing) -> list[PageContent]:
    """Pages 1..n_pages, each from `drawing(n)`; a page that cannot be read becomes an OCR hook."""
    pages: list[PageContent] = []
    for n in range(1, n_pages + 1):
        progress.page(n, n_pages)
        try:
            pages.append(read_page(drawing(n)))
        except (MemoryError, BadDocument):  # not a broken page: the whole document is
            raise                           # over its budget, or a bomb
        except Exception as exc:
            pages.append(unreadable_page(n, exc))
    return pages


def extract(path: Path) -> ExtractedDocument:
    """Read a PDF's text layer into the document model (see the module docstring)."""
    path = Path(path)
    pdf = open_pdf(path)
    if pdf is None:  # PDFium refused the file; pdfminer may still read it
        from extractors.pdf_plumber import Recovery

        recovery = Recovery(path)
        try:
            info, n_pages = recovery.info, recovery.n_pages
            pages = _read_all(n_pages, recovery.drawing)
        finally:
            recovery.close()
    else:
        try:
            check_content_streams(path.read_bytes())
            info = pdf.get_metadata_dict(skip_empty=True)
            n_pages = len(pdf)
            pages = read_pages(pdf, path)
        finally:
            pdf.close()
    drop_running_lines(pages)
    doc = ExtractedDocument(blocks=stitch_pages(pages), format=FORMAT, pages=n_pages)
    title = (info.get("Title") or "").strip()
    if title:
        doc.metadata["title"] = title
    if pdf is None:
        doc.warnings.append("PDFium found the file malformed; read through pdfminer's recovery, "
                            "content may be incomplete")
    for p in pages:
        doc.warnings.extend(p.warnings)
    return doc
