"""End to end with a real Prefect server, as production runs it: deployments from
prefect.yaml, a process worker, the nightly deployment over an inbox where one document is
broken, that document's own `process-document` run found through the API, the file fixed,
the run retried exactly as the UI's Retry button does, the report in the warehouse.

Everything runs in subprocesses with their own environment (PREFECT_HOME in tmp, a free
port on 127.0.0.1); all of them are killed (process groups) at the end, pass or fail.
About 1-2 minutes here, most of it the server's start and the worker's process starts.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import INBOX, ROOT
from storage_fixtures import pg_database  # noqa: F401

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
SERVER_START_S = 150
RUN_S = 150
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The server, the worker and the CLI calls, with their logs for failure messages."""

    def __init__(self, tmp: Path, scheduler: bool = False):
        self.tmp = tmp
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.data = tmp / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
        env.update({
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "INFO",
            # Off unless asked for: no scheduled nightly run may start during the worker test
            # (cron 0 2 * * * Asia/Shanghai). The scheduler test turns it on and starts no worker.
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "true" if scheduler else "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "5",
            "GONGKAI_DATA_DIR": str(self.data),
            "GONGKAI_SOURCES": str(tmp / "no-sources.yaml"),  # nothing to crawl: the inbox only
            "GONGKAI_RETRY_BACKOFF_S": "0.1",
            "PYTHONUNBUFFERED": "1",
        })
        self.env = env
        self.procs: list[tuple[str, subprocess.Popen, Path]] = []
        self.client = httpx.Client(base_url=self.api, timeout=30)

    # ---- processes ---------------------------------------------------------------------------

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own process group: killed whole
        self.procs.append((name, proc, log))
        return proc

    def cli(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run([str(BIN / "prefect"), *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert proc.returncode == 0, f"prefect {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        return proc.stdout

    def logs(self) -> str:
        out = []
        for name, _, log in self.procs:
            text = log.read_text(errors="replace") if log.exists() else ""
            out.append(f"---- {name} (last lines) ----\n{text[-6000:]}")
        return "\n".join(out)

    def stop(self) -> None:
        for _, proc, _ in reversed(self.procs):
            _kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, proc, _ in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(proc, signal.SIGKILL)  # and whatever of the group is left (flow runs)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.client.close()

    # ---- the API, as the UI uses it ------------------------------------------------------------

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            try:
                if self.client.get("/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.procs[0][1].poll() is not None:
                break
            time.sleep(0.5)
        pytest.fail(f"the Prefect server did not answer on {self.api} within {SERVER_START_S}s\n{self.logs()}")

    def deployment(self, flow: str, name: str) -> dict:
        r = self.client.get(f"/deployments/name/{flow}/{name}")
        assert r.status_code == 200, f"no deployment {flow}/{name}: {r.text}\n{self.logs()}"
        return r.json()

    def flow_runs(self, deployment_id: str) -> list[dict]:
        r = self.client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}})
        r.raise_for_status()
        return r.json()

    def run(self, run_id: str) -> dict:
        r = self.client.get(f"/flow_runs/{run_id}")
        r.raise_for_status()
        return r.json()

    def wait_final(self, run_id: str, what: str, timeout: float = RUN_S, after: float | None = None) -> dict:
        deadline = time.monotonic() + timeout
        run = {}
        while time.monotonic() < deadline:
            run = self.run(run_id)
            state = run["state"] or {}
            if state.get("type") in FINAL and (after is None or run["run_count"] > after):
                return run
            time.sleep(1)
        pytest.fail(f"{what} ({run_id}) did not finish within {timeout:.0f}s; last state "
                    f"{(run.get('state') or {}).get('type')}\n{self.logs()}")

    def wait_for_runs(self, deployment_id: str, what: str, n: int = 1, timeout: float = RUN_S) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.flow_runs(deployment_id)
            if len(runs) >= n:
                return runs
            time.sleep(1)
        pytest.fail(f"no {what} run appeared within {timeout:.0f}s\n{self.logs()}")


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def prefect_database(request):
    """Prefect's own database: its default (SQLite in PREFECT_HOME), or PostgreSQL as in
    production (a database of this test's own on the local server, dropped afterwards)."""
    if request.param == "sqlite":
        yield None
        return
    from sqlalchemy.engine import make_url

    url = make_url(request.getfixturevalue("pg_database"))
    yield url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def test_the_scheduler_schedules_the_nightly_at_2am_beijing_time(tmp_path, prefect_database):
    """The production set-up as the README gives it: `prefect server start` with its default
    services (the scheduler on), the work pool, `prefect deploy --all`. Within 60 s the
    nightly deployment has Scheduled runs, each at 02:00 Asia/Shanghai, and the server's log
    has no traceback (SQLAlchemy 2.1 broke the scheduler: an InvalidRequestError every
    minute and no run ever scheduled; pyproject.toml pins it below 2.1 for that)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    stack = Stack(tmp_path, scheduler=True)
    if prefect_database:
        stack.env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_database
    try:
        server = stack.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                        "--port", str(stack.port)])
        stack.wait_healthy()
        stack.cli("work-pool", "create", "process", "--type", "process")
        stack.cli("--no-prompt", "deploy", "--all")
        nightly = stack.deployment("nightly", "nightly")
        deployed = time.monotonic()
        runs: list[dict] = []
        while time.monotonic() - deployed < 60:
            runs = [r for r in stack.flow_runs(nightly["id"]) if (r["state"] or {}).get("type") == "SCHEDULED"]
            if runs:
                break
            time.sleep(1)
        waited = time.monotonic() - deployed
        assert runs, f"no Scheduled nightly run within 60 s of `prefect deploy --all`\n{stack.logs()}"
        shanghai = ZoneInfo("Asia/Shanghai")
        for r in runs:
            start = datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")).astimezone(shanghai)
            assert (start.hour, start.minute, start.second) == (2, 0, 0), r["expected_start_time"]
            assert r["state"]["name"] == "Scheduled" and r["deployment_id"] == nightly["id"]
        assert server.poll() is None, "the server died"
        log = (tmp_path / "server.log").read_text(errors="replace")
        for bad in ("Traceback", "InvalidRequestError", "Can't evaluate bulk DML"):
            assert bad not in log, f"the server log has {bad!r}:\n{log[-6000:]}"
        print(f"{len(runs)} Scheduled nightly runs {waited:.1f} s after deploy")
    finally:
        stack.stop()


def test_a_failed_document_gets_its_own_run_and_the_ui_retry_loads_it(tmp_path, stack):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("d001.txt", "d021.txt"):
        shutil.copy(INBOX / name, inbox / name)
    broken = inbox / "d002.pdf"
    broken.write_bytes((INBOX / "d002.pdf").read_bytes()[:400])  # truncated in transit

    stack.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                           str(stack.port)])
    stack.wait_healthy()
    stack.cli("work-pool", "create", "process", "--type", "process")
    stack.cli("--no-prompt", "deploy", "--all")  # from prefect.yaml, in the repository root
    nightly = stack.deployment("nightly", "nightly")
    process_document = stack.deployment("process-document", "process-document")
    for flow, name in (("reprocess", "reprocess"), ("backfill", "backfill")):
        stack.deployment(flow, name)
    [schedule] = nightly["schedules"]
    assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 2 * * *", "Asia/Shanghai")
    assert nightly["work_pool_name"] == process_document["work_pool_name"] == "process"
    stack.start("worker", [str(BIN / "prefect"), "worker", "start", "--pool", "process", "--name", "test-worker"])

    # The nightly run, as `prefect deployment run nightly/nightly -p inbox=…` creates it.
    r = stack.client.post(f"/deployments/{nightly['id']}/create_flow_run", json={"parameters": {"inbox": str(inbox)}})
    r.raise_for_status()
    run = stack.wait_final(r.json()["id"], "the nightly run")
    assert run["state"]["type"] == "FAILED", run["state"]
    assert run["state"]["message"].startswith("1 of 3 documents failed (")
    assert f"{broken}: unreadable PDF" in run["state"]["message"]
    assert run["name"].startswith("nightly-20")  # nightly-<date in Asia/Shanghai>

    # The broken document has its own process-document run, a child of the nightly run.
    [doc_run] = stack.wait_for_runs(process_document["id"], "process-document")
    assert doc_run["parameters"]["path"] == str(broken)
    assert doc_run["idempotency_key"].endswith(":" + doc_run["parameters"]["sha256"])
    assert doc_run["parent_task_run_id"] is not None
    assert doc_run["name"] == f"doc-inbox-d002.pdf-{doc_run['parameters']['sha256'][:8]}"
    assert "failed-document" in doc_run["tags"]
    doc_run = stack.wait_final(doc_run["id"], "the failed document's run")
    assert doc_run["state"]["type"] == "FAILED" and "unreadable PDF" in doc_run["state"]["message"]
    assert doc_run["state"]["message"].endswith("then Retry this run")  # one line that says what to do
    artifacts = stack.client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["nightly-summary"]}}}).json()
    assert artifacts and f"[{doc_run['name']}](" in artifacts[0]["data"], "the summary links the run by name"
    assert str(broken) in artifacts[0]["data"], "the summary names the failed file's path"
    # A failed nightly is a verdict, not a crash: no engine trace, the error said once per run.
    worker_log = (stack.tmp / "worker.log").read_text(errors="replace")
    assert "unexpected exception" not in worker_log and "Traceback" not in worker_log, worker_log[-6000:]

    # The operator fixes the cause (a good copy of the file) and presses Retry.
    shutil.copy(INBOX / "d002.pdf", broken)
    r = stack.client.post(f"/flow_runs/{doc_run['id']}/set_state", json={
        "state": {"type": "SCHEDULED", "name": "AwaitingRetry", "message": "Retry from the UI"}, "force": True})
    assert r.status_code in (200, 201) and r.json()["status"] == "ACCEPT", r.text
    retried = stack.wait_final(doc_run["id"], "the retried run", after=doc_run["run_count"])
    assert retried["state"]["type"] == "COMPLETED", f"{retried['state']}\n{stack.logs()}"
    assert retried["run_count"] == doc_run["run_count"] + 1 and retried["id"] == doc_run["id"]
    assert "failed-document" not in retried["tags"]  # the UI's filter on it lists only what still needs work

    with sqlite3.connect(stack.data / "gongkai.sqlite") as db:
        docs = dict(db.execute("SELECT filename, status FROM documents WHERE status = 'loaded'").fetchall())
        reports = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    assert docs == {"d001.txt": "loaded", "d021.txt": "loaded", "d002.pdf": "loaded"}
    assert reports == 3

    # The truncated bytes' row is superseded by the good copy that loaded: nothing is left to
    # fix, and `gongkai status` says so.
    with sqlite3.connect(stack.data / "gongkai.sqlite") as db:
        by_status = dict(db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status").fetchall())
    assert by_status == {"loaded": 3, "superseded": 1}, by_status
    status = subprocess.run([str(BIN / "gongkai"), "status"], cwd=ROOT, env=stack.env, capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0 and "failed 0" in status.stdout and "superseded 1" in status.stdout, status
    # Each d002.pdf row names the run that handled it, with its link: where an operator retries.
    with sqlite3.connect(stack.data / "gongkai.sqlite") as db:
        runs = db.execute("SELECT status, run_name, run_url FROM documents WHERE filename = 'd002.pdf' "
                          "ORDER BY status").fetchall()
    assert [(s, n) for s, n, _ in runs] == [("loaded", doc_run["name"]), ("superseded", doc_run["name"])], runs
    assert all(url and doc_run["id"] in url for _, _, url in runs), runs
