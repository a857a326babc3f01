"""The crawler against a real HTTP server on 127.0.0.1 serving the fixture site (issue #6).

Bars: recall and precision of report discovery 100%; a re-crawl downloads no body that has
not changed; an interrupted crawl, restarted, completes without duplicates; the per-host
concurrency is never exceeded (the server counts); robots-disallowed paths are never fetched.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from crawl.http import Fetcher
from crawl.rawstore import RawStore
from crawl.run import crawl
from crawl.state import FetchState
from crawl_site import FixtureSites, fast_settings


@pytest.fixture
def sites():
    with FixtureSites(limit=2) as s:
        yield s


@pytest.fixture
def store(tmp_path):
    return RawStore(tmp_path / "raw")


@pytest.fixture
def state_path(tmp_path):
    return tmp_path / "crawl.sqlite"


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One first crawl of a fresh site, shared by the tests that only read its results."""
    d = tmp_path_factory.mktemp("first")
    with FixtureSites(limit=2) as s:
        store = RawStore(d / "raw")
        run, reports = _crawl(s, store, d / "crawl.sqlite")
        yield s, store, d / "crawl.sqlite", run, reports


def _crawl(sites, store, state_path, **kw):
    run = crawl(sites.sources(), kw.pop("settings", fast_settings()), store=store, state=state_path, **kw)
    return run, list(run)


def test_first_crawl_finds_exactly_the_reports(first):
    sites, _, _, run, reports = first
    truth = sites.truth()
    found = {r.url: r for r in reports}
    assert len(found) == len(reports), "a report was yielded twice"
    assert set(found) == set(truth), (f"missed: {sorted(set(truth) - set(found))}\n"
                                      f"extra: {sorted(set(found) - set(truth))}")  # recall and precision 100%
    for url, t in truth.items():
        r = found[url]
        assert (r.kind, r.year, r.agency, r.status) == (t.kind, t.year, t.agency, t.status), url
        if t.kind == "image":
            assert len(r.images) == t.images and all(f.status == "new" for f in r.files)
            assert [f.kind for f in r.files] == ["page"] + ["image"] * t.images
    # the failures say what went wrong, for that URL only
    errors = {r.url.rsplit("/", 1)[-1]: r.error for r in reports if r.status == "failed"}
    assert "HTTP 404" in errors["art_100_1020.html"]
    assert "expected PDF (from the URL), got an HTML page" in errors["P05008.pdf"]
    s = run.summary
    assert (s.reports, s.failed, s.new) == (len(truth), 2, len(truth) - 2)


def test_listing_metadata_and_shapes(first):
    reports = first[4]
    by_tail = {r.url.rsplit("/", 1)[-1]: r for r in reports}
    # Hanweb: records from the embedded datastore and from dataproxy, the date kept
    r = by_tail["art_100_1001.html"]
    assert r.published == "2024-01-01" and r.page.endswith("/col/col100/index.html")
    assert r.title == "市财政局2023年政府信息公开工作年度报告"      # the title attribute, not the truncated text
    assert by_tail["art_100_1010.html"].page.endswith("dataproxy.jsp?startrecord=6&endrecord=14&perpage=3")
    # a truncated listing title is completed from the article's own title
    assert by_tail["art_101_3002.html"].title == "市水利局2022年政府信息公开工作年度报告"
    # an attachment: url is the file, page is the article that links it
    a = by_tail["P05001.doc"]
    assert a.kind == "attachment" and a.page.endswith("t20240211_5001.html")
    assert a.title == "城关镇人民政府2023年政府信息公开工作年度报告"            # the anchor text, less ".doc"
    assert a.files[0].media_type == "application/msword" and a.files[0].size > 0
    # a download script named by the file it serves
    assert any(u.endswith("downfile.jsp?classid=0&filename=1003.pdf") for u in (r.url for r in reports))
    # mislabelled content types do not matter: the bytes decide
    assert by_tail["P05003.xlsx"].files[0].media_type.endswith("spreadsheetml.sheet")
    # the redirect: known by the listing's URL, fetched from where it moved
    assert by_tail["1021.html"].status == "new"
    # the JSON line
    j = by_tail["P05004.ofd"].to_json()
    assert {k: j[k] for k in ("kind", "year", "agency")} == {"kind": "attachment", "year": 2023, "agency": "南山镇人民政府"}
    assert len(j["sha256"]) == 64 and j["page"].endswith(".html")
    img = by_tail["art_100_1008.html"].to_json()
    assert img["kind"] == "image" and len(img["images"]) == 3 and all(len(i["sha256"]) == 64 for i in img["images"])


