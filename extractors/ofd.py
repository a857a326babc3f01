"""OFD (GB/T 33190, China's fixed-layout format) → `ExtractedDocument` with page coordinates.

    OfdPackage(zip)                     ofd_package: bombs, traversal and DOCTYPEs refused
    OFD.xml → DocBody/DocRoot          the first document of the package
      Document.xml → CommonData        page size, PublicRes/DocumentRes → MultiMedia files
                   → Pages/Page        each page's Content.xml (BaseLoc)
    read_objects(page)                 ofd_page: glyphs, path segments, images in mm
    layout_page(...)                   glyphs → lines, rulings + glyphs → tables, images
    stitch_pages(...)                  a table running onto the next page → one table

The layout is the PDF extractor's (`extractors.layout`, `rulings`, `pdf_tables`, `pdf_lines`),
which works on pdfplumber-style glyph and edge dicts: OFD millimetres are converted to
points for it, so its tolerances (tuned in points on real reports) apply unchanged, and
every bbox handed back is in millimetres again, as the document model specifies for OFD.

Body text comes out as one `TextBlock` per line, top to bottom (as for PDF); tables as
`Table`s with spans and reliable columns; large pictures (a pasted table, a scanned page)
as `ImageBlock`s carrying their bytes for the OCR step. Seals and signatures are not read.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from extractors import ofd_package as pkgmod
from extractors.ofd_package import OfdPackage, folder, kid, kids, resolve, text_of
from extractors.ofd_page import PageObjects, box, read_objects, rulings
from extractors.layout import PICTURE_MIN_HEIGHT, PICTURE_MIN_WIDTH, PageContent, body_lines, stitch_pages
from extractors.pdf_tables import find_table_parts
from extractors.rulings import merge_rulings
from core.document import Block, Cell, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from core.errors import BadDocument

FORMAT = "ofd"

PT_PER_MM = 72 / 25.4
DEFAULT_PAGE = (0.0, 0.0, 210.0, 297.0)
"""A4, when neither the page nor the document gives a PhysicalBox."""
MAX_PAGES = 5000
ASCENT, DESCENT = 0.86, 0.14
"""A glyph's box above and below its baseline, in ems (CJK fonts' design box)."""

_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "bmp": "image/bmp",
                "gif": "image/gif", "tif": "image/tiff", "tiff": "image/tiff", "jb2": "image/x-jbig2",
                "jbig2": "image/x-jbig2"}


def can_read(head: bytes, path: Path) -> bool:
    """A ZIP with `OFD.xml` at its root (a zip we cannot open: by its `.ofd` name)."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.replace("\\", "/").lstrip("/").lower() == "ofd.xml" for n in zf.namelist())
    except pkgmod.ZIP_ERRORS:
        return Path(path).suffix.lower() == ".ofd" or b"OFD.xml" in head


