"""The fallback PDF reader: pdfminer (through pdfplumber) for files PDFium calls malformed.

pdfminer's parser recovers some damaged files PDFium refuses (a broken xref table, a
missing trailer) and tells an empty page tree from a broken file. It is slow — its layout
analysis is most of a page's cost — so it reads only those files; every other PDF goes
through `extractors.pdf_page`. Both make the same `PageDrawing`.
"""
from __future__ import annotations

import zlib
from pathlib import Path

from core import progress
from core.errors import BadDocument
from extractors.layout import PageContent, PageDrawing
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
    """One file opened in pdfminer for the pages PDFium could not decode, page by page."""

    def __init__(self, path: Path):
        import pdfplumber

        self.pdf = pdfplumber.open(path)

    def drawing(self, n: int) -> PageDrawing:
        page = self.pdf.pages[n - 1]
        try:
            check_page_content(page, n)
            return read_drawing(page, n)
        finally:
            page.close()

    def close(self) -> None:
        self.pdf.close()


def check_page_content(page, n: int) -> None:
    """`BadDocument` when page n's content streams inflate past `MAX_CONTENT_BYTES` (a
    deflate bomb, which pdfminer would unpack whole). Measured in 1 MB steps."""
    from pdfminer.pdftypes import PDFStream, resolve1

    from extractors.pdf import MAX_CONTENT_BYTES

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


def read_pages_recovered(path: Path) -> tuple[list[PageContent], dict[str, str], int]:
    """Every page of a file PDFium refused, with its info strings and page count."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    from extractors.pdf import MAX_PAGES, read_page, unreadable_page

    pages: list[PageContent] = []
    try:
        with pdfplumber.open(path) as pdf:
            n_pages = len(pdf.pages)
            if n_pages == 0:
                raise BadDocument("PDF has no pages")
            if n_pages > MAX_PAGES:
                raise BadDocument(f"PDF of {n_pages} pages: more than the {MAX_PAGES} a report can have")
            info = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
            for n, page in enumerate(pdf.pages, start=1):
                progress.page(n, n_pages)
                check_page_content(page, n)
                try:
                    pages.append(read_page(read_drawing(page, n)))
                except MemoryError:  # not a broken page: the whole document is over its budget
                    raise
                except Exception as exc:
                    pages.append(unreadable_page(n, exc))
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
    return pages, info, n_pages
