"""`process-document`: one document, by sha256 or by path (or by URL, fetched again).

This is the unit an operator retries. A document that still fails in the nightly run after
its task retries is handed to this flow's deployment (`flows.handoff`), so it shows in the
Prefect UI as a flow run of its own, named after the document, with its error as one line,
and with a Retry button. A retry reruns the same flow run with the same parameters;
extraction comes back from the content-hash cache when it had succeeded, and only what
failed runs again. A run that succeeds drops its `failed-document` tag.

`process_refs` is the per-document loop every flow shares: lock → register → extract
(submitted to the flow's task runner: threads or Dask) → load, or record the failure.
"""
from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.states import Failed

from core.errors import BadDocument
from flows import handoff, names, tasks
from flows.settings import FlowSettings, make_task_runner
from gongkai import process
from gongkai.documents import DocRef, ref_from_fetch, resolve
from gongkai.process import Outcome
from storage.locks import document_lock

SETTINGS = tasks.SETTINGS


def process_refs(refs: list[DocRef], database_url: str | None, *, settings: FlowSettings = SETTINGS,
                 refresh_cache: bool = False, lock_wait_s: float = 0.0) -> list[tuple[DocRef, Outcome]]:
    """Process documents in batches of `settings.in_flight`; returns (ref, outcome) per ref,
    in the order they finished. Must run inside a flow (it submits tasks).

    A document whose lock another run holds (after `lock_wait_s`) is reported `busy` and left
    alone. A document's failures are recorded in the warehouse and returned as outcomes;
    the warehouse's own errors (after the task retries) propagate only from registration,
    which comes first: a warehouse that cannot register documents fails the run."""
    t = tasks.configured(settings)
    extract = t["extract"].with_options(refresh_cache=True) if refresh_cache else t["extract"]
    engine = tasks.engine_for(database_url)
    outcomes: list[tuple[DocRef, Outcome]] = []
    for start in range(0, len(refs), settings.in_flight):
        batch = refs[start:start + settings.in_flight]
        with ExitStack() as held:
            submitted = []
            for ref in batch:
                if ref.sha256 is None:  # a failed fetch: nothing to extract, nothing to record
                    outcomes.append((ref, process.fail(None, ref, BadDocument(f"fetch failed: {ref.fetch_error}"))))
                    continue
                if not held.enter_context(document_lock(engine, ref.sha256, lock_wait_s)):
                    outcomes.append((ref, process.outcome(ref, "busy",
                                                          error="another run is processing this document")))
                    continue
                t["register"](ref, database_url)
                submitted.append((extract.submit(ref), ref))
            by_id = {fut.task_run_id: ref for fut, ref in submitted}
            for fut in as_completed([f for f, _ in submitted]):
                ref = by_id[fut.task_run_id]
                outcomes.append((ref, _finish(t, ref, fut, database_url)))
    return outcomes


def _finish(t: dict[str, Any], ref: DocRef, fut, database_url: str | None) -> Outcome:
    try:
        extracted = fut.result()
    except Exception as exc:  # noqa: BLE001 - any extraction error is this document's failure
        return t["record_failure"](ref, exc, database_url)
    try:
        return t["load"](ref, extracted, database_url)
    except Exception as exc:  # noqa: BLE001 - the load's retries are spent: record and go on
        try:
            return t["record_failure"](ref, exc, database_url)
        except Exception:  # noqa: BLE001 - the warehouse is down: report it, record nothing
            return process.fail(None, ref, exc)


def _run_name() -> str:
    from prefect.runtime import flow_run

    p = flow_run.parameters
    return names.document_run_name(path=p.get("path"), url=p.get("url"), sha256=p.get("sha256"),
                                   members=p.get("members"))


@flow(name="process-document", flow_run_name=_run_name, task_runner=make_task_runner(SETTINGS.replace(task_runner="thread")),
      log_prints=True)
def process_document(sha256: str | None = None, path: str | None = None, url: str | None = None,
                     page_url: str | None = None, members: list[str] | None = None,
                     database_url: str | None = None, refresh_cache: bool = False,
                     lock_wait_s: float = 60.0, allow_private: bool = False):
    """Extract, check and load one document; the run fails with the document's error.

    Parameters:
        sha256: the document's SHA-256 (as in the warehouse's `documents` table and the raw
            store). Found again through its recorded path, else the raw store, else its URL.
        path: a local file. Takes precedence: when the file no longer holds `sha256` (the
            operator replaced a broken file), its current bytes are processed.
        url: the report's URL, fetched again when neither the path nor the raw store has it.
        page_url: the page that linked it (lineage).
        members: files read together as one report (a report posted one picture per page).
        database_url: the warehouse (default `GONGKAI_DATABASE_URL`, else SQLite in
            `GONGKAI_DATA_DIR`).
        refresh_cache: extract again even if this content was extracted before.
        lock_wait_s: how long to wait for another run that holds this document.
        allow_private: allow fetching `url` from a loopback or private address.
    """
    from crawl.settings import CrawlSettings
    from crawl.urls import UrlFetcher

    log = get_run_logger()
    engine = tasks.engine_for(database_url)
    tasks.migrate(database_url)
    where = url or path or (members or [None])[0] or sha256
    try:
        with UrlFetcher(CrawlSettings(allow_private=allow_private)) as fetcher:
            ref = resolve(engine, sha256=sha256, path=path, url=url, page_url=page_url, members=members,
                          fetch=lambda u, p: ref_from_fetch(fetcher.fetch(u, p)))
    except BadDocument as exc:
        message = f"{where}: {exc}"
        log.error(message)
        return Failed(message=message, data=DocumentFailed(message))
    _note_this_run(engine, ref)
    if sha256 and ref.sha256 != sha256 and not members:
        log.warning("%s now holds %s, not %s: processing its current content", ref.path, ref.sha256, sha256)
    [(_, outcome)] = process_refs([ref], database_url, refresh_cache=refresh_cache, lock_wait_s=lock_wait_s)
    if outcome.status == "busy":
        raise RuntimeError(f"{ref.where}: another run held this document for {lock_wait_s:.0f}s; retry later")
    if outcome.status == "failed":
        message = names.failure_line(ref, outcome)
        log.error(message)
        return Failed(message=message, data=DocumentFailed(message))
    names.drop_failed_tag()
    log.info("%s: %s%s", ref.where, outcome.status, f" ({outcome.agency} {outcome.year})" if outcome.agency else "")
    return outcome.to_dict()


def _note_this_run(engine, ref: DocRef) -> None:
    """The document's row names this run and links it (`gongkai status`), when there is a UI."""
    from prefect.runtime import flow_run

    from storage import note_run

    if ref.sha256 and flow_run.ui_url and not handoff.is_ephemeral():
        note_run(engine, ref.document_info(), flow_run.name, flow_run.ui_url)


class DocumentFailed(names.Verdict):
    """The document could not be processed (its error is in the message and the warehouse)."""