def extract(path: Path) -> ExtractedDocument:
    """Read an OFD package (see the module docstring); `BadDocument` when it cannot be read."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _Reader(OfdPackage(zf)).document()
    except BadDocument:
        raise
    except pkgmod.ZIP_ERRORS as exc:
        raise BadDocument(f"corrupt OFD package ({type(exc).__name__}: {exc})") from exc


class _Reader:
    def __init__(self, package: OfdPackage):
        self.pkg = package
        self.warnings: list[str] = []
        self.media: dict[str, tuple[str, str | None]] = {}  # resource ID → (part, media type)
        self._res_loaded: set[str] = set()

    def document(self) -> ExtractedDocument:
        body, doc_dir, default_area, page_refs = self.locate()
        pages = [self._page(n, ref, doc_dir, default_area) for n, ref in enumerate(page_refs, start=1)]
        blocks = [_to_mm(b) for b in stitch_pages(pages)]
        doc = ExtractedDocument(blocks=blocks, format=FORMAT, pages=len(page_refs), warnings=self.warnings)
        for p in pages:
            doc.warnings.extend(p.warnings)
        title = text_of(kid(body, "DocInfo"), "Title")
        if title:
            doc.metadata["title"] = title
        return doc

    def locate(self):
        """OFD.xml → (DocBody, the document's folder, its default page area, its Page
        elements), with the document's resources loaded."""
        entry = next((n for n in ("OFD.xml", "ofd.xml") if self.pkg.has(n)), None)
        if entry is None:
            raise BadDocument("not an OFD package: no OFD.xml at its root")
        root = self.pkg.xml(entry)
        bodies = kids(root, "DocBody")
        if not bodies:
            raise BadDocument("OFD.xml has no DocBody")
        if len(bodies) > 1:
            self.warnings.append(f"package holds {len(bodies)} documents; only the first is read")
        body = bodies[0]
        doc_path = resolve("", text_of(body, "DocRoot") or "Doc_0/Document.xml")
        document = self.pkg.xml(doc_path)
        doc_dir = folder(doc_path)
        common = kid(document, "CommonData")
        default_area = box(text_of(common, "PageArea", "PhysicalBox")) or DEFAULT_PAGE
        for name in ("PublicRes", "DocumentRes"):
            for res in kids(common, name) if common is not None else []:
                self._load_res(doc_dir, res.text)
        page_refs = kids(kid(document, "Pages"), "Page") if kid(document, "Pages") is not None else []
        if not page_refs:
            raise BadDocument("OFD document has no pages")
        if len(page_refs) > MAX_PAGES:
            raise BadDocument(f"OFD document has {len(page_refs)} pages (over {MAX_PAGES})")
        return body, doc_dir, default_area, page_refs

    # --- resources ------------------------------------------------------------------------

    def _load_res(self, base_dir: str, ref: str | None) -> None:
        """A resource file's MultiMedia entries → `self.media` (IDs are document-wide)."""
        if not (ref or "").strip():
            return
        part = resolve(base_dir, ref)
        if part in self._res_loaded:
            return
        self._res_loaded.add(part)
        if not self.pkg.has(part):
            self.warnings.append(f"resource file {part} is missing")
            return
        res = self.pkg.xml(part)
        media_dir = resolve(folder(part), res.get("BaseLoc")) if res.get("BaseLoc") else folder(part)
        for group in kids(res, "MultiMedias"):
            for mm in kids(group, "MultiMedia"):
                file = text_of(mm, "MediaFile")
                if mm.get("ID") and file:
                    target = resolve(media_dir, file)
                    fmt = (mm.get("Format") or target.rsplit(".", 1)[-1]).lower()
                    self.media[mm.get("ID")] = (target, _MEDIA_TYPES.get(fmt))

    # --- pages ----------------------------------------------------------------------------

    def _page(self, n: int, ref, doc_dir: str, default_area) -> PageContent:
        loc = ref.get("BaseLoc")
        if not loc:
            return PageContent(number=n, warnings=[f"page {n}: no BaseLoc, skipped"])
        part = resolve(doc_dir, loc)
        if not self.pkg.has(part):
            return PageContent(number=n, warnings=[f"page {n}: {part} is missing from the package"])
        page = self.pkg.xml(part)  # a hostile part (DOCTYPE) rejects the whole package
        for res in kids(page, "PageRes"):
            self._load_res(folder(part), res.text)
        area = box(text_of(page, "Area", "PhysicalBox")) or default_area
        try:
            objs = read_objects(page)
        except ValueError as exc:
            raise BadDocument(f"page {n}: {exc}") from exc
        return layout_page(objs, n, area, self)

    def picture(self, resource_id: str) -> tuple[bytes | None, str, str | None]:
        """(bytes, package path, media type) of an image resource; bytes None when unreadable."""
        target, media_type = self.media.get(resource_id, (f"resource:{resource_id}", None))
        if resource_id not in self.media or not self.pkg.has(target):
            self.warnings.append(f"image resource {resource_id} ({target}) is missing")
            return None, target, media_type
        return self.pkg.read(target), target, media_type


def page_objects(path: Path, n: int) -> tuple[PageObjects, tuple[float, float, float, float]]:
    """Page n's objects (glyphs, visible paths, pictures; mm) and its area: what
    `layout_page` lays out. For `gongkai debug`, which draws them."""
    with zipfile.ZipFile(path) as zf:
        reader = _Reader(OfdPackage(zf))
        _, doc_dir, default_area, page_refs = reader.locate()
        if not 1 <= n <= len(page_refs):
            raise BadDocument(f"no page {n}: the file has {len(page_refs)} page(s)")
        page = reader.pkg.xml(resolve(doc_dir, page_refs[n - 1].get("BaseLoc") or ""))
        try:
            objs = read_objects(page)
        except ValueError as exc:
            raise BadDocument(f"page {n}: {exc}") from exc
        return objs, box(text_of(page, "Area", "PhysicalBox")) or default_area


