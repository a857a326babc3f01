"""HTML pages: a CMS article page (Hanweb, TRS, gkmlpt, …) → the report's blocks.

A report published as a web page sits inside site chrome: navigation, breadcrumb, the
公开目录 metadata table, an info line (发布时间 · 来源 · 字体), print/close links, footer.
`extract` decodes the bytes (`decode_html`), drops what is never content
(`drop_non_content`), picks the element that holds the article (`find_container`), and
walks it in document order into text, table and image blocks (`_Walker`). Page-level
metadata (title, 发布时间, 索引号 …) and the error-page test live in `html_meta`.

Sources for the container names and the scoring idea: shared/research/format.md §3.2
(Hanweb `div#zoom` between `<meta name="ContentStart">`/`ContentEnd`; TRS `.TRS_Editor` /
`.Custom_UnionStyle`) and KIROGOVCOMPARE's `HtmlParseService.ts` selector list.
"""
from __future__ import annotations

import base64
import codecs
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import lxml.html
from lxml import etree

from gongkai.document import Block, Cell, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from gongkai.errors import BadDocument

from . import html_meta
from .html_meta import compact, report_phrase_count

FORMAT = "html"

# --- sniffing ---------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with FF FE too
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SKIP_PROLOGUE = re.compile(rb"^(?:\s+|<\?xml[^>]*>|<!--.*?-->)*", re.S)
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|meta|title|body|table|div|p)[\s>/]", re.I)


def can_read(head: bytes, path: Path) -> bool:
    """True when, after a BOM, whitespace, an XML declaration or comments, an HTML tag opens.

    Only the start is looked at: a text dump that merely mentions "<p>" later on, or a
    report whose first line is prose, must go to the text extractor.
    """
    head = _bytes_without_bom(head)
    start = _SKIP_PROLOGUE.match(head).end()
    return _HTML_START.match(head, start) is not None


def _bytes_without_bom(head: bytes) -> bytes:
    """The head as ASCII-compatible bytes: a UTF-16/32 head is re-encoded, a UTF-8 BOM dropped."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            if codec == "utf-8-sig":
                return head[len(bom):]
            return head.decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    return head


# --- decoding ---------------------------------------------------------------------------

# Pages declared gb2312 routinely contain GBK-only characters (镕, 堃, 喆 …) and GBK pages
# GB18030 ones; GB18030 is a superset of both, so every GB-family label decodes as it.
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb_2312", "gb_2312-80",
              "csgb2312", "euc-cn", "x-euc-cn", "chinese", "iso-ir-58", "gb18030"}
# A Chinese government page that declares a Western single-byte charset is misconfigured:
# such a charset "decodes" any bytes into mojibake, so the declaration is not trusted.
_UNTRUSTED = {"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_DETECTABLE = ["utf_8", "gb18030", "big5"]
MAX_REPLACED_RATIO = 0.001


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset (GB family → gb18030), None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if codec in _GB_FAMILY else codec


def declared_charset(raw: bytes) -> str | None:
    """The charset named by `<meta charset>`, `http-equiv Content-Type` or an XML declaration."""
    head = raw[:32768]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii") if m else None


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(raw: bytes) -> tuple[str, str] | None:
    """(text, codec) by content alone: UTF-8 if it fits, else charset-normalizer's pick."""
    text = _strict(raw, "utf-8")
    if text is not None:
        return text, "utf-8"
    from charset_normalizer import from_bytes  # imported late: only undeclared pages need it

    best = from_bytes(raw, cp_isolation=_DETECTABLE).best()
    codec = normalise_charset(best.encoding) if best is not None else None
    for candidate in filter(None, (codec, "gb18030")):
        text = _strict(raw, candidate)
        if text is not None:
            return text, candidate
    return None


