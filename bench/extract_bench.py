"""Extraction benchmark: documents per second, peak memory and accuracy, per format.

    .venv/bin/python bench/extract_bench.py [--corpus ../shared/corpus/dev] [--renderer txt ...] [--repeat 3]

Reads the team's development corpus (`../shared/corpus/dev`, absent from a user's
clone: the script says so and exits). Each renderer runs in its own process so that its
peak memory (max RSS) is its own; documents are timed in-process after one warm-up pass
(imports and model loads are reported separately as `startup_s`). Accuracy is scored with
`../shared/tools/score.py`'s own scoring function against the corpus's ground truth.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"


def worker(corpus: Path, renderer: str, repeat: int) -> dict:
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from gongkai.pipeline import extract_record

    startup = time.perf_counter() - t0
    sys.path.insert(0, str(corpus.parents[1] / "tools"))
    import score  # the shared scorer: same numbers as score.py prints

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    docs = [d for d in manifest["documents"] if d["renderer"] == renderer]
    rows, times = [], []
    for i in range(repeat + 1):
        for d in docs:
            t = time.perf_counter()
            try:
                rec = extract_record(corpus / d["file"]).to_dict()
                res = {"ok": True, "record": rec}
            except Exception as exc:  # a failure is scored as such
                res = {"ok": False, "error": repr(exc)}
            dt = time.perf_counter() - t
            if i == 0:  # warm-up pass: scored, not timed
                truth = json.loads((corpus / "truth" / f"{d['id']}.json").read_text(encoding="utf-8"))
                res["seconds"] = dt
                sc = score.score_doc(truth, res)
                sc.update(id=d["id"], renderer=renderer, ok=res["ok"], seconds=dt)
                rows.append(sc)
            else:
                times.append(dt)
    agg = score.aggregate(rows)
    total = sum(times)
    return {
        "renderer": renderer,
        "docs": len(docs),
        "docs_per_s": (len(times) / total) if total else None,
        "mean_s": (total / len(times)) if times else None,
        "max_s": max(times) if times else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "startup_s": startup,
        "cell_acc": agg["cell_acc"],
        "exact": agg["exact"],
        "meta": agg["meta"],
        "invented": agg["invented"],
        "failed": agg["failed"],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--renderer", action="append")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    if not (args.corpus / "manifest.json").exists():
        print(f"corpus not found at {args.corpus}: the benchmark needs the team's shared development corpus "
              "(../shared/corpus/dev), which a user's clone does not have", file=sys.stderr)
        return 2
    if args.worker:
        print(json.dumps(worker(args.corpus, args.worker, args.repeat)))
        return 0
    manifest = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    renderers = args.renderer or list(dict.fromkeys(d["renderer"] for d in manifest["documents"]))
    results = []
    for r in renderers:
        out = subprocess.run([sys.executable, __file__, "--corpus", str(args.corpus), "--repeat", str(args.repeat),
                              "--worker", r], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    fmt = lambda v, p=3: "-" if v is None else (f"{v:.{p}f}" if isinstance(v, float) else str(v))  # noqa: E731
    print("| renderer | docs | docs/s | mean s | max s | peak RSS MB | cell acc | exact | meta | invented |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['renderer']} | {r['docs']} | {fmt(r['docs_per_s'], 1)} | {fmt(r['mean_s'])} | "
              f"{fmt(r['max_s'])} | {fmt(r['peak_rss_mb'], 0)} | {fmt(r['cell_acc'], 4)} | {fmt(r['exact'], 2)} | "
              f"{fmt(r['meta'], 2)} | {r['invented']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