def test_noise_robots_and_politeness(first):
    sites = first[0]
    fetched = sites.hanweb.paths() | sites.trs.paths()
    # robots.txt disallows /private/: never asked for, not even the list page
    assert not any(p.startswith("/private/") for p in fetched)
    # look-alikes are rejected by their listing title: their pages are never fetched
    for noise in ("art_100_2001", "art_100_2002", "art_100_2003", "t20240201_6001", "t20240202_6002", "t20240203_6003"):
        assert not any(noise in p for p in fetched), noise
    # chrome links (other columns) are not followed
    assert "/col/col900/index.html" not in fetched and "/xxgk/zcwj/" not in fetched
    # per-host concurrency: never above 2, and actually used
    for server in sites.servers():
        assert server.violations == []
        assert server.max_inflight == 2
    # the 503 was retried once, then fetched
    assert Counter(p for _, p, _ in sites.trs.log)["/xxgk/zfxxgknb/202402/P05007.pdf"] == 2


def test_same_file_under_two_urls_is_stored_once(first):
    _, store, state_path, _, reports = first
    by_tail = {r.url.rsplit("/", 1)[-1]: r for r in reports}
    a, b = by_tail["P05005.pdf"], by_tail["dup.pdf"]
    assert a.sha256 == b.sha256 and a.files[0].path == b.files[0].path
    shas = [f.sha256 for r in reports for f in r.files if f.sha256]
    on_disk = {p.name for p in (store.root).glob("??/??/*")}
    assert set(shas) <= on_disk
    state = FetchState(state_path)
    assert sorted(state.urls_for(a.sha256)) == sorted([a.url, b.url])   # URL → sha256 lineage


def test_recrawl_downloads_nothing_unchanged(sites, store, state_path):
    _crawl(sites, store, state_path)
    files_before = store.count()
    for s in sites.servers():
        s.log.clear()
    run, reports = _crawl(sites, store, state_path)
    assert {r.status for r in reports} == {"unchanged", "failed"}
    assert len(reports) == len(sites.truth())
    # Every GET was answered 304 (robots.txt too: revalidated each crawl), except the file
    # that failed last time (there is no copy to revalidate).
    bodies = sites.hanweb.bodies() + sites.trs.bodies()
    assert sorted(bodies) == ["/xxgk/zfxxgknb/202403/P05008.pdf"]
    assert sum(1 for _, p, s in sites.hanweb.log + sites.trs.log if p == "/robots.txt" and s == 304) == 2
    # The dataproxy list API is a POST (never conditional): its answers are hash-identical.
    assert run.summary.new == 0 and store.count() == files_before


def test_changed_report_is_downloaded_again(sites, store, state_path):
    _crawl(sites, store, state_path)
    path = "/xxgk/zfxxgknb/202402/P05004.ofd"
    from crawl_site import ofd
    sites.trs.routes[path].body = ofd("trs 4, corrected")
    _, reports = _crawl(sites, store, state_path)
    changed = [r for r in reports if r.status == "new"]
    assert [r.url for r in changed] == [sites.trs.url + path]
    assert len(FetchState(state_path).lineage(sites.trs.url + path)) == 2   # both versions kept


