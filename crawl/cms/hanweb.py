"""大汉 Hanweb JCMS: `/col/col{id}/index.html` lists and the `dataproxy.jsp` list API.

A column page carries its first records inline, in a script block:

    <script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3
          &path=/&columnid=64511&unitid=464148&webname=…&permissiontype=0"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href="/art/2024/1/10/art_64511_1.html" title="…">…</a>
          <span>2024-01-10</span></li>]]></record>…</recordset></datastore></script>

and a `jpage({... perPage: 15, totalRecord: 93 ...})` call that pages through the rest by
POSTing the column's parameters (col=1, appid, webid, path, columnid, sourceContentType,
unitid, webname, permissiontype) to `dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`,
which answers the same `<datastore>` with a `<totalrecord>`. Static `index_1.html` paging
usually 404s on these sites (research/format.md §3.2), so it is never guessed.
"""
from __future__ import annotations

import html as htmlmod
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

from crawl.cms import generic
from crawl.model import Link

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
PARSER = "hanweb.dataproxy"
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
CFG_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
CFG_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
CFG_FIELD = re.compile(r"\b(webid|unitid|columnid|appid|webname|path|permissiontype|sourceContentType)"
                       r"\s*[:=]\s*['\"]([^'\"]*)['\"]", re.I)
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname",
               "permissiontype")
DEFAULT_PERPAGE = 15
GROUP = 3          # jpage fetches three pages of records per request


def is_hanweb(url: str, html: str) -> bool:
    return bool(re.search(r"/col/col\d+/|/art/\d{4}/\d{1,2}/\d{1,2}/art_", url)) or "<datastore" in html[:200000] \
        or "dataproxy.jsp" in html[:200000]


def record_links(url: str, text: str) -> list[Link]:
    """The links inside `<record><![CDATA[…]]></record>` entries, with the record's date."""
    out: list[Link] = []
    for frag in RECORD.findall(text):
        try:
            el = lxml.html.fragment_fromstring(frag, create_parent="div")
        except Exception:  # noqa: BLE001 - a broken record costs only itself
            continue
        for lk in generic.anchor_links(url, el.getroottree().getroot()):
            if lk.role == "list":  # a record is an entry, never a column
                lk = Link(lk.url, "detail", lk.title, lk.date)
            out.append(lk)
    return out


def _form(url: str, html: str) -> dict[str, str] | None:
    """The column's dataproxy parameters, from `<nextgroup>` or the jpage configuration."""
    m = NEXTGROUP.search(html)
    params: dict[str, str] = {}
    if m:
        href = re.search(r"href\s*=\s*[\"']([^\"']+)", m.group(1))
        if href:
            params = {k: v for k, v in parse_qsl(urlsplit(htmlmod.unescape(href.group(1))).query,
                                                 keep_blank_values=True)}
    for k, v in CFG_FIELD.findall(html):
        params.setdefault(k if k != "sourcecontenttype" else "sourceContentType", v)
    if "columnid" not in params:
        col = re.search(r"/col/col(\d+)/", url)
        if col and "dataproxy.jsp" in html:
            params["columnid"] = col.group(1)
    if "columnid" not in params or "unitid" not in params:
        return None
    form = {"col": "1", "appid": "1", "webid": "1", "path": "/", "sourceContentType": "1",
            "webname": "", "permissiontype": "0"}
    form.update({k: v for k, v in params.items() if k in FORM_FIELDS})
    return {k: form[k] for k in FORM_FIELDS if k in form}


def _api(url: str, start: int, end: int, perpage: int, form: dict[str, str]) -> Link:
    parts = urlsplit(url)
    api = urlunsplit((parts.scheme, parts.netloc, PROXY_PATH,
                      urlencode({"startrecord": start, "endrecord": end, "perpage": perpage}), ""))
    return Link(api, "api", f"records {start}-{end}", method="POST", data=tuple(form.items()), parser=PARSER)


def _pages(url: str, first: int, total: int | None, perpage: int, form: dict[str, str]) -> list[Link]:
    """API requests for records `first`… — all of them when the total is known, else one."""
    span = perpage * GROUP
    if total is None:
        return [_api(url, first, first + span - 1, perpage, form)]
    return [_api(url, s, min(s + span - 1, total), perpage, form) for s in range(first, total + 1, span)]


def links(url: str, html: str) -> list[Link]:
    """A column page: its inline records, its other links, and dataproxy requests for the
    records it does not carry inline."""
    records = record_links(url, html)
    # Page chrome (menus, footers) sits outside the datastore; keep it for sub-columns.
    doc = generic.parse(re.sub(r"<script[^>]*>\s*<datastore>.*?</datastore>\s*</script>", "", html, flags=re.S | re.I))
    out = records + generic.anchor_links(url, doc)
    form = _form(url, html)
    if form is not None:
        perpage = int((CFG_PERPAGE.search(html) or [None, DEFAULT_PERPAGE])[1])
        total_m = CFG_TOTAL.search(html)
        total = int(total_m.group(1)) if total_m else None
        first = len(RECORD.findall(html)) + 1
        if total is None or first <= total:
            out += _pages(url, first, total, perpage, form)
    return generic.dedupe(out)


def dataproxy_links(url: str, text: str, form: dict[str, str] | None) -> list[Link]:
    """An answer of `dataproxy.jsp`: its records, and — from the first request that tells the
    total — requests for the records still missing."""
    out = record_links(url, text)
    q = dict(parse_qsl(urlsplit(url).query))
    total_m = TOTAL.search(text)
    if form and total_m and q.get("endrecord", "").isdigit():
        total, end = int(total_m.group(1)), int(q["endrecord"])
        perpage = int(q.get("perpage") or DEFAULT_PERPAGE)
        # Every answer names the total: asking for all the remaining pages from each answer
        # gives the same URLs, which the crawl de-duplicates.
        if end < total and out:
            out += _pages(url, end + 1, total, perpage, form)
    return generic.dedupe(out)
