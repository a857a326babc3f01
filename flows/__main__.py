"""`python -m flows run [INBOX] [--sources F] [--only NAME …] [--database-url URL]
[--task-runner thread|dask]`: the nightly flow once, here (`flows.embedded.run_once`), its
result as one JSON object on stdout; Prefect's log on stderr. Exit status 0 when the run
Completed, 1 otherwise.

`gongkai run` starts this in a child process: the application layer never imports the
orchestration above it, and the CLI's other commands never pay for importing Prefect.
"""
from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the nightly flow once, in this process")
    run.add_argument("inbox", nargs="?")
    run.add_argument("--sources")
    run.add_argument("--only", action="append")
    run.add_argument("--database-url")
    run.add_argument("--task-runner")
    args = parser.parse_args(argv)

    from flows.embedded import run_once  # sets Prefect's defaults before Prefect is imported

    try:
        result = run_once(sources=args.sources, only=args.only, inbox=args.inbox, database_url=args.database_url,
                          task_runner=args.task_runner)
    except Exception as exc:  # noqa: BLE001 - a configuration error: one line, not a trace
        print(json.dumps({"ok": False, "state": "Failed", "message": f"{exc}", "summary": {}}, ensure_ascii=False))
        return 1
    print(json.dumps({"ok": result.ok, "state": result.state, "message": result.message, "seconds": result.seconds,
                      "summary": result.summary}, ensure_ascii=False, default=str))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
