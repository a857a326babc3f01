"""OCR accuracy per degradation step: the three tables of both templates drawn with known
numbers (`tests/ocr_degrade.py`), degraded one axis at a time (resolution, rotation, JPEG
quality, noise, blur, light, perspective) and in realistic combinations, then read the way
`gongkai extract t2.png t3.png t4.png` reads them (extract → OCR → normalize → validate).

    python bench/ocr_degrade.py                       every axis, both templates
    python bench/ocr_degrade.py --axis dpi --axis rotation --json out.json
    python bench/ocr_degrade.py --axis rulings --step @120dpi --template 2021 -v
    python bench/ocr_degrade.py --axis face                    every installed face, scanned and clean
    python bench/ocr_degrade.py --axis combined --face ukai    one face for both templates

Per step and template: cells right / cells printed, wrong numbers (a value other than the
printed one), missing (null where a number is printed), how many of the wrong ones were
flagged `cell.low_confidence`, tables found, and CPU seconds. One OCR thread.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("GONGKAI_OCR_THREADS", "1")


def read_report(pictures: list[bytes]):
    """Picture files of one report → its record, as `gongkai extract` makes it."""
    from core.document import ExtractedDocument, ImageBlock, Provenance
    from normalize.assemble import to_record
    from ocr import enrich

    blocks = [ImageBlock(data=b, ref=f"t{k}", prov=Provenance(page=k, method="text"))
              for k, b in enumerate(pictures, start=1)]
    doc = enrich(ExtractedDocument(blocks=blocks, format="image", pages=len(blocks)))
    return to_record(doc, {"path": "bench", "sha256": "", "format": "image"})


def score(record, truth: dict) -> dict:
    low = {c for f in record.findings if f.rule == "cell.low_confidence" for c in f.cells}
    right = wrong = missing = flagged = 0
    bad: list[str] = []
    for code, v in truth.items():
        got = record.cells.get(code)
        if got is None:
            missing += 1
            bad.append(f"{code}:∅/{v}")
        elif abs(float(got) - float(v)) < 0.005:
            right += 1
        else:
            wrong += 1
            flagged += code in low
            bad.append(f"{code}:{got}/{v}")
    found = sum(1 for s in record.tables.values() if s == "found")
    return {"cells": len(truth), "right": right, "wrong": wrong, "missing": missing, "wrong_flagged": flagged,
            "tables_found": found, "bad": bad[:12]}


def main(argv: list[str] | None = None) -> int:
    import ocr_degrade as D

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--axis", action="append", choices=sorted(D.STEPS), help="degradation axes (default: all)")
    ap.add_argument("--step", action="append", metavar="NAME",
                    help="only the steps whose name contains NAME (repeatable; default: every step of the axes)")
    ap.add_argument("--template", action="append", choices=["2019", "2021"], help="default: both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--face", choices=["sans", "serif", "ukai", "uming", "wqy"],
                    help="print both templates in this face (default: sans for 2021, serif for 2019)")
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--code", type=Path, help="a folder holding another version of the `ocr` package to measure")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the wrong and missing cells")
    ap.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"),
                    help="print a markdown table of two --json results, step by step, and stop")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    axes = args.axis or list(D.STEPS)
    templates = args.template or ["2021", "2019"]
    fonts = D.faces()
    if not fonts:
        print("no CJK font installed (apt install fonts-noto-cjk)", file=sys.stderr)
        return 1
    # each template in another face: sans for 2021, serif (or a Kai/Ming face) for 2019,
    face_of = {"2021": fonts.get("sans") or next(iter(fonts.values())),
               "2019": fonts.get("serif") or fonts.get("uming") or fonts.get("ukai") or next(iter(fonts.values()))}
    if args.face:
        if args.face not in fonts:
            print(f"face {D.FACE_NAMES[args.face]} not installed", file=sys.stderr)
            return 1
        face_of = {t: fonts[args.face] for t in face_of}
    from ocr.engine import get_backend

    get_backend()  # model load outside the timings
    # and in another layout: 2021 with rows as tight as office programs print them
    tabs = {t: D.report_tables(t, args.seed) for t in templates}
    cache: dict = {}

    def drawn(t: str, step) -> list:
        key = (t, step.ruling, step.ruling_px, step.face)
        if key not in cache:
            face = fonts.get(step.face) if step.face else face_of[t]
            cache[key] = [(tab, D.draw(tab, face, tight=t == "2021", line_px=step.ruling_px, ruling=step.ruling))
                          for tab in tabs[t]]
        return cache[key]

    results = []
    print(f"{'axis':<12}{'step':<34}{'tpl':<6}{'right':>10}{'acc':>8}{'wrong':>7}{'flag':>6}{'miss':>6}"
          f"{'tables':>8}{'cpu s':>8}")
    for axis in axes:
        for k, step in enumerate(D.STEPS[axis]):
            if args.step and not any(n in step.name for n in args.step):
                continue
            if step.face and step.face not in fonts:
                print(f"{axis:<12}{step.name:<34}face {D.FACE_NAMES[step.face]} not installed", flush=True)
                continue
            for t in templates:
                truth: dict = {}
                pics = []
                for j, (tab, img) in enumerate(drawn(t, step)):
                    pics.append(D.encode(D.scan(img, step, seed=args.seed * 100 + k * 10 + j), step))
                    truth.update(tab.truth)
                c0 = time.process_time()
                rec = read_report(pics)
                cpu = time.process_time() - c0
                s = score(rec, truth)
                s.update(axis=axis, step=step.name, template=t, cpu_s=round(cpu, 2),
                         acc=round(s["right"] / s["cells"], 4))
                results.append(s)
                print(f"{axis:<12}{step.name:<34}{t:<6}{s['right']:>6}/{s['cells']:<3}{s['acc']:>8.4f}"
                      f"{s['wrong']:>7}{s['wrong_flagged']:>6}{s['missing']:>6}{s['tables_found']:>6}/3"
                      f"{cpu:>8.1f}", flush=True)
                if args.verbose and s["bad"]:
                    print("    " + " ".join(s["bad"]))
                if args.json:  # after every step, so that a run cut short keeps what it measured
                    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    total = sum(r["cells"] for r in results)
    right = sum(r["right"] for r in results)
    print(f"all steps: {right}/{total} = {right / total:.4f}; wrong {sum(r['wrong'] for r in results)} "
          f"(flagged {sum(r['wrong_flagged'] for r in results)}), missing {sum(r['missing'] for r in results)}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


def compare(before: Path, after: Path) -> int:
    """Cell accuracy per step and template, before → after (wrong numbers in brackets)."""
    rows: dict[tuple[str, str], dict[str, dict]] = {}
    for label, path in (("before", before), ("after", after)):
        for r in json.loads(path.read_text()):
            rows.setdefault((r["axis"], r["step"]), {})[f"{label}{r['template']}"] = r
    print("| axis | step | 2021 before | 2021 after | 2019 before | 2019 after |")
    print("|---|---|---|---|---|---|")

    def cell(r: dict | None) -> str:
        if r is None:
            return "—"
        return f"{r['acc']:.3f}" + (f" ({r['wrong']} wrong)" if r["wrong"] else "")

    for (axis, step), rs in rows.items():
        print(f"| {axis} | {step} | {cell(rs.get('before2021'))} | {cell(rs.get('after2021'))} | "
              f"{cell(rs.get('before2019'))} | {cell(rs.get('after2019'))} |")
    for label in ("before", "after"):
        common = [r for v in rows.values() if len(v) == 4 for k, r in v.items() if k.startswith(label)]
        right = sum(r["right"] for r in common)
        total = sum(r["cells"] for r in common)
        wrong = sum(r["wrong"] for r in common)
        if total:
            print(f"\n{label}, steps measured both times: {right}/{total} = {right / total:.4f}, {wrong} wrong")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
