"""A fixture site for the crawler tests, served on 127.0.0.1 by a real HTTP server.

Two hosts (two ports): a Hanweb-like one (`/col/col100/index.html` with an embedded
`<datastore>`, the rest of the list through `dataproxy.jsp`, a year sub-column) and a
TRS-like one (`index.html`, `index_1.html`, `index_2.html`; a second column paged with
"下一页"). Reports: inline HTML, attachments in several formats (fake bytes with the right
magic), a picture-only report, one linked straight from a list, the same file under two
URLs. Noise: 政府工作报告, 预算公开, 法治政府建设年度报告 entries, a 404 report link, an
error page at a `.pdf` URL, a redirect, a slow page, a 503-then-200 file, a robots.txt that
disallows `/private/`. Every answer has an ETag and a Last-Modified and honours conditional
requests; the server counts requests in flight and remembers the most it saw.

`SITE_TRUTH` lists every report URL the listings carry, with the kind, year, agency and the
status a first crawl must give it.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LAST_MODIFIED = "Mon, 15 Jan 2024 08:00:00 GMT"


# ---- fake files with the right magic -------------------------------------------------------

def pdf(name: str) -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + name.encode() + b"\ntrailer<<>>\n%%EOF\n"


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, t in files.items():
            zf.writestr(n, t)
    return buf.getvalue()


def docx(name: str) -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": f"<w:document>{name}</w:document>"})


def xlsx(name: str) -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": f"<workbook>{name}</workbook>"})


def ofd(name: str) -> bytes:
    return _zip({"OFD.xml": f"<ofd:OFD>{name}</ofd:OFD>"})


def ole(name: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + name.encode() + b"\x00" * 64


def png(name: str) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + name.encode() + b"\x00" * 32


def jpg(name: str) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + name.encode() + b"\x00" * 32 + b"\xff\xd9"


# ---- page templates --------------------------------------------------------------------------

CHROME = ('<div class="nav"><a href="/">首页</a> <a href="/col/col900/index.html">政务动态</a> '
          '<a href="/col/col901/index.html">通知公告</a> <a href="/xxgk/zcwj/">政策文件</a></div>')
REPORT_BODY = ("<p>一、总体情况</p><p>本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，"
               "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开，"
               "主动公开政府信息，依法办理政府信息公开申请，政府信息公开工作取得新成效。</p>"
               "<p>二、主动公开政府信息情况</p><table><tr><td>信息内容</td><td>本年制发件数</td></tr>"
               "<tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>3</td></tr></table>"
               "<p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p>"
               "<p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>")


def page(title: str, body: str, *, meta: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="ArticleTitle" content="{title}">{meta}</head><body>{CHROME}'
            f'<div class="main"><h1>{title}</h1>{body}</div><div class="footer">版权所有 ICP备案</div></body></html>')


PREV_NEXT = ('<div class="prevnext"><p>上一篇：<a href="/art/2024/1/1/art_100_1001.html">市财政局2023年政府信息公开工作年度报告</a></p>'
             '<p>下一篇：<a href="/art/2024/1/2/art_100_1002.html">市教育局2023年政府信息公开工作年度报告</a></p></div>')


def article(title: str, content: str, after: str = "") -> str:
    return page(title, f'<div id="zoom"><!--<meta name="ContentStart">-->{content}<!--<meta name="ContentEnd">--></div>'
                       f'{after}{PREV_NEXT}')


def hanweb_record(href: str, title: str, date: str) -> str:
    return f'<record><![CDATA[<li><a href="{href}" title="{title}" target="_blank">{title[:18]}…</a><span>{date}</span></li>]]></record>'


def hanweb_col(col: int, title: str, records: list[tuple[str, str, str]], *, total: int | None,
               perpage: int = 5, extra: str = "") -> str:
    recs = "".join(hanweb_record(*r) for r in records)
    nextgroup = (f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=7&path=/'
                 f'&columnid={col}&unitid=5501&webname=%E6%B5%8B%E8%AF%95&permissiontype=0"></a>]]></nextgroup>'
                 if total else "")
    cfg = (f"<script>$('#5501').jpage({{dataStore: dataStore, perPage: {perpage}, totalRecord: {total}, "
           f"proxyUrl: '/module/web/jpage/dataproxy.jsp', groupSize: 3}});</script>" if total else "")
    return page(title, f'{extra}<div id="5501"><script type="text/xml"><datastore>{nextgroup}<recordset>{recs}'
                       f'</recordset></datastore></script></div>{cfg}')


# ---- the site --------------------------------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay_s: float = 0.0
    fail_first: int = 0          # answer 503 (Retry-After: 0) this many times first
    conditional: bool = True
    handler: object = None       # handler(h, n) -> status: full control (trickle, huge, loops)


@dataclass
class Truth:
    url: str              # path; the test prefixes the host
    kind: str
    year: int | None
    agency: str | None
    status: str = "new"
    images: int = 0


def build_hanweb() -> tuple[dict[str, Route], list[Truth], dict[str, list[tuple[str, str, str]]]]:
    r: dict[str, Route] = {}
    truth: list[Truth] = []
    A = "/art/2024/1/{}/art_100_{}.html"
    entries = []  # (href, title, date) in list order: 5 inline + 7 via dataproxy
    agencies = ["市财政局", "市教育局", "市公安局", "市民政局", "市司法局", "市商务局", "市文旅局", "市卫健委",
                "市应急管理局", "市审计局"]
    for i, ag in enumerate(agencies, start=1):
        href = A.format(i, 1000 + i)
        title = f"{ag}2023年政府信息公开工作年度报告"
        entries.append((href, title, f"2024-01-{i:02d}"))
        if i % 3 == 0:  # attachment reports: the page says little, the file is the report
            f = f"/module/download/downfile.jsp?classid=0&filename={1000 + i}.pdf" if i == 3 else f"/picture/0/{1000 + i}.docx"
            r[href] = Route(article(title, "<p>详见附件。</p>",
                                    f'<div class="fj">附件：<a href="{f}">{title}</a></div>').encode())
            if i == 3:
                r[f] = Route(pdf(f"hanweb {i}"), "application/octet-stream")
                truth.append(Truth(f, "attachment", 2023, ag))
            else:
                r[f] = Route(docx(f"hanweb {i}"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
                truth.append(Truth(f, "attachment", 2023, ag))
        elif i == 5:  # the slow page
            r[href] = Route(article(title, REPORT_BODY).encode(), delay_s=0.3)
            truth.append(Truth(href, "inline_html", 2023, ag))
        elif i == 8:  # a picture-only report
            imgs = "".join(f'<p><img src="/picture/0/img8_{k}.png" width="800"></p>' for k in range(3))
            r[href] = Route(article(title, imgs + '<img src="/images/icon.gif" width="16" height="16">').encode())
            for k in range(3):
                r[f"/picture/0/img8_{k}.png"] = Route(png(f"img8 {k}"), "image/png")
            truth.append(Truth(href, "image", 2023, ag, images=3))
        else:
            r[href] = Route(article(title, REPORT_BODY).encode())
            truth.append(Truth(href, "inline_html", 2023, ag))
    # noise in the same column
    noise = [("/art/2024/2/1/art_100_2001.html", "2024年市政府工作报告", "2024-02-01"),
             ("/art/2024/2/2/art_100_2002.html", "市财政局2023年预算公开", "2024-02-02"),
             ("/art/2024/2/3/art_100_2003.html", "2023年法治政府建设年度报告", "2024-02-03")]
    for href, title, _ in noise:
        r[href] = Route(article(title, REPORT_BODY).encode())
    # a report link that 404s, one that redirects
    entries.append(("/art/2024/1/20/art_100_1020.html", "市统计局2023年政府信息公开工作年度报告", "2024-01-20"))
    truth.append(Truth("/art/2024/1/20/art_100_1020.html", "inline_html", 2023, "市统计局", status="failed"))
    entries.append(("/art/old/1021.html", "市人社局2023年政府信息公开工作年度报告", "2024-01-21"))
    r["/art/old/1021.html"] = Route(status=301, headers={"Location": "/art/2024/1/21/art_100_1021.html"})
    r["/art/2024/1/21/art_100_1021.html"] = Route(article("市人社局2023年政府信息公开工作年度报告", REPORT_BODY).encode())
    truth.append(Truth("/art/old/1021.html", "inline_html", 2023, "市人社局"))
    all_entries = entries[:2] + noise + entries[2:]   # 15 records: 5 inline, 10 via dataproxy
    inline = all_entries[:5]                           # the rest comes through dataproxy
    sub = ("<div class='sub'><a href='/col/col101/index.html'>2022年</a> <a href='/private/col.html'>内部年报</a> "
           "<a href='/col/col102/index.html'>2021年度政府信息公开工作年度报告</a></div>")
    # a column named like a report: read as the list it is
    y21 = [(f"/art/2022/1/{k}/art_102_{4000 + k}.html", f"{ag}2021年政府信息公开工作年度报告", f"2022-01-{k:02d}")
           for k, ag in enumerate(["市财政局", "市教育局", "市公安局"], start=1)]
    r["/col/col102/index.html"] = Route(hanweb_col(102, "2021年度政府信息公开工作年度报告", y21, total=None).encode())
    for href, title, _ in y21:
        r[href] = Route(article(title, REPORT_BODY).encode())
        truth.append(Truth(href, "inline_html", 2021, title[:title.index("2021")]))
    r["/col/col100/index.html"] = Route(hanweb_col(100, "政府信息公开年报", inline, total=len(all_entries), perpage=3, extra=sub).encode())
    # the year sub-column: all its records inline, one truncated title, one attachment in the list
    y22 = [("/art/2023/1/5/art_101_3001.html", "市交通运输局2022年度政府信息公开工作年报", "2023-01-05"),
           ("/art/2023/1/6/art_101_3002.html", "市水利局2022年政府信息公开工作年...", "2023-01-06"),
           ("/picture/0/3003.wps", "市林业局2022年政府信息公开工作年度报告", "2023-01-07")]
    r["/col/col101/index.html"] = Route(hanweb_col(101, "2022年", [(h, t, d) for h, t, d in y22], total=None).encode())
    r[y22[0][0]] = Route(article(y22[0][1], REPORT_BODY).encode())
    truth.append(Truth(y22[0][0], "inline_html", 2022, "市交通运输局"))
    r[y22[1][0]] = Route(article("市水利局2022年政府信息公开工作年度报告", REPORT_BODY).encode())
    truth.append(Truth(y22[1][0], "inline_html", 2022, "市水利局"))
    r[y22[2][0]] = Route(ole("hanweb wps"), "application/octet-stream")
    truth.append(Truth(y22[2][0], "attachment", 2022, "市林业局"))
    # robots.txt forbids /private/: a report there must never be fetched
    r["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    r["/private/col.html"] = Route(page("内部", '<a href="/private/r.html">市保密局2023年政府信息公开工作年度报告</a>').encode())
    r["/private/r.html"] = Route(article("市保密局2023年政府信息公开工作年度报告", REPORT_BODY).encode())
    return r, truth, {"100": all_entries}


def build_trs() -> tuple[dict[str, Route], list[Truth]]:
    r: dict[str, Route] = {}
    truth: list[Truth] = []
    base = "/xxgk/zfxxgknb/"
    items = []  # (href relative to base, title, date, kind, file)
    formats = [("doc", ole, "application/msword"), ("xls", ole, "application/vnd.ms-excel"),
               ("xlsx", xlsx, "application/vnd.ms-excel"), ("ofd", ofd, "application/ofd"),
               ("pdf", pdf, "application/pdf"), ("jpg", jpg, "image/jpeg")]
    towns = ["城关镇", "东关街道", "西湖乡", "南山镇", "北坪乡", "河口镇", "新城街道", "白水镇", "高桥乡"]
    for i, town in enumerate(towns, start=1):
        d = f"2024{(i % 3) + 1:02d}"
        href = f"./{d}/t{d}{10 + i}_{5000 + i}.html"
        title = f"{town}人民政府2023年政府信息公开工作年度报告"
        path = base + href[2:]
        if i <= len(formats):
            ext, make, ctype = formats[i - 1]
            fpath = f"{base}{d}/P0{5000 + i}.{ext}"
            if ext == "jpg":  # a picture report whose only content is a linked image and <img>s
                r[path] = Route(article(title, f'<img src="./P0{5000 + i}.jpg" width="900"><img src="./P0{5000 + i}_2.jpg">').encode())
                r[fpath] = Route(make(f"trs {i}"), ctype)
                r[f"{base}{d}/P0{5000 + i}_2.jpg"] = Route(make(f"trs {i} b"), ctype)
                truth.append(Truth(path, "image", 2023, town + "人民政府", images=2))
            else:
                r[path] = Route(article(title, "<p>请下载附件查看。</p>",
                                        f'<div class="attach">附件：<a href="./P0{5000 + i}.{ext}">{title}.{ext}</a></div>').encode())
                r[fpath] = Route(make(f"trs {i}"), ctype)
                truth.append(Truth(fpath, "attachment", 2023, town + "人民政府"))
        elif i == 7:  # 503 then success, on the attachment
            fpath = f"{base}{d}/P0{5000 + i}.pdf"
            r[path] = Route(article(title, "", f'<p>附件：<a href="./P0{5000 + i}.pdf">下载</a></p>').encode())
            r[fpath] = Route(pdf(f"trs {i}"), "application/pdf", fail_first=1)
            truth.append(Truth(fpath, "attachment", 2023, town + "人民政府"))
        elif i == 8:  # an HTML error page at a .pdf URL: caught, a failed report
            fpath = f"{base}{d}/P0{5000 + i}.pdf"
            r[path] = Route(article(title, "", f'<p>附件：<a href="./P0{5000 + i}.pdf">{title}</a></p>').encode())
            r[fpath] = Route(page("页面不存在", "<p>404 您访问的页面不存在</p>").encode())
            truth.append(Truth(fpath, "attachment", 2023, town + "人民政府", status="failed"))
        else:
            r[path] = Route(article(title, REPORT_BODY).encode())
            truth.append(Truth(path, "inline_html", 2023, town + "人民政府"))
        items.append((href, title, f"{d[:4]}-{d[4:]}-{10 + i:02d}"))
    # the same PDF under a second URL, linked straight from the list page
    dup = pdf("trs 5")
    r[f"{base}fj/dup.pdf"] = Route(dup, "application/pdf")
    truth.append(Truth(f"{base}fj/dup.pdf", "attachment", 2022, "北坪乡人民政府"))
    items.append(("./fj/dup.pdf", "北坪乡人民政府2022年政府信息公开工作年度报告", "2023-01-30"))
    noise = [("./202402/t20240201_6001.html", "2024年县政府工作报告", "2024-02-01"),
             ("./202402/t20240202_6002.html", "县财政局2023年预算公开", "2024-02-02"),
             ("./202402/t20240203_6003.html", "2023年法治政府建设年度报告", "2024-02-03")]
    for h, t, _ in noise:
        r[base + h[2:]] = Route(article(t, REPORT_BODY).encode())
    listed = items[:4] + noise + items[4:]     # 13 entries over 3 pages of 5
    pages = [listed[i:i + 5] for i in range(0, len(listed), 5)]
    for n, chunk in enumerate(pages):
        lis = "".join(f'<li><a href="{h}" title="{t}">{t}</a><span>{d}</span></li>' for h, t, d in chunk)
        script = f'<script>var countPage = {len(pages)};createPageHTML({len(pages)}, {n}, "index", "html");</script>'
        name = "index.html" if n == 0 else f"index_{n}.html"
        sub = '<a href="../bmnb/">部门年报</a>' if n == 0 else ""
        r[base + name] = Route(page("政府信息公开年报", f'<ul class="list">{lis}</ul>{script}{sub}').encode())
    r[base] = r[base + "index.html"]
    # a second column paged only with "下一页" links
    b2 = "/xxgk/bmnb/"
    dept = [("县发改局", "inline"), ("县住建局", "inline"), ("县农业农村局", "inline")]
    for k, (ag, _) in enumerate(dept):
        p = f"{b2}202401/t2024012{k}_{7000 + k}.html"
        t = f"{ag}2023年政府信息公开工作年度报告"
        r[p] = Route(article(t, REPORT_BODY).encode())
        truth.append(Truth(p, "inline_html", 2023, ag))
        nxt = f'<a href="list_{k + 1}.html">下一页</a>' if k + 1 < len(dept) else ""
        name = "index.html" if k == 0 else f"list_{k}.html"
        r[b2 + name] = Route(page("部门年报", f'<ul><li><a href="./202401/t2024012{k}_{7000 + k}.html">{t}</a>'
                                            f'<span>2024-01-2{k}</span></li></ul>{nxt}').encode())
    r[b2] = r[b2 + "index.html"]
    r["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
    return r, truth


# ---- the server ------------------------------------------------------------------------------

class SiteServer:
    """One host. `log` holds (method, path, status); `max_inflight` the most requests it was
    serving at once; `violations` the requests that found more than `limit` in flight."""

    def __init__(self, routes: dict[str, Route], *, limit: int | None = None, work_s: float = 0.01,
                 hanweb_entries: dict | None = None):
        self.routes, self.limit, self.work_s = routes, limit, work_s
        self.hanweb_entries = hanweb_entries or {}
        self.log: list[tuple[str, str, int]] = []
        self.user_agents: set[str] = set()
        self.inflight = self.max_inflight = 0
        self.violations: list[str] = []
        self.hits: dict[str, int] = {}
        self.starts: list[tuple[float, str]] = []    # (when, path) of each request's arrival
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "SiteServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def bodies(self, method: str = "GET") -> list[str]:
        """Paths answered 200 with a body."""
        return [p for m, p, s in self.log if s == 200 and m == method]

    def paths(self) -> set[str]:
        return {p for _, p, _ in self.log}

    def count(self, path: str) -> int:
        """Requests for `path` that arrived (counted before answering: no race with the client)."""
        with self._lock:
            return sum(1 for _, p in self.starts if p == path)

    def gaps(self, path: str) -> list[float]:
        """Seconds between the arrivals of successive requests for `path`."""
        ts = [t for t, p in self.starts if p == path]
        return [b - a for a, b in zip(ts, ts[1:])]

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                site._serve(self, "GET")

            def do_POST(self):
                site._serve(self, "POST")

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        h._gk_logged, h._gk_left = False, False
        with self._lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            if self.limit is not None and self.inflight > self.limit:
                self.violations.append(h.path)
            self.starts.append((time.monotonic(), urlsplit(h.path).path))
            self.user_agents.add(h.headers.get("User-Agent", ""))
        try:
            time.sleep(self.work_s)
            try:
                status = self._answer(h, method)
            except (BrokenPipeError, ConnectionResetError):   # the client hung up on purpose
                status = -1
                h.close_connection = True
        finally:
            self._leave(h)
        if getattr(h, "_gk_logged", False) is False:   # a custom handler wrote its own answer
            self._log(h, method, status)

    def _leave(self, h) -> None:
        """The request stops counting as in flight — once. `_send` calls it just before the
        last write: the client cannot have read the answer (and started another request)
        before then, so a lagging server thread never shows a false overlap."""
        if getattr(h, "_gk_left", True):
            return
        h._gk_left = True
        with self._lock:
            self.inflight -= 1

    def _log(self, h, method: str, status: int) -> None:
        h._gk_logged = True
        with self._lock:
            self.log.append((method, urlsplit(h.path).path if method == "GET" else h.path, status))

    def _send(self, h, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> int:
        # Logged before the answer goes out: a client that has read it finds it in the log.
        self._log(h, h.command, status)
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        self._leave(h)
        h.end_headers()
        if body and h.command != "HEAD":
            h.wfile.write(body)
        return status

    def _answer(self, h: BaseHTTPRequestHandler, method: str) -> int:
        parts = urlsplit(h.path)
        if method == "POST":
            length = int(h.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}
            return self._dataproxy(h, parts, form)
        path = parts.path + (f"?{parts.query}" if parts.query and parts.path.endswith(".jsp") else "")
        route = self.routes.get(path)
        if route is None:
            return self._send(h, 404, page("404", "<p>页面不存在</p>").encode())
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            n = self.hits[path]
        if route.handler is not None:
            return route.handler(h, n)
        if route.delay_s:
            time.sleep(route.delay_s)
        if n <= route.fail_first:
            return self._send(h, 503, b"busy", "text/plain", {"Retry-After": "0"})
        if route.status in (301, 302):
            return self._send(h, route.status, b"", headers=route.headers)
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED} if route.conditional else {}
        if route.conditional and (h.headers.get("If-None-Match") == etag or
                                  (h.headers.get("If-None-Match") is None and
                                   h.headers.get("If-Modified-Since") == LAST_MODIFIED)):
            return self._send(h, 304, headers=validators)
        return self._send(h, route.status, route.body, route.content_type, {**validators, **route.headers})

    def _dataproxy(self, h, parts, form: dict) -> int:
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        entries = self.hanweb_entries.get(form.get("columnid", ""))
        if parts.path != "/module/web/jpage/dataproxy.jsp" or entries is None or form.get("unitid") != "5501" \
                or form.get("col") != "1":
            return self._send(h, 404, b"<datastore></datastore>", "text/xml")
        start, end = int(q["startrecord"]), int(q["endrecord"])
        recs = "".join(hanweb_record(*e) for e in entries[start - 1:end])
        body = (f"<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>{len(entries)}</totalrecord>"
                f"<totalpage>{-(-len(entries) // int(q.get('perpage', 15)))}</totalpage>"
                f"<recordset>{recs}</recordset></datastore>").encode()
        return self._send(h, 200, body, "text/xml; charset=utf-8")


# ---- a ready-made fixture: both sites, their sources, fast settings -------------------------

def fast_settings(**changes):
    from crawl.settings import CrawlSettings
    base = dict(delay_s=0.0, per_host=2, workers=4, retries=2, backoff_s=0.01, total_timeout_s=2.0,
                read_timeout_s=1.0, connect_timeout_s=1.0, allow_private=True)
    return CrawlSettings(**{**base, **changes})


class FixtureSites:
    def __init__(self, limit: int = 2):
        hr, self.hanweb_truth, he = build_hanweb()
        tr, self.trs_truth = build_trs()
        self.hanweb = SiteServer(hr, limit=limit, hanweb_entries=he)
        self.trs = SiteServer(tr, limit=limit)

    def __enter__(self) -> "FixtureSites":
        self.hanweb.__enter__()
        self.trs.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.hanweb.__exit__()
        self.trs.__exit__()

    def sources(self):
        from crawl.sources import Source
        return [Source(name="hanweb-site", start_urls=[self.hanweb.url + "/col/col100/index.html"]),
                Source(name="trs-site", start_urls=[self.trs.url + "/xxgk/zfxxgknb/"], cms="trs")]

    def truth(self) -> dict[str, Truth]:
        out = {self.hanweb.url + t.url: t for t in self.hanweb_truth}
        out.update({self.trs.url + t.url: t for t in self.trs_truth})
        return out

    def servers(self):
        return (self.hanweb, self.trs)
