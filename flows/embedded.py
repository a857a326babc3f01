"""`run_once`: the nightly flow, once, in this process, with no Prefect server to set up
(what `gongkai run` calls).

Prefect 3 needs an API even for a local run; without `PREFECT_API_URL` it starts its own
("ephemeral mode"): a uvicorn subprocess on 127.0.0.1 with a SQLite database. `run_once`
manages that server itself, so nothing is left behind: it starts it before the flow, drains
Prefect's log and event queues into it after the flow, and stops it, even when the flow
fails. Where things go:

* `PREFECT_HOME` defaults to `$GONGKAI_DATA_DIR/prefect` (absolute), so a fresh clone needs
  nothing in `~/.prefect` and the user's own Prefect profiles are not touched. It holds
  `storage/`: the persisted task results, i.e. the extraction cache keyed on content hash,
  which a later run reuses.
* The server's database is in memory (`sqlite+aiosqlite:///:memory:`): run history is not
  kept (the summary is returned, and the warehouse keeps every document's status). A file
  database in ephemeral mode was measured to be erratic under load ("database is locked",
  shared/research/prefect.md §4); for history, run a real server.
* Telemetry is off (`DO_NOT_TRACK=1`, server analytics off): gongkai runs offline.

Each of these is a default only: an explicit `PREFECT_HOME`, `PREFECT_SERVER_DATABASE_
CONNECTION_URL` or `PREFECT_API_URL` in the environment wins. With `PREFECT_API_URL` set,
the run goes to that server instead, and failed documents are handed off to its
`process-document` deployment when there is one.

Must be imported before Prefect is, for the defaults to apply to Prefect's settings; when
Prefect is already imported, they are applied through `temporary_settings` instead.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

EPHEMERAL_DB = "sqlite+aiosqlite:///:memory:"
STARTUP_TIMEOUT_S = 90


def prefect_home() -> Path:
    from storage.db import data_dir

    return (data_dir() / "prefect").resolve()


def _defaults() -> dict[str, str]:
    return {
        "PREFECT_HOME": str(prefect_home()),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": EPHEMERAL_DB,
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_S),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }


def apply_defaults() -> None:
    """Set the embedded defaults in the environment (each only when unset). Effective for
    Prefect's settings only before `prefect` is imported."""
    if os.environ.get("PREFECT_API_URL"):
        return
    for k, v in _defaults().items():
        os.environ.setdefault(k, v)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


@dataclass
class RunResult:
    ok: bool
    state: str                       # Completed | Failed | Crashed ...
    message: str | None
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@contextmanager
def ephemeral_server() -> Iterator[str | None]:
    """A Prefect API for this block: the configured one (`PREFECT_API_URL`), else an
    ephemeral server started here and stopped at the end. Yields the API URL."""
    apply_defaults()
    from prefect.server.api.server import SubprocessASGIServer

    from flows import handoff
    from prefect.settings import (PREFECT_API_URL, PREFECT_HOME, PREFECT_SERVER_DATABASE_CONNECTION_URL,
                                  temporary_settings)

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    with ExitStack() as stack:
        updates = {}
        if Path(PREFECT_HOME.value()).resolve() != Path(os.environ["PREFECT_HOME"]).resolve():
            updates[PREFECT_HOME] = os.environ["PREFECT_HOME"]  # Prefect was imported before us
        if "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in os.environ or \
                PREFECT_SERVER_DATABASE_CONNECTION_URL.value() != os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"]:
            updates[PREFECT_SERVER_DATABASE_CONNECTION_URL] = os.environ.get(
                "PREFECT_SERVER_DATABASE_CONNECTION_URL", EPHEMERAL_DB)
        if updates:
            stack.enter_context(temporary_settings(updates=updates))
        server = SubprocessASGIServer()  # the instance Prefect itself would use (port None)
        if not server.running:  # else someone in this process started it, and stops it
            server.start(timeout=STARTUP_TIMEOUT_S)
            stack.callback(_stop, server)
        stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url}))
        stack.enter_context(handoff.ephemeral())
        # The UI link of each run would point at a server that is gone once the run ends.
        flow_log = logging.getLogger("prefect.flow_runs")
        flow_log.addFilter(_NO_UI_LINKS)
        stack.callback(flow_log.removeFilter, _NO_UI_LINKS)
        yield server.api_url


class _NoUiLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("View at ")


_NO_UI_LINKS = _NoUiLinks()


def _stop(server) -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        import inspect

        for result in (_safe(APILogWorker.instance().drain), _safe(EventsWorker.drain_all)):
            if inspect.isawaitable(result):
                await result

    try:
        run_coro_as_sync(drain())
    finally:
        server.stop()


def _safe(fn):
    try:
        return fn()
    except RuntimeError:  # the worker never started
        return None


def run_once(*, sources: str | None = None, only: list[str] | None = None, inbox: str | Path | None = None,
             database_url: str | None = None, max_attempts: int | None = None,
             task_runner: str | None = None, quiet_tasks: bool = True) -> RunResult:
    """Run the nightly flow once, here (see the module docstring). Returns whether it
    succeeded, why not, and the summary (documents found/new/unchanged/loaded/skipped/failed,
    findings by rule, failed documents with their errors). Never raises for a document's
    failure. A configuration error (a named sources file that is missing or invalid) fails
    the run: `ok` False, the error in `message`, an empty summary.

    `quiet_tasks` turns Prefect's per-task log lines (three per document) down to warnings
    in this process; the flow's own lines and every error stay."""
    started = time.perf_counter()
    with ephemeral_server():
        from flows.nightly import nightly
        from flows.settings import FlowSettings, make_task_runner

        if quiet_tasks:  # three lines per document otherwise; the flow's own lines stay
            logging.getLogger("prefect.task_runs").setLevel(logging.WARNING)

        flow = nightly
        if task_runner:
            flow = nightly.with_options(task_runner=make_task_runner(FlowSettings.from_env(task_runner=task_runner)))
        state = flow(sources=sources, only=only, inbox=str(inbox) if inbox else None, database_url=database_url,
                        max_attempts=max_attempts, return_state=True)
        data = state.result(raise_on_failure=False)
    from flows.nightly import RunFailed

    summary = data if isinstance(data, dict) else data.summary if isinstance(data, RunFailed) else {}
    message = state.message
    if isinstance(data, BaseException) and not isinstance(data, RunFailed):
        message = f"{type(data).__name__}: {data}"
    return RunResult(ok=state.is_completed(), state=state.name or state.type.value, message=message,
                     summary=summary, seconds=round(time.perf_counter() - started, 2))