def decode_html(raw: bytes, charset: str | None = None) -> tuple[str, str, list[str]]:
    """(text, codec, warnings): BOM, then the HTTP charset, then the page's own declaration,
    then detection.

    The BOM wins over any label (as in the WHATWG encoding sniffing algorithm). A declared
    legacy charset loses to valid UTF-8 with non-ASCII bytes, because GBK text is never
    valid UTF-8 by accident while UTF-8 text often "decodes" as GB18030 mojibake.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            text = _strict(raw, codec)
            if text is None:
                raise BadDocument(f"undecodable bytes: the {codec} byte-order mark does not fit the content")
            return text, codec, []
    warnings: list[str] = []
    non_ascii = not raw.isascii()
    for label, origin in ((charset, "HTTP"), (declared_charset(raw), "<meta>")):
        if not label:
            continue
        codec = normalise_charset(label)
        if codec is None:
            warnings.append(f"unknown charset {label!r} declared by {origin}, ignored")
        elif codec in _UNTRUSTED and non_ascii:
            warnings.append(f"{origin} charset {label!r} cannot hold Chinese text, ignored")
        elif codec != "utf-8" and non_ascii and _strict(raw, "utf-8") is not None:
            warnings.append(f"{origin} charset {label!r} declared but the bytes are UTF-8")
            return raw.decode("utf-8"), "utf-8", warnings
        elif (text := _strict(raw, codec)) is not None:
            return text, codec, warnings
        else:
            warnings.append(f"{origin} charset {label!r} does not fit the bytes")
    detected = _detect(raw)
    if detected is not None:
        return detected[0], detected[1], warnings
    return _decode_lenient(raw, charset or declared_charset(raw), warnings)


def _decode_lenient(raw: bytes, label: str | None, warnings: list[str]) -> tuple[str, str, list[str]]:
    """Accept a few bad bytes (a truncated download, one corrupt character), not more."""
    codec = normalise_charset(label) or "gb18030"
    text = raw.decode(codec, errors="replace")
    bad = text.count("\ufffd") - raw.decode(codec, errors="ignore").count("\ufffd")
    if bad > max(3, len(text) * MAX_REPLACED_RATIO):
        raise BadDocument(f"undecodable bytes: {bad} byte sequences fit no charset (tried {codec})")
    warnings.append(f"{bad} undecodable byte sequence(s) replaced while decoding as {codec}")
    return text, codec, warnings


# --- parsing and cleaning ---------------------------------------------------------------

_NEVER_CONTENT = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                  "select", "button", "input", "textarea")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def parse_html(text: str) -> lxml.html.HtmlElement:
    """An lxml tree of the decoded page; the bytes handed to libxml2 are UTF-8 and said so,
    so a `<meta charset>` in the page cannot make it decode a second time."""
    text = text.replace("\x00", "")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise BadDocument(f"not a readable HTML page: {exc}") from exc


def drop_non_content(root: lxml.html.HtmlElement, hidden: bool) -> None:
    """Remove scripts, styles and form controls (and, when `hidden`, display:none blocks).

    `drop_tree` keeps each removed element's tail text, which belongs to its parent.
    """
    doomed = [el for el in root.iter(*_NEVER_CONTENT)]
    if hidden:
        doomed += [el for el in root.iter() if isinstance(el.tag, str) and _HIDDEN.search(el.get("style", ""))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


# --- finding the article inside the chrome ----------------------------------------------

_KNOWN_IDS = {"zoom", "ivs_content", "webeditorview", "ucap-content", "xxgk_content", "fontzoom",
              "content", "article", "zoomcon", "art_content"}
_KNOWN_CLASSES = {"trs_editor", "custom_unionstyle", "trs_ueditor", "xxgk_content", "zw-content",
                  "article-content", "bd", "content", "article", "main-txt", "news_content",
                  "con_content", "pages_content", "detail-content"}
_GENERIC_TAGS = ("div", "td", "article", "section", "main", "center")
# Words that never occur in a report body but always in site chrome (format.md §3.2 list,
# plus the 公开目录 labels and info-line words of the pages in the dev corpus).
_CHROME_WORDS = ("当前位置", "您的位置", "所在位置", "网站地图", "无障碍", "ICP备", "网站标识码",
                 "公安机关备案", "版权所有", "主办单位", "打印本页", "关闭窗口", "【打印】", "【关闭】",
                 "繁體", "长者版", "索引号", "发布机构", "发布时间", "浏览次数", "字体", "分享到",
                 "上一篇", "下一篇", "相关链接", "扫一扫")
MIN_CANDIDATE_CHARS = 20
MIN_ARTICLE_CHARS = 20


def _is_known_container(el) -> bool:
    if (el.get("id") or "").lower() in _KNOWN_IDS:
        return True
    return any(c.lower() in _KNOWN_CLASSES for c in (el.get("class") or "").split())


def _content_markers(root) -> tuple[object | None, object | None]:
    """Hanweb's `<meta name="ContentStart">` / `ContentEnd` elements, if the page has them."""
    found = {"contentstart": None, "contentend": None}
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        if name in found and found[name] is None:
            found[name] = meta
    return found["contentstart"], found["contentend"]


