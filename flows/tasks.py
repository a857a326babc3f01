"""The Prefect tasks: each a few lines over a plain function of `gongkai.process` (the one
processing path), with the orchestration options that are the reason it is a task.

* Retries with exponential backoff and jitter only where waiting can help: the warehouse
  steps (a database restart) and fetching (the crawler's fetcher already retries each URL;
  the task retries what escapes it). `retry_if_transient` looks at the error: `Transient`
  and database connection errors are retried, `BadDocument` and any other error of a
  document are not (a broken PDF is broken the next time too).
* Extraction is cached on the document's content hash plus `extraction_fingerprint` (the
  source of the core and the stages, and the versions of the libraries that read the bytes),
  with persisted results: a retried run (or another run that meets the same bytes)
  gets the record back without re-extracting, and an extractor change invalidates the cache
  by itself. Extraction has a timeout per document.
* Side-effecting tasks never cache (`NO_CACHE`).

Engines are not task inputs (they are not hashable, not picklable for Dask): tasks take the
database URL and share one engine per URL per process (`engine_for`).
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from sqlalchemy.engine import Engine

from core.errors import BadDocument
from flows.settings import FlowSettings
from gongkai import process
from gongkai.documents import DocRef, ref_from_fetch
from gongkai.pipeline import extraction_fingerprint
from gongkai.process import Outcome

SETTINGS = FlowSettings.from_env()


class _QuietThreadTimeoutWarning(logging.Filter):
    """Prefect warns on every task with a timeout that runs in a worker thread that the
    timeout cannot interrupt a blocking call. Known and accepted here: extraction is Python
    code (where the timeout does interrupt, at the next bytecode) plus OCR subprocesses that
    carry their own time limits. One warning per document would bury the real ones."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task, but the task is "
                                              "running in a worker thread")


class _ExpectedDocumentErrors(logging.Filter):
    """A document that cannot be read (`BadDocument`: truncated, encrypted, mislabelled…) is
    an expected outcome, said once, as one line, by the run that owns the document
    (`flows.names.failure_line`). Prefect's own task log would add it twice more, with a
    traceback each time, and operators read tracebacks as gongkai crashing. (A failure is
    still raised, not returned: a raised error is never cached, so a retry extracts again.)
    Defects of gongkai keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BadDocument):
            return False
        msg = str(record.msg)
        return not (msg.startswith("Finished in state Failed") and
                    any(f"exception {name}:" in msg for name in _bad_document_names()))


def _bad_document_names() -> set[str]:
    seen, todo = set(), [BadDocument]
    while todo:
        cls = todo.pop()
        seen.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return seen


logging.getLogger("prefect.task_runs").addFilter(_QuietThreadTimeoutWarning())
logging.getLogger("prefect.task_runs").addFilter(_ExpectedDocumentErrors())
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(database_url: str | None) -> Engine:
    """One engine per database URL per process (pooled connections are reused by every
    task of the run). `database_url` None: `GONGKAI_DATABASE_URL`, else the SQLite file."""
    from storage import database_url as resolve_url, get_engine

    url = resolve_url(database_url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = get_engine(url)
        return engine


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def retry_if_transient(task, task_run, state) -> bool:  # noqa: ARG001 - Prefect's signature
    """`retry_condition_fn`: retry only errors worth waiting for (`gongkai.process.is_transient`)."""
    exc = state.result(raise_on_failure=False) if state is not None else None
    return process.is_transient(exc if isinstance(exc, BaseException) else None)


def retry_options(settings: FlowSettings) -> dict[str, Any]:
    return dict(retries=settings.retries, retry_delay_seconds=exponential_backoff(settings.retry_backoff_s),
                retry_jitter_factor=0.5, retry_condition_fn=retry_if_transient)


def extraction_cache_key(context, parameters: dict[str, Any]) -> str:  # noqa: ARG001
    ref: DocRef = parameters["ref"]
    return f"gongkai-extract-{ref.sha256 or ref.key}-{extraction_fingerprint()}"


# ---- tasks -------------------------------------------------------------------------------

@task(name="migrate", cache_policy=NO_CACHE, **retry_options(SETTINGS))
def migrate(database_url: str | None) -> str:
    """Bring the warehouse schema to head (a no-op when it is there)."""
    from storage import upgrade

    upgrade(engine_for(database_url))
    return "head"


@task(name="register", task_run_name="register-{ref.name}", cache_policy=NO_CACHE, **retry_options(SETTINGS))
def register(ref: DocRef, database_url: str | None) -> int | None:
    return process.register(engine_for(database_url), ref)


@task(name="extract", task_run_name="extract-{ref.name}", cache_key_fn=extraction_cache_key, persist_result=True,
      timeout_seconds=SETTINGS.document_timeout_s, **retry_options(SETTINGS))
def extract(ref: DocRef) -> dict[str, Any]:
    return process.extract(ref)


@task(name="load", task_run_name="load-{ref.name}", cache_policy=NO_CACHE, **retry_options(SETTINGS))
def load(ref: DocRef, extracted: dict[str, Any], database_url: str | None) -> Outcome:
    return process.load(engine_for(database_url), ref, extracted)


@task(name="record-failure", task_run_name="record-failure-{ref.name}", cache_policy=NO_CACHE,
      **retry_options(SETTINGS))
def record_failure(ref: DocRef, error: BaseException, database_url: str | None) -> Outcome:
    return process.fail(engine_for(database_url), ref, error)


@task(name="fetch-urls", cache_policy=NO_CACHE, **retry_options(SETTINGS))
def fetch_urls(urls: list[str], allow_private: bool = False) -> list[DocRef]:
    """Fetch report URLs into the raw store, politely: one crawler `UrlFetcher` for all of
    them (per-host slots and delay), a few threads."""
    from concurrent.futures import ThreadPoolExecutor

    from crawl.settings import CrawlSettings
    from crawl.urls import UrlFetcher

    with UrlFetcher(CrawlSettings(allow_private=allow_private)) as fetcher:
        with ThreadPoolExecutor(max_workers=max(1, fetcher.settings.workers), thread_name_prefix="gongkai-fetch") as pool:
            return [ref_from_fetch(r) for r in pool.map(fetcher.fetch, urls)]


def configured(settings: FlowSettings) -> dict[str, Any]:
    """The tasks with `settings` applied (the module-level ones use the environment's)."""
    if settings == SETTINGS:
        return {"migrate": migrate, "register": register, "extract": extract, "load": load,
                "record_failure": record_failure}
    retry = retry_options(settings)
    return {"migrate": migrate.with_options(**retry), "register": register.with_options(**retry),
            "extract": extract.with_options(timeout_seconds=settings.document_timeout_s, **retry),
            "load": load.with_options(**retry), "record_failure": record_failure.with_options(**retry)}