def page_edges(objs: PageObjects) -> list[dict]:
    """A page's rulings as merged pdfplumber edges, in points (what the table finder reads)."""
    return merge_rulings([_edge(r) for r in rulings(objs.shapes)])


def layout_page(objs: PageObjects, n: int, area, reader: _Reader | None = None) -> PageContent:
    """One page's objects → `PageContent` (tables and lines in points, pictures in mm)."""
    out = PageContent(number=n, warnings=[f"page {n}: {w}" for w in objs.warnings])
    width, height = area[2], area[3]
    chars = [_char(g) for g in objs.glyphs if g.text]
    tables = find_table_parts([_edge(r) for r in rulings(objs.shapes)], chars, n)
    for t in tables:
        out.items.append((t.bbox[1], t))
    for ln in body_lines(chars, tables, height * PT_PER_MM):
        bbox = _bbox_mm(ln.bbox)
        out.items.append((ln.bbox[1], TextBlock(text=ln.text.strip(), prov=Provenance(page=n, bbox=bbox))))
    text_free = not any(g.text.strip() for g in objs.glyphs)
    for pic in objs.pictures:
        x0, y0, x1, y1 = pic.bbox
        large = x1 - x0 >= PICTURE_MIN_WIDTH * width and y1 - y0 >= PICTURE_MIN_HEIGHT * height
        if not (large or text_free):
            continue  # seals, logos, signatures
        data, ref, media_type = reader.picture(pic.resource_id) if reader else (None, pic.resource_id, None)
        bbox = tuple(round(v, 2) for v in pic.bbox)
        out.items.append((y0 * PT_PER_MM, ImageBlock(data=data, ref=ref, media_type=media_type,
                                                     prov=Provenance(page=n, bbox=bbox))))
        out.warnings.append(f"page {n}: picture at {bbox} may hold text or a table, needs OCR")
    out.items.sort(key=lambda it: it[0])
    return out


def _char(g) -> dict:
    """A glyph → the pdfplumber-style dict the PDF layout functions read (points)."""
    k = PT_PER_MM
    x0, x1 = g.x * k, (g.x + g.width) * k
    top, bottom = (g.y - ASCENT * g.size) * k, (g.y + DESCENT * g.size) * k
    return {"text": g.text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "size": g.size * k, "upright": g.upright}


def _edge(r: tuple[str, float, float, float]) -> dict:
    """A ruling (mm) → a pdfplumber edge (points)."""
    k = PT_PER_MM
    kind, at, lo, hi = r
    if kind == "h":
        return {"x0": lo * k, "x1": hi * k, "top": at * k, "bottom": at * k, "doctop": at * k,
                "width": (hi - lo) * k, "height": 0.0, "orientation": "h", "object_type": "line"}
    return {"x0": at * k, "x1": at * k, "top": lo * k, "bottom": hi * k, "doctop": lo * k,
            "width": 0.0, "height": (hi - lo) * k, "orientation": "v", "object_type": "line"}


def _bbox_mm(b):
    return tuple(round(v / PT_PER_MM, 2) for v in b)


def _to_mm(block: Block) -> Block:
    """Tables come back from the PDF stitcher with point bboxes; the model wants mm for OFD."""
    if not isinstance(block, Table):
        return block

    def prov(p: Provenance) -> Provenance:
        return Provenance(page=p.page, bbox=_bbox_mm(p.bbox) if p.bbox else None, method=p.method,
                          confidence=p.confidence, alternatives=p.alternatives)

    cells = [Cell(row=c.row, col=c.col, text=c.text, row_span=c.row_span, col_span=c.col_span, prov=prov(c.prov))
             for c in block.cells]
    return Table(cells=cells, prov=prov(block.prov), columns_reliable=block.columns_reliable, caption=block.caption)
