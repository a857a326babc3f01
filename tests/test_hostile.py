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


def test_extract_all_goes_on_past_bombs_and_loops(tmp_path):
    """One folder: a good report between a looping text dump, a 3000-page TIFF, an RTF
    `\\bin` bomb and a zip bomb. Each bad file is one `failed` line; the good record comes
    out; the loop costs its 5 s budget and no more."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for build in (hostile.tab_only_lines, hostile.tiff_many_pages, hostile.rtf_huge_bin, hostile.docx_zip_bomb):
        build(folder)
    good = folder / "good.txt"
    good.write_bytes((hostile.INBOX / "d001.txt").read_bytes())
    env = dict(os.environ, GONGKAI_EXTRACT_MEMORY_MB=str(MEMORY_MB), GONGKAI_EXTRACT_TIMEOUT_S="5")
    started = time.monotonic()
    proc = subprocess.run([*GONGKAI, "extract-all", str(folder), "-o", str(tmp_path / "out.jsonl")],
                          capture_output=True, text=True, env=env, timeout=5 + STARTUP_S + 60)
    seconds = time.monotonic() - started
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    records = {Path(r["source"]["path"]).name: r for r in
               map(json.loads, (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines())}
    hostile.same_cells_as("d001")(records["good.txt"])
    failed = " ".join(proc.stderr.split())  # rich wraps long lines
    # the tab-only dump loops in today's text reader (the sandbox stops it); once the reader
    # is fixed it is a readable report
    looped = "tabs.txt: took longer than 5 s" in failed
    assert set(records) == ({"good.txt"} if looped else {"good.txt", "tabs.txt"})
    assert f"{len(records)} extracted, {5 - len(records)} failed" in failed
    assert "3000 pages" in failed and "a \\bin run of 2000000000 bytes" in failed and "zip bomb" in failed
    assert seconds < 5 + STARTUP_S + 15
