"""Prefect for the flow tests: its ephemeral backend with an in-memory database, started once
per session (about 10-20 s), then about 0.5-2 s per flow (shared/research/prefect.md §4).

Import this module before anything imports Prefect (it sets Prefect's environment, which
Prefect reads once, at import): `import prefect_fixtures` as a test module's first import
of the project, then use its fixtures. The integration test (`test_prefect_server.py`)
talks to its own server over HTTP and passes its environment to its subprocesses only.
"""
from __future__ import annotations

import os
import sys
import tempfile

if "prefect" in sys.modules and not os.environ.get("GONGKAI_TEST_PREFECT_CONFIGURED"):
    import warnings

    warnings.warn("prefect was imported before tests/prefect_fixtures.py: the flow tests may use "
                  "the user's Prefect profile instead of a throwaway in-memory backend", stacklevel=1)

os.environ["GONGKAI_TEST_PREFECT_CONFIGURED"] = "1"
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="gongkai-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "true")
os.environ.setdefault("PREFECT_SERVER_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:///:memory:")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# Fast retries, few threads: the behaviour under test is the same, the waits are not.
os.environ.setdefault("GONGKAI_RETRY_BACKOFF_S", "0.05")
os.environ.setdefault("GONGKAI_WORKERS", "2")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def prefect_backend():
    """No flow-run heartbeats in tests: each flow would wait up to 1 s for its heartbeat
    thread on exit."""
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh GONGKAI_DATA_DIR (SQLite warehouse, raw store, crawl state) per test."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(d))
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("GONGKAI_RAW_STORE", raising=False)
    monkeypatch.setenv("GONGKAI_SOURCES", str(tmp_path / "no-sources.yaml"))  # never a real sources.yaml
    return d


@pytest.fixture
def db_url(data_dir) -> str:
    return f"sqlite:///{data_dir / 'gongkai.sqlite'}"
