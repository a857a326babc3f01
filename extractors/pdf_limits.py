"""What one PDF may cost before it is refused, for both readers (`pdf` on PDFium, `pdf_plumber`
on pdfminer): its page count, and what its page content may inflate to."""
from __future__ import annotations

import zlib

MAX_PAGES = 2000
"""Pages of one PDF; a report has a handful to a few dozen, a bound volume of them hundreds."""

MAX_CONTENT_BYTES = 128 * 2**20
"""What one page's content may inflate to; a dense page is well under 1 MB."""


def inflated_size(data, start: int = 0, limit: int = MAX_CONTENT_BYTES) -> int:
    """What the deflate stream at `start` of `data` (bytes or a memoryview) inflates to,
    counted up to just past `limit`: fed in 64 KB bites and drawn in 1 MB steps, so the count
    never holds more than that whatever the stream would make. A damaged stream counts what
    it gave before the damage (the parser decides what to make of it)."""
    view = memoryview(data)
    z, total, pos = zlib.decompressobj(), 0, start
    try:
        while total <= limit and not z.eof and pos < len(view):
            total += len(z.decompress(view[pos:pos + 2**16], 2**20))
            pos += 2**16
            while z.unconsumed_tail and total <= limit:
                total += len(z.decompress(z.unconsumed_tail, 2**20))
    except zlib.error:
        pass
    return total
