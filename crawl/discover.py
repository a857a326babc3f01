"""Which links to follow, and what a fetched article page holds. No network here.

A list page's links (from `cms/`) sort into:
* pages to visit: pagination (`next`, `api`) always; a sub-column (`list`) when it is inside
  a start URL's directory, or its name is a year / unit type / report column
  (`classify.is_report_column`), or its URL is a report column (`zfxxgknb`…), within
  `max_depth` hops and the source's include/exclude patterns;
* report candidates: an article (`detail`) or a file (`attachment`) whose listing title is a
  report (`classify`: `report`, or `maybe` for a truncated title — then the article's own
  title decides).

An article page (`detail`) is a report in one of three shapes: its text is the report
(`inline_html`, with its pictures fetched too: tables are often pasted as images), its
attachments are (`attachment`, one report per document file), or only pictures are
(`image`: one report, several image URLs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawl import classify as C
from crawl.cms import generic
from crawl.model import Kind, Link
from crawl.politeness import host_of
from crawl.sources import Source


@dataclass(frozen=True)
class Candidate:
    link: Link
    page_url: str | None
    title: str
    year: int | None
    agency: str | None
    verdict: C.Verdict


@dataclass
class Plan:
    """What one report on an article page consists of: `files` are fetched, `page_is_file`
    says the article page itself is (part of) the report."""

    kind: Kind
    url: str
    title: str
    year: int | None
    agency: str | None
    files: list[Link]
    images: list[str]
    page_is_file: bool


def _dir(url: str) -> str:
    path = urlsplit(url).path
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def in_scope(source: Source, url: str) -> bool:
    """Inside a start URL's directory (on an allowed host)."""
    parts = urlsplit(url)
    if not source.allows_host(host_of(url)):
        return False
    return any(parts.path.startswith(_dir(s)) and _dir(s) != "/" for s in source.start_urls)


def sort_links(source: Source, page_url: str, links: list[Link], depth: int, max_depth: int
               ) -> tuple[list[tuple[Link, int]], list[Candidate]]:
    """(pages to visit with their depth, report candidates) among a list page's links."""
    pages: list[tuple[Link, int]] = []
    candidates: list[Candidate] = []
    for link in links:
        host = host_of(link.url)
        if not source.allows_host(host) or not source.wanted(link.url):
            continue
        if link.role in ("next", "api"):
            if link.role == "api" or source.wanted(link.url, is_list=True):
                pages.append((link, depth))
            continue
        if link.role in ("detail", "attachment", "list"):
            cls = C.classify(link.title, link.url)
            if cls.verdict == "report" or (cls.verdict == "maybe" and link.role != "attachment"):
                candidates.append(Candidate(link, page_url, link.title, cls.year,
                                            link.agency or cls.agency, cls.verdict))
                continue
        if link.role == "list" and depth + 1 <= max_depth and source.wanted(link.url, is_list=True):
            if cls.verdict == "no" and cls.reason.startswith("look-alike"):
                continue
            if in_scope(source, link.url) or C.is_report_column(link.title) or C.is_report_url(link.url):
                pages.append((link, depth + 1))
    return pages, candidates


_ATTACHMENT_BLOCK = re.compile(r"附件|下载|附 件")
_EXT_SUFFIX = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|rtf|zip)$", re.I)


def attachments_of(url: str, html: str) -> list[Link]:
    """Document links of an article: inside its content, or in an "附件"/"下载" block
    (often outside the content container); not the site's sidebars."""
    doc = generic.parse(html)
    if doc is None:
        return []
    content = generic.content_of(doc)
    inside = {id(a) for a in content.iter("a")}
    out = []
    for a in doc.iter("a"):
        href = generic.clean_href(a.get("href"))
        if href is None:
            continue
        target = generic.urldefrag(generic.urljoin(generic.base_url(url, doc), href))[0]
        if generic.role_of(target, "") != "attachment":
            continue
        block = " ".join(generic.text_of(n) for n in (a, a.getparent()) if n is not None)[:200]
        if id(a) in inside or _ATTACHMENT_BLOCK.search(block):
            title = generic.title_of_anchor(a) or _filename(target)
            out.append(Link(target, "attachment", _EXT_SUFFIX.sub("", title)))
    return generic.dedupe(out)


