"""Fetching one URL, politely and within bounds. Nothing here parses a page.

The order a request goes through, like Scrapy's downloader middlewares:
scheme and host scope → resolved address (public unless allowed) → robots.txt → the host's
slot (concurrency + delay) → the request, with `If-None-Match` / `If-Modified-Since` when
the caller has the previous copy (RFC 7232; Scrapy's `RFC2616Policy`) → redirects followed
by hand, each hop checked again, at most `max_redirects` → the body streamed, refused when
`Content-Length` or the bytes received pass `max_bytes`, cut off when the whole response
takes longer than `total_timeout_s` (a read timeout alone never stops a server that sends
one byte a second) → the bytes sniffed (`sniff.check_expected`).

Failures are exceptions that say what to do next: `Transient` ones (connection errors,
timeouts, 408/429/5xx) are retried here with exponential backoff, honouring `Retry-After`
up to `max_retry_after_s`; the rest (`BadDocument`: 404, too large, a redirect loop, an
error page at a `.pdf` URL; `Refused`) are not.
"""
from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from crawl import sniff
from crawl.politeness import HostSlots, Refused, RobotsCache, check_address, host_of
from crawl.settings import CrawlSettings
from core.errors import BadDocument, GongkaiError, Transient

Expect = Literal["page", "file", None]
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class FetchError(GongkaiError):
    def __init__(self, url: str, message: str):
        super().__init__(message)
        self.url = url


class HTTPStatusError(FetchError, BadDocument):
    """A 4xx answer (404, 410, 403…): not retried."""

    def __init__(self, url: str, status: int, message: str | None = None):
        super().__init__(url, message or f"HTTP {status}")
        self.status = status


class ServerError(FetchError, Transient):
    """408/429/5xx still failing after the retries (or a Retry-After beyond the cap)."""

    def __init__(self, url: str, status: int, message: str):
        super().__init__(url, message)
        self.status = status


class NetworkError(FetchError, Transient):
    """Connection refused/reset, DNS failure, timeouts — after the retries."""


class TooSlow(FetchError, Transient):
    """The response took longer than `total_timeout_s` (a trickling server)."""


class TooLarge(FetchError, BadDocument):
    """Content-Length or the bytes received passed `max_bytes`."""


class TooManyRedirects(FetchError, BadDocument):
    pass


class WrongContent(FetchError, BadDocument):
    """The bytes are not what the URL promised (an HTML error page at a `.pdf` URL)."""


class _Retry(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None):
        self.error, self.retry_after = error, retry_after


@dataclass
class Response:
    url: str                      # as asked
    final_url: str                # after redirects
    status: int                   # 200, or 304 (then `body` is None)
    body: bytes | None
    media_type: str | None        # sniffed from the bytes
    content_type: str | None      # as the server said
    etag: str | None
    last_modified: str | None
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Stats:
    requests: int = 0
    downloads: int = 0
    not_modified: int = 0
    bytes: int = 0
    robots_blocked: int = 0
    retries: int = 0


