"""Word 2007+ (.docx) extractor: the body's paragraphs, tables and pictures, in reading order.

We read the zip with `zipfile` and walk the body XML with lxml instead of opening it with
python-docx: python-docx rejects `.docm`/`.dotx` content types and files whose relationships
point at missing parts (both turn up on agency sites), parses every XML part up front (the
default styles alone are 350 KB), and its object API hides text boxes, VML pictures and
alternate content. Only the main document part is read, so headers, footers, footnotes and
comments never reach the blocks.

What comes out, in document order: a `TextBlock` per non-empty paragraph (text boxes become
paragraphs of their own next to their anchor), a `Table` per Word table with real grid
columns and spans, followed by the tables nested in its cells and the pictures in it, and an
`ImageBlock` per picture (agencies often paste the statistics tables as pictures, which the
OCR step then reads).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from extractors import read_head
from extractors._ooxml import ZIP_ERRORS, OoxmlPackage, first_target
from core.document import Block, Cell, ExtractedDocument, ImageBlock, Table, TextBlock
from core.errors import BadDocument

FORMAT = "docx"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


P, R, TBL, TR, TC, TC_PR, TR_PR = (_w(n) for n in ("p", "r", "tbl", "tr", "tc", "tcPr", "trPr"))
TXBX = _w("txbxContent")
ALT, CHOICE, FALLBACK = (f"{{{_MC}}}{n}" for n in ("AlternateContent", "Choice", "Fallback"))
BLIP = f"{{{_A}}}blip"
IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"
R_ID, R_EMBED, R_LINK = (f"{{{_R}}}{n}" for n in ("id", "embed", "link"))
W_VAL = _w("val")

_TEXT = {_w("t"), "{http://schemas.openxmlformats.org/officeDocument/2006/math}t"}
_CHARS = {_w("tab"): "\t", _w("ptab"): "\t", _w("br"): "\n", _w("cr"): "\n",
          _w("noBreakHyphen"): "-"}
# Subtrees with no visible text: properties (their w:tab are tab stops), tracked deletions,
# field codes (PAGE, HYPERLINK "…", TOC \o), phonetic guides, section properties.
_SKIP = {_w(n) for n in ("pPr", "rPr", "del", "moveFrom", "instrText", "delText", "rt",
                         "fldData", "sectPr", "tblPr", "tblGrid", "sdtPr", "sdtEndPr")}
_WRAPPERS = {_w(n) for n in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag")}
_HEADING_NAME = re.compile(r"(heading|title|subtitle|标题)", re.IGNORECASE)
_OFF = {"0", "false", "off"}

MAX_GRID_COLUMNS = 1000
"""A Word table is at most 63 columns wide; a grid span or offset past this is corruption
(or a bomb aimed at whoever builds the grid), and is cut back to it with a warning."""
MAX_TABLE_AREA = 1_000_000
"""Rows × grid columns of one table; a report's largest table has a few hundred cells."""
MAX_CELLS = 500_000
"""Table cells in one document."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MAIN_TYPE = re.compile(rb"(?:wordprocessingml|ms-word)\.[\w.]*main\+xml")


def can_read(head: bytes, path: Path) -> bool:
    """A ZIP holding a WordprocessingML main part, or an encrypted OOXML package.

    The 8 KB head cannot show the zip's central directory, so we open the file. A zip we
    cannot open is still ours when it looks like a Word file (name or local headers), so
    that the user gets "corrupt DOCX" instead of "unrecognised format".
    """
    if head.startswith(_OLE_MAGIC):
        return _is_encrypted_ooxml(Path(path))
    if not head.startswith(b"PK\x03\x04"):
        return False
    docx_name = Path(path).suffix.lower() in (".docx", ".docm", ".dotx", ".dotm")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names or docx_name:
                return True
            return "[Content_Types].xml" in names and bool(
                _MAIN_TYPE.search(zf.read("[Content_Types].xml")))
    except ZIP_ERRORS:
        return docx_name or b"word/" in head


def extract(path: Path) -> ExtractedDocument:
    """Read a .docx into blocks; `BadDocument` when the bytes are not a readable Word file."""
    path = Path(path)
    head = read_head(path, 8)
    if not head:
        raise BadDocument("empty file")
    if head.startswith(_OLE_MAGIC[:4]):
        raise BadDocument("password-protected (encrypted) Word file" if _is_encrypted_ooxml(path)
                          else "a legacy Word 97-2003 (.doc) file, not DOCX")
    if not head.startswith(b"PK"):
        raise BadDocument(f"not a DOCX: not a ZIP container (first bytes {head!r})")
    try:
        with zipfile.ZipFile(path) as zf:
            return _Reader(OoxmlPackage(zf)).document()
    except ZIP_ERRORS as exc:
        raise BadDocument(f"corrupt DOCX ({type(exc).__name__}: {exc})") from exc


def _is_encrypted_ooxml(path: Path) -> bool:
    """Office stores a password-protected .docx as an OLE file with an EncryptedPackage stream."""
    try:
        with path.open("rb") as fh:
            return _ENCRYPTED in fh.read(64 * 2**20)
    except OSError:
        return False


class _Reader:
    """Walks one package's main document part into blocks."""

    def __init__(self, package: OoxmlPackage):
        self.package = package
        self.warnings = package.warnings
        package_rels = package.rels("")
        self.main = first_target(package_rels, "/officeDocument") or "word/document.xml"
        self.core = first_target(package_rels, "/core-properties") or "docProps/core.xml"
        if not package.has(self.main):
            names = sorted(package.zf.namelist())
            raise BadDocument(f"not a Word document: the ZIP has no {self.main} "
                              f"(entries: {', '.join(names[:6])}{'…' if len(names) > 6 else ''})")
        self.rels = package.rels(self.main)
        self._heading_ids: set[str] | None = None
        self._cells = 0

    def document(self) -> ExtractedDocument:
        body = self.package.xml(self.main).find(_w("body"))
        if body is None:
            raise BadDocument(f"{self.main} has no w:body")
        blocks = self.blocks(body)
        return ExtractedDocument(blocks=blocks, format=FORMAT, metadata=self._metadata(),
                                 pages=None, warnings=self.warnings)

    # --- the body ---------------------------------------------------------------------

    def blocks(self, container: etree._Element) -> list[Block]:
        """Block-level content (body, table cell, text box) into blocks, in order."""
        out: list[Block] = []
        for child in container:
            tag = child.tag
            if tag == P:
                out += self._paragraph(child)
            elif tag == TBL:
                out += self._table(child)
            elif tag == ALT:
                out += self.blocks(_pick(child))
            elif tag == _w("altChunk"):
                self.warnings.append(f"imported chunk {self._target(child.get(R_ID))} not read")
            elif tag in _WRAPPERS:
                out += self.blocks(child)
        return out

    def _paragraph(self, p: etree._Element) -> list[Block]:
        """A paragraph's text, with the text boxes and pictures anchored in it around it.

        Objects anchored before any text come before the paragraph, the rest after it: a
        paragraph is never cut in two by a picture or text box anchored mid-sentence.
        """
        parts: list[str] = []
        before: list[Block] = []
        after: list[Block] = []

        def scan(el: etree._Element) -> None:
            for child in el:
                tag = child.tag
                if tag in _TEXT:
                    parts.append(child.text or "")
                elif tag in _CHARS:
                    parts.append(_CHARS[tag])
                elif tag in _SKIP or (tag == R and _hidden(child)):
                    continue
                elif tag in (TXBX, BLIP, IMAGEDATA):
                    found = self.blocks(child) if tag == TXBX else self._image(child)
                    (after if "".join(parts).strip() else before).extend(found)
                elif tag == ALT:
                    scan(_pick(child))
                else:
                    if tag == OLE_OBJECT:
                        self._note_embedded(child)
                    scan(child)

        scan(p)
        text = "".join(parts).strip()
        if text:
            before.append(TextBlock(text, kind="heading" if self._is_heading(p) else "paragraph"))
        return before + after

    def _table(self, tbl: etree._Element) -> list[Block]:
        """A Word table as grid cells, then the nested tables and pictures found in its cells.

        Columns are grid columns (w:gridBefore skips leading ones, w:gridSpan widens a cell).
        A vertical merge is a "restart" cell followed by "continue" cells in the same grid
        column of the next rows; those only grow the restart cell's row_span.
        """
        cells: list[Cell] = []
        inner: list[Block] = []
        merging: dict[int, Cell] = {}  # grid column → the cell a vMerge there continues
        width = 0
        for r, tr in enumerate(_children(tbl, TR)):
            col = min(max(0, _int(tr.find(f"{TR_PR}/{_w('gridBefore')}"), 0)), MAX_GRID_COLUMNS - 1)
            row: list[Cell] = []
            still_merging: set[int] = set()
            for tc in _children(tr, TC):
                pr = tc.find(TC_PR)
                span = max(1, _int(None if pr is None else pr.find(_w("gridSpan")), 1))
                if col + span > MAX_GRID_COLUMNS:
                    self.warnings.append(f"table row {r + 1}: a cell spanning {span} grid columns at column "
                                         f"{col + 1} was cut to the {MAX_GRID_COLUMNS}-column limit")
                    span = max(1, MAX_GRID_COLUMNS - col)
                vmerge, hmerge = _merge(pr, "vMerge"), _merge(pr, "hMerge")
                content = self.blocks(tc)
                inner += [b for b in content if not isinstance(b, TextBlock)]
                if vmerge == "continue" and col in merging:
                    merging[col].row_span = r - merging[col].row + 1
                    still_merging.add(col)
                elif hmerge == "continue" and row:
                    row[-1].col_span += span
                else:
                    text = "\n".join(b.text for b in content if isinstance(b, TextBlock))
                    row.append(Cell(row=r, col=col, text=text, col_span=span))
                    if vmerge == "restart":
                        merging[col] = row[-1]
                        still_merging.add(col)
                col = min(col + span, MAX_GRID_COLUMNS)
            width = max(width, col)
            if (r + 1) * width > MAX_TABLE_AREA:
                raise BadDocument(f"a table of over {r + 1} rows × {width} grid columns is too large for a report")
            self._cells += len(row)
            if self._cells > MAX_CELLS:
                raise BadDocument(f"over {MAX_CELLS} table cells: too many for a report")
            cells += row
            merging = {c: cell for c, cell in merging.items() if c in still_merging}
        caption = tbl.find(f"{_w('tblPr')}/{_w('tblCaption')}")
        table = Table(cells, columns_reliable=True,
                      caption=None if caption is None else caption.get(W_VAL) or None)
        return ([table] if cells else []) + inner

    # --- pictures and embedded objects ----------------------------------------------

    def _image(self, el: etree._Element) -> list[Block]:
        """An `a:blip` or VML `v:imagedata` as an ImageBlock with the picture's bytes."""
        rel = self.rels.get(el.get(R_EMBED) or el.get(R_ID) or el.get(R_LINK) or "")
        if rel is None:
            return []
        if rel.external:  # a linked picture: only its address is in the file
            return [ImageBlock(ref=rel.target)]
        try:
            data = self.package.read(rel.target)
        except ZIP_ERRORS as exc:  # keep the text and tables of a file with one damaged picture
            self.warnings.append(f"picture {rel.target} is damaged ({exc})")
            return [ImageBlock(ref=rel.target)]
        if data is None:
            self.warnings.append(f"picture {rel.target} is missing from the package")
            return [ImageBlock(ref=rel.target)]
        media_type = self.package.media_type(rel.target)
        return [ImageBlock(data=data, ref=rel.target, media_type=media_type)]

    def _note_embedded(self, ole: etree._Element) -> None:
        """Embedded objects (often an Excel sheet) show only a preview picture; say so."""
        target = self._target(ole.get(R_ID))
        self.warnings.append(f"embedded object {ole.get('ProgID') or '?'} ({target}) not read; "
                             "only its preview picture is kept")

    # --- styles and metadata ----------------------------------------------------------

    def _is_heading(self, p: etree._Element) -> bool:
        """A heading by its own outline level or by its style (see `_heading_style_ids`)."""
        ppr = p.find(_w("pPr"))
        if ppr is None:
            return False
        if _int(ppr.find(_w("outlineLvl")), 9) < 9:
            return True
        style = ppr.find(_w("pStyle"))
        return style is not None and style.get(W_VAL) in self._headings()

    def _headings(self) -> set[str]:
        """Ids of paragraph styles that make headings; Chinese Word names "heading 1" id "1"."""
        if self._heading_ids is None:
            target = first_target(self.rels, "/styles")
            root = self.package.xml(target, optional=True) if target else None
            self._heading_ids = _heading_style_ids(root) if root is not None else set()
        return self._heading_ids

    def _metadata(self) -> dict[str, str]:
        root = self.package.xml(self.core, optional=True)
        title = root.find(_DC_TITLE) if root is not None else None
        text = (title.text or "").strip() if title is not None else ""
        return {"title": text} if text else {}

    def _target(self, rid: str | None) -> str | None:
        return self.rels[rid].target if rid in self.rels else None


