"""The HTML extractor on small hand-written pages shaped like Hanweb, TRS and plain CMS pages."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from extractors import html
from core.document import ImageBlock, Table
from core.errors import BadDocument

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # enough of a PNG for sniffing

CHROME_HEAD = """<div class="top">某某市人民政府</div>
<div class="nav"><a href="/">首页</a><a href="/xxgk/">政务公开</a><a href="/bsfw/">办事服务</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a> &gt; 政府信息公开年度报告</div>"""
CHROME_FOOT = """<div><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="foot">主办：某某市人民政府办公室 网站标识码：3301060001 ICP备案号：鲁ICP备12345678号</div>"""
REPORT_BODY = """<p><strong>一、总体情况</strong></p>
<p>2022年，本局认真贯彻落实《中华人民共和国政府信息公开条例》。</p>
<p><strong>二、主动公开政府信息情况</strong></p>
<p><strong>三、收到和处理政府信息公开申请情况</strong></p>
<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>
<p><strong>五、存在的主要问题及改进情况</strong></p>
<p>信息更新不够及时。</p>
<p><strong>六、其他需要报告的事项</strong></p>
<p>无。</p>"""


def write(tmp_path: Path, body: str, *, name: str = "page.html", encoding: str = "utf-8",
          head: str = '<meta charset="utf-8">') -> Path:
    page = f"<!DOCTYPE html>\n<html><head>{head}</head><body>{body}</body></html>"
    path = tmp_path / name
    path.write_bytes(page.encode(encoding))
    return path


def texts(doc) -> list[str]:
    return [b.text for b in doc.texts()]


def cells_of(table: Table) -> list[tuple[int, int, str, int, int]]:
    return [(c.row, c.col, c.text, c.row_span, c.col_span) for c in table.cells]


# --- sniffing ---------------------------------------------------------------------------


@pytest.mark.parametrize("head", [
    b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">",
    b"\xef\xbb\xbf  \r\n<html><head>",
    b"<?xml version=\"1.0\" encoding=\"gbk\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
    b"<!-- saved from url=(0050)http://www.example.gov.cn/ -->\n<HTML>",
    b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">" + "报告".encode("gbk"),
    b"<table border=1><tr><td>",
    b"\n\n<div id=\"zoom\">",
    b"<p>\xd2\xbb\xa1\xa2",
    "\ufeff<html><body>".encode("utf-16-le"),
])
def test_can_read_accepts_html_starts(head):
    assert html.can_read(head, Path("x.bin"))


@pytest.mark.parametrize("head", [
    "\n\n海东市应急管理局 2021 年政府信息公开工作年度报告\n一、总体情况".encode("utf-8"),
    "长治市上党区应急管理局\n政府信息公开工作年度报告<p>".encode("gbk"),
    b"<2022> annual report, see <p> tags below",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
    b"PK\x03\x04\x14\x00\x06\x00",
])
def test_can_read_rejects_text_and_binaries(head):
    assert not html.can_read(head, Path("x.html"))


# --- finding the article ----------------------------------------------------------------


def hanweb_page() -> str:
    return f"""{CHROME_HEAD}
<table class="xxgk"><tr><td>索 引 号：11371000004313776Q/2022-00831</td>
<td>发布机构：威海市文登区应急管理局</td></tr>
<tr><td>成文日期：2023年01月16日</td><td>文号：</td></tr></table>
<h1 class="tit">威海市文登区应急管理局2022年政府信息公开工作年度报告</h1>
<div class="info"><span>发布时间：</span><span>2023-01-16 09:45</span><span>来源：本网</span>
<span>浏览次数：<span>2276</span></span></div>
<div id="zoom">
<p>编辑说明（在标记之外）</p>
<!--<$[信息内容]>begin--><meta name="ContentStart">
{REPORT_BODY}
<p>【打印本页】 【关闭窗口】</p>
<meta name="ContentEnd"><!--<$[信息内容]>end-->
</div>
{CHROME_FOOT}
<div class="related"><h3>相关链接</h3><ul><li><a href="/a">2021年报告</a></li></ul></div>"""


def test_hanweb_page_gives_only_the_article(tmp_path):
    doc = html.extract(write(tmp_path, hanweb_page()))
    lines = texts(doc)
    assert lines[0] == "威海市文登区应急管理局2022年政府信息公开工作年度报告"
    assert doc.blocks[0].kind == "heading"
    assert lines[1:3] == ["一、总体情况", "2022年，本局认真贯彻落实《中华人民共和国政府信息公开条例》。"]
    assert lines[-1] == "无。"
    chrome = ("当前位置", "首页", "打印", "关闭", "ICP", "索引号", "发布时间", "相关链接", "编辑说明")
    assert not [t for t in lines if any(w in t for w in chrome)]
    assert not list(doc.tables())  # the 公开目录 table is metadata, not a block
    assert doc.warnings == []
    assert all(b.prov.page is None and b.prov.method == "text" for b in doc.blocks)


def test_bold_paragraphs_are_headings(tmp_path):
    doc = html.extract(write(tmp_path, hanweb_page()))
    kinds = {b.text: b.kind for b in doc.texts()}
    assert kinds["六、其他需要报告的事项"] == "heading"
    assert kinds["无。"] == "paragraph"


def test_generic_block_is_found_without_a_known_container(tmp_path):
    body = f"""{CHROME_HEAD}
