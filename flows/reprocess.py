"""`reprocess`: process again every document in a given status (e.g. `failed`), or all of
them, e.g. after an extractor upgrade. The bytes are found again through the warehouse's
`documents` rows (recorded path, else the raw store, else the URL, fetched again).

Re-extraction is forced by default (`refresh_cache`): the point of a reprocess is usually
new extraction code. (The extraction cache key already includes a fingerprint of that code,
so a changed extractor would miss the cache anyway; forcing it also covers a changed OCR
engine or model outside the source tree.)
"""
from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from core.errors import BadDocument
from flows import tasks
from flows.nightly import process_and_report
from flows.settings import make_task_runner
from gongkai.documents import DocRef, ref_from_fetch, resolve
from storage.queries import documents_in

SETTINGS = tasks.SETTINGS
STATUSES = ("failed", "fetched", "extracted", "loaded", "skipped", "superseded", "all")


@task(name="select-documents", cache_policy=NO_CACHE, **tasks.retry_options(SETTINGS))
def select_documents(status: str, limit: int | None, database_url: str | None) -> list[dict]:
    return documents_in(tasks.engine_for(database_url), status, limit)


@task(name="find-documents", cache_policy=NO_CACHE)
def find_documents(rows: list[dict], database_url: str | None) -> list[DocRef]:
    from crawl.urls import UrlFetcher

    engine = tasks.engine_for(database_url)
    refs = []
    with UrlFetcher() as fetcher:
        for r in rows:
            try:
                refs.append(resolve(engine, sha256=r["sha256"], path=r["path"], url=r["source_url"],
                                    page_url=r["referrer_url"], fetch=lambda u, p: ref_from_fetch(fetcher.fetch(u, p))))
            except BadDocument as exc:
                refs.append(DocRef(sha256=None, path=r["path"], url=r["source_url"], origin="warehouse",
                                   fetch_status="failed", fetch_error=f"{r['sha256'][:12]}: {exc}"))
    return refs


@flow(name="reprocess", task_runner=make_task_runner(SETTINGS), log_prints=True)
def reprocess(status: str = "failed", limit: int | None = None, database_url: str | None = None,
              refresh_cache: bool = True, hand_off: bool = True):
    """Process again the documents in `status`.

    Parameters:
        status: failed | fetched | extracted | loaded | skipped | all.
        limit: at most this many documents (oldest first); default all.
        database_url: the warehouse (default `GONGKAI_DATABASE_URL`, else SQLite in
            `GONGKAI_DATA_DIR`).
        refresh_cache: extract again even when this content was extracted before (default
            yes: a reprocess usually follows an extractor change).
        hand_off: give each document that still fails its own retryable `process-document` run.
    """
    if status not in STATUSES:
        raise ValueError(f"status={status!r}: one of {', '.join(STATUSES)}")
    tasks.migrate(database_url)
    rows = select_documents(status, limit, database_url)
    get_run_logger().info("reprocess: %d documents in status %s", len(rows), status)
    refs = find_documents(rows, database_url)
    return process_and_report("reprocess", refs, database_url, settings=SETTINGS, hand_off=hand_off,
                              refresh_cache=refresh_cache, select=False)
