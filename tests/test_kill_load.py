"""`gongkai load` killed with SIGKILL at four moments, then run again, leaves exactly the
warehouse of one clean load: the same rows in every table, the same cells with the same
values, every document `loaded`. (The moments are fractions of a clean load's duration,
fixed so that a failure can be reproduced.)
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import get_engine
from storage_fixtures import row_counts

INBOX = Path(__file__).resolve().parents[1] / "examples" / "inbox"
FILES = ("d001.txt", "d021.txt", "seed-001.txt", "seed-002.txt", "seed-003.txt", "seed-004.txt",
         "d014.html", "d019.html", "d003.docx", "d029.docx")
MOMENTS = (0, 1, 4, 8)
"""Killed once this many documents are loaded (0: as soon as the warehouse file exists, in
the middle of the migrations or the first document), i.e. in the middle of the next one."""


def _load(inbox: Path, url: str, data: Path) -> subprocess.Popen:
    env = dict(os.environ, GONGKAI_DATA_DIR=str(data))
    return subprocess.Popen([sys.executable, "-m", "gongkai", "load", str(inbox), "--database-url", url, "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)


def _warehouse(url: str) -> tuple[dict[str, int], list[tuple], list[tuple]]:
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            cells = sorted(tuple(r) for r in conn.execute(text("SELECT sha256, cell, value, page FROM bi_cells")))
            docs = sorted(tuple(r) for r in conn.execute(text("SELECT sha256, status FROM documents")))
        return row_counts(engine), cells, docs
    finally:
        engine.dispose()


def _loaded(url: str) -> int:
    """Documents loaded so far (0 while the schema is not there yet or the file is locked)."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM documents WHERE status = 'loaded'")).scalar_one()
    except Exception:  # noqa: BLE001 - no schema yet, or the loader holds the write lock
        return 0
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inbox")
    for name in FILES:
        shutil.copy(INBOX / name, d / name)
    return d


@pytest.fixture(scope="module")
def clean(inbox, tmp_path_factory) -> tuple[tuple, float]:
    d = tmp_path_factory.mktemp("clean")
    url = f"sqlite:///{d / 'gongkai.sqlite'}"
    started = time.monotonic()
    proc = _load(inbox, url, d)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    return _warehouse(url), time.monotonic() - started


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_at_any_moment_then_again_is_one_clean_load(moment, inbox, clean, tmp_path):
    want, seconds = clean
    url = f"sqlite:///{tmp_path / 'gongkai.sqlite'}"
    db = tmp_path / "gongkai.sqlite"
    proc = _load(inbox, url, tmp_path)
    deadline = time.monotonic() + seconds * 3 + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if db.exists() and (moment == 0 or _loaded(url) >= moment):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the load ended before the moment: nothing was tested"
    print(f"killed after {moment}: {_loaded(url)} of {len(FILES)} documents loaded")

    again = _load(inbox, url, tmp_path)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()[-2000:]
    counts, cells, docs = _warehouse(url)
    assert counts == want[0]
    assert cells == want[1]
    assert docs == want[2] and {s for _, s in docs} == {"loaded"}