def score_container(el, known: bool) -> float:
    """How much an element looks like the report body rather than a page region.

    The report's own words (title phrase, section headings) dominate; text length breaks
    ties between blocks that hold the same sections; chrome words and link-heavy text
    (navigation, related links) push ancestors that also wrap the site frame below the
    article itself.
    """
    text = compact(el.text_content())
    if len(text) < MIN_CANDIDATE_CHARS:
        return float("-inf")
    links = sum(len(compact(a.text_content())) for a in el.iter("a"))
    chrome = sum(1 for w in _CHROME_WORDS if w in text)
    return (30.0 * report_phrase_count(text) + min(len(text), 6000) / 200.0
            - 15.0 * chrome - 40.0 * links / len(text) + (25.0 if known else 0.0))


def find_container(root) -> tuple[object, str]:
    """(element holding the article, how it was found).

    Known CMS containers and every generic block are scored (`score_container`); the body
    itself is used when no block has text, or when the page's report sections are spread
    over more than one block (the best block would lose some of them).
    """
    body = root.find("body")
    if body is None:
        body = root
    start, _ = _content_markers(root)
    marked = start.getparent() if start is not None else None
    best, best_score, how = None, float("-inf"), "body"
    for el in body.iter(*_GENERIC_TAGS):
        known = el is marked or _is_known_container(el)
        score = score_container(el, known)
        if score > best_score:
            best, best_score, how = el, score, ("known container" if known else "best generic block")
    if best is None:
        return body, "body"
    best_phrases = report_phrase_count(compact(best.text_content()), sections_only=True)
    if how != "known container" and best_phrases == 0:
        return body, "body (no block carries the report's section headings)"
    if report_phrase_count(compact(body.text_content()), sections_only=True) > best_phrases:
        return body, "body (report spread over several blocks)"
    return best, how


def describe(el) -> str:
    """`<div id="zoom" class="…">` for warnings."""
    attrs = "".join(f' {k}="{el.get(k)}"' for k in ("id", "class") if el.get(k))
    return f"<{el.tag}{attrs}>"


# --- walking the article into blocks ----------------------------------------------------

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
               "blockquote", "pre", "section", "article", "header", "footer", "aside", "nav", "main",
               "center", "address", "figure", "figcaption", "hr", "tr", "td", "th", "tbody", "thead",
               "tfoot", "caption", "form", "fieldset", "body", "html"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\n\f\xa0]+")
# A whole line that is only chrome: print/close links, font-size switches, share buttons.
_CHROME_ITEM = (r"[【\[（(]?\s*(?:打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏本页|收藏|"
                r"分享到?[:：]?|字体[:：]?\s*[大中小]\s*[大中小]\s*[大中小]|[大中小]\s+[大中小]\s+[大中小])\s*[】\]）)]?")
_CHROME_LINE = re.compile(rf"^(?:{_CHROME_ITEM}\s*)+$")
MAX_BOLD_HEADING = 60
TINY_IMAGE_PX = 32


def normalise_space(text: str) -> str:
    """Collapse whitespace (NBSP included) to single spaces; a source line break between two
    CJK characters disappears, as browsers render it (CSS Text 3 segment-break rules)."""
    return _SPACES.sub(" ", _CJK_BREAK.sub("", text)).strip()


