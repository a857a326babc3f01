"""How long `gongkai run` takes when nothing is new (issue 10: at most 5 s on the 2-core
development machine): the sample inbox loaded once into a fresh data folder, then `gongkai
run` timed again, `--repeat` times, each in its own process as a user runs it.

    .venv/bin/python bench/run_bench.py [--repeat 5]

Prints one line per run and the median; exits 1 when the median is over the bar.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR_S = 5.0
GONGKAI = Path(sys.executable).with_name("gongkai")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongkai-run-bench-") as tmp:
        first = subprocess.run([str(GONGKAI), "run", "--json"], cwd=tmp, capture_output=True, text=True)
        if first.returncode != 0:
            print(first.stdout[-2000:], first.stderr[-2000:], file=sys.stderr)
            return 1
        times = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            proc = subprocess.run([str(GONGKAI), "run", "--json"], cwd=tmp, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            print(f"run {i + 1}: {times[-1]:.2f} s (exit {proc.returncode}) {proc.stdout.strip()[:120]}")
    median = statistics.median(times)
    print(f"gongkai run, nothing new: median {median:.2f} s over {len(times)} runs (bar {BAR_S:.0f} s)")
    return 0 if median <= BAR_S else 1


if __name__ == "__main__":
    sys.exit(main())
