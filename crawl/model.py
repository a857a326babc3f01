"""The crawler's plain data: what a page links to, what was fetched, what was found.

`Link` is what the pure CMS parsers return. `Fetched` is one fetched file, shaped for the
storage layer (`storage.DocumentInfo(sha256=…, size=…, media_type=…, path=…, source_url=url,
referrer_url=page_url, fetched_at=…, etag=…, last_modified=…)`). `FoundReport` is one annual
report the crawl found: one file (inline page or attachment) or, for a report posted as a
series of pictures, the page and its images.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal, get_args

Role = Literal["list", "next", "api", "detail", "attachment", "image"]
"""What a link leads to: `list` a sub-column (another list page), `next` the next page of
the same list, `api` a list-data endpoint (Hanweb dataproxy, gkmlpt JSON), `detail` an
article page, `attachment` a document file, `image` a picture in an article."""
ROLES: tuple[str, ...] = get_args(Role)

Kind = Literal["inline_html", "attachment", "image"]
KINDS: tuple[str, ...] = get_args(Kind)

FileKind = Literal["inline_html", "attachment", "image", "page", "alternate"]
"""`alternate`: another document holding the same report (another format of the attachment,
or the attachment when the page is the report); `page`: the article page of an image report,
or of an attachment report whose page holds the report too."""
FetchStatus = Literal["new", "unchanged", "failed", "planned"]
"""`new`: bytes not seen at this URL before (stored); `unchanged`: 304 or the same sha256;
`failed`: see `error`; `planned`: a dry run, nothing fetched."""


@dataclass(frozen=True)
class Link:
    url: str
    role: Role
    title: str = ""
    date: str | None = None          # the listing's date, ISO `YYYY-MM-DD` when it shows one
    agency: str | None = None        # the listing's publisher, when it names one (gkmlpt)
    method: str = "GET"
    data: tuple[tuple[str, str], ...] | None = None   # form fields of a POST (Hanweb dataproxy)
    parser: str | None = None        # which parser reads the answer, e.g. "hanweb.dataproxy"

    @property
    def key(self) -> str:
        """The fetch-state key: the URL, plus the form of a POST (two dataproxy pages share a URL
        path but not a body)."""
        if self.method == "GET" or not self.data:
            return self.url
        from urllib.parse import urlencode
        return f"{self.method} {self.url} {urlencode(sorted(self.data))}"


@dataclass
class Fetched:
    """One fetched file; `path` is where the raw store keeps its bytes."""

    url: str
    page_url: str | None = None
    sha256: str | None = None
    path: str | None = None
    size: int | None = None
    media_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
    title: str | None = None
    year: int | None = None
    agency: str | None = None
    kind: FileKind = "attachment"
    status: FetchStatus = "new"
    error: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fetched_at"] = self.fetched_at.isoformat() if self.fetched_at else None
        return d

    def document_fields(self) -> dict:
        """Keyword arguments for `storage.DocumentInfo` (None for a failed fetch, which has no
        bytes: record it with `storage.record_failure` only if a sha256 is known)."""
        if not self.sha256:
            return {}
        from pathlib import PurePosixPath
        from urllib.parse import unquote, urlsplit
        name = PurePosixPath(unquote(urlsplit(self.url).path)).name or None
        return {"sha256": self.sha256, "size": self.size, "media_type": self.media_type, "filename": name,
                "path": self.path, "source_url": self.url, "referrer_url": self.page_url,
                "fetched_at": self.fetched_at, "etag": self.etag, "last_modified": self.last_modified}


@dataclass
class FoundReport:
    """One report found on a source. `url` is the report file or the inline page (for an image
    report, the page that shows the pictures); `page` is where the listing linked it from."""

    source: str
    url: str
    page: str | None
    title: str
    year: int | None
    agency: str | None
    kind: Kind
    published: str | None = None
    images: list[str] = field(default_factory=list)
    files: list[Fetched] = field(default_factory=list)
    alternates: list[str] = field(default_factory=list)
    """Other documents holding the same report: another format of the file, or the article
    page when it holds the report too (their `Fetched` are in `files`, after `url`'s)."""

    @property
    def sha256(self) -> str | None:
        """The sha256 of `url`'s bytes, once fetched."""
        return next((f.sha256 for f in self.files if f.url == self.url), None)

    @property
    def status(self) -> FetchStatus:
        """new / unchanged / failed from the report's own files; an alternate that could not
        be fetched does not fail the report."""
        own = [f for f in self.files if f.url not in self.alternates]
        if not own:
            return "planned" if not self.files else "failed"
        states = {f.status for f in own}
        for s in ("failed", "new", "planned"):
            if s in states:
                return s  # type: ignore[return-value]
        return "unchanged"

    def members(self) -> list[Fetched]:
        """The fetched files this report is read from, in reading order: its one file; for a
        report posted as pictures, the page (title, agency, date) and then each picture. The
        one definition of a multi-file report: every command groups a report this way."""
        fetched = [f for f in self.files if f.sha256 and f.path]
        return fetched if self.kind == "image" else fetched[:1]

    @property
    def error(self) -> str | None:
        return next((f.error if f.url == self.url else f"{f.url}: {f.error}" for f in self.files
                     if f.error and f.url not in self.alternates), None)

    def to_json(self) -> dict:
        """One `--json` line: url, page, title, year, agency, kind, sha256 (+ the rest)."""
        out = {"url": self.url, "page": self.page, "title": self.title, "year": self.year,
               "agency": self.agency, "kind": self.kind, "sha256": self.sha256,
               "source": self.source, "published": self.published, "status": self.status}
        if self.kind == "image" or self.images:
            by_url = {f.url: f.sha256 for f in self.files}
            out["images"] = [{"url": u, "sha256": by_url.get(u)} for u in self.images]
        if self.alternates:
            by_url = {f.url: f.sha256 for f in self.files}
            out["alternates"] = [{"url": u, "sha256": by_url.get(u)} for u in self.alternates]
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class CrawlSummary:
    pages: int = 0               # list and detail pages visited
    reports: int = 0             # reports found
    new: int = 0
    unchanged: int = 0
    failed: int = 0
    planned: int = 0             # dry run
    downloads: int = 0           # bodies actually received (200s), pages and files
    not_modified: int = 0        # 304 answers
    bytes: int = 0
    robots_blocked: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)   # (url, message), pages and files
    skipped: list[dict] = field(default_factory=list)
    """Entries that resemble a report and were not taken (look-alikes, old reports): their
    `--json` lines, `{"url", "page", "title", "year", "status": "skipped", "skipped": why}`."""

    def count(self, report: FoundReport) -> None:
        self.reports += 1
        setattr(self, report.status, getattr(self, report.status) + 1)

    def to_dict(self) -> dict:
        return asdict(self)