class _Walker:
    """Turns an element's subtree into blocks, in document order.

    Inline text accumulates in `runs` (with a bold flag, so an all-bold short paragraph can
    be marked a heading, as CMS editors format section titles); a block-level element, a
    `<br>`, a table or an image closes the running paragraph. Text outside Hanweb's
    ContentStart/ContentEnd markers is ignored when the markers are present.
    """

    def __init__(self, page_dir: Path | None, markers: tuple[object | None, object | None] = (None, None)):
        self.page_dir = page_dir
        self.start, self.end = markers
        self.active = self.start is None
        self.blocks: list[Block] = []
        self.warnings: list[str] = []
        self.runs: list[tuple[str, bool]] = []

    def walk(self, el, bold: bool = False) -> list[Block]:
        self._element(el, bold)
        self.flush()
        return self.blocks

    def add(self, text: str | None, bold: bool) -> None:
        if text and self.active:
            self.runs.append((text, bold))

    def flush(self, heading: bool = False) -> None:
        text = normalise_space("".join(t for t, _ in self.runs))
        inked = [b for t, b in self.runs if t.strip()]
        self.runs = []
        if not text or _CHROME_LINE.match(text):
            return
        all_bold = bool(inked) and all(inked) and len(text) <= MAX_BOLD_HEADING
        kind = "heading" if heading or all_bold else "paragraph"
        self.blocks.append(TextBlock(text, Provenance(page=None, method="text"), kind=kind))

    def _element(self, el, bold: bool) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag == "meta":
            self._marker(el)
        elif tag is None:  # comment or processing instruction: only its tail is text
            pass
        elif tag == "br":
            self.flush()
        elif tag == "img":
            self.flush()
            if self.active:
                self._image(el)
        elif tag == "table":
            self.flush()
            if self.active:
                self._table(el, bold)
            else:
                self._children(el, bold)
        elif tag in _BLOCK_TAGS:
            self.flush()
            self._children(el, bold or _is_bold(el, tag))
            self.flush(heading=tag in _HEADING_TAGS)
        else:
            self._children(el, bold or _is_bold(el, tag))

    def _children(self, el, bold: bool) -> None:
        self.add(el.text, bold)
        for child in el:
            self._element(child, bold)
            self.add(child.tail, bold)

    def _marker(self, el) -> None:
        if el is self.start:
            self.flush()
            self.active = True
        elif el is self.end:
            self.flush()
            self.active = False

    def _image(self, el) -> None:
        block = image_block(el, self.page_dir)
        if block is None:
            return
        if block.data is None and block.ref:
            self.warnings.append(f"image not available locally: {block.ref[:120]}")
        self.blocks.append(block)

    def _table(self, el, bold: bool) -> None:
        if is_layout_table(el):
            self._children(el, bold)
            return
        table, extra = table_to_blocks(el, self.page_dir)
        if table is not None:
            self.blocks.append(table)
        self.blocks.extend(extra)


def _is_bold(el, tag: str) -> bool:
    return tag in ("b", "strong") or bool(_BOLD_STYLE.search(el.get("style", "")))


# --- tables -----------------------------------------------------------------------------

MAX_COLSPAN = 1000  # the HTML limit; larger values are typos
LAYOUT_TEXT_CHARS = 200


