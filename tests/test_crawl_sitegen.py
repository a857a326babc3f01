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


def test_the_seeds_cover_every_shape():
    """The sites the property test crawls hold every attachment shape, format, link text,
    URL style, column layout, old-report kind and report shape the generator knows."""
    from collections import Counter

    seen: Counter = Counter()
    for family in FAMILIES:
        for seed in SEEDS:
            seen.update(generate(family, seed, "http://127.0.0.1:1").shapes)
    kinds = {k.rsplit(":", 1)[0] if k.startswith("hub:") else k for k in seen}
    want = ({f"block:{i}" for i in range(7)} | {"nav:image", "nav:text"} | {f"ext:{e}" for e in (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx",
                                                                   ".et", ".ofd", ".rtf", ".zip")}
            | {f"report:{r}" for r in ("inline", "attachment", "image", "both")}
            | {f"layout:{x}" for x in ("flat", "year", "unit", "year_unit")} | {f"old:{x}" for x in ("title", "date", "body")}
            | {f"href:{x}" for x in ("relative", "root", "absolute", "script")}
            | {f"text:{x}" for x in ("{t}.{e}", "{t}", "附件1", "附件1.{e}", "{f}", "附件：{t}.{e}")}
            | {f"hub:{h}" for h in ("政务公开", "信息公开", "政府信息公开")})
    assert want <= kinds, sorted(want - kinds)


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
        assert server.bodies("GET") == []                   # robots.txt revalidated too
        assert run2.summary.new == 0 and run2.summary.downloads == (len(server.bodies("POST")))


def test_sources_add_with_a_home_page_then_crawl_json(tmp_path, monkeypatch):
    """`gongkai sources add NAME URL` with the home page; `gongkai crawl NAME --json`: one line
    per report, one `skipped` line (with why) per look-alike and old report."""
    import json

    from typer.testing import CliRunner

    from gongkai.cli_crawl import app

    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GONGKAI_RAW_STORE", raising=False)
    server, site = serve("trs", 4)
    with server:
        file = tmp_path / "sources.yaml"
        res = CliRunner().invoke(app, ["sources", "add", "gen-trs", site.home_url, "--sources", str(file)])
        assert res.exit_code == 0, res.output
        res = CliRunner().invoke(app, ["crawl", "gen-trs", "--sources", str(file), "--json", "--allow-private",
                                       "--delay", "0", "--quiet"])
        assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    reports = {x["url"]: x for x in lines if x.get("status") != "skipped"}
    skipped = {x["url"]: x["skipped"] for x in lines if x.get("status") == "skipped"}
    assert set(reports) == {server.url + p for p in site.truth}
    assert {x["status"] for x in reports.values()} == {"new"}
    assert {server.url + p for p in site.skipped} <= set(skipped) and all(skipped.values())
    assert any(w.startswith("old report") for w in skipped.values())
    assert any(w.startswith("look-alike") for w in skipped.values())
