"""广东 gkmlpt 公开目录平台: `/gkmlpt/content/…/post_{id}.html` articles, a JSON list API.

A catalogue page (`/gkmlpt/index#{catid}`, or a column that embeds the platform) declares
its site id in a script (`SID: '755031'`); the list itself comes from
`/gkmlpt/api/all/{catid}?page={n}&sid={sid}`, which answers
`{"total": N, "articles": [{"title", "url", "publisher", "display_publish_time"|"create_time"}…]}`.
Static columns that link `content/post_{id}.html` pages directly are read as ordinary lists
(with "下一页").
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawl.cms import generic
from crawl.model import Link

PARSER = "gkmlpt.api"
SID = re.compile(r"\bSID\s*[:=]\s*['\"]?(\d+)", re.I)
API_PATH = re.compile(r"^(.*?/gkmlpt)/api/all/(\d+)$")


def is_gkmlpt(url: str, html: str) -> bool:
    return "/gkmlpt/" in url or "post_" in url or "gkmlpt" in html[:200000]


def _api(prefix: str, netloc: str, scheme: str, cat: str, sid: str, page: int) -> Link:
    return Link(urlunsplit((scheme, netloc, f"{prefix}/api/all/{cat}", urlencode({"page": page, "sid": sid}), "")),
                "api", f"page {page}", parser=PARSER)


def links(url: str, html: str) -> list[Link]:
    out = generic.links(url, html)
    parts = urlsplit(url)
    sid = SID.search(html)
    m = re.match(r"^(.*?/gkmlpt)(/|$)", parts.path)
    cat = parts.fragment if parts.fragment.isdigit() else None
    if cat is None:
        c = re.search(r"\b(?:CATID|catId|cat_id)\s*[:=]\s*['\"]?(\d+)", html)
        cat = c.group(1) if c else None
    if sid and m and cat:
        out.append(_api(m.group(1), parts.netloc, parts.scheme, cat, sid.group(1), 1))
    return generic.dedupe(out)


def _date(article: dict) -> str | None:
    for key in ("display_publish_time", "publish_time", "create_time", "created_at"):
        v = article.get(key)
        if isinstance(v, (int, float)) and v > 0:
            return datetime.fromtimestamp(v, timezone.utc).strftime("%Y-%m-%d")
        if isinstance(v, str):
            d = generic.DATE.search(v)
            if d:
                return f"{d.group(1)}-{int(d.group(2)):02d}-{int(d.group(3)):02d}"
            if v.isdigit():
                return datetime.fromtimestamp(int(v), timezone.utc).strftime("%Y-%m-%d")
    return None


def api_links(url: str, text: str) -> list[Link]:
    """An answer of the list API: its articles, and from page 1 the other pages."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return []
    out: list[Link] = []
    for a in articles:
        if not isinstance(a, dict):
            continue
        href = a.get("post_url") or a.get("url")
        if not href:
            continue
        target = generic.urljoin(url, href)
        out.append(Link(target, generic.role_of(target, a.get("title") or ""), (a.get("title") or "").strip(),
                        _date(a), (a.get("publisher") or "").strip() or None))
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query))
    m = API_PATH.match(parts.path)
    total = data.get("total")
    if m and q.get("page") == "1" and isinstance(total, int) and articles:
        pages = math.ceil(total / len(articles))
        out += [_api(m.group(1), parts.netloc, parts.scheme, m.group(2), q.get("sid", ""), n)
                for n in range(2, pages + 1)]
    return out
