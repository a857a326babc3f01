"""The crawler on generated sites (tests/crawl_sitegen.py): Hanweb, TRS and gkmlpt-like
sites with every attachment shape, nav names, year / unit-type sub-columns, look-alikes, old
reports, robots.txt disallows and pagination, served on 127.0.0.1.

Bars (issue 14): from the site's 政务公开 page and from its home page, recall = precision =
1.0 with the right kind, year, agency and page; look-alikes and old reports skipped with a
reason; robots-disallowed paths and the site's other columns never fetched; a second crawl
downloads no body.
"""
from __future__ import annotations

import pytest

from crawl.rawstore import RawStore
from crawl.run import crawl
from crawl.sources import Source
from crawl_site import SiteServer, fast_settings
from crawl_sitegen import FAMILIES, generate

SEEDS = (1, 2, 3)


def serve(family: str, seed: int) -> tuple[SiteServer, object]:
    server = SiteServer({})
    site = generate(family, seed, server.url, server)
    server.routes.update(site.routes)
    server.hanweb_entries = site.hanweb_entries
    return server, site


def run_crawl(url: str, tmp, name="gen"):
    run = crawl([Source(name=name, start_urls=[url])], fast_settings(), store=RawStore(tmp / "raw"),
                state=tmp / "crawl.sqlite")
    return run, list(run)


def check(site, server, run, reports, base, start):
    found = {r.url: r for r in reports}
    truth = {base + p: t for p, t in site.truth.items()}
    assert len(found) == len(reports), "a report was yielded twice"
    assert set(found) == set(truth), (f"missed: {sorted(set(truth) - set(found))}\n"
                                      f"extra: {sorted(set(found) - set(truth))}")
    for url, t in truth.items():
        r = found[url]
        assert (r.kind, r.year, r.agency, r.status) == (t.kind, t.year, t.agency, "new"), (url, r.to_json())
        if t.page:
            assert r.page == base + t.page, url
        assert len(r.alternates) == t.alternates, (url, r.alternates)
    skipped = {s["url"]: s for s in run.summary.skipped}
    want = {base + p for p in site.skipped - (site.home_only if start == "hub" else set())}
    assert want <= set(skipped), f"not skipped: {sorted(want - set(skipped))}"
    assert all(s["status"] == "skipped" and s["skipped"] for s in skipped.values())
    assert not set(skipped) & set(found)
    fetched = server.paths()
    for prefix in site.never + site.noise_columns:
        assert not any(p.startswith(prefix) for p in fetched), prefix


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("start", ["hub", "home"])
def test_generated_site(family, seed, start, tmp_path):
    server, site = serve(family, seed)
    with server:
        url = site.hub_url if start == "hub" else site.home_url
        run, reports = run_crawl(url, tmp_path)
        check(site, server, run, reports, server.url, start)
        # a second crawl: nothing downloaded again, every report unchanged
        server.log.clear()
        run2, again = run_crawl(url, tmp_path)
        assert sorted(r.url for r in again) == sorted(r.url for r in reports)
        assert {r.status for r in again} == {"unchanged"}
        gets = [p for p in server.bodies("GET") if p != "/robots.txt"]
        assert gets == [], gets
        assert run2.summary.new == 0
