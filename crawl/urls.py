"""Report files fetched one URL at a time (a backfill list, a failed document fetched again),
and the nightly crawl of a sources file, as plain functions over the crawler's parts: the same
`Fetcher` (robots.txt, per-host slots and delay, retries of transient errors, size and time
caps), raw store and fetch state as `crawl.run.crawl`, so nothing here adds or bypasses
politeness.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Fetched, FoundReport


@dataclass
class UrlFetcher:
    """Fetch report files by URL into the raw store: one per run, shared by its threads, so
    its per-host slots bound concurrency per host and its delay spaces requests; the fetch
    state makes the next request conditional (ETag / Last-Modified), robots.txt included.
    `store` / `state`: a raw store and a `FetchState` (or its path); default the environment's."""

    settings: Any = None
    store: Any = None
    state: Any = None
    _fetcher: Any = field(default=None, init=False)
    _own: list = field(default_factory=list, init=False)

    def __enter__(self) -> "UrlFetcher":
        from .http import Fetcher
        from .rawstore import open_store
        from .run import _RobotsMemo
        from .settings import CrawlSettings
        from .state import FetchState

        self.settings = self.settings or CrawlSettings()
        self.store = self.store if self.store is not None else open_store()
        if not isinstance(self.state, FetchState):
            self.state = FetchState(self.state)
            self._own.append(self.state)
        self._fetcher = Fetcher(self.settings)
        self._fetcher.robots_memo = _RobotsMemo(self.state, self.store)
        self._own.append(self._fetcher)
        return self

    def __exit__(self, *exc: Any) -> None:
        for o in self._own:
            o.close()
        self._own = []

    def fetch(self, url: str, page_url: str | None = None) -> FoundReport:
        """One URL → a one-file report: `new`, `unchanged` (304 or the same bytes), or `failed`
        with the error. Transient failures were already retried by the fetcher."""
        from .http import FetchError
        from .politeness import Refused
        from .run import keep, validators

        etag, last_modified, sha = validators(self.state, self.store, url)
        report = FoundReport("url", url, page_url, "", None, None, "attachment")
        try:
            resp = self._fetcher.fetch(url, etag=etag, last_modified=last_modified, expect="file")
        except (FetchError, Refused) as exc:
            self.state.record_failure(url, url, str(exc), kind="attachment", page_url=page_url)
            report.files.append(Fetched(url, page_url, status="failed", error=str(exc)))
            return report
        fetched = keep(self.state, self.store, url, url, resp, None if resp.not_modified else resp.body,
                       kind="attachment", page_url=page_url)
        fetched.path = str(fetched.path) if fetched.path else None
        report.files.append(fetched)
        return report


def crawl_sources(sources: str | None = None, only: list[str] | None = None
                  ) -> tuple[list[FoundReport], dict[str, Any] | None, dict[str, int]]:
    """Crawl the sources file's sites (all, or the ones named in `only`).

    Returns the reports found, the crawl summary, and for each URL that failed to fetch how
    many crawls in a row it has failed (a dead link is given up on, in time). No sources file,
    when none was named: nothing to crawl (None summary), so that a run works on an inbox
    alone. A named file that is missing or invalid raises."""
    from .run import crawl
    from .settings import CrawlSettings
    from .sources import load_sources
    from .state import FetchState

    file = load_sources(sources, missing_ok=sources is None)
    chosen = [file.get(n) for n in only] if only else list(file.sources)
    if not chosen:
        return [], None, {}
    run = crawl(chosen, CrawlSettings())
    reports = list(run)
    failed = [r.url for r in reports if r.status == "failed"]
    attempts: dict[str, int] = {}
    if failed:
        state = FetchState()
        try:
            attempts = {row["url"]: row["attempts"] or 0 for u in failed for row in state.rows("url = ?", (u,))}
        finally:
            state.close()
    summary = run.summary.to_dict()
    summary["errors"] = [{"url": u, "error": e} for u, e in summary.get("errors", [])]
    return reports, summary, attempts
