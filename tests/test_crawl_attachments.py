"""What an article page holds (issue 14): the attachment is the report, an intro is not one,
a page and an attachment that both hold the report are one report; old reports and
look-alikes are skipped with a reason. Pure functions on pages, no network."""
from __future__ import annotations

import pytest

from crawl import discover
from crawl.cms import generic
from crawl.sources import Source
from crawl_sitegen import SECTIONS, STANDARD_INTRO, report_body

BASE = "http://www.example.gov.cn/zwgk/zfxxgknb/202401/"
URL = BASE + "t20240110_1.html"
TITLE = "某某市财政局2023年政府信息公开工作年度报告"
SRC = Source(name="t", start_urls=["http://www.example.gov.cn/zwgk/zfxxgknb/"])
FULL = report_body(__import__("random").Random(1), "某某市财政局", 2023)


def page(content: str, after: str = "", sidebar: str = "", title: str = TITLE) -> str:
    return (f'<html><head><title>{title}</title></head><body><div class="nav"><a href="/">首页</a></div>{sidebar}'
            f'<h1>{title}</h1><div class="TRS_Editor">{content}</div>{after}</body></html>')


def plans(html: str):
    cand = discover.Candidate(generic.Link(URL, "detail", TITLE), BASE, TITLE, 2023, "某某市财政局", "report")
    return discover.plan_article(SRC, cand, URL, html)


def short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


@pytest.mark.parametrize("intro", ["<p>详见附件。</p>", "", f"<p>{STANDARD_INTRO.format(a='某某市财政局', y=2023)}</p>"])
@pytest.mark.parametrize("block, href, text", [
    ('<div class="fj"><p>附件：</p><p>{a}</p></div>', "/attach/0/abc.docx", TITLE + ".docx"),   # the held-out shape
    ("<p>附件：</p><p>{a}</p>", "./P020240110.pdf", "附件1"),
    ('<div class="xgfj"><h4>相关附件</h4><ul><li>{a}</li></ul></div>', "http://www.example.gov.cn/u/1.wps", "P0201.wps"),
    ("<table><tr><td>附件下载：</td><td>{a}</td></tr></table>", "../fj/x.ofd", "附件：" + TITLE),
    ('<div class="bottom">{a}</div>', "/attach/0/r.et", TITLE),       # no block: the link names the report
    ("<div class=\"fj\"><script>var appendix = '{a}'; if (appendix != '') document.write('附件：' + appendix);"
     "</script></div>", "./P020240329.rtf", TITLE + ".rtf"),           # TRS: written by a script
])
def test_the_attachment_is_the_report_and_the_intro_is_not(intro, block, href, text):
    html = page(intro, block.format(a=f'<a href="{href}">{text}</a>'))
    [plan] = plans(html)
    assert plan.kind == "attachment" and not plan.page_is_file and not plan.page_is_alternate
    assert plan.url == generic.urljoin(URL, href)
    assert plan.title == TITLE and (plan.year, plan.agency) == (2023, "某某市财政局")


def test_the_standard_intro_is_long_but_not_a_report():
    intro = STANDARD_INTRO.format(a="某某市财政局", y=2023)
    assert all(s[2:] in intro or s[2:6] in intro for s in SECTIONS[1:3])     # it names the sections…
    assert not discover.is_full_report(URL, page(f"<p>{intro}</p>"))         # …without being them
    assert discover.is_full_report(URL, page(FULL))


def test_page_and_document_both_full_is_one_report_with_an_alternate():
    html = page(FULL + f'<p>附件：<a href="./P1.pdf">{TITLE}.pdf</a></p>')
    [plan] = plans(html)
    assert (plan.kind, short(plan.url), plan.page_is_alternate) == ("attachment", "P1.pdf", True)
    # a spreadsheet holds only the tables: the page is the richer source
    [plan] = plans(page(FULL + f'<p>附件：<a href="./P1.xlsx">{TITLE}.xlsx</a></p>'))
    assert (plan.kind, plan.url, [short(a.url) for a in plan.alternates]) == ("inline_html", URL, ["P1.xlsx"])


