"""Which links to follow, and what a fetched article page holds. No network here.

A list page's links (from `cms/`) sort into:
* pages to visit: pagination (`next`, `api`) always; a sub-column (`list`) when it is inside
  a start URL's directory, or its name is a year / unit type / report column
  (`classify.is_report_column`), or its URL is a report column (`zfxxgknb`…), within
  `max_depth` hops and the source's include/exclude patterns;
* report candidates: an article (`detail`) or a file (`attachment`) whose listing title is a
  report (`classify`: `report`, or `maybe` for a truncated title — then the article's own
  title decides).

Where a page sits decides what is followed from it (`follow`): a site's home page or its
政务公开 page is the *hub* (only its 政务公开 / 政府信息公开 / 信息公开 navigation, up to
`MAX_HUB_HOPS` hops, and links to annual-report columns are followed); an annual-report
column and what lies below it are *reports* (pagination, year and unit-type sub-columns,
links inside the column's directory, up to `max_depth` hops). Listing entries that resemble
a report but are a look-alike or an old report (before 2019) are `Skipped`, with the reason.

An article page (`detail`) is a report in one of three shapes: its text is the report
(`inline_html`, with its pictures fetched too: tables are often pasted as images), its
attachments are (`attachment`: the file is the report, the article its `page`), or only
pictures are (`image`: one report, several image URLs). An article whose text is an intro
("现将…年度报告公布如下，详见附件") is not a report itself; when both the text and an
attachment hold the full report, the attachment is the report and the page its alternate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    alternates: list[Link] = field(default_factory=list)
    """Other documents holding the same report (the page itself when `page_is_alternate`)."""
    page_is_alternate: bool = False


@dataclass(frozen=True)
class Skipped:
    """A listing entry or article that resembles a report and is not taken, and why."""

    url: str
    page: str | None
    title: str
    year: int | None
    reason: str

    def to_json(self) -> dict:
        return {"url": self.url, "page": self.page, "title": self.title, "year": self.year,
                "status": "skipped", "skipped": self.reason}


Zone = str
"""`start` (a start URL, before it is read), `hub` (home page, 政务公开 pages) or `reports`
(an annual-report column and below)."""
MAX_HUB_HOPS = 3   # 首页 → 政务公开 → 政府信息公开 → 公开目录


@dataclass(frozen=True)
class Visit:
    """A list page to visit: its hops within its zone, and the directory of the report
    column it is under (links inside it are followed)."""

    link: Link
    depth: int
    zone: Zone
    scope: str | None = None


@dataclass
class Sorted:
    pages: list[Visit]
    candidates: list[Candidate]
    skipped: list[Skipped]
    zone: Zone


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
    """(pages to visit with their depth, report candidates) among a report column's links."""
    out = follow(source, page_url, links, depth, max_depth, scope="")
    return [(v.link, v.depth) for v in out.pages], out.candidates


def _column_title(title: str) -> bool:
    """A report-named link that is a column, not a report: no year, no agency
    (政府信息公开年报, 政府信息公开工作年度报告)."""
    c = C.classify(title)
    return C.is_report_column_name(title) and c.year is None and c.agency is None


def page_zone(page_url: str, page_title: str, candidates: int) -> Zone:
    """A start page's zone, once read: a report column by its title or URL; the hub when it
    is the home page or is titled like a disclosure area (政务公开); else a report column when
    it lists reports, the hub when not. From a report column the site's navigation is not
    followed."""
    parts = re.split(r"[_|｜\-—–\s]+", page_title or "")
    if any(C.is_report_column_name(p) for p in parts) or C.is_report_url(page_url):
        return "reports"
    if re.fullmatch(r"/(index\.\w+)?", urlsplit(page_url).path or "/") or any(C.is_hub(p) for p in parts):
        return "hub"
    return "reports" if candidates >= 2 else "hub"


