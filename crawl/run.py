"""The crawl loop: sources in, `FoundReport`s out.

    run = crawl(load_sources().sources, CrawlSettings())
    for report in run:          # yielded as soon as all of a report's files are fetched
        ...
    run.summary                 # pages, reports, new, unchanged, failed, downloads, errors

Fetches run on a thread pool (`settings.workers`); everything else — parsing, the raw
store, the fetch state — happens in the caller's thread, in the order results arrive. A
host never has more than its slot's concurrency in flight (`politeness.Slot`), and the
scheduler does not even hand a thread a task for a host that is full, so other hosts keep
moving. Every fetch is committed to the state at once: an interrupted crawl, restarted,
re-reads what it has with conditional requests (304) and downloads only the rest.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Literal

from crawl import discover, sniff
from crawl.cms import api_links_of, detect, generic, links_of
from crawl.http import Fetcher, FetchError, Response
from crawl.model import CrawlSummary, Fetched, FoundReport, Link
from crawl.politeness import Refused, host_of
from crawl.rawstore import NullStore, open_store
from crawl.settings import CrawlSettings
from crawl.sources import Source
from crawl.state import FetchState
from core.errors import GongkaiError

Purpose = Literal["list", "article", "file"]


@dataclass
class _Pending:
    report: FoundReport
    remaining: int


@dataclass
class Task:
    source: Source
    settings: CrawlSettings
    link: Link
    purpose: Purpose
    depth: int = 0
    page_url: str | None = None
    candidate: discover.Candidate | None = None
    pending: _Pending | None = None
    kind: str = "page"
    zone: discover.Zone = "reports"     # list pages: see `discover.follow`
    scope: str | None = None


@dataclass
class _SourceCounters:
    pages: int = 0
    documents: int = 0


@dataclass
class _Result:
    response: Response | None = None
    error: GongkaiError | None = None
    body: bytes | None = None            # the bytes: downloaded, or the stored copy after a 304


class _RobotsMemo:
    """robots.txt answers kept in the raw store and the fetch state, like any fetched file, so
    the next crawl revalidates them (thread-safe: both are)."""

    def __init__(self, state: FetchState, store):
        self.state, self.store = state, store

    def recall(self, url: str) -> tuple[str | None, str | None, bytes] | None:
        prev = self.state.previous(url)
        if prev is None or prev.status != "ok" or not prev.sha256 or not (prev.etag or prev.last_modified) \
                or not self.store.has(prev.sha256):
            return None
        return prev.etag, prev.last_modified, self.store.get(prev.sha256)

    def keep(self, url: str, response: Response) -> None:
        sha, _, _ = self.store.put(response.body)
        self.state.record_ok(url, url, sha256=sha, size=len(response.body), media_type="text/plain",
                             etag=response.etag, last_modified=response.last_modified,
                             fetched_at=response.fetched_at, changed=True, kind="robots")


class CrawlRun:
    """Iterate for the reports; `summary` is kept up to date as the crawl goes."""

    def __init__(self, sources: Iterable[Source], settings: CrawlSettings, *, store, state: FetchState,
                 fetcher: Fetcher, dry_run: bool, on_fetch: Callable[[str, CrawlSummary], None] | None,
                 close: Callable[[], None]):
        self.sources = list(sources)
        self.settings, self.store, self.state, self.fetcher = settings, store, state, fetcher
        if not dry_run and fetcher.robots_memo is None:
            fetcher.robots_memo = _RobotsMemo(state, store)
        self.dry_run, self.on_fetch, self._close = dry_run, on_fetch, close
        self.summary = CrawlSummary()
        self._seen: set[str] = set()
        self._reported: set[str] = set()
        self._skipped: set[str] = set()
        self._counters: dict[str, _SourceCounters] = {}
        self._host_inflight: dict[str, int] = {}
        self._pending: list[_Pending] = []
        self._started = False

    # ---- the loop ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[FoundReport]:
        if self._started:
            raise RuntimeError("a CrawlRun can be iterated once")
        self._started = True
        frontier: deque[Task] = deque()
        run_ids = {}
        for src in self.sources:
            ss = self.settings.for_source(src.limits)
            if src.allow_private:
                ss = ss.replace(allow_private=True)
            self._counters[src.name] = _SourceCounters()
            if not self.dry_run:
                run_ids[src.name] = self.state.start_run(src.name)
            for u in src.start_urls:
                frontier.append(Task(src, ss, Link(u, "list", src.name), "list", zone="start"))
        inflight: dict[Future, Task] = {}
        pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="gongkai-fetch")
        try:
            while frontier or inflight:
                self._submit(pool, frontier, inflight)
                if not inflight:
                    continue
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    task = inflight.pop(fut)
                    self._host_inflight[host_of(task.link.url)] -= 1
                    result = fut.result()  # a defect (not a GongkaiError) propagates and stops the crawl
                    yield from self._handle(task, result, frontier)
            for p in self._pending:  # never expected: a report whose files were not all seen to
                if p.remaining > 0:   # the end still counts, as failed
                    p.report.files.append(Fetched(p.report.url, p.report.page, status="failed",
                                                  error="crawl ended before all files were fetched"))
                    yield from self._emit(p.report)
            for name, run_id in run_ids.items():
                self.state.finish_run(run_id, self.summary.to_dict())
        finally:
            for fut in inflight:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            self._save_finished(inflight)
            self._close()

    def _save_finished(self, inflight: dict[Future, Task]) -> None:
        """After an interruption: keep what the threads had already downloaded (raw store and
        fetch state), so the restarted crawl revalidates it instead of downloading it again."""
        for fut, task in inflight.items():
            if not fut.done() or fut.cancelled() or fut.exception() is not None:
                continue
            result = fut.result()
            if result.error is None and result.response is not None and not result.response.not_modified:
                try:
                    self._keep(task, result)
                except Exception:  # noqa: BLE001 - never mask the error that stopped the crawl
                    pass

    def run(self) -> CrawlSummary:
        """Crawl to the end, discarding the reports; returns the summary."""
        for _ in self:
            pass
        return self.summary

    def _submit(self, pool, frontier: deque[Task], inflight: dict[Future, Task]) -> None:
        """Hand threads tasks whose host has a free slot, oldest first."""
        limit = self.settings.workers * 2
        waiting: list[Task] = []
        while frontier and len(inflight) < limit:
            task = frontier.popleft()
            host = host_of(task.link.url)
            if self._host_inflight.get(host, 0) >= task.settings.per_host:
                waiting.append(task)
                continue
            if not self._admit(task):
                continue
            self._host_inflight[host] = self._host_inflight.get(host, 0) + 1
            inflight[pool.submit(self._fetch, task, self._conditional(task))] = task
        frontier.extendleft(reversed(waiting))

    def _admit(self, task: Task) -> bool:
        """Pages are fetched once per crawl and count against `max_pages`. Files are not
        de-duplicated here (a report waits for each of its files; the same picture on two
        report pages is asked twice, the second time answered 304)."""
        if task.purpose == "file":
            return True
        key = task.link.key
        if key in self._seen:
            return False
        self._seen.add(key)
        c = self._counters[task.source.name]
        if c.pages >= task.settings.max_pages:
            self._note_error(task.link.url, f"not fetched: max_pages ({task.settings.max_pages}) reached")
            return False
        c.pages += 1
        return True

    def _conditional(self, task: Task) -> tuple[str | None, str | None, str | None]:
        """(etag, last_modified, sha256) to revalidate with, when the stored copy is there.
        Never for a POST: a conditional POST that matches is answered 412, not 304."""
        if task.link.method != "GET":
            return None, None, None
        return validators(self.state, self.store, task.link.key)

    # ---- in a fetch thread -------------------------------------------------------------------

    def _fetch(self, task: Task, cond: tuple[str | None, str | None, str | None]) -> _Result:
        etag, last_modified, sha = cond
        s = task.settings
        try:
            resp = self.fetcher.fetch(
                task.link.url, method=task.link.method, data=dict(task.link.data) if task.link.data else None,
                etag=etag, last_modified=last_modified,
                expect="file" if task.purpose == "file" else "page",
                max_bytes=s.max_bytes if task.purpose != "list" else s.max_page_bytes,
                allow_host=task.source.allows_host, allow_private=s.allow_private,
                per_host=s.per_host, delay_s=s.delay_s)
        except (FetchError, Refused) as exc:
            return _Result(error=exc)
        if resp.not_modified:
            return _Result(resp, body=self.store.get(sha) if sha else None)
        return _Result(resp, body=resp.body)

    # ---- back in the caller's thread ---------------------------------------------------------

    def _note_error(self, url: str, message: str) -> None:
        self.summary.errors.append((url, message))

    def _handle(self, task: Task, result: _Result, frontier: deque[Task]) -> Iterator[FoundReport]:
        if task.purpose in ("list", "article"):
            self.summary.pages += 1
        self.summary.downloads = self.fetcher.stats.downloads
        self.summary.not_modified = self.fetcher.stats.not_modified
        self.summary.bytes = self.fetcher.stats.bytes
        self.summary.robots_blocked = self.fetcher.stats.robots_blocked
        if self.on_fetch:
            self.on_fetch(task.link.url, self.summary)
        if result.error is not None:
            yield from self._failed(task, result.error)
            return
        fetched = self._keep(task, result)
        if task.purpose == "file":
            yield from self._file_done(task.pending, fetched)
            return
        mtype = fetched.media_type or sniff.media_type_of(result.body or b"", task.link.url)
        if not sniff.is_page(mtype):
            if task.purpose == "article" and task.candidate is not None:
                # The "article" link was the report file itself (download.jsp?id=…).
                yield from self._article_is_file(task, fetched)
            else:
                self._note_error(task.link.url, f"list page is not HTML ({mtype})")
            return
        text = sniff.decode(result.body or b"", result.response.content_type)
        base = result.response.final_url or task.link.url   # relative links resolve after redirects
        try:
            if task.purpose == "list":
                found = list(self._expand(task, text, frontier, base))
            else:
                found = list(self._article(task, text, fetched, frontier, base))
        except Exception as exc:  # noqa: BLE001 - a page our parsers choke on costs only that page
            self._note_error(task.link.url, f"internal error reading the page ({type(exc).__name__}: {exc})")
            return
        yield from found

    def _keep(self, task: Task, result: _Result) -> Fetched:
        """Store the bytes and record the fetch; the `Fetched` for it."""
        cand = task.candidate
        return keep(self.state, self.store, task.link.key, task.link.url, result.response, result.body,
                    source=task.source.name, kind=task.kind, page_url=task.page_url,
                    title=cand.title if cand else None, year=cand.year if cand else None,
                    agency=cand.agency if cand else None)

    def _failed(self, task: Task, exc: GongkaiError) -> Iterator[FoundReport]:
        url = task.link.url
        self._note_error(url, str(exc))
        cand = task.candidate
        if not self.dry_run and not isinstance(exc, Refused):
            self.state.record_failure(task.link.key, url, str(exc), source=task.source.name, kind=task.kind,
                                      page_url=task.page_url, title=cand.title if cand else None,
                                      year=cand.year if cand else None, agency=cand.agency if cand else None)
        failed = Fetched(url, task.page_url, kind=task.kind, status="failed",  # type: ignore[arg-type]
                         error=str(exc), title=cand.title if cand else None,
                         year=cand.year if cand else None, agency=cand.agency if cand else None)
        if task.purpose == "file":
            yield from self._file_done(task.pending, failed)
        elif task.purpose == "article" and cand is not None and cand.verdict == "report" \
                and not isinstance(exc, Refused):
            # The listing says a report is there and we could not get it: a failed report.
            self._reported.add(url)
            yield from self._emit(FoundReport(task.source.name, url, task.page_url, cand.title, cand.year,
                                              cand.agency, "inline_html", cand.link.date, files=[failed]))

    def _expand(self, task: Task, text: str, frontier: deque[Task], base: str) -> Iterator[FoundReport]:
        src, link = task.source, task.link
        if link.parser:
            found = api_links_of(link, text)
        else:
            found = links_of(src.cms if src.cms != "auto" else detect(base, text), base, text)
        title = ""
        if task.zone == "start" and not link.parser:
            doc = generic.parse(text)
            title = generic.page_title(doc) if doc is not None else ""
        sorted_ = discover.follow(src, link.url, found, task.depth, task.settings.max_depth, zone=task.zone,
                                  page_title=title, scope=task.scope)
        for visit in sorted_.pages:
            frontier.append(Task(src, task.settings, visit.link, "list", visit.depth, link.url,
                                 zone=visit.zone, scope=visit.scope))
        for skip in sorted_.skipped:
            self._skip(skip)
        candidates = sorted_.candidates
        for cand in candidates:
            if cand.link.role != "attachment":
                frontier.append(Task(src, task.settings, cand.link, "article", task.depth, link.url, cand))
                continue
            # A report file linked straight from the list.
            if cand.link.url in self._reported or not self._budget(task):
                continue
            self._reported.add(cand.link.url)
            rep = FoundReport(src.name, cand.link.url, link.url, cand.title, cand.year,
                              cand.agency or src.agency, "attachment", cand.link.date)
            yield from self._queue_files(task, rep, [cand.link], frontier)

    def _skip(self, skip: discover.Skipped) -> None:
        """Note an entry that resembles a report and is not one to take (once per URL)."""
        if skip.url in self._skipped or skip.url in self._reported:
            return
        self._skipped.add(skip.url)
        self.summary.skipped.append(skip.to_json())

    def _budget(self, task: Task) -> bool:
        c = self._counters[task.source.name]
        if c.documents >= task.settings.max_documents:
            return False
        c.documents += 1
        return True

    def _queue_files(self, task: Task, rep: FoundReport, links: list[Link], frontier: deque[Task],
                     first: Fetched | None = None) -> Iterator[FoundReport]:
        """Queue the report's files; the report is emitted when the last one is done (at once
        when it has none left to fetch, or in a dry run, which fetches no file)."""
        if first is not None:
            rep.files.append(first)
        links = list({lk.url: lk for lk in links}.values())
        if self.dry_run:
            rep.files = []
            yield from self._emit(rep)
            return
        if not links:
            yield from self._emit(rep)
            return
        pending = _Pending(rep, len(links))
        self._pending.append(pending)
        for lk in links:
            fc = discover.Candidate(lk, rep.page, rep.title, rep.year, rep.agency, "report")
            kind = "image" if lk.role == "image" else "alternate" if lk.url in rep.alternates else "attachment"
            frontier.append(Task(task.source, task.settings, lk, "file", task.depth, rep.page, fc, pending, kind))

    def _article(self, task: Task, text: str, page: Fetched, frontier: deque[Task], base: str
                 ) -> Iterator[FoundReport]:
        cand = task.candidate
        if task.depth + 1 <= task.settings.max_depth and discover.page_shape(base, text, task.source.cms) == "list":
            # A column named like a report: read it as the list it is.
            as_list = Task(task.source, task.settings, task.link, "list", task.depth + 1, task.page_url)
            yield from self._expand(as_list, text, frontier, base)
            return
        old = discover.old_article(cand, base, text)
        if old:
            self._skip(discover.Skipped(task.link.url, task.page_url, cand.title, cand.year, old))
            return
        for plan in discover.plan_article(task.source, cand, base, text):
            if plan.url == base:
                plan.url = task.link.url   # the report is known by the URL its listing gives
            if plan.url in self._reported:
                continue
            if not self._budget(task):
                break
            self._reported.add(plan.url)
            alternates = [a.url for a in plan.alternates]
            if plan.page_is_alternate:
                alternates.insert(0, task.link.url)
            rep = FoundReport(task.source.name, plan.url, task.page_url if plan.page_is_file else task.link.url,
                              plan.title, plan.year, plan.agency, plan.kind, cand.link.date, images=plan.images,
                              alternates=alternates)
            first = None
            if plan.page_is_file or plan.page_is_alternate:
                kind = "inline_html" if plan.kind == "inline_html" else "page"
                first = Fetched(**{**page.__dict__, "kind": kind,
                                   "title": plan.title, "year": plan.year, "agency": plan.agency})
                if not self.dry_run:
                    self.state.record_ok(task.link.key, task.link.url, sha256=page.sha256, size=page.size,
                                         media_type=page.media_type, etag=page.etag,
                                         last_modified=page.last_modified, fetched_at=page.fetched_at,
                                         changed=False, kind=first.kind, title=plan.title,
                                         year=plan.year, agency=plan.agency)
            yield from self._queue_files(task, rep, plan.files + plan.alternates, frontier, first)

    def _article_is_file(self, task: Task, fetched: Fetched) -> Iterator[FoundReport]:
        cand = task.candidate
        if task.link.url in self._reported or not self._budget(task):
            return
        self._reported.add(task.link.url)
        fetched.kind = "attachment"
        rep = FoundReport(task.source.name, task.link.url, task.page_url, cand.title, cand.year,
                          cand.agency or task.source.agency, "attachment", cand.link.date,
                          files=[] if self.dry_run else [fetched])
        yield from self._emit(rep)

    def _file_done(self, pending: _Pending, fetched: Fetched) -> Iterator[FoundReport]:
        pending.report.files.append(fetched)
        pending.remaining -= 1
        if pending.remaining == 0:
            yield from self._emit(pending.report)

    def _emit(self, rep: FoundReport) -> Iterator[FoundReport]:
        # `url`'s own file first (consumers take files[0] as the report), then pictures, then
        # the alternates, each in the order they were listed.
        order = {u: i for i, u in enumerate([rep.url, *rep.images, *rep.alternates])}
        rep.files.sort(key=lambda f: order.get(f.url, len(order)))
        self.summary.count(rep)
        yield rep


def validators(state: FetchState, store, key: str) -> tuple[str | None, str | None, str | None]:
    """(etag, last_modified, sha256) of the last good fetch of `key`, when its bytes are still
    in the raw store and the server gave a validator; else three Nones (fetch it whole)."""
    prev = state.previous(key)
    if prev is None or prev.status != "ok" or not prev.sha256 or not store.has(prev.sha256):
        return None, None, None
    if not (prev.etag or prev.last_modified):
        return None, None, None
    return prev.etag, prev.last_modified, prev.sha256


def keep(state: FetchState, store, key: str, url: str, resp: Response, body: bytes | None, *,
         kind: str = "attachment", page_url: str | None = None, **meta) -> Fetched:
    """Store an answer's bytes (a 304 keeps the stored copy) and record the fetch in the fetch
    state; the `Fetched` for it, `new` or `unchanged`."""
    prev = state.previous(key)
    if resp.not_modified:
        sha = prev.sha256
        status, size, mtype = "unchanged", prev.size, prev.media_type
        path = store.path(sha)
    else:
        sha, path, _ = store.put(body)
        size, mtype = len(body), resp.media_type
        status = "unchanged" if prev is not None and prev.sha256 == sha else "new"
    state.record_ok(key, url, sha256=sha, size=size, media_type=mtype, etag=resp.etag,
                    last_modified=resp.last_modified, fetched_at=resp.fetched_at,
                    changed=not resp.not_modified and status == "new", kind=kind, page_url=page_url, **meta)
    return Fetched(url, page_url, sha, path or None, size, mtype, resp.etag, resp.last_modified, resp.fetched_at,
                   meta.get("title"), meta.get("year"), meta.get("agency"), kind, status)  # type: ignore[arg-type]


def crawl(sources: Iterable[Source], settings: CrawlSettings | None = None, *, store=None,
          state: FetchState | str | None = None, fetcher: Fetcher | None = None, dry_run: bool = False,
          on_fetch: Callable[[str, CrawlSummary], None] | None = None) -> CrawlRun:
    """Crawl `sources`; iterate the returned `CrawlRun` for the reports found.

    `store`: a raw store (default `rawstore.open_store()`); `state`: a `FetchState` or its
    path (default `$GONGKAI_DATA_DIR/crawl.sqlite`). A dry run fetches list and article
    pages to see what is there, fetches no report file, and saves nothing."""
    settings = settings or CrawlSettings()
    own: list = []
    if dry_run:
        store, state = NullStore(), FetchState(":memory:")
        own.append(state)
    else:
        store = store if store is not None else open_store()
        if not isinstance(state, FetchState):
            state = FetchState(state)
            own.append(state)
    if fetcher is None:
        fetcher = Fetcher(settings)
        own.append(fetcher)

    def close() -> None:
        for o in own:
            o.close()

    return CrawlRun(sources, settings, store=store, state=state, fetcher=fetcher, dry_run=dry_run,
                    on_fetch=on_fetch, close=close)


__all__ = ["CrawlRun", "Task", "crawl", "keep", "validators"]
