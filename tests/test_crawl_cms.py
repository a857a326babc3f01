"""The per-CMS link parsers and the article planner on saved pages, no network."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from crawl import cms, discover
from crawl.cms import generic, gkmlpt, hanweb, trs
from crawl.sources import Source

FIX = Path(__file__).parent / "fixtures" / "crawl"


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def by_role(links, role):
    return [lk for lk in links if lk.role == role]


# ---- Hanweb ----------------------------------------------------------------------------------

HANWEB_COL = "https://www.gswuwei.gov.cn/col/col29411/index.html"


def test_hanweb_column_records_and_dataproxy_requests():
    links = hanweb.links(HANWEB_COL, read("hanweb-col-list.html"))
    details = {lk.url: lk for lk in by_role(links, "detail")}
    first = details["https://www.gswuwei.gov.cn/art/2024/1/10/art_29411_1207098.html"]
    assert first.title == "武威市人民政府办公室2023年政府信息公开工作年度报告"  # the title attribute, not "…"
    assert first.date == "2024-01-10"
    # a record that is a file, named by the download script's filename
    att = by_role(links, "attachment")
    assert [a.url for a in att] == ["https://www.gswuwei.gov.cn/module/download/downfile.jsp?classid=0&filename=b2d1e3a.pdf"]
    # 5 records inline, 32 in all, 15 a page, 3 pages (45 records) a request: one request
    api = by_role(links, "api")
    spans = [dict(parse_qsl(urlsplit(a.url).query)) for a in api]
    assert [(s["startrecord"], s["endrecord"], s["perpage"]) for s in spans] == [("6", "32", "15")]
    form = dict(api[0].data)
    assert api[0].method == "POST" and api[0].parser == hanweb.PARSER
    assert {k: form[k] for k in ("col", "appid", "webid", "columnid", "unitid", "permissiontype")} == \
        {"col": "1", "appid": "1", "webid": "2888", "columnid": "29411", "unitid": "1207001", "permissiontype": "0"}
    assert form["webname"] == "武威市人民政府" and form["path"] == "/" and form["sourceContentType"] == "1"
    # the sub-columns are there for discovery to judge
    lists = {lk.title: lk.url for lk in by_role(links, "list")}
    assert lists["2023年"].endswith("/col/col29412/index.html")


def test_hanweb_dataproxy_answer_pages_on():
    url = "https://www.gswuwei.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
    links = hanweb.dataproxy_links(url, read("hanweb-dataproxy.xml"), {"col": "1", "columnid": "29411", "unitid": "1"})
    assert [lk.title for lk in by_role(links, "detail")][0] == "武威市教育局2022年政府信息公开工作年度报告"
    spans = [dict(parse_qsl(urlsplit(a.url).query)) for a in by_role(links, "api")]
    assert [(s["startrecord"], s["endrecord"]) for s in spans] == [("11", "25"), ("26", "32")]
    assert all(dict(a.data)["columnid"] == "29411" for a in by_role(links, "api"))


# ---- TRS -------------------------------------------------------------------------------------

TRS_INDEX = "http://nxyjglt.nx.gov.cn/xxgk/xxgknb/"


def test_trs_index_pages_from_create_page_html():
    links = trs.links(TRS_INDEX, read("trs-index.html"))
    assert [lk.url for lk in by_role(links, "next")] == [TRS_INDEX + f"index_{n}.html" for n in (1, 2, 3)]
    details = [lk.url for lk in by_role(links, "detail")]
    assert TRS_INDEX + "202401/t20240129_4435939.html" in details
    assert by_role(links, "attachment")[0].url == TRS_INDEX + "P020220125543210.pdf"
    # from index_2.html the pages are still siblings of index.html
    again = trs.links(TRS_INDEX + "index_2.html", read("trs-index.html"))
    assert by_role(again, "next")[0].url == TRS_INDEX + "index_1.html"


@pytest.mark.parametrize("script, pages", [
    ('createPageHTML(7, 0, "index", "html");', 7),
    ("createPageHTML('page_div',5,1,'index','shtml',93);", 5),
    ("var countPage = 3//共多少页", 3),
])
def test_trs_page_count_variants(script, pages):
    assert trs.page_count(f"<script>{script}</script>")[0] == pages


# ---- gkmlpt ----------------------------------------------------------------------------------

def test_gkmlpt_catalogue_leads_to_the_json_api():
    links = gkmlpt.links("http://www.xuwen.gov.cn/gkmlpt/index#2155", read("gkmlpt-catalog.html"))
    api = by_role(links, "api")
    assert [a.url for a in api] == ["http://www.xuwen.gov.cn/gkmlpt/api/all/2155?page=1&sid=759111"]


def test_gkmlpt_api_answer():
    url = "http://www.xuwen.gov.cn/gkmlpt/api/all/2155?page=1&sid=759111"
    links = gkmlpt.api_links(url, read("gkmlpt-api.json"))
    posts = by_role(links, "detail")
    assert posts[0].url.endswith("/gkmlpt/content/2/2155/post_2155421.html")
    assert (posts[0].agency, posts[0].date) == ("徐闻县人民政府办公室", "2024-01-25")
    assert posts[1].date == "2024-01-20"
    assert by_role(links, "api") == []                           # all 3 on page 1
    import json
    big = {"total": 250, "articles": [{"title": f"t{i}", "url": f"/gkmlpt/content/post_{i}.html"} for i in range(100)]}
    more = by_role(gkmlpt.api_links(url, json.dumps(big)), "api")
    assert [dict(parse_qsl(urlsplit(a.url).query)) for a in more] == [{"page": "2", "sid": "759111"},
                                                                      {"page": "3", "sid": "759111"}]


# ---- generic ---------------------------------------------------------------------------------

def test_generic_list_follows_xiayiye():
    links = generic.links("http://www.xiaogan.gov.cn/c/www/bmnb/index.jhtml", read("generic-list-xiayiye.html"))
    assert [lk.url for lk in by_role(links, "next")] == ["http://www.xiaogan.gov.cn/c/www/bmnb/index_2.jhtml"]
    assert by_role(links, "detail")[0].date == "2021-01-29"


def test_detect_family():
    assert cms.detect(HANWEB_COL, read("hanweb-col-list.html")) == "hanweb"
    assert cms.detect(TRS_INDEX, read("trs-index.html")) == "trs"
    assert cms.detect("http://www.xuwen.gov.cn/gkmlpt/index", read("gkmlpt-catalog.html")) == "gkmlpt"
    assert cms.detect("http://www.xiaogan.gov.cn/c/www/bmnb/index.jhtml", read("generic-list-xiayiye.html")) == "generic"


# ---- discovery: which links, which reports ---------------------------------------------------

def test_sort_links_keeps_reports_and_report_columns_only():
    src = Source(name="wuwei", start_urls=[HANWEB_COL])
    links = hanweb.links(HANWEB_COL, read("hanweb-col-list.html"))
    pages, cands = discover.sort_links(src, HANWEB_COL, links, depth=0, max_depth=3)
    titles = {c.title for c in cands}
    assert titles == {"武威市人民政府办公室2023年政府信息公开工作年度报告", "武威市发展和改革委员会2023年度政府信息公开工作年报",
                      "武威市财政局2023年政府信息公开工作年度报告"}
    followed = {lk.url.rsplit("/", 2)[-2] for lk, _ in pages if lk.role == "list"}
    assert followed == {"col29412", "col29413", "col29414"}      # 2023年, 2022年度, 乡镇街道 — not 政策解读, not 首页
    assert sum(1 for lk, _ in pages if lk.role == "api") == 1
    fdrc = next(c for c in cands if "发展和改革" in c.title)
    assert (fdrc.year, fdrc.agency) == (2023, "武威市发展和改革委员会")


def test_offsite_and_excluded_links_are_dropped():
    src = Source(name="t", start_urls=[TRS_INDEX], exclude=[r"t20230130_"])
    links = trs.links(TRS_INDEX, read("trs-index.html")) + [generic.Link("http://evil.example/x.pdf", "attachment",
                                                                         "某局2023年政府信息公开工作年度报告")]
    _, cands = discover.sort_links(src, TRS_INDEX, links, 0, 3)
    urls = [c.link.url for c in cands]
    assert not any("evil.example" in u or "t20230130_" in u for u in urls)
    assert any(c.year == 2020 for c in cands)                    # 二〇二〇年


def test_article_with_inline_report_and_a_picture():
    src = Source(name="t", start_urls=[TRS_INDEX])
    url = TRS_INDEX + "202401/t20240129_4435939.html"
    cand = discover.Candidate(generic.Link(url, "detail", "宁夏回族自治区应急管理厅2023年政府信息公开工作年度报告"),
                              TRS_INDEX, "宁夏回族自治区应急管理厅2023年政府信息公开工作年度报告", 2023, "宁夏回族自治区应急管理厅", "report")
    [plan] = discover.plan_article(src, cand, url, read("detail-inline-trs.html"))
    assert plan.kind == "inline_html" and plan.page_is_file
    assert plan.images == [TRS_INDEX + "202401/W020240129555555.png"]      # the 16px print icon is not


def test_article_whose_attachments_are_the_report():
    src = Source(name="w", start_urls=[HANWEB_COL])
    url = "https://www.gswuwei.gov.cn/art/2024/1/9/art_29411_1207090.html"
    cand = discover.Candidate(generic.Link(url, "detail", "武威市发展和改革委员会2023年度政府信息公开工作年报"), HANWEB_COL,
                              "武威市发展和改革委员会2023年度政府信息公开工作年报", 2023, "武威市发展和改革委员会", "report")
    plans = discover.plan_article(src, cand, url, read("detail-attachments-hanweb.html"))
    assert [(p.kind, p.url.rsplit("/", 1)[-1]) for p in plans] == [
        ("attachment", "downfile.jsp?classid=0&filename=2401101523.pdf"), ("attachment", "2401101524.xls")]
    assert plans[0].title == "武威市发展和改革委员会2023年度政府信息公开工作年报"   # ".pdf" dropped
    assert plans[1].title == cand.title                                        # "统计表" is part of the report
    # the sidebar's 公开指南 is not an attachment of the report


def test_article_that_is_only_pictures_is_one_image_report():
    src = Source(name="s", start_urls=["https://www.ahsz.gov.cn/xxgk/nb/"])
    url = "https://www.ahsz.gov.cn/xxgk/nb/202001/t20200130_1.html"
    cand = discover.Candidate(generic.Link(url, "detail", "宿州市人民政府2019年政府信息公开工作年度报告（图片版）"), None,
                              "宿州市人民政府2019年政府信息公开工作年度报告（图片版）", 2019, "宿州市人民政府", "report")
    [plan] = discover.plan_article(src, cand, url, read("detail-images.html"))
    assert plan.kind == "image" and plan.url == url
    assert [u.rsplit("/", 1)[-1] for u in plan.images] == ["1.jpg", "2.jpg", "3.jpg", "4.jpg"]   # not the logo


def test_a_truncated_title_is_decided_by_the_page():
    src = Source(name="t", start_urls=[TRS_INDEX])
    url = TRS_INDEX + "x.html"
    cand = discover.Candidate(generic.Link(url, "detail", "某局2023年政府信息公开工作年..."), None,
                              "某局2023年政府信息公开工作年...", 2023, "某局", "maybe")
    noise = "<html><head><meta name='ArticleTitle' content='某局2023年政府信息公开工作年中检查情况'></head><body>x</body></html>"
    assert discover.plan_article(src, cand, url, noise) == []
    [plan] = discover.plan_article(src, cand, url, read("detail-inline-trs.html"))
    assert plan.title == "宁夏回族自治区应急管理厅2023年政府信息公开工作年度报告"