<div class="left"><ul><li><a href="/1">通知公告</a></li><li><a href="/2">政策解读</a></li></ul></div>
<div class="mainbox"><div class="x7">
<p>某某局2022年政府信息公开工作年度报告</p>{REPORT_BODY}</div></div>{CHROME_FOOT}"""
    doc = html.extract(write(tmp_path, body))
    lines = texts(doc)
    assert lines[0] == "某某局2022年政府信息公开工作年度报告"
    assert "通知公告" not in lines and not any("当前位置" in t for t in lines)
    assert doc.warnings and "no known content container" in doc.warnings[0]


def test_body_is_the_last_resort(tmp_path):
    body = f"""{CHROME_HEAD}<p>发布时间：2023-01-16 来源：某某局</p>
<p>第一段内容比较长一些，足够成为正文。</p>第二段<br>第三行<div>直接文字</div>{CHROME_FOOT}"""
    doc = html.extract(write(tmp_path, body))
    assert texts(doc)[-4:] == ["第一段内容比较长一些，足够成为正文。", "第二段", "第三行", "直接文字"]
    frame = ("当前位置", "发布时间", "ICP", "打印")
    assert not [t for t in texts(doc) if any(w in t for w in frame)]
    assert "used body" in doc.warnings[0]


def test_title_is_not_repeated_when_the_body_opens_with_it(tmp_path):
    body = """<h1>某某局2022年政府信息公开工作年度报告</h1><div class="TRS_Editor">
<p><strong>某某局</strong></p><p><strong>2022年政府信息公开工作年度报告</strong></p>""" + REPORT_BODY + "</div>"
    doc = html.extract(write(tmp_path, body))
    assert texts(doc)[:2] == ["某某局", "2022年政府信息公开工作年度报告"]
    assert doc.metadata["title"] == "某某局2022年政府信息公开工作年度报告"


def test_title_falls_back_to_the_title_tag_without_site_name(tmp_path):
    head = '<meta charset="utf-8"><title>某某局2019-2020年政府信息公开工作年度报告_某某市人民政府 - 首页</title>'
    doc = html.extract(write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', head=head))
    assert doc.metadata["title"] == "某某局2019-2020年政府信息公开工作年度报告"
    assert texts(doc)[0] == doc.metadata["title"]


# --- charsets ---------------------------------------------------------------------------


def test_gb2312_page_with_a_gbk_only_character(tmp_path):
    # 镕 is in GBK but not in GB2312: pages labelled gb2312 contain such characters.
    body = f"""<div class="TRS_Editor"><div class="Custom_UnionStyle">
