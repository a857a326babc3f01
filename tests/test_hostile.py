"""Hostile and broken files through the real command, `gongkai extract FILE --json`, under
the sandbox with a 1 GB memory cap: each fails with one clear line and exit status 1, or,
where the file is a readable report, gives the correct record. Never a traceback, never
longer than its time budget, never more memory than the cap. (The files and what each
deserves: tests/hostile.py.)
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile

MEMORY_MB = 1024
STARTUP_S = 20  # the command's own start on a busy two-core machine, on top of the budget
GONGKAI = [sys.executable, "-m", "gongkai"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def run_extract(path: Path, timeout_s: float, tmp: Path) -> tuple[int, str, str, float, float]:
    """(exit status, stdout, stderr, seconds, peak RSS in MB of the command and its children)."""
    env = dict(os.environ, GONGKAI_EXTRACT_MEMORY_MB=str(MEMORY_MB), GONGKAI_EXTRACT_TIMEOUT_S=str(timeout_s))
    limit = timeout_s + STARTUP_S + 30
    started = time.monotonic()
    with (tmp / "out").open("wb") as out, (tmp / "err").open("wb") as err:
        proc = subprocess.Popen([*GONGKAI, "extract", str(path), "--json"], stdout=out, stderr=err, env=env)
    # wait4: the rusage of the command, whose ru_maxrss covers the children it reaped (the sandbox's)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > limit:
            proc.kill()
            proc.wait()
            pytest.fail(f"gongkai extract {path.name} still running after {limit:g} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    read = lambda name: (tmp / name).read_bytes().decode("utf-8", "replace")  # noqa: E731
    return proc.returncode, read("out"), read("err"), seconds, usage.ru_maxrss / 1024


@pytest.mark.parametrize("case", hostile.CASES, ids=[c.name for c in hostile.CASES])
def test_hostile_file_costs_only_itself(case, files, tmp_path):
    path = case.build(files)
    code, out, err, seconds, peak = run_extract(path, case.timeout_s, tmp_path)

    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1), f"exit status {code}: {err[-500:]}"
    assert seconds < case.timeout_s + STARTUP_S, f"took {seconds:.1f} s"
    assert peak < MEMORY_MB + 64, f"peak RSS {peak:.0f} MB"
    if case.expect == "fail":
        assert code == 1, f"expected a clear failure, got a record: {out[:300]}"
    if case.expect == "record":
        assert code == 0, f"expected a record, got: {err.strip()}"
    if code == 1:
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1, f"expected one line, got {lines}"
        assert lines[0].startswith(f"gongkai: {path}: ")
        if case.reason:
            assert re.search(case.reason, lines[0]), lines[0]
    else:
        assert len(out.splitlines()) == 1
        record = json.loads(out)
        assert set(record) >= {"agency", "year", "template", "tables", "cells", "findings", "source"}
        assert record["source"]["sha256"]
        if case.check:
            case.check(record)
    if case.name == "ofd-traversal":
        assert not list(files.parent.rglob("gongkai-escaped.txt")) and not Path("/tmp/gongkai-escaped.txt").exists()
