"""Scale-out: extraction on a Dask cluster (`GONGKAI_TASK_RUNNER=dask`, prefect-dask's
DaskTaskRunner) gives the same warehouse as the default thread runner. On the team's dev
corpus when it is there (../shared), else on the sample inbox."""
import prefect_fixtures  # noqa: F401  (first: Prefect's environment)

import pytest
from prefect_fixtures import data_dir  # noqa: F401

from conftest import INBOX, SHARED
from flows import tasks
from flows.embedded import ephemeral_server
from flows.nightly import RunFailed, nightly
from flows.settings import FlowSettings, make_task_runner
from test_flows import warehouse

pytest.importorskip("prefect_dask")
DEV = SHARED / "corpus" / "dev" / "docs"


def test_a_two_worker_local_dask_cluster_loads_the_same_warehouse_as_threads(tmp_path, data_dir):
    corpus = DEV if DEV.is_dir() else INBOX
    results = {}
    # The Dask workers are other processes: they must be told the API of this process's
    # ephemeral server (as `run_once` does), or each would start a server of its own.
    with ephemeral_server():
        for runner in ("thread", "dask"):
            results[runner] = run(runner, corpus, f"sqlite:///{tmp_path / f'{runner}.sqlite'}")
        # The same run again loads nothing twice (failed documents are tried again, and fail again).
        again = run("thread", corpus, f"sqlite:///{tmp_path / 'thread.sqlite'}", refresh_cache=False)
    assert results["dask"] == results["thread"]
    documents, _, wh = results["thread"]
    assert documents["found"] == len([p for p in corpus.iterdir() if p.is_file() and not p.name.startswith(".")])
    assert documents["loaded"] >= (20 if corpus == DEV else 15) and len(wh["cells"]) > 2000
    assert again[2] == wh
    assert (again[0]["loaded"], again[0]["new"], again[0]["failed"]) == (0, documents["failed"], documents["failed"])
    # Every document extraction does not support is a recorded failure that says why.
    failed = [d for d in wh["documents"] if d[1] == "failed"]
    assert len(failed) == documents["failed"] and all(d[2] for d in failed)


def run(runner: str, corpus, url: str, refresh_cache: bool = True):
    settings = FlowSettings.from_env(task_runner=runner, workers=2)
    flow = nightly.with_options(task_runner=make_task_runner(settings))
    # refresh_cache: extract for real on each runner, not from the other one's cache.
    state = flow(inbox=str(corpus), database_url=url, refresh_cache=refresh_cache, return_state=True)
    data = state.result(raise_on_failure=False)
    summary = data.summary if isinstance(data, RunFailed) else data
    assert isinstance(summary, dict), state.message
    tasks.dispose_engines()
    return summary["documents"], summary["findings_by_rule"], warehouse(url)


def test_the_runner_follows_the_settings():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(make_task_runner(FlowSettings()), ThreadPoolTaskRunner)
    remote = make_task_runner(FlowSettings.from_env({"GONGKAI_DASK_ADDRESS": "tcp://127.0.0.1:8786"}))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://127.0.0.1:8786"
    local = make_task_runner(FlowSettings(task_runner="dask", workers=3))
    assert local.address is None and local.cluster_kwargs["n_workers"] == 3
