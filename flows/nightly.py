"""`nightly`: crawl every source → process new and changed documents → load → summary.

    crawl (crawl.run.crawl: per-host slots, robots.txt, conditional GET, raw store)
      + inbox (a folder of files dropped by hand, optional)
    → skip what the warehouse already holds (loaded / skipped documents)
    → per document: lock, register, extract (task: cached on content hash, on the task
      runner: threads or Dask), load (task: retried on database errors; the warehouse
      computes the cross-year findings of the report and its neighbours in the same
      transaction)
    → failed documents handed to their own `process-document` runs (retryable in the UI)
    → summary artifact; the run is Failed when any document failed, and says which (one line
      per failed document: name, path or URL, sha256, error, what to do).

Scheduled by `prefect.yaml` at 02:00 Asia/Shanghai. `flows.embedded.run_once` runs it once
in-process without a server (`gongkai run`).
"""
from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from flows import handoff, names, tasks
from flows.process_document import process_refs
from flows.settings import FlowSettings, make_task_runner
from gongkai import process, summary as report
from gongkai.documents import DocRef, ref_from_report, refs_from_folder, unique
from storage.queries import findings_by_rule

SETTINGS = tasks.SETTINGS


@task(name="crawl", cache_policy=NO_CACHE, **tasks.retry_options(SETTINGS))
def crawl_sources(sources: str | None, only: list[str] | None) -> tuple[list[DocRef], dict[str, Any] | None]:
    """The crawl step: `crawl.urls.crawl_sources` (the crawler's public loop), one DocRef per
    report found."""
    from crawl.urls import crawl_sources as crawl

    reports, summary, attempts = crawl(sources, only)
    return [ref_from_report(r, attempts.get(r.url, 1) if r.status == "failed" else 0) for r in reports], summary


@task(name="scan-inbox", cache_policy=NO_CACHE)
def scan_inbox(inbox: str) -> list[DocRef]:
    return refs_from_folder(inbox)


class RunFailed(names.Verdict):
    """Some documents failed: the run's message says which (a verdict, not a crash)."""

    def __init__(self, message: str, summary: dict[str, Any]):
        super().__init__(message, summary)
        self.message, self.summary = message, summary

    def __str__(self) -> str:
        return self.message


def publish(summary: dict[str, Any]) -> None:
    """The summary as artifacts of the current flow run: Markdown (`<kind>-summary`) and, when
    documents failed, a table (`<kind>-failed-documents`). The UI shows them on the run's
    Artifacts tab and, by key, under Artifacts with their history across runs."""
    kind = summary["kind"]
    create_markdown_artifact(key=f"{kind}-summary", markdown=report.markdown(summary),
                             description=f"gongkai {kind} {summary['date']}: documents, findings, failures")
    if summary["failed"]:
        create_table_artifact(key=f"{kind}-failed-documents", table=summary["failed"][:1000],
                              description="documents that failed, with their process-document runs")


def process_and_report(kind: str, refs: list[DocRef], database_url: str | None, *, settings: FlowSettings,
                       max_attempts: int | None = None, hand_off: bool = True, refresh_cache: bool = False,
                       crawl: dict[str, Any] | None = None, select: bool = True):
    """The part every flow shares after it found its documents: select what needs work
    (`select`), process it, hand failures off, publish the summary; returns the final state."""
    log = get_run_logger()
    date = names.run_date()
    refs = unique(refs)
    engine = tasks.engine_for(database_url)
    log.info("warehouse: %s", engine.url.render_as_string(hide_password=True))
    chosen = process.plan(engine, refs, max_attempts or settings.max_attempts) if select else process.Plan(refs)
    todo, already, given_up = chosen.todo, chosen.already, chosen.given_up
    log.info("%s: %d documents, %d to process", kind, len(refs), len(todo))
    done = process_refs(todo, database_url, settings=settings, refresh_cache=refresh_cache)
    outcomes = [o for _, o in done]
    failed = [(r, o) for r, o in done if o.status == "failed"]
    note = handoff.hand_off(failed, date=date, deployment=settings.process_deployment, database_url=database_url,
                            logger=log) if hand_off and failed else None
    for r, o in failed:
        if not o.run_name:  # not handed off (the hand-off says the others): said here, once
            log.warning(names.failure_line(r, o))
    findings = findings_by_rule(engine, [o.report_id for o in outcomes if o.status in ("loaded", "unchanged")])
    summary = report.build(kind, date, outcomes, found=len(refs), new=len(todo), already=already,
                           given_up=given_up, findings=findings, crawl=crawl, note=note)
    publish(summary)
    if not refs:
        log.warning("%s: no documents found — no sources to crawl (GONGKAI_SOURCES / sources.yaml) and no inbox "
                    "given (parameter inbox=/path)", kind)
    message = report.failure_message(summary)
    if message:
        log.error(message)
        # The exception is the state's data: Prefect reads a Failed state's data as its error,
        # and a dict there crashes the engine. The summary rides along for callers.
        return Failed(message=message, data=RunFailed(message, summary))
    d = summary["documents"]
    return Completed(message=f"{d['loaded']} loaded, {d['unchanged']} unchanged, {d['skipped']} skipped, "
                             f"{d['busy']} busy", data=summary)


@flow(name="nightly", flow_run_name=names.nightly_run_name, task_runner=make_task_runner(SETTINGS), log_prints=True)
def nightly(sources: str | None = None, only: list[str] | None = None, inbox: str | None = None,
            database_url: str | None = None, max_attempts: int | None = None, hand_off: bool = True,
            refresh_cache: bool = False):
    """Crawl, process what is new or changed, load, summarize.

    Parameters:
        sources: the sources file (default `GONGKAI_SOURCES`, else `sources.yaml`; when that
            does not exist, nothing is crawled).
        only: crawl only these sources (by name); default all.
        inbox: also process the files in this folder (reports obtained by other means).
        database_url: the warehouse (default `GONGKAI_DATABASE_URL`, else SQLite in
            `GONGKAI_DATA_DIR`).
        max_attempts: a document that failed this many times is no longer retried by the
            nightly run (default `GONGKAI_MAX_ATTEMPTS`, 3); `reprocess` still takes it.
        hand_off: give each failed document its own retryable `process-document` run.
        refresh_cache: extract the documents it processes again even when their content was
            extracted before (the cache key already changes with the extraction code; this
            is for what it cannot see, e.g. a new OCR model).
    """
    tasks.migrate(database_url)
    refs, crawled = crawl_sources(sources, only)
    if inbox:
        refs = refs + scan_inbox(inbox)
    return process_and_report("nightly", refs, database_url, settings=SETTINGS, max_attempts=max_attempts,
                              hand_off=hand_off, refresh_cache=refresh_cache, crawl=crawled)
