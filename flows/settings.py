"""`FlowSettings`: every knob of the orchestration in one validated dataclass, read from the
environment (so that a deployment's `job_variables.env`, a worker's environment and `gongkai
run` all configure it the same way).

| variable                       | default                              | what                                          |
|--------------------------------|--------------------------------------|-----------------------------------------------|
| `GONGKAI_TASK_RUNNER`          | `thread` (`dask` when an address set) | where extraction runs: `thread` or `dask`      |
| `GONGKAI_DASK_ADDRESS`         | none                                 | an existing Dask scheduler, `tcp://host:8786`  |
| `GONGKAI_WORKERS`              | 4                                    | extraction threads, or local Dask worker processes |
| `GONGKAI_DOCUMENT_TIMEOUT_S`   | 900                                  | one document's extraction, then it fails       |
| `GONGKAI_TASK_RETRIES`         | 3                                    | retries of network and database steps          |
| `GONGKAI_RETRY_BACKOFF_S`      | 2                                    | first retry delay; doubles each time           |
| `GONGKAI_MAX_ATTEMPTS`         | 3                                    | failed attempts after which nightly stops retrying an unchanged document |
| `GONGKAI_IN_FLIGHT`            | 16                                   | documents locked and submitted at once         |
| `GONGKAI_PROCESS_DEPLOYMENT`   | `process-document/process-document`  | where failed documents are handed off to       |

This module does not import Prefect (the CLI imports it to validate settings cheaply).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Literal, get_args

from gongkai.process import MAX_ATTEMPTS, MAX_ATTEMPTS_ENV, max_attempts_setting

TaskRunnerKind = Literal["thread", "dask"]
TASK_RUNNERS: tuple[str, ...] = get_args(TaskRunnerKind)

WORKERS = 4
DOCUMENT_TIMEOUT_S = 900.0      # a scanned 80-page report through OCR stays well below this
TASK_RETRIES = 3
RETRY_BACKOFF_S = 2.0           # 2, 4, 8 s: a database restart or a 503 burst is over by then
IN_FLIGHT = 16
PROCESS_DEPLOYMENT = "process-document/process-document"

ENV = {
    "task_runner": "GONGKAI_TASK_RUNNER",
    "dask_address": "GONGKAI_DASK_ADDRESS",
    "workers": "GONGKAI_WORKERS",
    "document_timeout_s": "GONGKAI_DOCUMENT_TIMEOUT_S",
    "retries": "GONGKAI_TASK_RETRIES",
    "retry_backoff_s": "GONGKAI_RETRY_BACKOFF_S",
    "max_attempts": MAX_ATTEMPTS_ENV,
    "in_flight": "GONGKAI_IN_FLIGHT",
    "process_deployment": "GONGKAI_PROCESS_DEPLOYMENT",
}


@dataclass(frozen=True)
class FlowSettings:
    task_runner: TaskRunnerKind = "thread"
    dask_address: str | None = None
    workers: int = WORKERS
    document_timeout_s: float = DOCUMENT_TIMEOUT_S
    retries: int = TASK_RETRIES
    retry_backoff_s: float = RETRY_BACKOFF_S
    max_attempts: int = MAX_ATTEMPTS
    in_flight: int = IN_FLIGHT
    process_deployment: str = PROCESS_DEPLOYMENT

    def __post_init__(self) -> None:
        if self.task_runner not in TASK_RUNNERS:
            raise ValueError(f"{ENV['task_runner']}={self.task_runner!r}: must be one of {', '.join(TASK_RUNNERS)}")
        for name in ("workers", "max_attempts", "in_flight"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{ENV[name]}={v!r}: must be an integer >= 1")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ValueError(f"{ENV['retries']}={self.retries!r}: must be an integer >= 0")
        for name in ("document_timeout_s", "retry_backoff_s"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ValueError(f"{ENV[name]}={v!r}: must be a number > 0")
        if "/" not in self.process_deployment:
            raise ValueError(f"{ENV['process_deployment']}={self.process_deployment!r}: "
                             "must be FLOW_NAME/DEPLOYMENT_NAME, e.g. process-document/process-document")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "FlowSettings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name == "max_attempts":
                # `gongkai run` reads it too (to skip a flow with nothing to do): one parser,
                # and one error message, for both
                values["max_attempts"] = max_attempts_setting(env)
                continue
            raw = env.get(ENV[field.name])
            if raw is None or raw.strip() == "":
                continue
            raw = raw.strip()
            default = field.default
            try:
                if isinstance(default, bool):
                    values[field.name] = raw.lower() in ("1", "true", "yes")
                elif isinstance(default, int):
                    values[field.name] = int(raw)
                elif isinstance(default, float):
                    values[field.name] = float(raw)
                else:
                    values[field.name] = raw
            except ValueError:
                raise ValueError(f"{ENV[field.name]}={raw!r}: not a {type(default).__name__}") from None
        if values.get("dask_address") and "task_runner" not in values:
            values["task_runner"] = "dask"  # an address alone says it
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> "FlowSettings":
        return dataclasses.replace(self, **changes)


def make_task_runner(settings: FlowSettings):
    """The Prefect task runner extraction is submitted to.

    `thread`: Prefect's `ThreadPoolTaskRunner` (OCR runs in subprocesses, so threads do
    overlap the heavy part). `dask`: `prefect_dask.DaskTaskRunner`, on the scheduler at
    `dask_address`, else on a local cluster of `workers` processes with one thread each
    (extraction is CPU-bound Python; one thread per process sidesteps the GIL).

    The flow's own process must give the workers its Prefect API: in ephemeral mode that is
    what `flows.embedded` does (a flow started without a server and without it would have
    every Dask worker start an ephemeral server of its own).
    """
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("GONGKAI_TASK_RUNNER=dask needs the dask extra: "
                               "pip install 'gongkai[dask]'") from exc
        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # One OCR thread per worker process: the workers are the parallelism (ocr/backends.py:
        # 2 onnxruntime threads per process under contention were slower than 1).
        env = {"GONGKAI_OCR_THREADS": os.environ.get("GONGKAI_OCR_THREADS", "1")}
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None, "env": env})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.workers)
