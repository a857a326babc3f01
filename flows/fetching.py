"""Where documents come from, as plain functions (no Prefect): the crawl step over the
crawler's public loop (`crawl.run.crawl`), and report URLs fetched one by one (backfill, and
a failed fetch handed to `process-document`) through the crawler's `Fetcher`, raw store and
fetch state. Politeness (robots.txt, per-host slots and delay, retries of transient errors,
size and time caps) is the crawler's; nothing here adds or bypasses it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from flows.steps import DocRef, is_local_file, raw_store_path, ref_from_report


def crawl_reports(sources: str | None = None, only: list[str] | None = None
                  ) -> tuple[list[DocRef], dict[str, Any] | None]:
    """Crawl the sources file's sites (all, or the ones named in `only`) with the crawler
    (`crawl.run.crawl`: per-host slots, robots.txt, conditional GET, raw store) and return one
    DocRef per report found, with the crawl summary.

    No sources file, when none was named: nothing to crawl (None summary), so that `gongkai
    run` works on an inbox alone. A named file that is missing or invalid raises."""
    try:
        from crawl.run import crawl
        from crawl.settings import CrawlSettings
        from crawl.sources import load_sources
    except ImportError:  # pragma: no cover - the crawler is part of gongkai; a trimmed install
        return [], None
    file = load_sources(sources, missing_ok=sources is None)
    chosen = [file.get(n) for n in only] if only else list(file.sources)
    if not chosen:
        return [], None
    run = crawl(chosen, CrawlSettings())
    refs = [ref_from_report(rep) for rep in run]
    failed = [r for r in refs if r.sha256 is None and r.url]
    if failed:  # how many nights in a row each has failed: a dead link is given up on, in time
        from crawl.state import FetchState

        state = FetchState()
        try:
            attempts = {row["url"]: row["attempts"] or 0 for r in failed
                        for row in state.rows("url = ?", (r.url,))}
        finally:
            state.close()
        refs = [dataclasses.replace(r, fetch_attempts=attempts.get(r.url, 1)) if r.sha256 is None and r.url else r
                for r in refs]
    summary = run.summary.to_dict()
    summary["errors"] = [{"url": u, "error": e} for u, e in summary.get("errors", [])]
    return refs, summary



def crawl_settings(**changes: Any):
    """The crawler's settings (its defaults: 2 s between requests to a host, 2 in flight per
    host, robots.txt respected), with `changes`."""
    from crawl.settings import CrawlSettings

    return CrawlSettings(**changes)


@dataclass
class UrlFetcher:
    """Fetch report files by URL into the raw store, through the crawler's `Fetcher` (one per
    flow run, shared by its threads, so its per-host slots bound concurrency per host and its
    delay spaces requests) and its fetch state (conditional requests next time)."""

    settings: Any = None
    _fetcher: Any = field(default=None, init=False)
    _state: Any = field(default=None, init=False)
    _store: Any = field(default=None, init=False)

    def __enter__(self) -> "UrlFetcher":
        from crawl.http import Fetcher
        from crawl.rawstore import open_store
        from crawl.settings import CrawlSettings
        from crawl.state import FetchState

        self.settings = self.settings or CrawlSettings()
        self._fetcher, self._state, self._store = Fetcher(self.settings), FetchState(), open_store()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._fetcher.close()
        self._state.close()

    def fetch(self, url: str, page_url: str | None = None) -> DocRef:
        """One URL → a DocRef (fetch_status new/unchanged, or failed with the error). Transient
        failures were already retried by the crawler's fetcher."""
        from crawl.http import FetchError
        from crawl.politeness import Refused

        prev = self._state.previous(url)
        etag = last_modified = None
        if prev is not None and prev.status == "ok" and prev.sha256 and self._store.has(prev.sha256):
            etag, last_modified = prev.etag, prev.last_modified
        try:
            resp = self._fetcher.fetch(url, etag=etag, last_modified=last_modified, expect="file")
        except (FetchError, Refused) as exc:
            self._state.record_failure(url, url, str(exc), kind="attachment", page_url=page_url)
            return DocRef(sha256=None, url=url, page_url=page_url, origin="url", fetch_status="failed",
                          fetch_error=str(exc))
        if resp.not_modified:
            sha, size, mtype, status = prev.sha256, prev.size, prev.media_type, "unchanged"
            path = self._store.path(sha)
        else:
            sha, path, _ = self._store.put(resp.body)
            size, mtype = len(resp.body), resp.media_type
            status = "unchanged" if prev is not None and prev.sha256 == sha else "new"
        self._state.record_ok(url, url, sha256=sha, size=size, media_type=mtype, etag=resp.etag,
                              last_modified=resp.last_modified, fetched_at=resp.fetched_at,
                              changed=status == "new", kind="attachment", page_url=page_url)
        local = path if is_local_file(path) else raw_store_path(sha)
        return DocRef(sha256=sha, path=local, url=url, page_url=page_url, size=size, media_type=mtype,
                      fetched_at=resp.fetched_at.isoformat() if resp.fetched_at else None, etag=resp.etag,
                      last_modified=resp.last_modified, origin="url", fetch_status=status)


