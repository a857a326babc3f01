"""`backfill`: load reports obtained other than by the nightly crawl: a folder of files, or a
list of report URLs (fetched politely into the raw store through the crawler's fetcher).
Documents the warehouse already holds are skipped, as in the nightly run.
"""
from __future__ import annotations

from prefect import flow

from flows import tasks
from flows.nightly import process_and_report, scan_inbox
from flows.settings import make_task_runner

SETTINGS = tasks.SETTINGS


@flow(name="backfill", task_runner=make_task_runner(SETTINGS), log_prints=True)
def backfill(folder: str | None = None, urls: list[str] | None = None, database_url: str | None = None,
             hand_off: bool = True, allow_private: bool = False):
    """Process a folder of report files and/or a list of report URLs.

    Parameters:
        folder: a folder on the worker's machine; its files (not sub-folders), by name.
        urls: URLs of report files (PDF, DOCX, HTML pages, ...), fetched into the raw store.
        database_url: the warehouse (default `GONGKAI_DATABASE_URL`, else SQLite in
            `GONGKAI_DATA_DIR`).
        hand_off: give each failed document its own retryable `process-document` run.
        allow_private: allow fetching from loopback and private addresses (an intranet
            mirror); refused by default, as in the crawler.
    """
    if not folder and not urls:
        raise ValueError("give a folder, a list of urls, or both")
    tasks.migrate(database_url)
    refs = scan_inbox(folder) if folder else []
    if urls:
        refs = refs + tasks.fetch_urls(list(urls), allow_private)
    return process_and_report("backfill", refs, database_url, settings=SETTINGS, hand_off=hand_off)