def table_rows(table) -> list[list]:
    """The table's own rows (through thead/tbody/tfoot), each a list of its td/th elements.
    Cells of nested tables are not included."""
    rows = []
    for child in table:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        trs = [child] if tag == "tr" else [t for t in child if isinstance(t.tag, str) and t.tag.lower() == "tr"] \
            if tag in ("thead", "tbody", "tfoot") else []
        for tr in trs:
            rows.append([c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")])
    return rows


def is_layout_table(table) -> bool:
    """A table used to lay out the page rather than to hold data.

    Old CMS templates wrap the whole article in a one-cell table, or put paragraphs and the
    data tables together in one cell; treating such a wrapper as a data table would turn the
    report into a single cell.
    """
    cells = [c for row in table_rows(table) for c in row]
    if len(cells) == 1:
        return True
    return any(cell.find(".//table") is not None and len(compact(_text_outside_tables(cell))) > LAYOUT_TEXT_CHARS
               for cell in cells)


def _text_outside_tables(el) -> str:
    """The element's text without that of tables nested in it (comments carry no text)."""
    parts = [el.text or ""] if isinstance(el.tag, str) else []
    for child in el:
        if isinstance(child.tag, str) and child.tag.lower() != "table":
            parts.append(_text_outside_tables(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _span(cell, attr: str) -> int:
    """rowspan/colspan as an int; junk ("2;", "", "abc") counts as 1, 0 as 'to the end'."""
    m = re.match(r"\s*(\d+)", cell.get(attr) or "")
    return int(m.group(1)) if m else 1


def table_to_blocks(table, page_dir: Path | None) -> tuple[Table | None, list[Block]]:
    """(the table as a `Table`, blocks found inside its cells: nested tables, images).

    Cells are placed with an occupancy grid, as browsers do: each cell takes the first free
    column of its row after the positions that row-spanning cells above already hold. A row
    with fewer cells simply ends early, and empty `<td>`s (used by some editors instead of a
    rowspan) stay as empty cells, so columns keep their true index.
    """
    rows = table_rows(table)
    occupied: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    extra: list[Block] = []
    for r, tds in enumerate(rows):
        c = 0
        for td in tds:
            while (r, c) in occupied:
                c += 1
            row_span = _span(td, "rowspan") or len(rows) - r
            row_span = max(1, min(row_span, len(rows) - r))
            col_span = max(1, min(_span(td, "colspan") or 1, MAX_COLSPAN))
            text, inner = cell_content(td, page_dir)
            cells.append(Cell(r, c, text, row_span, col_span, Provenance(page=None, method="text")))
            extra.extend(inner)
            occupied.update((r + i, c + k) for i in range(row_span) for k in range(col_span))
            c += col_span
    if not cells:
        return None, extra
    caption = table.find("caption")
    caption_text = normalise_space(caption.text_content()) if caption is not None else None
    return Table(cells, Provenance(page=None, method="text"), caption=caption_text or None), extra


def cell_content(td, page_dir: Path | None) -> tuple[str, list[Block]]:
    """(cell text with paragraphs and `<br>` lines joined by "\\n", non-text blocks inside)."""
    blocks = _Walker(page_dir).walk(td)
    text = "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
    return text, [b for b in blocks if not isinstance(b, TextBlock)]


# --- images -----------------------------------------------------------------------------

MAX_IMAGE_BYTES = 32 * 1024 * 1024
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"BM", "image/bmp"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
)


def media_type_of(data: bytes | None, name: str | None) -> str | None:
    """From the bytes' magic number when known, else from the file extension."""
    if data:
        for magic, mtype in _MAGIC:
            if data.startswith(magic):
                return mtype
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "image/webp"
        if b"<svg" in data[:512]:
            return "image/svg+xml"
    return mimetypes.guess_type(name or "")[0] if name else None


def image_block(img, page_dir: Path | None) -> ImageBlock | None:
    """The picture an `<img>` shows: bytes from a `data:` URI or a file next to the page.

    Tiny images (icons, spacers, declared ≤ 32 px both ways) are skipped.
    """
    src = next((img.get(a).strip() for a in ("src", "data-src", "data-original", "original")
                if (img.get(a) or "").strip()), None)
    if not src or _is_tiny(img):
        return None
    prov = Provenance(page=None, method="text")
    if src.lower().startswith("data:"):
        data, mtype = decode_data_uri(src)
        return ImageBlock(data=data, ref=None if data else src[:80], media_type=mtype, prov=prov)
    path = resolve_local(src, page_dir)
    data = read_image(path) if path is not None else None
    return ImageBlock(data=data, ref=src, media_type=media_type_of(data, urlsplit(src).path), prov=prov)


def _is_tiny(img) -> bool:
    dims = [re.match(r"\s*(\d+)", img.get(a) or "") for a in ("width", "height")]
    return all(dims) and all(int(m.group(1)) <= TINY_IMAGE_PX for m in dims)


def decode_data_uri(uri: str) -> tuple[bytes | None, str | None]:
    """(bytes, media type) of `data:[type][;base64],payload`; (None, None) if malformed."""
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        return None, None
    mtype = header.split(";")[0].strip() or None
    try:
        data = base64.b64decode(payload) if ";base64" in header.lower() else unquote_to_bytes(payload)
    except ValueError:
        return None, mtype
    return data, media_type_of(data, None) or mtype


def resolve_local(src: str, page_dir: Path | None) -> Path | None:
    """The file a relative `src` names, if it lies inside the page's own folder.

    Only paths under the page's folder are read (`x_files/…`, `./images/…`): the page comes
    from the internet, and `../../` in its markup must not pull other files of this
    machine into the warehouse. Absolute URLs and site-root paths are left as references
    for the crawler to fetch.
    """
    if page_dir is None:
        return None
    parts = urlsplit(src.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    base = page_dir.resolve()
    path = (base / unquote(parts.path)).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def read_image(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


# --- the whole page ---------------------------------------------------------------------


def extract(path: Path, *, charset: str | None = None) -> ExtractedDocument:
    """Read one saved HTML page into the document model.

    `charset` is the HTTP Content-Type charset when the crawler knows it. Raises
    `BadDocument` for bytes no charset decodes, for HTTP error pages (404/403/500 …) and
    for pages with neither text nor pictures.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadDocument(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise BadDocument("empty file")
    text, codec, warnings = decode_html(raw, charset)
    root = parse_html(text)
    drop_non_content(root, hidden=False)
    if (reason := html_meta.error_page_reason(root)) is not None:
        raise BadDocument(reason)
    title = html_meta.page_title(root)
    metadata, meta_warnings = html_meta.page_metadata(root, title)
    warnings += meta_warnings
    drop_non_content(root, hidden=True)
    blocks, body_warnings = extract_blocks(root, path.parent)
    warnings += body_warnings
    if is_empty_article(blocks):
        raise BadDocument("HTML page without article text or pictures (a script or redirect shell?)")
    blocks = with_title(blocks, title)
    return ExtractedDocument(blocks=blocks, format=FORMAT, metadata=metadata, warnings=warnings)


def extract_blocks(root, page_dir: Path | None) -> tuple[list[Block], list[str]]:
    """(blocks of the article, warnings): the container chosen, then walked."""
    container, how = find_container(root)
    warnings = [] if how == "known container" else [f"no known content container; used {how} {describe(container)}"]
    markers = _content_markers(container)
    walker = _Walker(page_dir, markers if all(m is not None for m in markers) else (None, None))
    blocks = [b for b in walker.walk(container) if not _is_catalogue_table(b)]
    return blocks, warnings + walker.warnings


def is_empty_article(blocks: list[Block]) -> bool:
    """No table, no picture and next to no text: a shell whose content loads by script."""
    if any(not isinstance(b, TextBlock) for b in blocks):
        return False
    return len(compact("".join(b.text for b in blocks))) < MIN_ARTICLE_CHARS


def _is_catalogue_table(block: Block) -> bool:
    """The 公开目录 table (索引号, 发布机构, 成文日期 …) is page metadata, never report content."""
    return isinstance(block, Table) and html_meta.is_catalogue_text(block.to_text())


def with_title(blocks: list[Block], title: str | None) -> list[Block]:
    """The page title first (as a heading) unless the article's opening lines already say it:
    the normalizer looks for the agency and the year there."""
    if not title:
        return blocks
    opening = compact("".join(b.text for b in blocks[:6] if isinstance(b, TextBlock)))
    if compact(title) in opening:
        return blocks
    return [TextBlock(title, Provenance(page=None, method="text"), kind="heading"), *blocks]
