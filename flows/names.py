"""What runs are called and what a failure says, so that the Prefect UI reads by itself:
`nightly-2026-12-03`, `doc-<agency or host>-<file>-<sha8>`, and one line per failed document
(its name, path or URL, sha256, error, and what to do about it)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from gongkai.documents import DocRef
from gongkai.process import Outcome

TIMEZONE = ZoneInfo("Asia/Shanghai")
FAILED_TAG = "failed-document"
MAX_NAME = 100


def run_date() -> str:
    """The run's date in Asia/Shanghai: of its scheduled time, so that a retried or late run
    keeps the date (and the idempotency keys) of the night it belongs to."""
    from prefect.runtime import flow_run

    when = flow_run.scheduled_start_time or datetime.now(timezone.utc)
    return when.astimezone(TIMEZONE).date().isoformat()


def nightly_run_name() -> str:
    return f"nightly-{run_date()}"


def document_run_name(*, path: str | None = None, url: str | None = None, sha256: str | None = None,
                      members: list[str] | None = None, agency: str | None = None) -> str:
    """`doc-<agency or host>-<file>-<sha8>`: the agency when known (from the listing), else
    the host it came from, else the folder it lies in; the file's name (a group: its
    folder's); the first 8 hex digits of its sha256. Many crawled files are `index.html`:
    the host and the hash tell them apart."""
    where = url or path or (members[0] if members else "") or ""
    parts = urlsplit(where) if "://" in where else None
    file = PurePosixPath(unquote(parts.path) if parts else where).name
    if members and not url:
        file = PurePosixPath(members[0]).parent.name
    owner = agency or (parts.hostname if parts else PurePosixPath(where).parent.name) or "local"
    name = "-".join(p for p in ("doc", owner, file, (sha256 or "")[:8]) if p)
    return name[:MAX_NAME]


def ref_run_name(ref: DocRef) -> str:
    return document_run_name(path=ref.path, url=ref.url, sha256=ref.sha256, members=list(ref.members) or None,
                             agency=ref.agency)


def what_to_do(error_class: str | None) -> str:
    if error_class in ("Transient", "OperationalError", "InterfaceError"):
        return "wait for the site or the database to come back, then Retry this run"
    if error_class == "ResourceLimit":
        return ("it needs more than its budget: if it is a real report, raise GONGKAI_EXTRACT_MEMORY_MB / "
                "GONGKAI_EXTRACT_TIMEOUT_S, else replace the file; then Retry this run")
    if error_class in ("BadDocument", "UnsupportedFormat", "NotAReport", "InvalidRecord"):
        return "replace the file (or wait for the agency to fix it), then Retry this run"
    return "a defect of gongkai: report it with this document; Retry after upgrading"


def failure_line(ref: DocRef, outcome: Outcome) -> str:
    """One line an operator can act on."""
    return (f"{ref.name} ({ref.where}, sha256 {(ref.sha256 or '-')[:12]}): {outcome.error} — "
            f"{what_to_do(outcome.error_class)}")


def drop_failed_tag() -> None:
    """A document run that succeeds is no longer a failed document: remove the tag the
    hand-off gave it, so that the UI's filter on it lists only what still needs work."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    tags = list(flow_run.tags or [])
    if FAILED_TAG not in tags or not flow_run.id:
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run.id, tags=[t for t in tags if t != FAILED_TAG])


class Verdict(Exception):
    """A run's expected failure — documents that could not be processed: the message says
    which and what to do. Not a crash of gongkai, so never shown with a traceback."""


class _NoVerdictTracebacks(logging.Filter):
    """Prefect's engine logs every failed flow run a worker executes as "exited with
    unexpected exception", traceback included, even when the flow returned its Failed state
    on purpose; operators read that as gongkai crashing. For a `Verdict` the run's own one-
    line message has said it all: drop the engine's copy. Real crashes keep their trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, Verdict)


_NO_VERDICT_TRACEBACKS = _NoVerdictTracebacks()
for _name in ("prefect.flow_runs", "prefect.engine"):
    logging.getLogger(_name).addFilter(_NO_VERDICT_TRACEBACKS)
