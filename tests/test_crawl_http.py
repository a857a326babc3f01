"""Fetching is polite and bounded: each hazard stops with a clear error for that URL.

Against a real server on 127.0.0.1 whose routes misbehave on purpose: a 2 GB
Content-Length, an endless chunked body, a server that trickles bytes, a redirect loop,
503 with Retry-After, 429 with a Retry-After of an hour, robots.txt rules, Crawl-delay.
"""
from __future__ import annotations

import socket
import time

import pytest

from crawl.http import (Fetcher, HTTPStatusError, NetworkError, ServerError, TooLarge, TooManyRedirects,
                        TooSlow, WrongContent, retry_after_s)
from crawl.politeness import Refused, is_public
from crawl_site import Route, SiteServer, fast_settings, pdf


def _huge(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "application/pdf")
    h.send_header("Content-Length", str(2 * 1024 ** 3))
    h.end_headers()
    h.wfile.write(b"%PDF-1.4\n" + b"0" * 1024)
    h.close_connection = True
    return 200


def _endless(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "application/pdf")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"0" * 65536
    for _ in range(400):          # 25 MB at most: the client hangs up long before
        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    h.wfile.write(b"0\r\n\r\n")
    return 200


def _trickle(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):         # one byte every 20 ms: 20 s in all, never silent for a second
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.02)
    return 200


def _loop(target):
    def go(h, n):
        h.send_response(302)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()
        return 302
    return go


def _status(code, headers=None, then: bytes | None = None):
    def go(h, n):
        if then is not None and n > 1:
            body = then
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
        else:
            body = b"busy"
            h.send_response(code)
            for k, v in (headers or {}).items():
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
        return 200 if then is not None and n > 1 else code
    return go


ROUTES = {
    "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
    "/huge.pdf": Route(handler=_huge),
    "/endless.pdf": Route(handler=_endless),
    "/trickle.html": Route(handler=_trickle),
    "/loop/a": Route(handler=_loop("/loop/b")),
    "/loop/b": Route(handler=_loop("/loop/a")),
    "/busy.pdf": Route(handler=_status(503, {"Retry-After": "1"}, then=pdf("busy"))),
    "/later.pdf": Route(handler=_status(429, {"Retry-After": "3600"})),
    "/broken.pdf": Route(handler=_status(500)),
    "/report.pdf": Route(pdf("report"), "application/pdf"),
    "/error.pdf": Route(b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>gone</body></html>"),
    "/mislabelled.docx": Route(pdf("really a pdf"), "application/msword"),
    "/private/x.pdf": Route(pdf("secret")),
    "/moved.pdf": Route(status=301, headers={"Location": "/report.pdf"}),
    "/away.pdf": Route(status=302, headers={"Location": "http://elsewhere.example/x.pdf"}),
}


@pytest.fixture
def server():
    with SiteServer(dict(ROUTES), work_s=0) as s:
        yield s


@pytest.fixture
def fetcher():
    waits: list[float] = []
    f = Fetcher(fast_settings(total_timeout_s=0.6, read_timeout_s=1.0, max_bytes=1024 * 1024),
                sleep=waits.append)
    f.waits = waits
    yield f
    f.close()


def test_two_gigabyte_content_length_is_refused_before_reading(server, fetcher):
    t = time.monotonic()
    with pytest.raises(TooLarge, match=r"Content-Length 2,147,483,648 bytes exceeds the 1,048,576-byte cap"):
        fetcher.fetch(server.url + "/huge.pdf", expect="file")
    assert time.monotonic() - t < 0.5


def test_endless_body_stops_at_the_cap(server, fetcher):
    with pytest.raises(TooLarge, match="passed the 1,048,576-byte cap"):
        fetcher.fetch(server.url + "/endless.pdf", expect="file")


def test_trickling_server_is_cut_off(server, fetcher):
    t = time.monotonic()
    with pytest.raises(TooSlow, match=r"still incomplete after 0.6s"):
        fetcher.fetch(server.url + "/trickle.html")
    assert time.monotonic() - t < 1.5
    assert fetcher.waits == []           # not retried: the whole-response cap is not a blip


def test_redirect_loop_stops(server, fetcher):
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        fetcher.fetch(server.url + "/loop/a")
    assert server.count("/loop/a") + server.count("/loop/b") == 6


def test_redirect_is_followed_and_checked(server, fetcher):
    r = fetcher.fetch(server.url + "/moved.pdf", expect="file")
    assert r.final_url.endswith("/report.pdf") and r.media_type == "application/pdf"
    with pytest.raises(Refused, match="outside this source"):
        fetcher.fetch(server.url + "/away.pdf", allow_host=lambda host: host.startswith("127.0.0.1"))


def test_503_is_retried_after_retry_after(server, fetcher):
    r = fetcher.fetch(server.url + "/busy.pdf", expect="file")
    assert r.status == 200 and fetcher.waits == [1.0]


def test_retry_after_beyond_the_cap_gives_up(server, fetcher):
    with pytest.raises(ServerError, match="Retry-After 3600s, more than the 120s cap"):
        fetcher.fetch(server.url + "/later.pdf")
    assert fetcher.waits == [] and server.count("/later.pdf") == 1


def test_5xx_retries_are_bounded_with_backoff(server, fetcher):
    with pytest.raises(ServerError, match=r"HTTP 500 \(gave up after 3 attempts\)"):
        fetcher.fetch(server.url + "/broken.pdf")
    assert server.count("/broken.pdf") == 3 and len(fetcher.waits) == 2 and fetcher.waits[1] > fetcher.waits[0]


def test_404_is_not_retried(server, fetcher):
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        fetcher.fetch(server.url + "/nothing.pdf")
    assert server.count("/nothing.pdf") == 1


def test_connection_refused_is_retried_then_reported(fetcher):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]            # a port nobody listens on
    with pytest.raises(NetworkError, match="gave up after 3 attempts"):
        fetcher.fetch(f"http://127.0.0.1:{port}/x.pdf", robots=False)


