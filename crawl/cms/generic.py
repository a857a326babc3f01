"""Links and report content of any page: anchors, "下一页", attachments, pictures.

Pure functions of `(url, html)`; the CMS-specific modules add what only their family has
(Hanweb's embedded `<datastore>` and dataproxy API, TRS's `createPageHTML` paging, gkmlpt's
JSON API) on top of these.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree

from crawl import sniff
from crawl.model import Link, Role

NEXT_WORDS = ("下一页", "下页", "后一页", "next", "Next", "NEXT", "下一頁")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Article URL shapes (research/format.md §3.2): Hanweb art_, TRS t{date}_{id}, gkmlpt post_,
# jhtml ids, Content-{id}, /info/{col}/{id}.htm, snowflake ids, c01_{id}.shtml.
DETAIL_URL = re.compile(
    r"(/art/\d{4}/|art_\d+_\d+|/t\d{8}_\d+|post_\d+\.html|/\d{4,}\.jhtml|[Cc]ontent[-_]\d+|"
    r"/info/\d+/\d+|/\d{6,}\.s?html?$|c01_\d+|/content/|detail|article|xxgkAnnualReport\.jsp)")
LIST_URL = re.compile(r"(/col/col\d+/|/index(_\d+)?\.s?html?$|/$|list|/node_\d+|channel)", re.I)
STRONG_SELECTORS = ("#zoom", "#Zoom", "#ivs_content", "#webeditorview", ".TRS_Editor", ".trs_editor",
                    ".Custom_UnionStyle", ".xxgk_content", ".zw-content", ".article-content", ".article_content")
"""Containers that only article pages have (KIROGOVCOMPARE's list, research/format.md §3.2)."""
CONTENT_SELECTORS = STRONG_SELECTORS + (".content", "#content", "article", ".main")
TINY_PX = 32
MIN_INLINE_CHARS = 150   # CJK characters of content text that make a page a report in itself


def parse(html: str) -> etree._Element | None:
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"))
        except (etree.ParserError, ValueError):
            return None


def base_url(url: str, doc) -> str:
    base = doc.find(".//base[@href]") if doc is not None else None
    return urljoin(url, base.get("href").strip()) if base is not None else url


def text_of(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def title_of_anchor(a) -> str:
    """The fuller of the anchor's `title` attribute and its text (lists truncate with "…")."""
    text, attr = text_of(a), (a.get("title") or "").strip()
    if not text and not attr:   # a picture link: its alt text (a nav button "政务公开")
        img = a.find(".//img")
        attr = ((img.get("alt") or img.get("title") or "").strip()) if img is not None else ""
    return attr if len(attr) > len(text.rstrip("…. ")) else text


def date_near(el) -> str | None:
    """A date in the anchor's list item (`<li><a>…</a><span>2024-01-10</span></li>`)."""
    for node in (el, el.getparent(), el.getparent().getparent() if el.getparent() is not None else None):
        if node is None:
            continue
        m = DATE.search(text_of(node))
        if m:
            y, mo, d = m.groups()
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    return None


def clean_href(href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    return href


def role_of(url: str, text: str) -> Role:
    if sniff.is_document_url(url):
        return "attachment"
    if sniff.is_image_url(url):
        return "image"
    path = urldefrag(url)[0]
    if DETAIL_URL.search(path):
        return "detail"
    if LIST_URL.search(path):
        return "list"
    return "detail" if len(text) >= 8 else "list"


def anchor_links(url: str, doc, scope=None) -> list[Link]:
    """Every `<a href>` under `scope` (default: the whole page) as a Link."""
    if doc is None:
        return []
    base = base_url(url, doc)
    out: list[Link] = []
    for a in (scope if scope is not None else doc).iter("a"):
        href = clean_href(a.get("href"))
        if href is None:
            continue
        target = urldefrag(urljoin(base, href))[0]
        title = title_of_anchor(a)
        if title in NEXT_WORDS or text_of(a) in NEXT_WORDS:
            out.append(Link(target, "next", title))
            continue
        out.append(Link(target, role_of(target, title), title, date_near(a)))
    return out


def links(url: str, html: str) -> list[Link]:
    """All links of a list page, pagination ("下一页") included."""
    return dedupe(anchor_links(url, parse(html)))


def dedupe(items: list[Link]) -> list[Link]:
    """One Link per (url, role, method, data): the entry with the longest title wins."""
    best: dict[tuple, Link] = {}
    for link in items:
        k = (link.url, link.role, link.method, link.data)
        if k not in best or len(link.title) > len(best[k].title):
            best[k] = link
    order = list(dict.fromkeys((lk.url, lk.role, lk.method, lk.data) for lk in items))
    return [best[k] for k in order]


# ---- a detail page ---------------------------------------------------------------------------

@dataclass
class DetailPage:
    title: str
    text_chars: int                    # CJK characters of content text (attachment names excluded)
    tables: int                        # <table>s in the content with ≥ 3 rows
    attachments: list[Link] = field(default_factory=list)
    images: list[Link] = field(default_factory=list)
    publisher: str | None = None       # 发布机构 / ContentSource meta
    date: str | None = None

    @property
    def is_inline_report(self) -> bool:
        return self.text_chars >= MIN_INLINE_CHARS or self.tables > 0


def meta(doc, name: str) -> str | None:
    for m in doc.iter("meta"):
        if (m.get("name") or "").lower() == name.lower() and (m.get("content") or "").strip():
            return m.get("content").strip()
    return None


def page_title(doc) -> str:
    """`<meta name="ArticleTitle">` (政府网站发展指引 metadata), else the first `<h1>`, a
    `.title` element, then `<title>`."""
    t = meta(doc, "ArticleTitle")
    if t:
        return t
    for sel in ("h1", ".title", ".article-title", "h2"):
        el = _select(doc, sel)
        if el is not None and text_of(el):
            return text_of(el)
    t = doc.find(".//title")
    return text_of(t) if t is not None else ""


def content_of(doc, selectors: tuple[str, ...] = CONTENT_SELECTORS):
    """The article's content element: the first known container (KIROGOVCOMPARE's list,
    research/format.md §3.2), else `<body>` (None when `selectors` are only the strong ones)."""
    for sel in selectors:
        el = _select(doc, sel)
        if el is not None and text_of(el) or (el is not None and el.find(".//img") is not None):
            return el
    if selectors is not CONTENT_SELECTORS:
        return None
    return doc.find(".//body") if doc.find(".//body") is not None else doc


def cjk_chars(el) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text_of(el)))


def _select(doc, sel: str):
    if sel.startswith("#"):
        found = doc.xpath(f"//*[@id='{sel[1:]}']")
    elif sel.startswith("."):
        found = doc.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {sel[1:]} ')]")
    else:
        found = doc.xpath(f"//{sel}")
    return found[0] if found else None


def _is_tiny(img) -> bool:
    dims = [re.match(r"\s*(\d+)", img.get(a) or "") for a in ("width", "height")]
    return any(dims) and all(int(m.group(1)) <= TINY_PX for m in dims if m)


def detail(url: str, html: str) -> DetailPage:
    doc = parse(html)
    if doc is None:
        return DetailPage("", 0, 0)
    base = base_url(url, doc)
    content = content_of(doc)
    attachments = [lk for lk in anchor_links(url, doc) if lk.role == "attachment"]
    attachment_text = sum(len(re.findall(r"[\u4e00-\u9fff]", lk.title)) for lk in attachments)
    images = []
    for img in content.iter("img"):
        src = clean_href(img.get("src") or img.get("data-src") or img.get("original"))
        if src is None or _is_tiny(img):
            continue
        images.append(Link(urldefrag(urljoin(base, src))[0], "image", (img.get("alt") or img.get("title") or "").strip()))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text_of(content)))
    tables = sum(1 for t in content.iter("table") if len(t.findall(".//tr")) >= 3)
    publisher = meta(doc, "ContentSource") or _labelled(text_of(doc), "发布机构")
    date = meta(doc, "PubDate")
    m = DATE.search(date or "")
    return DetailPage(page_title(doc), max(0, cjk - attachment_text), tables, dedupe(attachments),
                      dedupe(images), publisher, f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None)


def _labelled(text: str, label: str) -> str | None:
    m = re.search(label + r"\s*[:：]\s*(\S{2,30}?)(?=\s|成文|发布|文号|索引|主题|$)", text)
    return m.group(1) if m else None
