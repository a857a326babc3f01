"""gongkai.sandbox: one extraction in a child process, every way it can end turned into a
clear per-document error.

The misbehaving extractions are stand-ins for `extract_group` patched in before the fork
(the child inherits them): they allocate past the memory cap, loop, burn CPU, abort, leave
a grandchild in a session of its own (as LibreOffice runs). Real files go through both ways
of starting the child (fork and a fresh interpreter).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gongkai.pipeline
from core import progress
from core.errors import BadDocument, NotAReport, ResourceLimit
from gongkai import sandbox
from gongkai.sandbox import Budgets, extract_in_child

INBOX = Path(__file__).resolve().parents[1] / "examples" / "inbox"


@pytest.fixture
def forked(monkeypatch):
    monkeypatch.setenv("GONGKAI_SANDBOX_START", "fork")


def _patch(monkeypatch, fake) -> None:
    monkeypatch.setattr(gongkai.pipeline, "extract_group", fake)


def test_a_real_file_gives_the_same_record_as_in_process(forked):
    want = gongkai.pipeline.extract_group([INBOX / "d001.txt"]).to_dict()
    got = extract_in_child([INBOX / "d001.txt"])
    assert got.to_dict() == want


def test_a_fresh_interpreter_gives_the_same_record(monkeypatch):
    monkeypatch.setenv("GONGKAI_SANDBOX_START", "spawn")
    want = gongkai.pipeline.extract_group([INBOX / "seed-001.txt"]).to_dict()
    assert extract_in_child([INBOX / "seed-001.txt"], Budgets(timeout_s=60)).to_dict() == want


def test_memory_past_the_cap_names_the_budget_and_the_page(forked, monkeypatch):
    def hog(paths):
        progress.page(3, 12)
        blocks = []
        for _ in range(64):  # 64 × 64 MB: far past the 512 MB cap, stopped at it
            blocks.append(bytearray(64 * 2**20))
        return blocks

    _patch(monkeypatch, hog)
    started = time.monotonic()
    with pytest.raises(ResourceLimit, match=r"^exceeded 512 MB while reading page 3 of 12$"):
        extract_in_child(["x.pdf"], Budgets(memory_mb=512, timeout_s=30))
    assert time.monotonic() - started < 20


def test_a_hang_is_killed_with_everything_it_started(forked, monkeypatch, tmp_path):
    pid_file = tmp_path / "grandchild.pid"

    def hang(paths):
        # a grandchild in a session of its own, as LibreOffice is started
        p = subprocess.Popen(["sleep", "300"], start_new_session=True)
        pid_file.write_text(str(p.pid))
        progress.at("page 7")
        time.sleep(300)

    _patch(monkeypatch, hang)
    started = time.monotonic()
    with pytest.raises(ResourceLimit, match=r"^took longer than 1.5 s while reading page 7$"):
        extract_in_child(["x.pdf"], Budgets(timeout_s=1.5))
    assert time.monotonic() - started < 10
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # killed at once; the kernel may take a moment to let init reap it
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_cpu_past_the_budget(forked, monkeypatch):
    def spin(paths):
        progress.page(2)
        while True:
            pass

    _patch(monkeypatch, spin)
    with pytest.raises(ResourceLimit, match=r"^used more than 1 s of CPU while reading page 2$"):
        extract_in_child(["x.pdf"], Budgets(timeout_s=60, cpu_s=1))


def test_a_crash_is_a_bad_document_naming_the_signal(forked, monkeypatch):
    def crash(paths):
        progress.page(1)
        os.abort()

    _patch(monkeypatch, crash)
    with pytest.raises(BadDocument, match=r"^the extraction crashed \(SIGABRT\) while reading page 1"):
        extract_in_child(["x.pdf"], Budgets(timeout_s=30))


def test_the_childs_errors_come_back_as_their_class(forked, monkeypatch):
    def not_a_report(paths):
        raise NotAReport("no annual-report content found")

    _patch(monkeypatch, not_a_report)
    with pytest.raises(NotAReport, match="no annual-report content found"):
        extract_in_child(["x.pdf"])

    def defect(paths):
        raise KeyError("row")

    _patch(monkeypatch, defect)
    with pytest.raises(BadDocument, match=r"internal error \(KeyError: 'row'\)"):
        extract_in_child(["x.pdf"])


def test_a_missing_file_is_one_clear_error(forked):
    with pytest.raises(BadDocument, match="no such file"):
        extract_in_child(["/nonexistent/report.pdf"])


def test_budgets_from_the_environment():
    b = Budgets.from_env({"GONGKAI_EXTRACT_MEMORY_MB": "1024", "GONGKAI_EXTRACT_TIMEOUT_S": "45"})
    assert (b.memory_mb, b.timeout_s, b.cpu_limit_s) == (1024, 45.0, 45.0)
    assert Budgets.from_env({"GONGKAI_EXTRACT_CPU_S": "10"}).cpu_limit_s == 10.0
    assert Budgets.from_env({}) == Budgets(memory_mb=sandbox.DEFAULT_MEMORY_MB, timeout_s=sandbox.DEFAULT_TIMEOUT_S)
    with pytest.raises(ValueError, match="GONGKAI_EXTRACT_MEMORY_MB='lots' is not a number"):
        Budgets.from_env({"GONGKAI_EXTRACT_MEMORY_MB": "lots"})
    with pytest.raises(ValueError, match=r"memory_mb \(GONGKAI_EXTRACT_MEMORY_MB\) must be an integer ≥ 256, got 10"):
        Budgets(memory_mb=10)
    with pytest.raises(ValueError, match=r"timeout_s .* must be > 0"):
        Budgets.from_env({"GONGKAI_EXTRACT_TIMEOUT_S": "0"})


def test_the_cli_reports_a_budget_as_one_line(tmp_path):
    """`gongkai extract` under a tiny timeout: exit 1, one line naming the budget."""
    env = dict(os.environ, GONGKAI_EXTRACT_TIMEOUT_S="0.001")
    proc = subprocess.run([sys.executable, "-m", "gongkai", "extract", str(INBOX / "d001.txt"), "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [f"gongkai: {INBOX / 'd001.txt'}: took longer than 0.001 s"]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_hanging_libreoffice_dies_with_the_child(start, monkeypatch, tmp_path):
    """A real RTF whose conversion hangs (a stand-in soffice that sleeps, in the session of
    its own that libreoffice.py gives it): the sandbox's timeout kills it too."""
    pid_file = tmp_path / "soffice.pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GONGKAI_SOFFICE", str(fake))
    monkeypatch.setenv("GONGKAI_SOFFICE_TIMEOUT", "600")
    monkeypatch.setenv("GONGKAI_SANDBOX_START", start)
    rtf = tmp_path / "report.rtf"
    rtf.write_bytes(b"{\\rtf1\\ansi report}")
    with pytest.raises(ResourceLimit, match=r"^took longer than 8 s"):
        extract_in_child([rtf], Budgets(timeout_s=8))
    soffice = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(soffice):
            break
        time.sleep(0.1)
    assert not _alive(soffice)