def retry_after_s(value: str | None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class RobotsMemo(Protocol):
    def recall(self, url: str) -> tuple[str | None, str | None, bytes] | None:
        """(etag, last_modified, body) of the robots.txt kept from an earlier crawl."""

    def keep(self, url: str, response: "Response") -> None:
        """Keep a robots.txt answer (200) for the next crawl."""


class Fetcher:
    """Thread-safe: one per crawl, shared by the fetch threads."""

    def __init__(self, settings: CrawlSettings, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.client = client or httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
                     "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(settings.workers * 2, 10)),
        )
        self.slots = HostSlots(settings.per_host, settings.delay_s)
        self.robots = RobotsCache(self._fetch_robots, settings.user_agent)
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        self._sleep = sleep
        self._delay_checked: set[str] = set()
        self.robots_memo: RobotsMemo | None = None
        """Where robots.txt answers are kept between crawls (set by the crawl): a second crawl
        revalidates them (304) instead of downloading them again."""

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _count(self, **inc: int) -> None:
        with self._stats_lock:
            for k, v in inc.items():
                setattr(self.stats, k, getattr(self.stats, k) + v)

    # ---- the public call ---------------------------------------------------------------------

    def fetch(self, url: str, *, method: str = "GET", data: dict | None = None,
              etag: str | None = None, last_modified: str | None = None,
              expect: Expect = None, max_bytes: int | None = None,
              allow_host: Callable[[str], bool] | None = None,
              allow_private: bool | None = None, robots: bool | None = None,
              per_host: int | None = None, delay_s: float | None = None) -> Response:
        """GET (or POST `data`) `url` within every bound; see the module docstring.

        `allow_host(host)` limits the hosts a crawl (and its redirects) may reach; `per_host`
        and `delay_s` set the host's slot the first time it is used (a source's limits)."""
        s = self.settings
        attempt = 0
        while True:
            try:
                return self._once(url, method, data, etag, last_modified, expect,
                                  max_bytes or s.max_bytes, allow_host,
                                  s.allow_private if allow_private is None else allow_private,
                                  s.respect_robots if robots is None else robots, per_host, delay_s)
            except _Retry as r:
                attempt += 1
                err = r.error
                if r.retry_after is not None and r.retry_after > s.max_retry_after_s:
                    raise type(err)(url, *_args(err), f"{err} with Retry-After {r.retry_after:.0f}s, "
                                    f"more than the {s.max_retry_after_s:.0f}s cap: giving up") from None
                if attempt > s.retries:
                    raise type(err)(url, *_args(err), f"{err} (gave up after {attempt} attempts)") from None
                wait = r.retry_after if r.retry_after is not None else s.backoff_s * 2 ** (attempt - 1)
                wait *= 1 if r.retry_after is not None else random.uniform(0.8, 1.2)  # no thundering herd
                self._count(retries=1)
                self._sleep(wait)

    # ---- one attempt, redirects included -----------------------------------------------------

    def _once(self, url, method, data, etag, last_modified, expect, max_bytes, allow_host,
              allow_private, robots, per_host, delay_s) -> Response:
        s = self.settings
        current, hops = url, 0
        while True:
            self._check(current, allow_host, allow_private, robots, per_host, delay_s)
            slot = self.slots.slot(current, per_host, delay_s)
            with slot:
                started = time.monotonic()
                deadline = started + s.total_timeout_s
                headers = {}
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
                try:
                    request = self.client.build_request(method, current, data=data, headers=headers)
                    self._count(requests=1)
                    resp = self.client.send(request, stream=True)
                except httpx.TimeoutException as exc:
                    raise _Retry(NetworkError(current, f"timed out ({type(exc).__name__})")) from None
                except httpx.TransportError as exc:
                    raise _Retry(NetworkError(current, f"{type(exc).__name__}: {exc or 'connection failed'}")) from None
                try:
                    if resp.status_code in REDIRECT_STATUSES and resp.headers.get("location"):
                        hops += 1
                        if hops > s.max_redirects:
                            raise TooManyRedirects(url, f"more than {s.max_redirects} redirects "
                                                        f"(last to {resp.headers['location'][:200]})")
                        nxt = urljoin(current, resp.headers["location"])
                        if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                            method, data = "GET", None
                        current = nxt
                        continue
                    if resp.status_code == 304:
                        self._count(not_modified=1)
                        return Response(url, current, 304, None, None, resp.headers.get("content-type"),
                                        resp.headers.get("etag") or etag,
                                        resp.headers.get("last-modified") or last_modified, _now())
                    if resp.status_code in s.retry_statuses:
                        raise _Retry(ServerError(current, resp.status_code, f"HTTP {resp.status_code}"),
                                     retry_after_s(resp.headers.get("retry-after")))
                    if resp.status_code >= 400 or resp.status_code < 200:
                        raise HTTPStatusError(current, resp.status_code)
                    body = self._read(resp, current, max_bytes, deadline)
                finally:
                    resp.close()
            self._count(downloads=1, bytes=len(body))
            mtype = self._sniff(body, current, url, expect)
            return Response(url, current, resp.status_code, body, mtype, resp.headers.get("content-type"),
                            resp.headers.get("etag"), resp.headers.get("last-modified"), _now())

    def _check(self, url: str, allow_host, allow_private: bool, robots: bool, per_host=None, delay_s=None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(url, "not an http(s) URL")
        if allow_host is not None and not allow_host(host_of(url)):
            raise Refused(url, f"host {host_of(url)} is outside this source")
        check_address(url, allow_private)
        if robots:
            opts = dict(allow_private=allow_private, per_host=per_host, delay_s=delay_s)
            if not self.robots.allowed(url, **opts):
                self._count(robots_blocked=1)
                raise Refused(url, "disallowed by robots.txt")
            host = host_of(url)
            if host not in self._delay_checked:
                self._delay_checked.add(host)
                d = self.robots.crawl_delay(url, **opts)
                if d:
                    self.slots.slow_down(url, d)

    def _read(self, resp: httpx.Response, url: str, max_bytes: int, deadline: float) -> bytes:
        length = resp.headers.get("content-length")
        if length and length.strip().isdigit() and int(length) > max_bytes:
            raise TooLarge(url, f"Content-Length {int(length):,} bytes exceeds the {max_bytes:,}-byte cap")
        if time.monotonic() > deadline:
            raise TooSlow(url, f"no complete answer within {self.settings.total_timeout_s:g}s")
        chunks, size = [], 0
        try:
            # chunk_size=None: control comes back after every network read, so the deadline
            # is checked even while a server trickles bytes.
            for chunk in resp.iter_bytes(chunk_size=None):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(url, f"body passed the {max_bytes:,}-byte cap (stopped reading)")
                if time.monotonic() > deadline:
                    raise TooSlow(url, f"response still incomplete after {self.settings.total_timeout_s:g}s "
                                       f"({size:,} bytes received): stopped")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise _Retry(NetworkError(url, f"read timed out after {size:,} bytes")) from None
        except httpx.TransportError as exc:
            raise _Retry(NetworkError(url, f"{type(exc).__name__} after {size:,} bytes: {exc}")) from None
        except httpx.DecodingError as exc:
            raise WrongContent(url, f"cannot decode the body: {exc}") from None
        return b"".join(chunks)

    def _sniff(self, body: bytes, final_url: str, url: str, expect: Expect) -> str:
        if expect != "file":
            return sniff.media_type_of(body, final_url)
        # Judge by the URL the link promised as well as the one it redirected to.
        try:
            mtype = sniff.check_expected(body, url)
            if sniff.expected_of(url) is None:
                mtype = sniff.check_expected(body, final_url)
        except ValueError as exc:
            raise WrongContent(url, str(exc)) from None
        if sniff.expected_of(url) is None and sniff.expected_of(final_url) is None and sniff.is_page(mtype):
            raise WrongContent(url, f"expected a document, got {sniff._name(mtype)}")
        return mtype

    # ---- robots.txt --------------------------------------------------------------------------

    def _fetch_robots(self, robots_url: str, **options) -> tuple[int, bytes]:
        memo = self.robots_memo
        kept = memo.recall(robots_url) if memo is not None else None
        try:
            r = self.fetch(robots_url, robots=False, max_bytes=ROBOTS_MAX_BYTES,
                           etag=kept[0] if kept else None, last_modified=kept[1] if kept else None, **options)
            if r.not_modified and kept:
                return 200, kept[2]
            if memo is not None and r.status == 200 and r.body is not None:
                memo.keep(robots_url, r)
            return r.status, r.body or b""
        except HTTPStatusError as exc:
            return exc.status, b""
        except ServerError as exc:
            return exc.status, b""
        except (FetchError, Refused):
            return 0, b""


def _args(err: FetchError) -> tuple:
    return (err.status,) if isinstance(err, (ServerError, HTTPStatusError)) else ()


def _now() -> datetime:
    return datetime.now(timezone.utc)
