"""HTML pages: a CMS article page (Hanweb, TRS, gkmlpt, …) → the report's blocks.

A report published as a web page sits inside site chrome: navigation, breadcrumb, the
公开目录 metadata table, an info line (发布时间 · 来源 · 字体), print/close links, footer.
`extract` decodes the bytes (`html_decode`), drops what is never content
(`drop_non_content`), picks the element that holds the article (`find_container`), and
walks it in document order into text, table and image blocks (`_Walker`, `html_tables`,
`html_images`). Page-level metadata (title, 发布时间, 索引号 …) and the error-page test
live in `html_meta`.

Sources for the container names and the scoring idea: shared/research/format.md §3.2
(Hanweb `div#zoom` between `<meta name="ContentStart">`/`ContentEnd`; TRS `.TRS_Editor` /
`.Custom_UnionStyle`) and KIROGOVCOMPARE's `HtmlParseService.ts` selector list.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from core.document import Block, ExtractedDocument, ImageBlock, Provenance, Table, TextBlock
from core.errors import BadDocument

from . import html_meta
from .html_decode import bytes_without_bom, decode_html
from .html_images import image_block
from .html_meta import compact, report_phrase_count
from .html_tables import is_layout_table, table_to_blocks

FORMAT = "html"

_SKIP_PROLOGUE = re.compile(rb"^(?:\s+|<\?xml[^>]*>|<!--.*?-->)*", re.S)
# The tags a saved page opens with: the brief's list plus what pages trimmed by a CMS or a
# crawler start with (a script redirect, a stylesheet link, a bare heading or span).
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|meta|title|body|table|div|p|script|style|link|"
                         rb"h[1-6]|center|font|form|span)[\s>/]", re.I)


def can_read(head: bytes, path: Path) -> bool:
    """True when, after a BOM, whitespace, an XML declaration or comments, an HTML tag opens.

    Only the start is looked at: a text dump that merely mentions "<p>" later on, or a
    report whose first line is prose, must go to the text extractor.
    """
    head = bytes_without_bom(head)
    start = _SKIP_PROLOGUE.match(head).end()
    return _HTML_START.match(head, start) is not None


# --- parsing and cleaning ---------------------------------------------------------------

_NEVER_CONTENT = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                  "select", "button", "input", "textarea")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def parse_html(text: str) -> lxml.html.HtmlElement:
    """An lxml tree of the decoded page; the bytes handed to libxml2 are UTF-8 and said so,
    so a `<meta charset>` in the page cannot make it decode a second time."""
    text = text.replace("\x00", "")
    # huge_tree lifts libxml2's nesting limit (256), past which it silently drops content;
    # pages with hundreds of unclosed <div>/<font> tags exist.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=True, huge_tree=True)
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
        if block is not None:
            self.blocks.append(block)

    def _table(self, el, bold: bool) -> None:
        if is_layout_table(el):
            self._children(el, bold)
            return
        table, extra = table_to_blocks(el, lambda cell: cell_content(cell, self.page_dir))
        if table is not None:
            self.blocks.append(table)
        self.blocks.extend(extra)


def _is_bold(el, tag: str) -> bool:
    return tag in ("b", "strong") or bool(_BOLD_STYLE.search(el.get("style", "")))


def cell_content(td, page_dir: Path | None) -> tuple[str, list[Block]]:
    """(cell text with paragraphs and `<br>` lines joined by "\\n", non-text blocks inside)."""
    blocks = _Walker(page_dir).walk(td)
    text = "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
    return text, [b for b in blocks if not isinstance(b, TextBlock)]


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
    text, _codec, warnings = decode_html(raw, charset)
    root = parse_html(text)
    try:
        doc = page_to_document(root, path.parent)
    except RecursionError as exc:  # the walk is recursive; real pages nest a few dozen levels
        raise BadDocument("HTML nested too deeply to read (hundreds of unclosed tags)") from exc
    doc.warnings[:0] = warnings
    return doc


def page_to_document(root, page_dir: Path | None) -> ExtractedDocument:
    """The parsed page → blocks and metadata; `page_dir` is where its pictures may lie."""
    drop_non_content(root, hidden=False)
    if (reason := html_meta.error_page_reason(root)) is not None:
        raise BadDocument(reason)
    title = html_meta.page_title(root)
    metadata, warnings = html_meta.page_metadata(root, title)
    drop_non_content(root, hidden=True)
    blocks, body_warnings = extract_blocks(root, page_dir)
    if is_empty_article(blocks):
        raise BadDocument("HTML page without article text or pictures (a script or redirect shell?)")
    return ExtractedDocument(blocks=with_title(blocks, title), format=FORMAT, metadata=metadata,
                             warnings=warnings + body_warnings)


def extract_blocks(root, page_dir: Path | None) -> tuple[list[Block], list[str]]:
    """(blocks of the article, warnings): the container chosen, then walked."""
    container, how = find_container(root)
    known = how == "known container"
    warnings = [] if known else [f"no known content container; used {how} {describe(container)}"]
    markers = _content_markers(container)
    walker = _Walker(page_dir, markers if all(m is not None for m in markers) else (None, None))
    blocks = [b for b in walker.walk(container) if not is_chrome_block(b, in_fallback=not known)]
    warnings += [f"image not available locally: {b.ref[:120]}" for b in blocks
                 if isinstance(b, ImageBlock) and b.data is None and b.ref]
    return blocks, warnings


# Lines of the site frame that a fallback container (a generic block, the body) still holds.
_FRAME_WORDS = ("当前位置", "您的位置", "所在位置", "ICP备", "网站标识码", "公安机关备案", "版权所有", "主办单位",
                "浏览次数", "发布时间")


def is_chrome_block(block: Block, in_fallback: bool) -> bool:
    """The 公开目录 table (索引号, 发布机构, 成文日期 …) is page metadata, never report content;
    outside a known container, so are breadcrumb, info-line and footer lines."""
    if isinstance(block, Table):
        return html_meta.is_catalogue_text(block.to_text())
    if isinstance(block, TextBlock) and in_fallback:
        return html_meta.is_catalogue_text(block.text) or any(w in block.text for w in _FRAME_WORDS)
    return False


def is_empty_article(blocks: list[Block]) -> bool:
    """No table, no picture and next to no text: a shell whose content loads by script."""
    if any(not isinstance(b, TextBlock) for b in blocks):
        return False
    return len(compact("".join(b.text for b in blocks))) < MIN_ARTICLE_CHARS


def with_title(blocks: list[Block], title: str | None) -> list[Block]:
    """The page title first (as a heading) unless the article's opening lines already say it:
    the normalizer looks for the agency and the year there."""
    if not title:
        return blocks
    opening = compact("".join(b.text for b in blocks[:6] if isinstance(b, TextBlock)))
    if compact(title) in opening:
        return blocks
    return [TextBlock(title, Provenance(page=None, method="text"), kind="heading"), *blocks]
