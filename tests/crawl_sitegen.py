"""Generated government sites for the crawler's property tests, with the truth about them.

`generate(family, seed, base_url)` builds one site of a CMS family — `hanweb` (JCMS columns
with an embedded `<datastore>` and the `dataproxy.jsp` POST API), `trs` (`index_n.html`
paging from `createPageHTML`, `t{date}_{id}.html` articles, relative `./P0….pdf` files) or
`gkmlpt` (a catalogue page whose list comes from the JSON API, `post_{id}.html` articles) —
laid out the way research/format.md §3 and variety.md describe real ones:

    首页 → 政务公开 | 信息公开 | 政府信息公开 (→ 政府信息公开 | 法定主动公开内容 | 信息公开目录)
         → the annual-report column (政府信息公开年报, 年度报告, …)
           → flat, or by year (2024年度, 2023年, 2022), by unit type (部门, 乡镇（街道）), or both
             → article pages

Reports come in every shape: inline HTML (the template's six sections and tables, in one of
several content containers), a picture-only report, and attachments in the shapes agencies
use (`div.fj` with `<p>附件：</p>` then links, "附件：" before a list, a bare `附件1.pdf`, a
file name as the link text, a report-titled link outside any block; relative, root-relative
and absolute URLs; .pdf .doc .docx .wps .xls .xlsx .et .ofd .rtf .zip) behind an intro that
is one line or a long standard paragraph naming the sections, or behind a page that holds
the full report too. Noise: look-alikes (政府工作报告, 预决算, 工作要点, 网站年度报表, notices
about the reports) in the report columns and on the hub pages, reports before 2019 (year in
the title, or only an old listing date, or only the 2008-regulation headings), other columns
of the site (news, 政策文件, 财政预决算) that must not be crawled, and a robots.txt that
disallows a path where a report column and a report sit.

`GenSite.truth` maps each report's URL to what the crawl must say of it; `skipped` holds
the URLs the crawl must report as skipped; `never` the path prefixes it must never fetch.
"""
from __future__ import annotations

import hashlib
import re
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from crawl_site import Route, _zip, docx, hanweb_col, jpg, ofd, ole, pdf, png, xlsx

FAMILIES = ("hanweb", "trs", "gkmlpt")

AGENCIES = ["市财政局", "市教育局", "市公安局", "市民政局", "市司法局", "市商务局", "市文化和旅游局", "市卫生健康委员会",
            "市应急管理局", "市审计局", "市统计局", "市自然资源局", "市生态环境局", "市住房和城乡建设局", "市交通运输局",
            "市水利局", "市农业农村局", "市市场监督管理局", "市医疗保障局", "市人力资源和社会保障局"]
TOWNS = ["城关镇", "东关街道", "西湖乡", "南山镇", "北坪乡", "河口镇", "新城街道", "白水镇", "高桥乡", "龙泉街道"]
HUB_NAMES = ["政务公开", "信息公开", "政府信息公开"]
SUB_HUBS = ["政府信息公开", "法定主动公开内容", "信息公开目录"]
COLUMN_NAMES = ["政府信息公开年报", "政府信息公开工作年度报告", "年度报告", "信息公开年报", "政府信息公开年度报告"]
UNIT_COLUMNS = [("bm", "市政府部门"), ("xzjd", "乡镇（街道）")]
LOOK_ALIKES = ["{y}年市政府工作报告", "{a}{y}年部门预算公开", "{a}{y}年部门决算公开", "{y}年政务公开工作要点",
               "{y}年政府网站工作年度报表", "关于做好{y}年政府信息公开工作年度报告编制发布工作的通知",
               "《{a}{y}年政府信息公开工作年度报告》解读"]

