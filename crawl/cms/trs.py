"""TRS WCM: `index.html`, `index_1.html`, … lists and `t{YYYYMMDD}_{id}.html` articles.

The page count is only in a script: `createPageHTML(5, 0, "index", "html")` (pages, current
page counted from 0, name, extension) or, in newer templates,
`createPageHTML('page_div', 5, 1, 'index', 'html', 93)`; some write `var countPage = 5`.
Page 0 is `index.html`, page n is `index_n.html`. Past the last page some sites answer a
meta-refresh to `./` (research/format.md §3.2), so pages are only generated up to the
count the script states.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawl.cms import generic
from crawl.model import Link

CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)", re.I)
COUNT_PAGE = re.compile(r"\b(?:countPage|pageCount|totalPage)\s*=\s*['\"]?(\d+)", re.I)
ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$")


def is_trs(url: str, html: str) -> bool:
    return bool(ARTICLE.search(urlsplit(url).path)) or "createPageHTML" in html or \
        bool(re.search(r"/index_\d+\.s?html?$", urlsplit(url).path)) or "TRS_Editor" in html[:200000]


def page_count(html: str) -> tuple[int, str, str] | None:
    """(pages, name, extension) stated by the page's paging script."""
    for m in CREATE_PAGE.finditer(html):
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        ints = [int(a) for a in args if a.isdigit()]
        words = [a for a in args if a and not a.isdigit()]
        names = [w for w in words if re.fullmatch(r"[\w\-]+", w) and w not in ("html", "htm", "shtml")]
        exts = [w for w in words if w in ("html", "htm", "shtml")]
        if ints:
            return ints[0], (names[-1] if names else "index"), (exts[0] if exts else "html")
    m = COUNT_PAGE.search(html)
    if m:
        return int(m.group(1)), "index", "html"
    return None


def links(url: str, html: str) -> list[Link]:
    out = generic.links(url, html)
    stated = page_count(html)
    if stated:
        count, name, ext = stated
        # Paging is relative to the list's directory, whichever page we are on.
        base = urljoin(url, "./")
        out += [Link(urljoin(base, f"{name}_{n}.{ext}"), "next", f"page {n + 1}") for n in range(1, count)]
    return generic.dedupe(out)