<p>联系人：朱镕，电话略。</p>{REPORT_BODY}</div></div>"""
    path = write(tmp_path, body, encoding="gbk",
                 head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    doc = html.extract(path)
    assert "联系人：朱镕，电话略。" in texts(doc)
    assert doc.warnings == []


def test_http_charset_takes_precedence_over_the_page(tmp_path):
    path = write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', encoding="gbk",
                 head='<meta charset="big5">')
    assert "无。" in texts(html.extract(path, charset="GBK"))


def test_wrong_declaration_is_overridden_by_the_bytes(tmp_path):
    gbk_says_utf8 = write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', name="a.html", encoding="gbk")
    doc = html.extract(gbk_says_utf8)
    assert "无。" in texts(doc) and "does not fit" in doc.warnings[0]
    utf8_says_gbk = write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', name="b.html",
                          head='<meta charset="gb2312">')
    doc = html.extract(utf8_says_gbk)
    assert "无。" in texts(doc) and "are UTF-8" in doc.warnings[0]


def test_undeclared_gbk_is_detected(tmp_path):
    path = write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', encoding="gbk", head="")
    assert "六、其他需要报告的事项" in texts(html.extract(path))


def test_undecodable_bytes_are_a_bad_document(tmp_path):
    path = tmp_path / "junk.html"
    path.write_bytes(b"<html><body>" + b"\xff\x80" * 400 + b"</body></html>")
    with pytest.raises(BadDocument, match="undecodable"):
        html.extract(path)


# --- tables -----------------------------------------------------------------------------

APPLY_TABLE = """<table border="1">
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="6">申请人情况</td><td rowspan="3">总计</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>
<td>64</td><td>8</td><td>0</td><td>0</td><td>0</td><td>1</td><td>73</td></tr>
<tr><td rowspan="3">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>
<td>38</td><td>5</td><td>0</td><td>0</td><td>0</td><td>0</td><td>43</td></tr>
<tr><td rowspan="2">（三）不予公开</td><td>1.属于国家秘密</td>
<td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
</table>"""


def only_table(tmp_path, markup: str) -> Table:
    doc = html.extract(write(tmp_path, f'<div id="zoom"><p>三、收到和处理政府信息公开申请情况</p>{markup}</div>'))
    tables = list(doc.tables())
    assert len(tables) == 1
    return tables[0]


def test_rowspan_and_colspan_make_a_grid(tmp_path):
    t = only_table(tmp_path, APPLY_TABLE)
    assert (t.n_rows, t.n_cols) == (7, 10)
    grid = t.grid()
    assert [c.text for c in grid[2][3:]] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert grid[3][0].col_span == 3 and [c.text for c in grid[3][3:]] == ["64", "8", "0", "0", "0", "1", "73"]
    assert grid[6][0].text == "三、本年度办理结果" and grid[6][1].text == "（三）不予公开"
    assert [c.text for c in grid[6][2:]] == ["2.其他法律行政法规禁止公开", "1", "0", "0", "0", "0", "0", "1"]
    assert (0, 9, "总计", 3, 1) in cells_of(t)


def test_header_made_of_empty_cells_keeps_them(tmp_path):
    markup = """<table>
<tr><td></td><td>申请人情况</td><td></td><td></td></tr>
<tr><td></td><td>自然人</td><td>法人或其他组织</td><td>总计</td></tr>
<tr><td></td><td></td><td>商业企业</td><td></td></tr>
<tr><td>一、本年新收政府信息公开申请数量</td><td>3</td><td>1</td><td>4</td></tr>
</table>"""
    t = only_table(tmp_path, markup)
    assert (t.n_rows, t.n_cols) == (4, 4)
    assert [c.text for c in t.rows()[2]] == ["", "", "商业企业", ""]
    assert [(c.col, c.text) for c in t.rows()[3]] == [(0, "一、本年新收政府信息公开申请数量"), (1, "3"), (2, "1"), (3, "4")]


def test_short_rows_and_bad_spans(tmp_path):
    markup = """<table><tbody>
<tr><th rowspan="9">组</th><th colspan="0">甲</th><td colspan="2;">乙</td></tr>
<tr><td>1</td></tr>
</tbody></table>"""
    t = only_table(tmp_path, markup)
    assert cells_of(t) == [(0, 0, "组", 2, 1), (0, 1, "甲", 1, 1), (0, 2, "乙", 1, 2), (1, 1, "1", 1, 1)]


def test_cells_without_tr_form_implied_rows(tmp_path):
    t = only_table(tmp_path, "<table><td>甲<td colspan=99999>乙<tr><td rowspan=70000>丙</table>")
    assert cells_of(t) == [(0, 0, "甲", 1, 1), (0, 1, "乙", 1, 1000), (1, 0, "丙", 1, 1)]


def test_cell_text_is_normalised(tmp_path):
    markup = """<table><tr>