def _filename(url: str) -> str:
    from urllib.parse import unquote
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


PREV_NEXT = re.compile(r"^\s*(上一篇|下一篇|上一条|下一条|上篇|下篇|前一篇|后一篇)")
LIST_MIN_REPORTS = 3


def page_shape(url: str, html: str, family: str = "auto") -> str:
    """"article" or "list", for a page reached through a report-titled link: a column may be
    named like a report ("2023年政府信息公开工作年度报告" holding every agency's report),
    and some articles live at list-like URLs (乌海 `/{id}/index.html`).

    An article container with report content (text, a table, or attachments) makes it an
    article; otherwise links to ≥ 3 other reports make it a list. 上一篇/下一篇 links, which
    article pages carry, do not count."""
    doc = generic.parse(html)
    if doc is None:
        return "article"
    strong = generic.content_of(doc, generic.STRONG_SELECTORS)
    if strong is not None and (generic.cjk_chars(strong) >= generic.MIN_INLINE_CHARS
                               or any(len(t.findall(".//tr")) >= 3 for t in strong.iter("table"))
                               or attachments_of(url, html)):
        return "article"
    prev_next = set()
    for a in doc.iter("a"):
        context = generic.text_of(a.getparent()) if a.getparent() is not None else ""
        if PREV_NEXT.match(generic.text_of(a)) or PREV_NEXT.match(context):
            prev_next.add(generic.urldefrag(generic.urljoin(url, a.get("href") or ""))[0])
    from crawl.cms import links_of   # the family's parser: Hanweb records sit inside a <script>
    reports = {lk.url for lk in links_of(family, url, html)
               if lk.role in ("detail", "attachment") and lk.url != url and lk.url not in prev_next
               and C.classify(lk.title).verdict == "report"}
    return "list" if len(reports) >= LIST_MIN_REPORTS else "article"


def plan_article(source: Source, cand: Candidate, url: str, html: str) -> list[Plan]:
    """The report(s) an article page holds; [] when it turns out not to be one (a `maybe`
    whose page title is not a report's)."""
    d = generic.detail(url, html)
    page_cls = C.classify(d.title, url)
    if cand.verdict == "maybe" and page_cls.verdict != "report":
        return []
    if cand.verdict == "report" and page_cls.verdict == "no" and page_cls.reason.startswith("look-alike") \
            and C.classify(cand.title).verdict != "report":
        return []
    title = cand.title if cand.verdict == "report" and len(cand.title) >= len(d.title) or not d.title else d.title
    if cand.verdict == "maybe" or C.TRUNCATED.search(C.normalize_title(cand.title)):
        title = d.title or cand.title
    year = cand.year or page_cls.year
    agency = cand.agency or page_cls.agency or d.publisher or source.agency
    files = [a for a in attachments_of(url, html)
             if source.allows_host(host_of(a.url)) and source.wanted(a.url)
             and not C.classify(a.title).reason.startswith("look-alike")]
    images = [i.url for i in d.images if source.allows_host(host_of(i.url)) and source.wanted(i.url)]
    plans: list[Plan] = []
    if d.is_inline_report:
        plans.append(Plan("inline_html", url, title, year, agency, [Link(u, "image") for u in images], images, True))
    elif not files and images:
        return [Plan("image", url, title, year, agency, [Link(u, "image") for u in images], images, True)]
    for f in files:
        ft = f.title if C.classify(f.title).verdict == "report" else title
        fc = C.classify(ft)
        plans.append(Plan("attachment", f.url, ft, fc.year or year, fc.agency or agency, [f], [], False))
    if not plans:  # a report title and nothing else to go by: the page is all there is
        plans.append(Plan("inline_html", url, title, year, agency, [], [], True))
    return plans