def follow(source: Source, page_url: str, links: list[Link], depth: int, max_depth: int, *,
           zone: Zone = "reports", page_title: str = "", scope: str | None = None) -> Sorted:
    """Sort a list page's links by where the page sits (see the module's docstring). `scope`:
    the directory of the report column the page is under ("": any start URL's directory)."""
    candidates: list[Candidate] = []
    skipped: list[Skipped] = []
    rest: list[Link] = []
    for link in links:
        if not source.allows_host(host_of(link.url)) or not source.wanted(link.url):
            continue
        if link.role in ("detail", "attachment", "list") and not (link.role == "list" and _column_title(link.title)):
            cls = C.classify(link.title, link.url)
            if cls.verdict == "report" or (cls.verdict == "maybe" and link.role != "attachment"):
                if link.role != "attachment" and _column_title(link.title):
                    rest.append(link)
                    continue
                why = C.old_reason(cls.year, link.date)
                if why:
                    skipped.append(Skipped(link.url, page_url, link.title, cls.year, why))
                    continue
                candidates.append(Candidate(link, page_url, link.title, cls.year,
                                            link.agency or cls.agency, cls.verdict))
                continue
            why = None if C.is_hub(link.title) else C.skip_reason(link.title, link.url, link.date)
            if why:
                skipped.append(Skipped(link.url, page_url, link.title, cls.year, why))
                continue
        rest.append(link)
    start = zone == "start"
    if start:
        zone = page_zone(page_url, page_title, len(candidates))
        if zone == "reports":   # a report column as the start: links inside its directory are its own
            scope = _dir(page_url) if _dir(page_url) != "/" else None
    pages: list[Visit] = []
    for link in rest:
        if link.role in ("next", "api"):
            # (a hub's pages are not read on — unless it lists reports itself)
            lists_reports = zone == "reports" or len(candidates) >= 2
            if lists_reports and (link.role == "api" or source.wanted(link.url, is_list=True)):
                pages.append(Visit(link, depth, zone, scope))
            continue
        if link.role not in ("list", "detail") or not source.wanted(link.url, is_list=True):
            continue
        title = C.normalize_title(link.title)
        if C.classify(title).reason.startswith("look-alike") and not C.is_hub(title):
            continue
        year = re.fullmatch(r"((?:19|20)\d{2})(年度?|年报)?", title)
        if year and int(year.group(1)) < C.OLDEST_YEAR:
            continue   # a column of old reports
        if C.is_report_column_name(title) or (link.role == "list" and C.is_report_url(link.url)):
            d = depth + 1 if zone == "reports" else 0
            if d <= max_depth:
                pages.append(Visit(link, d, "reports", _scope_of(link.url, page_url)))
            continue
        if zone == "hub" and C.is_hub(title):
            d = 1 if start else depth + 1
            if d <= MAX_HUB_HOPS:
                pages.append(Visit(link, d, "hub"))
            continue
        if zone != "reports" or link.role != "list" or depth + 1 > max_depth:
            continue
        inside = in_scope(source, link.url) if scope == "" else bool(scope) and _under(link.url, scope)
        if inside or C.is_report_column(title):
            pages.append(Visit(link, depth + 1, "reports", scope))
    return Sorted(pages, candidates, skipped, zone)


def _under(url: str, directory: str) -> bool:
    return urlsplit(url).path.startswith(directory)


def _scope_of(column_url: str, page_url: str) -> str | None:
    """The directory of a report column, when it is one of its own (not the page's, not /)."""
    d = _dir(column_url)
    return d if d != "/" and d != _dir(page_url) else None


_ATTACHMENT_BLOCK = re.compile(r"^\W{0,3}(相关|本文|文件)?(附\s*件|附\s*表|下载附件|点击下载|下载[:：])")
"""The label of an attachment block, at its start: 附件：, 相关附件, 附件下载, 下载： (not a
sidebar's 下载中心)."""
_LABEL = re.compile(r"^(附件|附表)\s*[\d一二三四五六七八九十]*\s*[:：.、]\s*(?=\S{4})")
"""An attachment label before the title: "附件：X", "附件1：X" (a bare "附件1" stays)."""
_ATTACHMENT_CLASS = re.compile(r"fj|fujian|attach|appendix|download|enclosure", re.I)
GENERIC_ATTACHMENT = re.compile(r"^(附件|附表|下载|点击下载|附件下载|点击查看|查看|原文|全文|文件)?\s*[\d一二三四五六七八九十]*"
                                r"\s*[:：.、]?\s*[\w\-]{0,40}$", re.A)
