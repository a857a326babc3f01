"""Text-layer PDFs: gongkai beside the naive pdfplumber baseline and the pypdfium2 floor.

    .venv/bin/python bench/pdf_speed.py [FILE.pdf ...] [--rounds 5] [--json out.json]

Three ways through the same files, timed in one process, alternately (round after round,
the order rotated), in CPU seconds (`time.process_time`), after one warm-up pass each:

- gongkai: `gongkai.pipeline.extract_record` — the whole record: read, normalize, validate;
- naive:   pdfplumber's `extract_text()` and `extract_tables()` on every page, what one
           writes first (it gives text and grids, not a record);
- floor:   pypdfium2 reading every page's text and every character's box, nothing more.

Peak RSS is measured per way in its own child process (reading every file once), and the
start-up of `gongkai extract FILE --json` (a fresh process: imports, sandbox, one record) in
CPU seconds, with whether it loaded Prefect, OpenCV or onnxruntime.

Files: the text-layer PDFs of the sample inbox (`examples/inbox`, in every clone), and,
where the team's corpus is present (`../shared/corpus`, absent from a user's clone: the
script says so), its `pdf_text` documents and real PDFs. A PDF any page of which needs OCR
is left out: this measures the text path.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "corpus"


def default_files() -> list[Path]:
    files = sorted((ROOT / "examples" / "inbox").glob("*.pdf"))
    if SHARED.is_dir():
        dev = SHARED / "dev"
        manifest = json.loads((dev / "manifest.json").read_text(encoding="utf-8"))
        files += [dev / d["file"] for d in manifest["documents"] if d["renderer"] == "pdf_text"]
        files += sorted((SHARED / "real" / "docs").glob("*.pdf"))
    else:
        print(f"note: {SHARED} is absent (a user's clone): only the sample inbox's PDFs are measured",
              file=sys.stderr)
    seen, out = set(), []
    for f in files:  # the inbox holds copies of corpus files: each content once
        key = f.read_bytes()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return [f for f in out if text_only(f)]


def text_only(path: Path) -> bool:
    from core.document import ImageBlock
    from extractors import pdf

    return not any(isinstance(b, ImageBlock) for b in pdf.extract(path).blocks)


def pages_of(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


# --- the three ways ----------------------------------------------------------------------------


def gongkai(path: Path) -> None:
    from gongkai.pipeline import extract_record

    extract_record(path)


def naive(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def floor(path: Path) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        for page in doc:
            tp = page.get_textpage()
            tp.get_text_range()
            for i in range(tp.count_chars()):
                tp.get_charbox(i)
            tp.close()
            page.close()
    finally:
        doc.close()


WAYS = {"gongkai": gongkai, "naive": naive, "floor": floor}


def timed(files: list[Path], rounds: int) -> dict[str, dict[str, list[float]]]:
    """CPU seconds per way, per file, per round (after a warm-up pass of every way)."""
    for fn in WAYS.values():
        for f in files:
            fn(f)
    cpu: dict[str, dict[str, list[float]]] = {w: {str(f): [] for f in files} for w in WAYS}
    names = list(WAYS)
    for r in range(rounds):
        for w in names[r % len(names):] + names[:r % len(names)]:
            for f in files:
                t = time.process_time()
                WAYS[w](f)
                cpu[w][str(f)].append(time.process_time() - t)
    return cpu


def peak_rss_mb(way: str, files: list[Path]) -> float:
    """Peak RSS of a child process that reads every file once the given way. Read from
    /proc (VmHWM, this process's memory alone): `ru_maxrss` would report the parent's peak,
    which Linux carries over into a forked and exec'd child."""
    code = ("import sys, resource; sys.path.insert(0, %r); sys.argv = ['x'] + %r; "
            "import bench.pdf_speed as b; [b.WAYS[%r](__import__('pathlib').Path(f)) for f in sys.argv[1:]]; "
            "print(b.own_peak_kb())") % (str(ROOT), [str(f) for f in files], way)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.split()[-1]) / 1024


def own_peak_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def startup(path: Path) -> dict:
    """`gongkai extract FILE --json` in a fresh process: CPU seconds (itself and its sandbox
    child), and which heavy libraries the CLI process imported."""
    gongkai_cli = Path(sys.executable).parent / "gongkai"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([str(gongkai_cli), "extract", str(path), "--json"], capture_output=True, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    probe = ("import sys; sys.argv=['gongkai','extract',%r,'--json']; import io, contextlib; "
             "from gongkai.cli import app\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try: app()\n"
             "    except SystemExit: pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'cv2', 'onnxruntime', 'pdfminer', 'pdfplumber'}))"
             ) % str(path)
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return {"cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 3),
            "wall_s": round(wall, 3), "heavy_modules_loaded": loaded}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    files = [f.resolve() for f in args.files] or default_files()
    pages = {str(f): pages_of(f) for f in files}
    cpu = timed(files, args.rounds)
    rows = []
    for f in files:
        med = {w: statistics.median(cpu[w][str(f)]) for w in WAYS}
        rows.append({"file": f.name, "pages": pages[str(f)], **{f"{w}_s": round(v, 4) for w, v in med.items()}})
    total = {w: sum(r[f"{w}_s"] for r in rows) for w in WAYS}
    n_pages = sum(pages.values())
    result = {
        "files": len(files), "pages": n_pages, "rounds": args.rounds, "per_file": rows,
        "total_cpu_s": {w: round(v, 4) for w, v in total.items()},
        "per_report_ms": {w: round(1000 * v / len(files), 1) for w, v in total.items()},
        "per_page_ms": {w: round(1000 * v / n_pages, 1) for w, v in total.items()},
        "gongkai_over_naive": round(total["gongkai"] / total["naive"], 3),
        "gongkai_over_floor": round(total["gongkai"] / total["floor"], 1),
        "peak_rss_mb": {w: round(peak_rss_mb(w, files), 1) for w in WAYS},
        "startup_one_text_pdf": startup(files[0]),
    }
    print(f"{'file':<14}{'pages':>6}" + "".join(f"{w + ' ms':>13}" for w in WAYS))
    for r in rows:
        print(f"{r['file']:<14}{r['pages']:>6}" + "".join(f"{1000 * r[w + '_s']:>13.1f}" for w in WAYS))
    print(f"{'per report':<20}" + "".join(f"{result['per_report_ms'][w]:>13.1f}" for w in WAYS))
    print(f"{'per page':<20}" + "".join(f"{result['per_page_ms'][w]:>13.1f}" for w in WAYS))
    print(f"{'peak RSS MB':<20}" + "".join(f"{result['peak_rss_mb'][w]:>13.1f}" for w in WAYS))
    print(f"gongkai / naive = {result['gongkai_over_naive']}  (bar ≤ 0.2); gongkai / floor = "
          f"{result['gongkai_over_floor']}")
    print(f"start-up, gongkai extract {files[0].name} --json: {result['startup_one_text_pdf']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
