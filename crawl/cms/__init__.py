"""Per-CMS link parsers: pure `(url, html) -> list[Link]` functions, no network.

`detect(url, html)` picks the family when a source does not say; `links_of(family, url,
html)` runs that family's parser; an API answer (Hanweb dataproxy XML, gkmlpt JSON) is read
by the parser named on the `Link` that asked for it (`api_links_of`).
"""
from __future__ import annotations

from typing import Callable

from crawl.cms import generic, gkmlpt, hanweb, trs
from crawl.model import Link

FAMILIES: dict[str, Callable[[str, str], list[Link]]] = {
    "hanweb": hanweb.links,
    "trs": trs.links,
    "gkmlpt": gkmlpt.links,
    "generic": generic.links,
}


def detect(url: str, html: str) -> str:
    if hanweb.is_hanweb(url, html):
        return "hanweb"
    if "/gkmlpt/" in url or "/content/post_" in url or gkmlpt.SID.search(html[:200000] or ""):
        return "gkmlpt"
    if trs.is_trs(url, html):
        return "trs"
    return "generic"


def links_of(family: str, url: str, html: str) -> list[Link]:
    if family == "auto":
        family = detect(url, html)
    return FAMILIES[family](url, html)


def api_links_of(link: Link, text: str) -> list[Link]:
    if link.parser == hanweb.PARSER:
        return hanweb.dataproxy_links(link.url, text, dict(link.data or ()))
    if link.parser == gkmlpt.PARSER:
        return gkmlpt.api_links(link.url, text)
    raise ValueError(f"no parser named {link.parser!r}")