def test_interrupted_crawl_resumes_without_duplicates(sites, store, state_path, monkeypatch):
    calls = {"n": 0}
    real = Fetcher.fetch

    def flaky(self, url, **kw):
        calls["n"] += 1
        if calls["n"] == 25:
            raise RuntimeError("injected crash")
        return real(self, url, **kw)

    monkeypatch.setattr(Fetcher, "fetch", flaky)
    first: list = []
    with pytest.raises(RuntimeError, match="injected crash"):
        run = crawl(sites.sources(), fast_settings(), store=store, state=state_path)
        for r in run:
            first.append(r)
    assert 0 < len(first) < len(sites.truth())
    monkeypatch.setattr(Fetcher, "fetch", real)
    _, second = _crawl(sites, store, state_path)
    assert sorted(r.url for r in second) == sorted(sites.truth())       # completes, each once
    done_before = {r.url for r in first if r.status == "new"}
    assert {r.url for r in second if r.status == "unchanged"} >= done_before
    # no report body was downloaded twice across the two runs
    files = [p for s in sites.servers() for p in s.bodies()
             if p.endswith((".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".ofd", ".png", ".jpg"))
             and "P05008" not in p]
    assert len(files) == len(set(files))
    rows = FetchState(state_path).rows()
    assert len({r["key"] for r in rows}) == len(rows)


def test_dry_run_saves_nothing(sites, tmp_path):
    run = crawl(sites.sources(), fast_settings(), dry_run=True)
    reports = list(run)
    assert {r.url for r in reports} == set(sites.truth())
    assert {r.status for r in reports} == {"planned", "failed"}     # the 404 article is known to fail
    fetched = sites.hanweb.paths() | sites.trs.paths()
    assert not any(p.endswith((".pdf", ".docx", ".ofd", ".png")) for p in fetched)   # no report file
    assert not list(tmp_path.iterdir())


def test_cli_one_off_url_json(sites, tmp_path, monkeypatch):
    from gongkai.cli_crawl import app

    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GONGKAI_RAW_STORE", raising=False)
    res = CliRunner().invoke(app, ["crawl", sites.trs.url + "/xxgk/zfxxgknb/", "--json", "--allow-private",
                                   "--delay", "0", "--quiet"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    # the look-alikes the listings carry are lines of their own, saying why they were skipped
    skipped = {x["url"].rsplit("/", 1)[-1]: x["skipped"] for x in lines if x.get("status") == "skipped"}
    assert skipped == {"t20240201_6001.html": "look-alike (政府工作报告)", "t20240202_6002.html": "look-alike (预算)",
                       "t20240203_6003.html": "look-alike (法治政府建设)"}
    lines = [x for x in lines if x.get("status") != "skipped"]
    want = {u for u in sites.truth() if u.startswith(sites.trs.url)}
    assert {x["url"] for x in lines} == want
    assert all(set(x) >= {"url", "page", "title", "year", "agency", "kind", "sha256"} for x in lines)
    assert (tmp_path / "data" / "crawl.sqlite").exists() and (tmp_path / "data" / "raw").is_dir()
    # the one-off source allows its host, nothing else: the Hanweb host is another site
    assert not sites.hanweb.log
    # every fetched file is a `documents` row of the warehouse, with its URL → sha256 lineage
    from sqlalchemy import text

    from storage import get_engine

    with get_engine(f"sqlite:///{tmp_path / 'data' / 'gongkai.sqlite'}").connect() as conn:
        docs = {r.sha256: r for r in conn.execute(text("SELECT sha256, source_url, referrer_url, status FROM documents"))}
    fetched = {x["sha256"] for x in lines if x["sha256"]}
    assert fetched and fetched <= set(docs)
    assert all(docs[s].source_url and docs[s].status == "fetched" for s in fetched)


def test_cli_refuses_loopback_without_allow_private(sites, tmp_path, monkeypatch):
    from gongkai.cli_crawl import app

    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    res = CliRunner().invoke(app, ["crawl", sites.trs.url + "/xxgk/zfxxgknb/", "--json", "--quiet"])
    assert res.exit_code == 0 and res.stdout.strip() == ""
    assert not sites.trs.log                                    # not a single request went out


def test_source_concurrency_limit_of_one_is_kept(tmp_path):
    with FixtureSites(limit=1) as sites:
        trs = sites.sources()[1].model_copy(update={"limits": sites.sources()[1].limits.model_copy(
            update={"concurrency": 1})})
        run = crawl([trs], fast_settings(), store=RawStore(tmp_path / "raw"), state=tmp_path / "s.sqlite")
        assert len(list(run)) == len(sites.trs_truth)
        assert sites.trs.violations == [] and sites.trs.max_inflight == 1


def test_fetched_documents_register_in_the_warehouse(first, tmp_path):
    """Each fetched file becomes a `documents` row (URL → sha256 lineage) through the
    storage layer's own API; the same bytes under two URLs are one document."""
    storage = pytest.importorskip("storage")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    storage.upgrade(url)
    engine = storage.get_engine(url)
    reports = first[4]
    ids = {}
    for r in reports:
        for f in r.files:
            if f.sha256:
                ids[f.url] = storage.register_document(engine, storage.DocumentInfo(**f.document_fields()))
    by_tail = {u.rsplit("/", 1)[-1]: i for u, i in ids.items()}
    assert by_tail["P05005.pdf"] == by_tail["dup.pdf"]
    assert len(set(ids.values())) == len({f.sha256 for r in reports for f in r.files if f.sha256})


def test_max_pages_bounds_a_source(tmp_path):
    with FixtureSites() as sites:
        trs = sites.sources()[1]
        trs = trs.model_copy(update={"limits": trs.limits.model_copy(update={"max_pages": 3})})
        run = crawl([trs], fast_settings(), store=RawStore(tmp_path / "raw"), state=tmp_path / "s.sqlite")
        list(run)
        assert run.summary.pages == 3
        assert any("max_pages (3) reached" in m for _, m in run.summary.errors)
        assert len([p for p in sites.trs.paths() if p.endswith(".html") or p.endswith("/")]) <= 3


def test_a_page_the_parsers_choke_on_costs_only_that_page(sites, store, state_path, monkeypatch):
    from crawl import discover
    real = discover.plan_article

    def choke(source, cand, url, html):
        if url.endswith("art_100_1001.html"):
            raise ValueError("unexpected markup")
        return real(source, cand, url, html)

    monkeypatch.setattr(discover, "plan_article", choke)
    run, reports = _crawl(sites, store, state_path)
    assert len(reports) == len(sites.truth()) - 1
    assert any("internal error reading the page (ValueError: unexpected markup)" in m for _, m in run.summary.errors)


def test_url_fetcher_one_file_with_conditional_get_and_fetch_state(sites, store, state_path):
    from crawl.urls import UrlFetcher

    url = sites.trs.url + "/xxgk/zfxxgknb/202402/P05004.ofd"
    page = sites.trs.url + "/xxgk/zfxxgknb/202402/t20240211_5004.html"
    with UrlFetcher(fast_settings(), store=store, state=state_path) as f:
        [first] = f.fetch(url, page).files
    assert (first.status, first.page_url, first.media_type) == ("new", page, "application/ofd")
    assert store.get(first.sha256) == sites.trs.routes["/xxgk/zfxxgknb/202402/P05004.ofd"].body
    with UrlFetcher(fast_settings(), store=store, state=state_path) as f:
        [again] = f.fetch(url, page).files
        [missing] = f.fetch(sites.trs.url + "/nothing.pdf").files
        [private] = f.fetch(sites.hanweb.url + "/private/r.pdf").files
    assert (again.status, again.sha256, again.path) == ("unchanged", first.sha256, first.path)
    assert [s for m, p, s in sites.trs.log if p.endswith("P05004.ofd")] == [200, 304]
    assert [s for m, p, s in sites.trs.log if p == "/robots.txt"] == [200, 304]     # robots.txt revalidated
    assert missing.status == "failed" and "404" in missing.error
    assert private.status == "failed" and "robots.txt" in private.error
    assert not any(p.startswith("/private/") for p in sites.hanweb.paths())
    assert FetchState(state_path).previous(url).sha256 == first.sha256


def test_a_trs_listing_served_at_its_real_paths_gives_exactly_its_2019_and_later_reports(tmp_path):
    """A TRS report column (tests/fixtures/crawl/trs-index.html) and its report pages at their
    paths, the listing's other pages missing: its reports since 2019 are found, the older ones
    it links are skipped with a reason, so is the budget look-alike."""
    from pathlib import Path

    from crawl.sources import Source
    from crawl_site import Route, SiteServer, article, pdf, REPORT_BODY

    fix = Path(__file__).parent / "fixtures" / "crawl"
    listing = (fix / "trs-index.html").read_text(encoding="utf-8")
    old = "".join(f'<li><a href="./{d}/t{d}15_{n}.html" target="_blank">{t}</a><span>{d[:4]}-{d[4:]}-15</span></li>'
                  for d, n, t in [("201901", 9001, "宁夏回族自治区应急管理厅2018年政府信息公开工作年度报告"),
                                  ("201801", 9002, "宁夏回族自治区安全生产监督管理局2017年政府信息公开工作年度报告"),
                                  ("201603", 9003, "二〇一五年政府信息公开工作年度报告")])
    listing = listing.replace("</ul>", old + "</ul>", 1)
    base = "/xxgk/xxgknb/"
    title22 = "宁夏回族自治区应急管理厅2022年政府信息公开工作年度报告"
    routes = {
        base: Route(listing.encode()), base + "index.html": Route(listing.encode()),
        base + "202401/t20240129_4435939.html": Route((fix / "detail-inline-trs.html").read_bytes()),
        base + "202301/t20230130_3960012.html": Route(article(title22, "<p>详见附件。</p>", '<div class="fj"><p>附件：</p>'
                                                              f'<p><a href="./P020230130.pdf">{title22}.pdf</a></p></div>').encode()),
        base + "202301/P020230130.pdf": Route(pdf("2022"), "application/pdf"),
        base + "P020220125543210.pdf": Route(pdf("2021"), "application/pdf"),
        base + "202101/t20210128_2600001.html": Route(article("二〇二〇年政府信息公开工作年度报告", REPORT_BODY).encode()),
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
    }
    for d, n, _ in [("201901", 9001, ""), ("201801", 9002, ""), ("201603", 9003, "")]:
        routes[f"{base}{d}/t{d}15_{n}.html"] = Route(article("old", REPORT_BODY).encode())
    with SiteServer(routes) as server:
        run = crawl([Source(name="nx", start_urls=[server.url + base])], fast_settings(),
                    store=RawStore(tmp_path / "raw"), state=tmp_path / "s.sqlite")
        reports = list(run)
    got = {r.url[len(server.url + base):]: (r.kind, r.year) for r in reports}
    assert got == {"202401/t20240129_4435939.html": ("inline_html", 2023),
                   "202301/P020230130.pdf": ("attachment", 2022), "P020220125543210.pdf": ("attachment", 2021),
                   "202101/t20210128_2600001.html": ("inline_html", 2020)}
    skipped = {s["url"][len(server.url + base):]: s["skipped"] for s in run.summary.skipped}
    assert skipped == {"201901/t20190115_9001.html": "old report (2018, before the 2019 template)",
                       "201801/t20180115_9002.html": "old report (2017, before the 2019 template)",
                       "201603/t20160315_9003.html": "old report (2015, before the 2019 template)",
                       "202212/t20221230_3920001.html": "look-alike (预算)"}
    assert not any("2019011" in p or "2018011" in p or "2016031" in p for p in server.paths())   # never fetched