_EXT_SUFFIX = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|rtf|zip)$", re.I)


def attachments_of(url: str, html: str) -> list[Link]:
    """Document links of an article: inside its content, or in an attachment block wherever
    it sits (`div.fj`, "附件：" before a list of links, `<p>附件：</p><p><a>…</a></p>`),
    or named like a report anywhere; not the site's sidebars."""
    doc = generic.parse(html)
    if doc is None:
        return []
    content = generic.content_of(doc)
    # (no content container found: the whole page is no evidence — the chrome links files too)
    inside = {id(a) for a in content.iter("a")} if content.tag not in ("body", "html") else set()
    base = generic.base_url(url, doc)
    out = []
    for a in doc.iter("a"):
        href = generic.clean_href(a.get("href"))
        if href is None:
            continue
        target = generic.urldefrag(generic.urljoin(base, href))[0]
        if generic.role_of(target, "") != "attachment":
            continue
        title = _EXT_SUFFIX.sub("", _LABEL.sub("", generic.title_of_anchor(a).strip())) \
            or _EXT_SUFFIX.sub("", _filename(target))
        if id(a) in inside or _in_attachment_block(a) or C.classify(title).verdict == "report":
            out.append(Link(target, "attachment", title))
    return generic.dedupe(out + _script_attachments(base, doc))


_SCRIPT_ANCHOR = re.compile(r"""<a\s[^>]*?href\s*=\s*\\?["']([^"'\\]+)\\?["'][^>]*>(.*?)</a>""", re.I | re.S)
_SCRIPT_PATH = re.compile(r"""["']([^"'\s<>]+\.(?:pdf|docx?|wps|xlsx?|et|ofd|rtf|zip))["']""", re.I)


def _script_attachments(base: str, doc) -> list[Link]:
    """Attachments a TRS template writes with a script (`var appendix = '<a href="./P0….pdf">
    ….pdf</a>'; document.write(…)`, or the file name alone in a string)."""
    out: list[Link] = []
    for script in doc.iter("script"):
        code = script.text or ""
        if not code or "<datastore" in code:
            continue
        found = [(h, re.sub(r"<[^>]+>", "", t).strip()) for h, t in _SCRIPT_ANCHOR.findall(code)]
        found += [(h, "") for h in _SCRIPT_PATH.findall(code) if not any(h == f for f, _ in found)]
        for href, text in found:
            target = generic.urldefrag(generic.urljoin(base, href))[0]
            if generic.role_of(target, "") == "attachment":
                out.append(Link(target, "attachment", _EXT_SUFFIX.sub("", _LABEL.sub("", text)) or
                                _EXT_SUFFIX.sub("", _filename(target))))
    return out


def _in_attachment_block(a) -> bool:
    """The anchor sits in an attachment block: an ancestor (up to 4 levels) marked as one by
    its class or id (fj, attach, download…) or short and saying 附件 / 下载, or a short
    "附件：" label just before the anchor or one of those ancestors."""
    el = a
    for _ in range(4):
        prev, steps = el.getprevious(), 0
        while prev is not None and steps < 3:
            label = generic.text_of(prev)
            if len(label) <= 40 and _ATTACHMENT_BLOCK.search(label):
                return True
            if label:
                steps += 1
            prev = prev.getprevious()
        parent = el.getparent()
        if parent is None:
            return False
        if _ATTACHMENT_CLASS.search(f"{parent.get('class') or ''} {parent.get('id') or ''}"):
            return True
        text = generic.text_of(parent)
        if len(text) <= 400 and _ATTACHMENT_BLOCK.search(text):
            return True
        el = parent
    return False


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


# Which document holds a report best, when several formats of it are attached.
FORMAT_RANK = {".pdf": 0, ".ofd": 1, ".docx": 2, ".doc": 3, ".wps": 4, ".rtf": 5, ".xlsx": 6, ".xls": 7,
               ".et": 8, ".zip": 9}
TABLES_ONLY = (".xlsx", ".xls", ".et")


