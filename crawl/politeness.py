"""Politeness, kept apart from parsing (Scrapy's `Slot` and robots middleware).

* `HostSlots`: one slot per host, holding a semaphore (requests in flight ≤ `per_host`) and
  the time the next request may start (`delay_s` between two starts, like Scrapy's
  DOWNLOAD_DELAY; a robots.txt `Crawl-delay` raises it for that host, never lowers it).
* `RobotsCache`: each host's robots.txt fetched once and parsed with the stdlib parser.
  RFC 9309 §2.3.1: a 4xx robots.txt (no rules) allows everything; a 5xx or unreachable one
  means "assume complete disallow" for this crawl — politeness first, since a flaky
  server is exactly the one to leave alone.
* `check_address`: the resolved IPs of a host must be public unless private addresses are
  allowed (a crawler told to fetch a URL must not be turned against the machine's own
  network). Checked on every hop, redirects included.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib import robotparser
from urllib.parse import urlsplit

from core.errors import GongkaiError


class Refused(GongkaiError):
    """The crawler will not fetch this URL (robots.txt, a private address, another host)."""

    def __init__(self, url: str, reason: str):
        super().__init__(reason)
        self.url, self.reason = url, reason


def host_of(url: str) -> str:
    """`host[:port]` (an IPv6 literal in brackets): one politeness slot per host and port."""
    parts = urlsplit(url)
    name = (parts.hostname or "").lower()
    if ":" in name:
        name = f"[{name}]"
    return name + (f":{parts.port}" if parts.port else "")


def hostname_of(host: str) -> str:
    """`host[:port]` → the bare host name (`[::1]:80` → `::1`)."""
    if host.startswith("["):
        return host[1:host.index("]")].lower()
    return host.split(":")[0].lower()


@dataclass
class Slot:
    concurrency: int
    delay_s: float
    next_start: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sem: threading.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.sem = threading.BoundedSemaphore(self.concurrency)

    def __enter__(self) -> "Slot":
        self.sem.acquire()
        # Reserve a start time under the lock, then sleep outside it: two threads waiting for
        # the same host get start times `delay_s` apart instead of racing.
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.delay_s
        if start > now:
            time.sleep(start - now)
        return self

    def __exit__(self, *exc) -> None:
        # The delay also runs from the end of this exchange: a slow answer (or a request that
        # reached the server late) never lets the next one follow it closer than `delay_s`.
        # The server then sees arrivals at least `delay_s` apart whatever the machine's load.
        with self.lock:
            self.next_start = max(self.next_start, time.monotonic() + self.delay_s)
        self.sem.release()


class HostSlots:
    def __init__(self, per_host: int, delay_s: float):
        self.per_host, self.delay_s = per_host, delay_s
        self._slots: dict[str, Slot] = {}
        self._lock = threading.Lock()

    def slot(self, url: str, per_host: int | None = None, delay_s: float | None = None) -> Slot:
        host = host_of(url)
        with self._lock:
            s = self._slots.get(host)
            if s is None:
                s = self._slots[host] = Slot(per_host or self.per_host,
                                             self.delay_s if delay_s is None else delay_s)
            return s

    def slow_down(self, url: str, delay_s: float) -> None:
        s = self.slot(url)
        with s.lock:
            s.delay_s = max(s.delay_s, delay_s)


# ---- robots.txt ------------------------------------------------------------------------------

RobotsFetch = Callable[..., tuple[int, bytes]]
"""(robots URL, **the asking request's options) → (status, body); status 0 for a network
failure or a refused address."""


class RobotsCache:
    def __init__(self, fetch: RobotsFetch, user_agent: str):
        self._fetch, self.user_agent = fetch, user_agent
        self._parsers: dict[str, robotparser.RobotFileParser] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._delays: dict[str, float | None] = {}
        self.fetched: list[str] = []

    def _parser(self, url: str, **options) -> robotparser.RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin even when several threads ask at once
            p = self._parsers.get(origin)
            if p is None:
                p = self._parsers[origin] = self._load(origin + "/robots.txt", **options)
            return p

    def _load(self, robots_url: str, **options) -> robotparser.RobotFileParser:
        p = robotparser.RobotFileParser(robots_url)
        self.fetched.append(robots_url)
        status, body = self._fetch(robots_url, **options)
        if status in (401, 403) or status == 0 or status >= 500:
            p.disallow_all = True
        elif 400 <= status < 500 or status < 200 or status >= 300:
            p.allow_all = True
        else:
            from crawl.sniff import decode
            lines = decode(body).splitlines()
            p.parse(lines)
            self._delays[robots_url] = _crawl_delay(lines, self.user_agent)
        p.modified()
        return p

    def allowed(self, url: str, **options) -> bool:
        """`options` (allow_private, per_host, delay_s) apply to the robots.txt fetch."""
        return self._parser(url, **options).can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str, **options) -> float | None:
        p = self._parser(url, **options)
        return self._delays.get(p.url)


def _crawl_delay(lines: list[str], user_agent: str) -> float | None:
    """`Crawl-delay` of the group for our agent, else of `*`. (The stdlib parser only reads
    whole seconds; "Crawl-delay: 0.5" is common.)"""
    token = user_agent.split("/")[0].lower()
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (x.strip() for x in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        else:
            in_rules = True
            if key == "crawl-delay":
                try:
                    d = float(value)
                except ValueError:
                    continue
                for a in agents:
                    delays.setdefault(a, d)
    for a, d in delays.items():
        if a != "*" and a in token:
            return d
    return delays.get("*")


# ---- addresses ------------------------------------------------------------------------------

def is_public(ip: str) -> bool:
    a = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped:
        a = a.ipv4_mapped
    return not (a.is_private or a.is_loopback or a.is_link_local or a.is_reserved
                or a.is_multicast or a.is_unspecified or (hasattr(a, "is_site_local") and a.is_site_local))


def check_address(url: str, allow_private: bool) -> None:
    """Raise `Refused` unless every address `url`'s host resolves to is public (or private
    addresses are allowed). A name that does not resolve is left to the request to fail."""
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        ip = info[4][0]
        if not is_public(ip):
            raise Refused(url, f"{host} resolves to the non-public address {ip} "
                               "(allow it in the source with allow_private, or --allow-private)")
