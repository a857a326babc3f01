"""OCR: pictures in a document → ordinary tables and text in the same document model.

    enrich(doc, source_path)   every readable ImageBlock replaced, in place, by what it shows

Which pictures are read: an `ImageBlock` with bytes (a picture file, a picture inside a
DOCX, an `<img>` of an HTML page), and a PDF page without a usable text layer
(`ImageBlock(ref="page:N", media_type="application/pdf")`, rendered from `source_path`;
with a bbox, only that part of the page). A picture that holds a table becomes that
`Table` (cells with row/col spans, provenance method "ocr" with a bbox and a confidence)
plus `TextBlock`s for the lines around it; a page of text becomes `TextBlock`s in reading
order (so agency, year and date are found in scans); a picture that is neither (a logo, a
photo, a seal) stays an `ImageBlock`. An `ImageBlock` without bytes (a text dump's
`[image: …]`) stays too: its table remains `image-unreadable`. Tables cut by a page
break are joined, header rows repeated on the second page dropped (`stitch.join_continued`);
a note row under a table (注：…) becomes a paragraph after it (`stitch.split_notes`).

The engine (`engine.get_backend()`) is loaded once per process, on the first picture;
it never downloads anything, and a missing model is `OcrUnavailable`, a one-line error.
"""
from __future__ import annotations

from pathlib import Path

from core.document import ExtractedDocument, ImageBlock, Table, TextBlock

from .backends import OcrUnavailable
from .engine import get_backend
from .images import NotAPicture, decode_frames, render_pdf_page
from .page import Picture, Place, read_picture
from .stitch import join_continued, split_notes

__all__ = ["enrich", "read_image", "OcrUnavailable", "Picture", "Place"]


def enrich(doc: ExtractedDocument, source_path: Path | None = None) -> ExtractedDocument:
    """Read the document's pictures (see the module docstring); returns the same `doc`."""
    todo = [i for i, b in enumerate(doc.blocks) if isinstance(b, ImageBlock) and _readable(b, source_path)]
    if not todo:
        return doc
    backend = get_backend()
    pages: dict[int, tuple] = {}  # rendered PDF pages, kept while a later block needs them
    last_use = {_pdf_page(doc.blocks[i]): i for i in todo}
    new_blocks: list = []
    done = set(todo)
    for i, block in enumerate(doc.blocks):
        if i not in done:
            new_blocks.append(block)
            continue
        try:
            pictures = _pictures_of(block, source_path, pages)
            if last_use.get(_pdf_page(block)) == i:
                pages.pop(_pdf_page(block), None)
        except NotAPicture as exc:
            doc.warnings.append(f"{_where(block)}: picture not decodable ({exc}); left unread")
            new_blocks.append(block)
            continue
        except Exception as exc:  # a page pdfium cannot draw must not lose the document
            doc.warnings.append(f"{_where(block)}: cannot render for OCR ({type(exc).__name__}: {exc}); left unread")
            new_blocks.append(block)
            continue
        keep_image = not pictures
        for image, place in pictures:
            try:
                pic = read_picture(image, backend, place)
            except Exception as exc:  # one picture that breaks the reader costs only itself
                doc.warnings.append(f"{_where(block)}: OCR failed ({type(exc).__name__}: {exc}); left unread")
                keep_image = True
                continue
            new_blocks.extend(pic.blocks)
            keep_image |= pic.kind in ("picture", "unread-table")
            doc.warnings.append(f"{_where(block)}: OCR: {_summary(pic)}")
        if keep_image:
            new_blocks.append(block)
    doc.blocks = join_continued(split_notes(new_blocks))
    return doc


def read_image(image, place: Place = Place()) -> Picture:
    """One picture (BGR array) → its tables and text, with the process's engine."""
    return read_picture(image, get_backend(), place)


def _readable(block: ImageBlock, source_path: Path | None) -> bool:
    if block.data:
        return True
    return _pdf_page(block) is not None and source_path is not None and Path(source_path).is_file()


def _pdf_page(block: ImageBlock) -> int | None:
    ref = block.ref or ""
    if block.media_type == "application/pdf" and ref.startswith("page:") and ref[5:].isdigit():
        return int(ref[5:])
    return None


def _pictures_of(block: ImageBlock, source_path: Path | None, cache: dict[int, tuple]) -> list[tuple]:
    """(BGR image, Place) for each picture an ImageBlock stands for."""
    if block.data:
        frames = decode_frames(block.data)
        page = block.prov.page
        if len(frames) == 1:
            return [(frames[0], Place(page=page))]
        # a multi-page TIFF: frame k is page k (unless the block already sits on a page)
        return [(f, Place(page=page if page is not None else k)) for k, f in enumerate(frames, start=1)]
    n = _pdf_page(block)
    if n not in cache:
        cache[n] = render_pdf_page(Path(source_path), n)  # type: ignore[arg-type]
    image, scale = cache[n]
    bbox = block.prov.bbox
    if bbox is None:
        return [(image, Place(page=n, scale=scale))]
    x0, top, x1, bottom = (int(round(v * scale)) for v in bbox)
    h, w = image.shape[:2]
    x0, top, x1, bottom = max(0, x0), max(0, top), min(w, x1), min(h, bottom)
    if x1 - x0 < 8 or bottom - top < 8:
        return []
    return [(image[top:bottom, x0:x1], Place(page=n, scale=scale, offset=(x0 / scale, top / scale)))]


def _where(block: ImageBlock) -> str:
    if block.prov.page is not None:
        return f"page {block.prov.page}"
    return f"picture {block.ref}" if block.ref else "picture"


def _summary(pic: Picture) -> str:
    tables = sum(1 for b in pic.blocks if isinstance(b, Table))
    lines = sum(1 for b in pic.blocks if isinstance(b, TextBlock))
    what = {"table": "table picture", "text": "text", "unread-table": "numbers but no table grid (kept as image)",
            "picture": "no text (kept as image)"}[pic.kind]
    return f"{what}: {tables} table(s), {lines} text line(s)"