def _heading_style_ids(styles: etree._Element) -> set[str]:
    """Paragraph style ids that are headings themselves or are based on one."""
    based: dict[str, str | None] = {}
    heading: set[str] = set()
    for st in styles.iter(_w("style")):
        if st.get(_w("type")) != "paragraph":
            continue
        sid, name = st.get(_w("styleId")) or "", st.find(_w("name"))
        base = st.find(_w("basedOn"))
        based[sid] = None if base is None else base.get(W_VAL)
        lvl = _int(st.find(f"{_w('pPr')}/{_w('outlineLvl')}"), 9)
        if lvl < 9 or (name is not None and _HEADING_NAME.match(name.get(W_VAL) or "")):
            heading.add(sid)
    for sid in based:
        seen, cur = set(), sid
        while cur is not None and cur not in heading and cur not in seen:
            seen.add(cur)
            cur = based.get(cur)
        if cur in heading:
            heading.add(sid)
    return heading


def _pick(alt: etree._Element) -> etree._Element:
    """One branch of mc:AlternateContent: the first Choice, else the Fallback (never both,
    since both hold the same text box or picture)."""
    branch = alt.find(CHOICE)
    if branch is None:
        branch = alt.find(FALLBACK)
    return branch if branch is not None else etree.Element("empty")


def _children(el: etree._Element, tag: str):
    """Children with `tag`, looking through content-control and custom-XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _merge(tc_pr: etree._Element | None, kind: str) -> str | None:
    """"restart", "continue" (a bare w:vMerge means continue) or None."""
    el = None if tc_pr is None else tc_pr.find(_w(kind))
    return None if el is None else (el.get(W_VAL) or "continue")


def _hidden(run: etree._Element) -> bool:
    """Runs formatted as hidden text (w:vanish), which Word does not show."""
    el = run.find(f"{_w('rPr')}/{_w('vanish')}")
    return el is not None and (el.get(W_VAL) or "true").lower() not in _OFF


def _int(el: etree._Element | None, default: int) -> int:
    try:
        return int(el.get(W_VAL)) if el is not None else default
    except (TypeError, ValueError):
        return default
