"""Every variation class × every format, the slow ones too: how many variants extract exactly.

    .venv/bin/python bench/variants.py [--classes notes,units] [--formats docx,pdf] [--workdir DIR] [-v]

The variants and their truth come from tests/variants.py (the fast formats run in CI as
tests/test_variants.py). Here the DOCX of each class is also converted by LibreOffice, in
one soffice run per target, to DOC, RTF and PDF (a PDF with a text layer, tables ruled),
and the XLSX to XLS; and each class is drawn as pictures (tests/variants_pictures.py: DOCX and
an article page with the tables pasted as pictures, a scanned PDF, a bi-level multi-page TIFF,
and each table a picture file of its own), read through OCR. Each variant is scored with
tests/variant_check.py: `exact` (every cell right, metadata right), `holds` (every lost cell
reported, nothing wrong or invented), and the counts of cells wrong, invented and lost
without a finding.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import variants as V  # noqa: E402
import variants_pictures as P  # noqa: E402
from variant_check import check  # noqa: E402

CONVERTED = {"doc": ("docx", "doc:MS Word 97"), "rtf": ("docx", "rtf:Rich Text Format"),
             "pdf": ("docx", "pdf:writer_pdf_Export"), "xls": ("xlsx", "xls:MS Excel 97")}


def face_of(klass: str, face: str | None) -> str | None:
    """The family a class is printed in: `--face KEY` (ocr_degrade.FACE_NAMES), or with
    `--face cycle` each class in the next face in turn (deterministic, by the class's place)."""
    import ocr_degrade as D

    if face is None:
        return None
    if face == "cycle":
        keys = list(D.FACE_NAMES)
        return D.FACE_NAMES[keys[list(V.CLASSES).index(klass) % len(keys)]]
    return D.FACE_NAMES[face]


def build(classes: list[str], formats: list[str], work: Path, face: str | None = None
          ) -> list[tuple[str, str, Path, V.Report]]:
    from dataclasses import replace

    from extractors import libreoffice

    out = []
    sources: dict[str, dict[str, tuple[Path, V.Report]]] = defaultdict(dict)
    for k in classes:
        for f in {*formats, *(CONVERTED[f][0] for f in formats if f in CONVERTED)} - set(CONVERTED):
            if f in P.FORMATS:  # pictures: every table drawn and scanned (tests/variants_pictures.py)
                ext, write_fn = P.FORMATS[f]
                report = replace(V.variant(k), face=face_of(k, face))
                out.append((k, f, write_fn(report, work / f"{k}-{f}{ext}"), report))
                continue
            if f in P.PER_TABLE:  # one picture per table: each its own document, its table's truth
                report = replace(V.variant(k), face=face_of(k, face))
                for path, truth in P.PER_TABLE[f](report, work / f"{k}-{f}"):
                    out.append((k, f, path, replace(report, truth=truth)))
                continue
            path, report = V.write(k, f, work, face=face_of(k, face))
            sources[f][k] = (path, report)
            if f in formats:
                out.append((k, f, path, report))
    for f in formats:
        if f not in CONVERTED:
            continue
        base, target = CONVERTED[f]
        if not libreoffice.find_soffice():
            print(f"{f}: skipped, LibreOffice (soffice) is not installed")
            continue
        outdir = work / f
        libreoffice.run_soffice([p for p, _ in sources[base].values()], target, outdir, work / f"profile-{f}",
                                timeout=600)
        for k, (p, report) in sources[base].items():
            converted = outdir / (p.stem + "." + f)
            if converted.exists():
                out.append((k, f, converted, report))
            else:
                print(f"{k}-{f}: LibreOffice made no file")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", default=",".join(V.CLASSES))
    ap.add_argument("--formats", default=",".join([*V.FORMATS, *CONVERTED, *P.FORMATS, *P.PER_TABLE]))
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--face", help="print every variant in this face (a key of tests/ocr_degrade.FACE_NAMES: "
                                   "sans, serif, ukai, uming, wqy), or 'cycle': each class in another")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    from gongkai.pipeline import extract_record

    work = args.workdir or Path(tempfile.mkdtemp(prefix="variants-"))
    work.mkdir(parents=True, exist_ok=True)
    classes, formats = args.classes.split(","), args.formats.split(",")
    by_format: dict[str, list] = defaultdict(list)
    failed = []
    for k, f, path, report in build(classes, formats, work, args.face):
        t0 = time.perf_counter()
        try:
            record = extract_record(path)
        except Exception as exc:  # a bench reports every failure and goes on
            failed.append(f"{k}-{f}: {type(exc).__name__}: {exc}")
            by_format[f].append(None)
            continue
        if f in P.PER_TABLE:  # a lone table: its cells; no title, agency, date or form to read
            o = check(record, report.truth)
        else:
            o = check(record, report.truth, agency=report.agency, year=V.truth_year(k, f, report),
                      template=report.template, dateless=k in V.DATELESS,
                      published=report.published if f in V.CARRIES_DATE or f in ("doc", "rtf", "pdf", *P.FORMATS)
                      else None)
        by_format[f].append((k, o, time.perf_counter() - t0))
        if args.verbose and not o.exact:
            print(f"  {k}-{f}: unread={len(o.unread)} silent={o.silent[:3]} wrong={o.wrong[:3]} "
                  f"invented={o.invented[:3]} meta={o.meta}")
    print(f"{'format':16} {'variants':>8} {'exact':>6} {'holds':>6} {'wrong':>6} {'invented':>8} {'silent':>6} "
          f"{'failed':>6} {'max_s':>6}")
    for f, rows in by_format.items():
        ok = [r for r in rows if r is not None]
        if f in V.UNREADABLE:
            exact = sum(1 for _, o, _ in ok if o.right == 0 and o.holds)  # unreadable: reported, not read
        else:
            exact = sum(1 for _, o, _ in ok if o.exact)
        print(f"{f:16} {len(rows):8} {exact:6} {sum(o.holds for _, o, _ in ok):6} "
              f"{sum(len(o.wrong) for _, o, _ in ok):6} {sum(len(o.invented) for _, o, _ in ok):8} "
              f"{sum(len(o.silent) for _, o, _ in ok):6} {len(rows) - len(ok):6} "
              f"{max((s for _, _, s in ok), default=0):6.1f}")
    for line in failed:
        print("FAILED", line)


if __name__ == "__main__":
    main()