<td>&nbsp; 行政<br>复议 &nbsp;</td>
<td><p class="MsoNormal"><span>结果</span><span lang="EN-US"><o:p></o:p></span></p><p>维持</p></td>
<td>
   尚未
   审结</td><td>&nbsp;</td></tr></table>"""
    t = only_table(tmp_path, markup)
    assert [c.text for c in t.cells] == ["行政\n复议", "结果\n维持", "尚未审结", ""]


def test_nested_table_follows_its_parent(tmp_path):
    markup = """<table><tr><td>外</td><td>表<table><tr><td>内1</td><td>内2</td></tr></table></td></tr></table>"""
    doc = html.extract(write(tmp_path, f'<div id="zoom"><p>二、主动公开政府信息情况</p>{markup}</div>'))
    outer, inner = list(doc.tables())
    assert [c.text for c in outer.cells] == ["外", "表"]
    assert [c.text for c in inner.cells] == ["内1", "内2"]
    assert doc.blocks.index(outer) + 1 == doc.blocks.index(inner)


def test_layout_table_around_the_article_is_unwrapped(tmp_path):
    body = f"""<table width="100%"><tr><td>{REPORT_BODY}{APPLY_TABLE}</td></tr></table>"""
    doc = html.extract(write(tmp_path, body))
    assert "一、总体情况" in texts(doc)
    assert [t.n_cols for t in doc.tables()] == [10]


# --- images -----------------------------------------------------------------------------


def test_images_are_read_from_disk_and_data_uris(tmp_path):
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "table 2.png").write_bytes(PNG)
    (tmp_path / "secret.txt").write_bytes(b"not for the warehouse")
    inline = "data:image/gif;base64," + base64.b64encode(b"GIF89a" + b"\x00" * 20).decode()
    body = f"""<div id="zoom"><p>二、主动公开政府信息情况</p>
<p><img src="page_files/table%202.png" width="700"></p>
<p><img src="{inline}"></p>
<p><img src="http://www.example.gov.cn/pic/t3.jpg"></p>
<p><img src="page_files/../../{tmp_path.name}/../secret.txt"></p>
<p><img src="/images/print.gif" width="16" height="16"></p></div>"""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "page_files").mkdir()
    (sub / "page_files" / "table 2.png").write_bytes(PNG)
    doc = html.extract(write(sub, body))
    images = list(doc.images())
    assert len(images) == 4  # the 16×16 icon is skipped
    disk, data_uri, remote, escape = images
    assert (disk.data, disk.media_type, disk.ref) == (PNG, "image/png", "page_files/table%202.png")
    assert data_uri.data.startswith(b"GIF89a") and data_uri.media_type == "image/gif"
    assert remote.data is None and remote.ref == "http://www.example.gov.cn/pic/t3.jpg"
    assert remote.media_type == "image/jpeg"
    assert escape.data is None  # outside the page's folder: never read
    assert sum("image not available" in w for w in doc.warnings) == 2
    assert isinstance(doc.blocks[1], ImageBlock)


def test_lazy_loaded_image_uses_data_src(tmp_path):
    (tmp_path / "t.png").write_bytes(PNG)
    body = '<div id="zoom"><p>三、收到和处理政府信息公开申请情况</p><img src="/img/loading.gif" data-src="t.png"></div>'
    (image,) = html.extract(write(tmp_path, body)).images()
    assert (image.data, image.ref) == (PNG, "t.png")


# --- metadata ---------------------------------------------------------------------------


def test_metadata_from_the_catalogue_table_and_info_line(tmp_path):
    head = ('<meta charset="utf-8"><meta name="SiteName" content="威海市文登区人民政府">'
            '<meta name="PubDate" content="2023-01-17 10:00">')
    doc = html.extract(write(tmp_path, hanweb_page(), head=head))
    assert doc.metadata == {
        "title": "威海市文登区应急管理局2022年政府信息公开工作年度报告",
        "published": "2023-01-16",  # the page's 发布时间 wins over the PubDate meta
        "written": "2023-01-16",
        "agency": "威海市文登区应急管理局",
        "index_no": "11371000004313776Q/2022-00831",
        "credit_code": "11371000004313776Q",
        "site": "威海市文登区人民政府",
    }


def test_metadata_from_meta_tags_and_one_line_info(tmp_path):
    head = ('<meta charset="utf-8"><meta name="ArticleTitle" content="某某局2021年政府信息公开工作年度报告">'
            '<meta name="PubDate" content="2022/1/28 09:28"><meta name="ContentSource" content="某某局">')
    body = f"""<div class="info">发布日期：2022/1/9&nbsp;&nbsp;&nbsp;&nbsp;信息来源：本网&nbsp;&nbsp;【字体：大 中 小】</div>