def is_full_report(url: str, html: str) -> bool:
    """The article's text is the whole report, not an intro: it prints ≥ 3 of the template's
    numbered section headings (一、总体情况 …), or its statistical tables (≥ 2 tables of ≥ 3
    rows)."""
    doc = generic.parse(html)
    if doc is None:
        return False
    content = generic.content_of(doc)
    text = generic.text_of(content)
    sections = {m.group(0)[2:] for m in C.NUMBERED_SECTION.finditer(text)}
    tables = sum(1 for t in content.iter("table") if len(t.findall(".//tr")) >= 3)
    return len(sections) >= 3 or tables >= 2


def old_article(cand: Candidate, url: str, html: str) -> str | None:
    """Why an article is an old report (before 2019, the 2008 regulation's format), or None:
    the year its own title names, else the old format's section headings in its text."""
    d = generic.detail(url, html)
    year = cand.year
    if year is None and C.classify(d.title).verdict == "report":
        year = C.year_of(d.title)
    if year is not None:
        return C.old_reason(year)
    doc = generic.parse(html)
    if doc is not None and C.OLD_FORMAT.search(generic.text_of(generic.content_of(doc))):
        return "old report (2008-regulation format: 依申请公开 / 收费及减免 sections)"
    return C.old_reason(None, d.date)


def _stem(title: str) -> str:
    """A report title without its attachment label and format: "附件1：X.pdf", "X（PDF版）" → X."""
    t = C.normalize_title(_EXT_SUFFIX.sub("", title))
    t = re.sub(r"^(附件|附表)[\d一二三四五六七八九十]*[:：.、]?", "", t)
    return re.sub(r"[（(](pdf|word|wps|ofd|excel|文字|图片|扫描)?版?[)）]$", "", t, flags=re.I)


def _ext(link: Link) -> str:
    from crawl import sniff
    return sniff.extension(link.url)


def _best_first(links: list[Link]) -> list[Link]:
    return sorted(links, key=lambda lk: FORMAT_RANK.get(_ext(lk), 10))


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
    if not files:
        if d.is_inline_report or not images:
            # (a report title and nothing else to go by: the page is all there is)
            return [Plan("inline_html", url, title, year, agency, [Link(u, "image") for u in images], images, True)]
        return [Plan("image", url, title, year, agency, [Link(u, "image") for u in images], images, True)]
    # One report per distinct report title among the attachments (other formats of the same
    # title are its alternates); generic ones (附件1, 下载, a file name) belong to the first;
    # other named parts (统计表) are reports of the article's title, as the listing says.
    groups: dict[str, list[Link]] = {}
    generic_files: list[Link] = []
    for f in files:
        if C.classify(f.title).verdict == "report":
            groups.setdefault(_stem(f.title), []).append(f)
        elif GENERIC_ATTACHMENT.match(C.normalize_title(f.title)) or _stem(f.title) == _stem(title):
            generic_files.append(f)
        else:
            groups.setdefault("\0" + f.url, []).append(f)
    if generic_files:
        titled = [k for k in groups if not k.startswith("\0")]
        if titled:
            groups[titled[0]] += generic_files
        else:
            groups = {"\0generic": generic_files, **groups}
    plans: list[Plan] = []
    named: list[bool] = []          # the group's title names a report, or it is the generic one
    for key, members in groups.items():
        main, *others = _best_first(members)
        ft = main.title if C.classify(main.title).verdict == "report" else title
        fc = C.classify(ft)
        plans.append(Plan("attachment", main.url, ft, fc.year or year, fc.agency or agency, [main], [], False,
                          alternates=others))
        named.append(not key.startswith("\0") or key == "\0generic")
    if is_full_report(url, html):
        # The page holds the report too: one report, the richer source — the attached
        # document (the original, tables and all) unless it holds only tables (a
        # spreadsheet); parts that do not name a report (统计表) are its alternates.
        mains = [p for p, n in zip(plans, named) if n]
        parts = [p for p, n in zip(plans, named) if not n]
        if mains and _ext(mains[0].files[0]) not in TABLES_ONLY:
            mains[0].page_is_alternate = True
            mains[0].alternates += [lk for p in parts for lk in p.files + p.alternates]
            return mains
        page_plan = Plan("inline_html", url, title, year, agency, [Link(u, "image") for u in images], images, True,
                         alternates=[lk for p in mains[:1] + parts for lk in p.files + p.alternates])
        return [page_plan] + mains[1:]
    return plans