def test_a_native_library_short_of_memory_is_the_caps_fault(forked, monkeypatch):
    """Near the cap, an error that does not say "memory" (libxml2: XMLSyntaxError 'unknown
    error') is still reported as the budget, and so is a record whose pictures OCR could not
    read; far from the cap, the same error is the file's."""

    def fill_then(error: Exception | None):
        def extract(paths):
            hold = []
            try:
                while True:
                    hold.append(bytearray(16 * 2**20))
            except MemoryError:
                hold.clear()  # the peak stays on record (VmPeak)
            if error:
                raise error

            class Rec:
                def to_dict(self):
                    return {"tables": {"active": "image-unreadable"}}

            return Rec()

        return extract

    _patch(monkeypatch, fill_then(ValueError("unknown error")))
    with pytest.raises(ResourceLimit, match=r"^exceeded 512 MB$"):
        extract_in_child(["x.docx"], Budgets(memory_mb=512, timeout_s=30))
    _patch(monkeypatch, fill_then(None))
    with pytest.raises(ResourceLimit, match=r"^exceeded 512 MB \(its pictures could not be read within the cap\)$"):
        extract_in_child(["x.png"], Budgets(memory_mb=512, timeout_s=30))

    def plain(paths):
        raise ValueError("unknown error")

    _patch(monkeypatch, plain)
    with pytest.raises(BadDocument, match=r"internal error \(ValueError: unknown error\)"):
        extract_in_child(["x.docx"], Budgets(memory_mb=4096, timeout_s=30))