<table><tr><td>索引号</td><td>11632451K17254/2022-00831</td>
<td>文　　号</td><td>某政办字[2022]3号</td></tr></table>
<div class="TRS_Editor">{REPORT_BODY}</div>"""
    meta = html.extract(write(tmp_path, body, head=head)).metadata
    assert meta["published"] == "2022-01-09"
    assert meta["agency"] == "某某局"
    assert meta["index_no"] == "11632451K17254/2022-00831"
    assert "credit_code" not in meta  # a 14-character prefix is not a 统一社会信用代码
    assert meta["doc_no"] == "某政办字[2022]3号"
    assert meta["title"] == "某某局2021年政府信息公开工作年度报告"


def test_pubdate_meta_when_the_page_prints_no_date(tmp_path):
    head = '<meta charset="utf-8"><meta name="PubDate" content="2023年01月31日">'
    meta = html.extract(write(tmp_path, f'<div id="zoom">{REPORT_BODY}</div>', head=head)).metadata
    assert meta["published"] == "2023-01-31"


@pytest.mark.parametrize("text, iso", [
    ("2023-01-31 09:45", "2023-01-31"), ("2023年01月31日", "2023-01-31"), ("2023/1/31", "2023-01-31"),
    ("2023年1月5日", "2023-01-05"), ("2023-13-01", None), ("无", None),
])
def test_iso_date(text, iso):
    assert html.html_meta.iso_date(text) == iso


def test_credit_code_needs_eighteen_characters():
    code_of = html.html_meta.credit_code_of
    assert code_of("11371002MB2858916K-2023-00001") == "11371002MB2858916K"
    assert code_of("00431377-6/2022-00831") is None
    assert html.html_meta.uscc_checksum_ok("11620600MB17287222")
    assert not html.html_meta.uscc_checksum_ok("11620600MB17287223")


# --- pages that are not reports ---------------------------------------------------------


@pytest.mark.parametrize("head, body", [
    ("<title>404 Not Found</title>", "<center><h1>404 Not Found</h1></center><hr><center>nginx</center>"),
    ("<title>提示信息</title>",
     f"{CHROME_HEAD}<div class='err'>对不起，您访问的页面不存在！</div><a href='/'>返回首页</a>"),
    ("<title>403 Forbidden</title>", "<h1>Forbidden</h1><p>You don't have permission to access this.</p>"),
    ("<title>500 Internal Server Error</title>", ""),
])
def test_error_pages_are_bad_documents(tmp_path, head, body):
    with pytest.raises(BadDocument, match="error page"):
        html.extract(write(tmp_path, body, head=head))


def test_script_shell_is_a_bad_document(tmp_path):
    body = "<div id='app'></div><script>location.href='/art/2023/1/16/art_1_2.html'</script>"
    with pytest.raises(BadDocument, match="without article text"):
        html.extract(write(tmp_path, body, head="<title>加载中</title>"))


def test_a_report_mentioning_errors_is_not_an_error_page(tmp_path):
    line = "共公开信息500条，整改链接页面不存在等问题3个。"
    body = f'<div id="zoom"><p>一、总体情况</p><p>{line}</p></div>'
    assert line in texts(html.extract(write(tmp_path, body, head="<title>503号文件</title>")))


def test_empty_file_is_a_bad_document(tmp_path):
    path = tmp_path / "empty.html"
    path.write_bytes(b"  \n")
    with pytest.raises(BadDocument):
        html.extract(path)


# --- the development corpus, when this checkout has it ---------------------------------


@pytest.mark.shared
@pytest.mark.parametrize("doc_id, shapes", [
    ("d009", [(18, 4), (26, 10), (4, 15)]),  # 2019 form: table 三 = 3 header rows + 23 data rows
    ("d014", [(14, 4), (28, 10), (4, 15)]),  # 2021 form, GBK, Word-pasted cells
    ("d026", [(14, 4), (28, 10), (4, 15)]),  # gb2312 label
    ("d033", []),  # tables as pictures in d033_files/
])
def test_corpus_pages(shared, doc_id, shapes):
    corpus = shared / "corpus" / "dev"
    doc = html.extract(corpus / "docs" / f"{doc_id}.html")
    truth = json.loads((corpus / "truth" / f"{doc_id}.json").read_text(encoding="utf-8"))
    assert [(t.n_rows, t.n_cols) for t in doc.tables()] == shapes
    assert doc.metadata["published"] == truth["published"]
    assert truth["agency"] in doc.metadata["title"]
    assert not any("当前位置" in b.text or "索引号" in b.text for b in doc.texts())
    if not shapes:
        assert [len(i.data or b"") > 0 for i in doc.images()] == [True, True, True]
