"""Hand each document that still failed to its own `process-document` deployment run.

Why: in Prefect 3 the UI's Retry button exists only on flow runs of a deployment; task runs
and subflows have none (shared/research/prefect.md §1). The nightly run processes documents
as cheap tasks; a document still failing after the task retries becomes a `process-document`
flow run (created with `run_deployment(..., timeout=0)`: the nightly run does not wait for
it), linked to the nightly run as its child, retryable on its own.

The idempotency key `<date>:<document>` makes the hand-off safe to repeat: a retried nightly
run, or a `reprocess` the same day, gets the same document run back instead of a duplicate.

Without a server (Prefect's ephemeral mode, `gongkai run`) there is no deployment to hand
to: nothing is created, and the summary says how to retry (`gongkai run` again, or the
`reprocess` flow with status=failed).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterable, Iterator

from flows import names, tasks
from gongkai.documents import DocRef
from gongkai.process import Outcome
from storage import note_run

EPHEMERAL_NOTE = ("Prefect ran without a server (ephemeral mode), so failed documents have no "
                  "process-document runs to retry from a UI: fix the cause and run again (unchanged "
                  "documents are skipped; failed ones are retried up to GONGKAI_MAX_ATTEMPTS times), or "
                  "reprocess them (`reprocess` flow, status=failed).")

_ephemeral = [False]


@contextmanager
def ephemeral() -> Iterator[None]:
    """Within this block the API is an ephemeral server (`flows.embedded`): no deployments."""
    _ephemeral.append(True)
    try:
        yield
    finally:
        _ephemeral.pop()


def is_ephemeral() -> bool:
    """Whether the API is an ephemeral server (gone when the run ends: no links to keep)."""
    from prefect.settings import PREFECT_API_URL

    return _ephemeral[-1] or not PREFECT_API_URL.value()


def hand_off(failed: Iterable[tuple[DocRef, Outcome]], *, date: str, deployment: str,
             database_url: str | None = None, logger: logging.Logger | logging.LoggerAdapter | None = None
             ) -> str | None:
    """Create (or find again) a `process-document` run per failed document, named after it
    (`flows.names`), and note it on the outcome (`run_name`, `run_url`) and in the warehouse.
    Returns a note for the summary when nothing could be handed off."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    log = logger or logging.getLogger(__name__)
    failed = list(failed)
    if not failed:
        return None
    if is_ephemeral():
        return EPHEMERAL_NOTE
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            return (f"No deployment {deployment!r} on this Prefect server (run `prefect deploy --all`), "
                    "so failed documents were not handed off; reprocess them with the reprocess flow.")
    for ref, outcome in failed:
        params = ref.parameters()
        if database_url:
            params["database_url"] = database_url
        try:
            run = run_deployment(deployment, parameters=params, timeout=0, as_subflow=True,
                                 idempotency_key=f"{date}:{ref.key}", flow_run_name=names.ref_run_name(ref),
                                 tags=["gongkai", names.FAILED_TAG])
        except Exception as exc:  # noqa: BLE001 - one document's hand-off must not stop the others
            log.warning("could not hand %s to %s: %s", ref.where, deployment, exc)
            continue
        outcome.run_name = run.name
        outcome.run_url = run_url(run)
        if ref.sha256:  # `gongkai status` shows where to retry it
            note_run(tasks.engine_for(database_url), ref.document_info(), run.name, outcome.run_url)
        log.warning("%s — retry from run %s", names.failure_line(ref, outcome), run.name)
    return None


def run_url(run) -> str | None:
    from prefect.utilities.urls import url_for

    try:
        return url_for(run)
    except Exception:  # noqa: BLE001 - no UI URL configured
        return None