def test_two_formats_of_one_report_are_one_report():
    links = f'<a href="./a.docx">附件1：{TITLE}（word版）.docx</a><br><a href="./a.pdf">附件2：{TITLE}.pdf</a>'
    [plan] = plans(page("<p>详见附件。</p>", f'<div class="attach">附件：{links}</div>'))
    assert short(plan.url) == "a.pdf" and [short(a.url) for a in plan.alternates] == ["a.docx"]


def test_a_sidebar_download_list_is_not_an_attachment():
    side = ('<div class="side"><h3>下载中心</h3><ul><li><a href="/xz/form.doc">申请表格</a></li>'
            '<li><a href="/xz/guide.pdf">政府信息公开指南</a></li></ul></div>')
    [plan] = plans(page(FULL, sidebar='<div class="box">热点 新闻 图片 视频 下载中心</div>' + side))
    assert plan.kind == "inline_html" and plan.url == URL and plan.alternates == []


@pytest.mark.parametrize("title, html, reason", [
    ("某某市财政局2017年政府信息公开工作年度报告", "<p>x</p>", "old report (2017"),
    ("某某市财政局政府信息公开工作年度报告", report_body(__import__("random").Random(2), "局", 2015, old=True),
     "2008-regulation format"),
])
def test_old_articles_are_skipped(title, html, reason):
    cand = discover.Candidate(generic.Link(URL, "detail", title), BASE, title, None, None, "report")
    assert reason in discover.old_article(cand, URL, page(html, title=title))
    assert discover.old_article(discover.Candidate(generic.Link(URL, "detail", TITLE), BASE, TITLE, 2023, None,
                                                   "report"), URL, page(FULL)) is None


def test_listing_skips_old_reports_and_look_alikes_with_a_reason():
    links = [generic.Link(BASE + f"t{i}.html", "detail", t, d) for i, (t, d) in enumerate([
        ("某局2018年政府信息公开工作年度报告", None), ("某局政府信息公开工作年度报告", "2017-03-01"),
        ("2024年市政府工作报告", None), ("2023年政府网站工作年度报表", None), ("2024年政务公开工作要点", None),
        ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", None), ("某局2023年部门决算公开", None),
        ("市长调研重点项目", None), (TITLE, "2024-01-10")])]
    out = discover.follow(SRC, BASE, links, 0, 3)
    assert [c.title for c in out.candidates] == [TITLE]
    reasons = {s.title: s.reason for s in out.skipped}
    assert reasons == {"某局2018年政府信息公开工作年度报告": "old report (2018, before the 2019 template)",
                       "某局政府信息公开工作年度报告": "old report (published 2017-03-01, before the 2019 template)",
                       "2024年市政府工作报告": "look-alike (政府工作报告)", "2023年政府网站工作年度报表": "look-alike (网站工作)",
                       "2024年政务公开工作要点": "look-alike (工作要点)",
                       "关于做好2023年政府信息公开工作年度报告编制发布工作的通知": "look-alike (的通知)",
                       "某局2023年部门决算公开": "look-alike (决算)"}


def test_home_page_follows_the_disclosure_navigation_only():
    home = "http://www.example.gov.cn/"
    src = Source(name="h", start_urls=[home])
    links = [generic.Link(home + p, "list", t) for p, t in [
        ("xwdt/", "新闻动态"), ("bmdt/", "部门动态"), ("zwgk/", "政务公开"), ("2023/", "2023年"), ("zwfw/", "政务服务"),
        ("zfxxgk/", "政府信息公开"), ("zfgzbg/", "政府工作报告"), ("nb/", "政府信息公开年报")]]
    out = discover.follow(src, home, links, 0, 4, zone="start", page_title="某某市人民政府门户网站")
    assert out.zone == "hub"
    assert {(v.link.url[len(home):], v.zone) for v in out.pages} == {("zwgk/", "hub"), ("zfxxgk/", "hub"),
                                                                      ("nb/", "reports")}
    # a hub page: hub links within MAX_HUB_HOPS, report columns; never a year or unit column
    hub = discover.follow(src, home + "zwgk/", links, discover.MAX_HUB_HOPS, 4, zone="hub")
    assert {v.link.url[len(home):] for v in hub.pages} == {"nb/"}