SECTIONS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
OLD_SECTIONS = ("一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开的收费及减免情况",
                "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "六、政府信息公开工作存在的主要问题及改进情况")
STANDARD_INTRO = ("本报告根据《中华人民共和国政府信息公开条例》要求，由{a}编制。全文包括总体情况、主动公开政府信息情况、"
                  "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
                  "其他需要报告的事项。本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
                  "如对本报告有疑问，请与{a}办公室联系（地址：人民路1号；邮编：730000；电话：0935-1234567）。")
ATTACH_FORMATS = {".pdf": (pdf, "application/pdf"), ".doc": (ole, "application/msword"),
                  ".docx": (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                  ".wps": (ole, "application/octet-stream"), ".xls": (ole, "application/vnd.ms-excel"),
                  ".xlsx": (xlsx, "application/octet-stream"), ".et": (ole, "application/octet-stream"),
                  ".ofd": (ofd, "application/ofd"), ".rtf": (lambda n: b"{\\rtf1\\ansi " + n.encode() + b"}", "application/rtf"),
                  ".zip": (lambda n: _zip({"report.txt": n}), "application/zip")}
NAV = ('<div class="nav"><a href="/">首页</a> <a href="/zjxx/">走进本市</a> <a href="/xwdt/">新闻动态</a> '
       '<a href="{hub}">{hub_name}</a> <a href="/zwfw/">政务服务</a> <a href="/hdjl/">互动交流</a></div>')


@dataclass
class Expect:
    kind: str
    year: int
    agency: str
    page: str | None = None          # the article page, for an attachment report
    alternates: int = 0


@dataclass
class GenSite:
    family: str
    seed: int
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    truth: dict[str, Expect] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    home_only: set[str] = field(default_factory=set)      # skipped entries only the home page links
    never: list[str] = field(default_factory=list)        # path prefixes never to fetch
    noise_columns: list[str] = field(default_factory=list)  # paths outside the report area
    hub: str = ""
    home: str = "/"
    hanweb_entries: dict = field(default_factory=dict)
    shapes: Counter = field(default_factory=Counter)       # what was generated, for coverage checks

    @property
    def hub_url(self) -> str:
        return self.base + self.hub

    @property
    def home_url(self) -> str:
        return self.base + self.home


def report_body(rng: random.Random, a: str, y: int, old: bool = False) -> str:
    """The full report: six numbered sections, the statistical tables as HTML tables."""
    out = []
    for i, head in enumerate(OLD_SECTIONS if old else SECTIONS):
        out.append(f"<p><strong>{head}</strong></p><p>{y}年，{a}认真贯彻落实政府信息公开条例，依法公开政府信息。</p>")
        if i in (1, 2, 3) and not old:
            rows = "".join(f"<tr><td>项目{k}</td><td>{rng.randint(0, 90)}</td><td>{rng.randint(0, 9)}</td></tr>"
                           for k in range(rng.randint(3, 6)))
            out.append(f"<table border='1'><tr><td>信息内容</td><td>本年制发件数</td><td>现行有效件数</td></tr>{rows}</table>")
    return "".join(out)


CONTAINERS = ['<div id="zoom">{c}</div>', '<div class="TRS_Editor">{c}</div>', '<div class="article-content">{c}</div>',
              '<div class="view TRS_UEDITOR trs_paper_default">{c}</div>', '<div class="xxgk_content">{c}</div>']


class _Builder:
    def __init__(self, family: str, seed: int, base: str):
        self.rng = random.Random(f"{family}:{seed}")
        self.site = GenSite(family, seed, base)
        self.family, self.base = family, base
        self.n = 0
        self.col = 200
        self.image_nav = False

    # ---- pages ---------------------------------------------------------------------------

    def page(self, title: str, body: str) -> bytes:
        s = self.site
        nav = NAV.format(hub=s.hub, hub_name=self.hub_name)
        if self.image_nav:   # the navigation as picture buttons: the name is only the alt text
            nav = nav.replace(f">{self.hub_name}</a>", f'><img src="/images/nav_zwgk.png" alt="{self.hub_name}"></a>')
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_某某市人民政府</title></head>'
                f'<body>{nav}<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{s.hub}">{self.hub_name}</a></div>'
                f'<div class="main">{body}</div><div class="footer">版权所有 某某市人民政府 ICP备案 '
                f'<a href="/wzdt/">网站地图</a></div></body></html>').encode()

    def article_page(self, title: str, content: str, after: str = "", meta: str = "") -> bytes:
        box = self.rng.choice(CONTAINERS).format(c=content)
        head = f'<meta name="ArticleTitle" content="{title}">' if self.rng.random() < 0.6 else ""
        info = f'<div class="info">发布机构：{meta or "某某市人民政府办公室"}　发布日期：2024-01-15</div>'
        return self.page(title, f'<h1 class="title">{title}</h1>{info}{box}{after}').replace(
            b"<head>", b"<head>" + head.encode(), 1)

    def next_id(self) -> int:
        self.n += 1
        return 10000 + self.n

    def article_path(self, column: str, date: str) -> str:
        i = self.next_id()
        if self.family == "hanweb":
            y, m, d = date.split("-")
            return f"/art/{y}/{int(m)}/{int(d)}/art_{self.col_id(column)}_{i}.html"
        if self.family == "trs":
            ym = date[:7].replace("-", "")
            return f"{column}{ym}/t{date.replace('-', '')}_{i}.html"
        return f"/gkmlpt/content/{i % 7}/{i}/post_{i}.html"

    def col_id(self, column: str) -> str:
        import re
        m = re.search(r"col(\d+)", column)
        return m.group(1) if m else "1"

    def file_path(self, article: str, ext: str) -> tuple[str, str]:
        """(path on the server, href as the page writes it): relative, root-relative or absolute."""
        i = self.next_id()
        styles = ["script", "relative", "root", "absolute"] if self.family == "hanweb" else ["relative", "root", "absolute"]
        style = styles[sum(v for k, v in self.site.shapes.items() if k.startswith("href:")) % len(styles)]  # each in turn
        self.site.shapes[f"href:{style}"] += 1
        if style == "script":
            path = f"/module/download/downfile.jsp?classid=0&filename=2401{i}{ext}"
            return path, path.replace("&", "&amp;")
        if style == "relative":
            d = article.rsplit("/", 1)[0] + "/"
            return f"{d}P0{i}{ext}", f"./P0{i}{ext}"
        path = self.rng.choice(["/attach/0/", "/picture/0/", "/u/cms/www/"]) + f"{i}{ext}"
        return path, (self.base + path if style == "absolute" else path)

    def add_file(self, path: str, ext: str, name: str) -> None:
        make, ctype = ATTACH_FORMATS[ext]
        self.site.routes[path] = Route(make(f"{self.family}-{self.site.seed} {name}"), ctype)

    # ---- reports -------------------------------------------------------------------------

    def report(self, column: str, agency: str, year: int) -> tuple[str, str, str]:
        """One report published in `column`: its listing entry (href, title, date)."""
        rng, s = self.rng, self.site
        title = rng.choice(["{a}{y}年政府信息公开工作年度报告", "{a}{y}年度政府信息公开工作年度报告",
                            "{y}年{a}政府信息公开工作年度报告", "{a}{y}年度政府信息公开工作年报"]).format(a=agency, y=year)
        date = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
        path = self.article_path(column, date)
        shape = rng.choice(["inline", "inline", "attachment", "attachment", "attachment", "image", "both"])
        s.shapes[f"report:{shape}"] += 1
        if shape == "inline":
            s.routes[path] = Route(self.article_page(title, report_body(rng, agency, year)))
            s.truth[path] = Expect("inline_html", year, agency)
        elif shape == "image":
            imgs = []
            for k in range(rng.randint(2, 4)):
                ip = path.rsplit("/", 1)[0] + f"/W0{self.next_id()}.{rng.choice(['png', 'jpg'])}"
                s.routes[ip] = Route((png if ip.endswith("png") else jpg)(ip), "image/png" if ip.endswith("png") else "image/jpeg")
                imgs.append(f'<p style="text-align:center"><img src="{ip}" width="{rng.randint(600, 1000)}"></p>')
            s.routes[path] = Route(self.article_page(title, "".join(imgs)))
            s.truth[path] = Expect("image", year, agency)
        else:
            ext = rng.choice(list(ATTACH_FORMATS))
            s.shapes[f"ext:{ext}"] += 1
            fpath, href = self.file_path(path, ext)
            self.add_file(fpath, ext, title)
            both = shape == "both"
            second = None
            if not both and ext != ".pdf" and rng.random() < 0.2:   # the same report in a second format
                second = self.file_path(path, ".pdf")
                self.add_file(second[0], ".pdf", title + " pdf")
            text_shape = rng.choice(["{t}.{e}", "{t}", "附件1", "附件1.{e}", "{f}", "附件：{t}.{e}"])
            s.shapes[f"text:{text_shape}"] += 1
            text = text_shape.format(
                t=title, e=ext[1:], f=fpath.rsplit("/", 1)[-1].rsplit("=", 1)[-1])
            if second:
                text = f"{title}.{ext[1:]}"
            links = [f'<a href="{href}" target="_blank">{text}</a>']
            if second:
                links.append(f'<a href="{second[1]}">{title}.pdf</a>')
            block = self.attachment_block(links, title)
            if both:
                intro = report_body(rng, agency, year)
            else:
                intro = rng.choice(["<p>详见附件。</p>", "", f"<p>{STANDARD_INTRO.format(a=agency, y=year)}</p>",
                                    f"<p>现将{title}予以公布。</p>"])
            inside = rng.random() < 0.5
            s.shapes[f"intro:{len(intro) // 60}"] += 1
            content = intro + (block if inside else "")
            s.routes[path] = Route(self.article_page(title, content, "" if inside else block, agency))
            main = second[0] if second else fpath      # a PDF is preferred over another format
            if both and ext in (".xls", ".xlsx", ".et"):   # a spreadsheet holds only the tables: the page is richer
                s.truth[path] = Expect("inline_html", year, agency, alternates=1)
            else:
                s.truth[main] = Expect("attachment", year, agency, page=path, alternates=(1 if second or both else 0))
        return path, title, date

    def attachment_block(self, links: list[str], title: str) -> str:
        rng = self.rng
        shape = rng.randrange(7 if self.family == "trs" else 6)
        self.site.shapes[f"block:{shape}"] += 1
        if shape == 0:   # the held-out shape: div.fj, <p>附件：</p>, then one <p> per link
            return '<div class="fj"><p>附件：</p>' + "".join(f"<p>{a}</p>" for a in links) + "</div>"
        if shape == 1:
            return "<p>附件：</p>" + "".join(f"<p>{a}</p>" for a in links)
        if shape == 2:
            return '<div class="attach">附件：' + "<br>".join(links) + "</div>"
        if shape == 3:
            return '<h4>相关附件</h4><ul class="xgfj">' + "".join(f"<li>{a}</li>" for a in links) + "</ul>"
        if shape == 6:   # TRS: the template writes the attachment list with a script
            quoted = "".join(links).replace("'", "\\'")
            return (f"<div class=\"fj\"><script>var appendix = '{quoted}'; if (appendix != '') "
                    f"{{ document.write('附件：' + appendix); }}</script></div>")
        if shape == 4:
            return ('<table class="fjtab"><tr><td>附件下载：</td><td>' + "<br>".join(links) + "</td></tr></table>")
        # no block at all: the link names the report (only when it does)
        if any(title in a for a in links):
            return '<div class="bottom-links">' + " ".join(links) + "</div>"
        return '<div class="fj">' + "".join(f"<p>{a}</p>" for a in links) + "</div>"

    def old_report(self, column: str) -> tuple[str, str, str]:
        """A report before 2019: the year in the title, or only an old date, or only the old
        headings (no year, no listing date)."""
        rng, s = self.rng, self.site
        agency, year = rng.choice(AGENCIES), rng.randint(2009, 2018)
        path = self.article_path(column, f"{year + 1}-02-0{rng.randint(1, 9)}")
        how = rng.choice(["title", "title", "date", "body"])
        s.shapes[f"old:{how}"] += 1
        title = f"{agency}{year}年政府信息公开工作年度报告" if how == "title" else f"{agency}政府信息公开工作年度报告"
        s.routes[path] = Route(self.article_page(title, report_body(rng, agency, year, old=True)))
        s.skipped.add(path)
        return path, title, (f"{year + 1}-02-15" if how != "body" else "")

    def look_alike(self, column: str) -> tuple[str, str, str]:
        rng, s = self.rng, self.site
        y = rng.randint(2019, 2024)
        title = rng.choice(LOOK_ALIKES).format(a=rng.choice(AGENCIES), y=y)
        path = self.article_path(column, f"{y}-03-01")
        s.routes[path] = Route(self.article_page(title, report_body(rng, "某局", y)))
        s.skipped.add(path)
        return path, title, f"{y}-03-01"

    # ---- columns (list pages) ------------------------------------------------------------

    def new_column(self, slug: str) -> str:
        self.col += 1
        if self.family == "hanweb":
            return f"/col/col{self.col}/index.html"
        if self.family == "gkmlpt":
            return f"/gkmlpt/{slug}{self.col}/"
        return f"/zwgk/zfxxgk/{slug}/"

    def column(self, path: str, title: str, entries: list[tuple[str, str, str]], subs: list[tuple[str, str]]) -> None:
        """A list page (and its pages) listing `entries`, linking sub-columns `subs`."""
        rng, s = self.rng, self.site
        sub_html = ('<div class="subnav">' + " ".join(f'<a href="{h}">{t}</a>' for h, t in subs) + "</div>") if subs else ""
        if self.family == "hanweb":
            perpage = rng.choice([3, 4, 5])
            total = len(entries) if len(entries) > perpage else None
            s.routes[path] = Route(hanweb_col(int(self.col_id(path)), title, entries[:perpage], total=total,
                                              perpage=perpage, extra=sub_html).encode())
            s.hanweb_entries[self.col_id(path)] = entries
            return
        if self.family == "gkmlpt":
            cat = int(re.search(r"(\d+)/$", path).group(1))
            sid = "755031"
            s.routes[path] = Route(self.page(title, f'{sub_html}<div id="gkml-list"></div><script>var CONFIG = '
                                                    f"{{SID: '{sid}', CATID: '{cat}'}};</script>"))
            per = rng.choice([3, 5])

            def api(h, n, entries=entries, per=per):
                q = {k: v[0] for k, v in parse_qs(urlsplit(h.path).query).items()}
                p = int(q.get("page", "1"))
                chunk = entries[(p - 1) * per:p * per]
                arts = [{"title": t, "url": s.base + href, "publisher": "", "display_publish_time": d} for href, t, d in chunk]
                body = json.dumps({"total": len(entries), "articles": arts}, ensure_ascii=False).encode()
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if h.headers.get("If-None-Match") == etag:
                    return self.server._send(h, 304, headers={"ETag": etag})
                return self.server._send(h, 200, body, "application/json; charset=utf-8", {"ETag": etag})
            s.routes[f"/gkmlpt/api/all/{cat}"] = Route(handler=api)
            return
        # trs: index.html, index_1.html … from createPageHTML
        per = rng.choice([3, 4, 5])
        chunks = [entries[i:i + per] for i in range(0, len(entries), per)] or [[]]
        for n, chunk in enumerate(chunks):
            def rel(h):
                return "./" + h[len(path):] if h.startswith(path) else h
            lis = "".join(f'<li><a href="{rel(h)}" title="{t}">{t if len(t) < 24 else t[:22] + "…"}</a><span>{d}</span></li>'
                          for h, t, d in chunk)
            script = f'<script>createPageHTML({len(chunks)}, {n}, "index", "html");</script>'
            name = "index.html" if n == 0 else f"index_{n}.html"
            s.routes[path + name] = Route(self.page(title, f'{sub_html if n == 0 else ""}<ul class="list">{lis}</ul>{script}'))
        s.routes[path] = s.routes[path + "index.html"]

    # ---- the site ------------------------------------------------------------------------

    def build(self) -> GenSite:
        rng, s = self.rng, self.site
        self.hub_name = rng.choice(HUB_NAMES)
        self.image_nav = rng.random() < 0.3
        s.shapes[f"nav:{'image' if self.image_nav else 'text'}"] += 1
        s.hub = {"hanweb": "/col/col150/index.html", "trs": "/zwgk/", "gkmlpt": "/zwgk/index.html"}[self.family]
        # the report column and its layout
        col_name = rng.choice(COLUMN_NAMES)
        col = self.new_column(rng.choice(["zfxxgknb", "xxgknb", "ndbg", "gknb"]))
        layout = rng.choice(["flat", "year", "unit", "year_unit"])
        s.shapes[f"layout:{layout}"] += 1
        years = sorted(rng.sample(range(2019, 2025), rng.randint(2, 3)), reverse=True)
        leaves: list[tuple[str, str, list, list]] = []      # (path, title, entries, subs)
        top_entries: list = []
        top_subs: list = []
        if layout == "flat":
            leaves.append((col, col_name, top_entries, top_subs))
        else:
            for y in years:
                ypath = self.new_column(f"{y}n") if self.family != "trs" else f"{col}{y}n/"
                ytitle = rng.choice(["{y}年度", "{y}年", "{y}", "{y}年报"]).format(y=y)
                top_subs.append((ypath, ytitle))
                if layout == "year_unit":
                    ysubs: list = []
                    for slug, uname in UNIT_COLUMNS:
                        upath = self.new_column(slug) if self.family != "trs" else f"{ypath}{slug}/"
                        ysubs.append((upath, uname))
                        leaves.append((upath, uname, [], [], y))
                    leaves.append((ypath, ytitle, [], ysubs, y))
                else:
                    leaves.append((ypath, ytitle, [], [], y))
            if layout == "unit":
                leaves = []
                for slug, uname in UNIT_COLUMNS:
                    upath = self.new_column(slug) if self.family != "trs" else f"{col}{slug}/"
                    top_subs.append((upath, uname))
                    leaves.append((upath, uname, [], []))
            # an old year's column: not followed, its reports are old anyway
            old_col = self.new_column("2018n") if self.family != "trs" else f"{col}2018n/"
            top_subs.append((old_col, "2018年度"))
            s.noise_columns.append(old_col)
            leaves.append((col, col_name, top_entries, top_subs))
        # reports in every leaf that lists entries
        used = set()
        for leaf in leaves:
            path, title, entries, subs = leaf[:4]
            year = leaf[4] if len(leaf) > 4 else None
            if subs and year is not None:
                continue            # a year column split by unit type lists nothing itself
            pool = TOWNS if "乡镇" in title else AGENCIES
            for _ in range(rng.randint(2, 4)):
                ag = rng.choice([a for a in pool if (a, year) not in used] or pool)
                y = year or rng.choice(years)
                if (ag, y) in used:
                    continue
                used.add((ag, y))
                entries.append(self.report(path, ag, y))
            for _ in range(rng.randint(1, 2)):
                entries.insert(rng.randrange(len(entries) + 1), self.look_alike(path))
            if rng.random() < 0.6:
                entries.insert(rng.randrange(len(entries) + 1), self.old_report(path))
        if not any(e for leaf in leaves for e in leaf[2]):
            top_entries.append(self.report(col, rng.choice(AGENCIES), years[0]))
        if not any(p in s.skipped for leaf in leaves for p, _, _ in leaf[2] if "年度报告" in _ or "年报" in _):
            top_entries.append(self.old_report(col))     # at least one old report on every site
        # robots.txt disallows a path holding a report column and a report
        s.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\nDisallow: /search/\n", "text/plain")
        s.never += ["/private/", "/search/"]
        s.routes["/private/nb/index.html"] = Route(self.page("内部年报", '<a href="/private/r1.html">某局2023年政府信息公开工作年度报告</a>'))
        s.routes["/private/r1.html"] = Route(self.article_page("某局2023年政府信息公开工作年度报告", report_body(rng, "某局", 2023)))
        top_subs.append(("/private/nb/index.html", "内部年报"))
        top_entries.append(("/private/r2.html", "保密局2023年政府信息公开工作年度报告", "2024-01-30"))
        for leaf in leaves:
            self.column(leaf[0], leaf[1], leaf[2], leaf[3])
        # the disclosure area: hub (→ sub-hub) → the report column, among other columns
        noise = [("/zwgk/zcwj/index.html", "政策文件"), ("/zwgk/czyjs/index.html", "财政预决算"),
                 ("/zwgk/zfgzbg/index.html", "政府工作报告"), ("/zwgk/tzgg/index.html", "通知公告"),
                 ("/zwgk/gknb_wz/index.html", "政府网站年度报表"), ("/zwgk/zfxxgkzn/index.html", "政府信息公开指南")]
        for p, t in noise:
            more = (f'<li><a href="{p.rsplit("/", 1)[0]}/sub/index.html">部门</a></li>'
                    f'<li><a href="{p.rsplit("/", 1)[0]}/2023/index.html">2023年</a></li>')
            s.routes[p] = Route(self.page(t, f'<ul>{more}<li><a href="/zwgk/x/{self.next_id()}.html">某文件</a></li></ul>'))
            s.noise_columns.append(p.rsplit("/", 1)[0] + "/")
        noise_links = "".join(f'<li><a href="{p}">{t}</a></li>' for p, t in noise)
        col_link = f'<li><a href="{col}">{col_name}</a></li>'
        via_sub = rng.random() < 0.5
        s.shapes[f"hub:{self.hub_name}:{via_sub}"] += 1
        if via_sub:
            sub = {"hanweb": "/col/col151/index.html", "trs": "/zwgk/zfxxgk/", "gkmlpt": "/zwgk/zfxxgk/index.html"}[self.family]
            sub_name = rng.choice(SUB_HUBS)
            s.routes[sub] = Route(self.page(sub_name, f'<ul class="gkml">{noise_links[:len(noise_links) // 2]}{col_link}</ul>'))
            hub_body = f'<ul class="zwgk">{noise_links[len(noise_links) // 2:]}<li><a href="{sub}">{sub_name}</a></li></ul>'
        else:
            hub_body = f'<ul class="zwgk">{noise_links}{col_link}</ul>'
        la = self.look_alike("/zwgk/tzgg/" if self.family != "hanweb" else "/col/col149/index.html")
        hub_body += f'<div class="latest"><a href="{la[0]}">{la[1]}</a></div>'
        s.routes[s.hub] = Route(self.page(self.hub_name, hub_body))
        # the home page: navigation, news (with a look-alike), other columns
        news = self.look_alike("/xwdt/" if self.family != "hanweb" else "/col/col148/index.html")
        s.home_only.add(news[0])
        s.routes["/xwdt/"] = Route(self.page("新闻动态", '<a href="/xwdt/2024/1.html">市长调研</a>'))
        s.noise_columns += ["/xwdt/", "/zjxx/", "/zwfw/", "/hdjl/"]
        s.routes["/"] = Route(self.page("某某市人民政府门户网站",
                                        f'<div class="news"><a href="/xwdt/2024/1.html">市长调研重点项目建设</a>'
                                        f'<a href="{news[0]}">{news[1]}</a></div>'
                                        f'<div class="search"><a href="/search/index.html">搜索</a></div>'))
        s.routes["/index.html"] = s.routes["/"]
        return s


def generate(family: str, seed: int, base: str, server=None) -> GenSite:
    """One generated site of `family` served at `base` (the server answers the gkmlpt API)."""
    b = _Builder(family, seed, base)
    b.server = server
    return b.build()
