"""`flows.embedded.run_once` (what `gongkai run` calls) as a user meets it: a fresh checkout,
no Prefect configuration, no server; nothing left running afterwards."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from conftest import INBOX, ROOT

SCRIPT = """
import json, sys
from flows.embedded import run_once
r = run_once(inbox=sys.argv[1])
print("RESULT " + json.dumps({"ok": r.ok, "state": r.state, "message": r.message, "summary": r.summary,
                              "seconds": r.seconds}, ensure_ascii=False))
"""


def run_fresh(cwd, home, inbox):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(inbox)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][7:]), proc


def processes_in(cwd) -> list[str]:
    """Command lines of the processes whose working directory is `cwd` (Linux /proc)."""
    out = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "cwd") == str(cwd):
                out.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # gone, or not ours to read
            continue
    return out


def test_run_once_needs_no_setup_and_leaves_nothing_running(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("d001.txt", "d003.docx", "r002.pdf"):
        (inbox / name).write_bytes((INBOX / name).read_bytes())
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")  # not readable: a failure, not a crash

    result, proc = run_fresh(tmp_path, home, inbox)
    assert not result["ok"] and result["state"] == "Failed" and "notes.pdf" in result["message"]
    docs = result["summary"]["documents"]
    assert (docs["found"], docs["loaded"], docs["failed"]) == (4, 3, 1)
    assert "ephemeral mode" in result["summary"]["note"]
    # Everything under ./data: the warehouse, Prefect's home with the extraction cache.
    assert (tmp_path / "data" / "gongkai.sqlite").is_file()
    assert any((tmp_path / "data" / "prefect" / "storage").iterdir())
    assert not (home / ".prefect").exists()  # the user's Prefect profile is not touched
    # The temporary API server was stopped: its port is closed and no process is left.
    port = int(proc.stderr.split("Stopping temporary server on http://127.0.0.1:")[1].split()[0])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    assert processes_in(tmp_path) == []

    again, _ = run_fresh(tmp_path, home, inbox)  # the failure is retried, the rest is not redone
    assert again["summary"]["documents"]["unchanged"] == 3 and again["summary"]["documents"]["new"] == 1