def test_html_error_page_at_a_pdf_url_is_caught(server, fetcher):
    with pytest.raises(WrongContent, match=r"expected PDF \(from the URL\), got an HTML page: '404 Not Found'"):
        fetcher.fetch(server.url + "/error.pdf", expect="file")
    # a document in another document format is fine: the bytes decide the media type
    assert fetcher.fetch(server.url + "/mislabelled.docx", expect="file").media_type == "application/pdf"


def test_conditional_get_is_answered_304(server, fetcher):
    first = fetcher.fetch(server.url + "/report.pdf")
    again = fetcher.fetch(server.url + "/report.pdf", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body is None and fetcher.stats.not_modified == 1


def test_robots_txt_is_honoured_and_fetched_once(server, fetcher):
    with pytest.raises(Refused, match="disallowed by robots.txt"):
        fetcher.fetch(server.url + "/private/x.pdf")
    fetcher.fetch(server.url + "/report.pdf")
    assert [p for _, p, _ in server.log].count("/robots.txt") == 1
    assert "/private/x.pdf" not in server.paths()


def test_unreachable_robots_txt_means_disallow_all(fetcher):
    """RFC 9309 §2.3.1.4: a robots.txt answered 5xx means complete disallow."""
    with SiteServer({"/robots.txt": Route(status=503, body=b"down"), "/a.pdf": Route(pdf("a"))}, work_s=0) as s:
        with pytest.raises(Refused, match="robots.txt"):
            fetcher.fetch(s.url + "/a.pdf")
        assert "/a.pdf" not in s.paths()
    with SiteServer({"/a.pdf": Route(pdf("a"))}, work_s=0) as s:   # 404: no rules, all allowed
        assert fetcher.fetch(s.url + "/a.pdf").status == 200


def test_user_agent_names_gongkai(server, fetcher):
    fetcher.fetch(server.url + "/report.pdf")
    ua = server.user_agents.pop()
    assert ua.startswith("gongkai/") and "+http" in ua


def test_private_addresses_are_refused_unless_allowed(server):
    with Fetcher(fast_settings(allow_private=False)) as f:
        for url in (server.url + "/report.pdf", f"http://localhost:{server.port}/report.pdf"):
            with pytest.raises(Refused, match="non-public address"):
                f.fetch(url)
    assert server.log == []
    assert not is_public("10.1.2.3") and not is_public("169.254.169.254") and not is_public("::1")
    assert is_public("202.96.134.133")


def test_per_host_delay_spaces_requests(server):
    with Fetcher(fast_settings(delay_s=0.15, per_host=1)) as f:
        for _ in range(4):
            f.fetch(server.url + "/report.pdf")
    assert min(server.gaps("/report.pdf")) >= 0.13, server.gaps("/report.pdf")


def test_crawl_delay_from_robots_slows_the_host():
    routes = {"/robots.txt": Route(b"User-agent: *\nCrawl-delay: 0.2\n", "text/plain"), "/a.pdf": Route(pdf("a"))}
    with SiteServer(routes, work_s=0) as s, Fetcher(fast_settings(delay_s=0.0)) as f:
        for _ in range(3):
            f.fetch(s.url + "/a.pdf")
        assert min(s.gaps("/a.pdf")) >= 0.18, s.gaps("/a.pdf")


def test_retry_after_parsing():
    assert retry_after_s("120") == 120.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0       # in the past
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_settings_are_validated():
    from crawl.settings import CrawlSettings
    with pytest.raises(ValueError, match=r"CrawlSettings.max_bytes must be a number > 0, got 0"):
        CrawlSettings(max_bytes=0)
    with pytest.raises(ValueError, match="must name gongkai"):
        CrawlSettings(user_agent="Mozilla/5.0")
