"""The fallback PDF reader: pdfminer (through pdfplumber) for files PDFium calls malformed.

pdfminer's parser recovers some damaged files PDFium refuses (a broken xref table, a
missing trailer) and tells an empty page tree from a broken file. It is slow — its layout
analysis is most of a page's cost — so it reads only those files; every other PDF goes
through `extractors.pdf_page`. Both make the same `PageDrawing`.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import BadDocument
from extractors.layout import PageDrawing
from extractors.pdf_limits import MAX_CONTENT_BYTES, MAX_PAGES, inflated_size
from extractors.rulings import shape_rulings


def read_drawing(page, n: int) -> PageDrawing:
    """A pdfplumber page → its glyphs (those lying on the page), rulings and pictures."""
    x0, top, x1, bottom = page.bbox
    chars = [c for c in page.chars
             if x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1 and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1]
    pictures = [(im["x0"], im["top"], im["x1"], im["bottom"]) for im in page.images]
    return PageDrawing(number=n, width=float(page.width), height=float(page.height), chars=chars,
                       rulings=shape_rulings(page.lines, page.rects), pictures=pictures,
                       drawn=bool(page.images or page.curves or len(page.rects) > 50))


class Recovery:
    """A file opened in pdfminer: its page count and info strings, and each page's drawing.

    `BadDocument` when pdfminer cannot open it either (encrypted, no pages, broken beyond
    repair), or when it has more than `MAX_PAGES` pages; `drawing(n)` raises `BadDocument`
    when page n's content inflates past `MAX_CONTENT_BYTES`."""

    def __init__(self, path: Path):
        import pdfplumber

        self.pdf = None
        try:
            self.pdf = pdfplumber.open(path)
            self.n_pages = len(self.pdf.pages)
            self.info = {k: v for k, v in (self.pdf.metadata or {}).items() if isinstance(v, str)}
        except Exception as exc:
            self.close()
            raise _bad(exc) from exc
        if self.n_pages == 0:
            self.close()
            raise BadDocument("PDF has no pages")
        if self.n_pages > MAX_PAGES:
            self.close()
            raise BadDocument(f"PDF of {self.n_pages} pages: more than the {MAX_PAGES} a report can have")

    def drawing(self, n: int) -> PageDrawing:
        try:
            page = self.pdf.pages[n - 1]
        except Exception as exc:
            raise _bad(exc) from exc
        try:
            check_page_content(page, n)
            return read_drawing(page, n)
        finally:
            page.close()

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _bad(exc: Exception) -> BadDocument:
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    cause = exc.__cause__ or exc
    if isinstance(exc, BadDocument):
        return exc
    if isinstance(exc, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect):
        return BadDocument("encrypted PDF: it needs a password to open")
    return BadDocument(f"unreadable PDF (corrupt or truncated): {cause}")


def check_page_content(page, n: int) -> None:
    """`BadDocument` when page n's content streams inflate past `MAX_CONTENT_BYTES` together
    (a deflate bomb, which pdfminer would unpack whole)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    contents = resolve1(page.page_obj.attrs.get("Contents"))
    total = 0
    for ref in contents if isinstance(contents, list) else [contents]:
        stream = resolve1(ref)
        if not isinstance(stream, PDFStream):
            continue
        filters = resolve1(stream.attrs.get("Filter") or stream.attrs.get("F"))
        names = [str(getattr(resolve1(f), "name", f)) for f in (filters if isinstance(filters, list) else [filters])]
        data = stream.rawdata or b""
        if not names or names[0] not in ("FlateDecode", "Fl"):
            total += len(data)
            continue
        total += inflated_size(data, 0, MAX_CONTENT_BYTES - total)
        if total > MAX_CONTENT_BYTES:
            raise BadDocument(f"page {n}'s content inflates to over {MAX_CONTENT_BYTES >> 20} MB "
                              "(a decompression bomb)")
