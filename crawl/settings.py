"""`CrawlSettings`: every knob of the fetching layer in one validated dataclass.

Defaults are named module constants; `__post_init__` rejects nonsense with a message that
names the setting, the value it got and what is allowed (the pdfplumber `TableSettings`
habit). A source's own limits (`sources.Limits`) narrow these per site; see
`CrawlSettings.for_source`.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from core import __version__

SOURCES_ENV = "GONGKAI_SOURCES"
"""The environment variable naming the sources file (`crawl.sources`); here, in the light
settings module, so that the CLI can name it without loading the sources' pydantic models."""

CONTACT_ENV = "GONGKAI_CRAWL_CONTACT"
CONTACT_URL = "https://github.com/gongkai-project/gongkai"   # where a webmaster finds who we are


def default_user_agent() -> str:
    """`gongkai/<version> (+<contact>; …)`; the contact can be set with $GONGKAI_CRAWL_CONTACT
    (a URL or a mailbox of whoever runs the crawl)."""
    contact = os.environ.get(CONTACT_ENV) or CONTACT_URL
    return f"gongkai/{__version__} (+{contact}; annual-report crawler)"


USER_AGENT = default_user_agent()

DELAY_S = 2.0                 # between two request starts on one host (Scrapy DOWNLOAD_DELAY)
PER_HOST = 2                  # requests in flight per host at most
WORKERS = 4                   # fetch threads across all hosts
CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 30.0         # longest silence between two chunks
TOTAL_TIMEOUT_S = 180.0       # one response, headers to last byte: a trickling server is cut off
MAX_BYTES = 200 * 1024 * 1024 # one body; a Content-Length above it is refused before reading
MAX_PAGE_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 5
RETRIES = 3                   # extra attempts after the first, for transient failures only
BACKOFF_S = 1.0               # first retry waits this, then doubles
MAX_RETRY_AFTER_S = 120.0     # a Retry-After longer than this gives up on the URL instead
MAX_PAGES = 500               # list + detail pages per source
MAX_DOCUMENTS = 2000          # reports per source
MAX_DEPTH = 4                 # list-page hops from a start URL
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})


@dataclass
class CrawlSettings:
    user_agent: str = field(default_factory=default_user_agent)
    delay_s: float = DELAY_S
    per_host: int = PER_HOST
    workers: int = WORKERS
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    read_timeout_s: float = READ_TIMEOUT_S
    total_timeout_s: float = TOTAL_TIMEOUT_S
    max_bytes: int = MAX_BYTES
    max_page_bytes: int = MAX_PAGE_BYTES
    max_redirects: int = MAX_REDIRECTS
    retries: int = RETRIES
    backoff_s: float = BACKOFF_S
    max_retry_after_s: float = MAX_RETRY_AFTER_S
    max_pages: int = MAX_PAGES
    max_documents: int = MAX_DOCUMENTS
    max_depth: int = MAX_DEPTH
    respect_robots: bool = True
    allow_private: bool = False
    """Loopback, private, link-local and reserved addresses are refused unless this is set
    (tests, an intranet mirror); checked on the resolved IP of every hop."""
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)

    _POSITIVE = ("connect_timeout_s", "read_timeout_s", "total_timeout_s", "max_bytes",
                 "max_page_bytes", "per_host", "workers", "max_pages", "max_documents")
    _NON_NEGATIVE = ("delay_s", "max_redirects", "retries", "backoff_s", "max_retry_after_s", "max_depth")

    def __post_init__(self) -> None:
        for name in self._POSITIVE:
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"CrawlSettings.{name} must be a number > 0, got {v!r}")
        for name in self._NON_NEGATIVE:
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"CrawlSettings.{name} must be a number >= 0, got {v!r}")
        if "gongkai" not in self.user_agent.lower():
            raise ValueError(f"CrawlSettings.user_agent must name gongkai, got {self.user_agent!r}")
        self.retry_statuses = frozenset(self.retry_statuses)

    def replace(self, **changes) -> "CrawlSettings":
        return dataclasses.replace(self, **changes)

    def for_source(self, limits) -> "CrawlSettings":
        """These settings narrowed by a source's `limits` (a `sources.Limits`; None fields keep
        the global value). A source may ask for more politeness or fewer pages, and may allow
        private addresses (an intranet mirror)."""
        if limits is None:
            return self
        changes = {}
        for name, attr in (("max_pages", "max_pages"), ("max_documents", "max_documents"),
                           ("delay_s", "delay_s"), ("per_host", "concurrency"), ("max_depth", "max_depth")):
            v = getattr(limits, attr, None)
            if v is not None:
                changes[name] = v
        return self.replace(**changes) if changes else self
