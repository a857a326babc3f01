"""OCR benchmark: seconds per table picture on one thread, peak memory and cell accuracy —
gongkai's OCR beside img2table + Tesseract, on the same pictures, in the same process.

    .venv/bin/python bench/ocr_bench.py [--corpus ../shared/corpus/dev] [--threads 1] [--repeat 2]
                                        [--engines gongkai,img2table] [--json out.json] [-v]

Pictures:
  - table 三 and 四 drawn here (tests/ocr_fixtures.py, Noto CJK fonts): clean, a 1° scan,
    and a "hard" scan (55% size ≈ 110 dpi, −1.5°, blur, noise, JPEG q25) — always run;
  - the dev corpus's table pictures (`images`, `html_imgtables` and `docx_imgtables`
    documents) and its scanned PDFs (`pdf_scan`, pages rendered at 200 dpi) — when
    `../shared/corpus/dev` exists (it exists only in the team's workspace; the script says
    so and goes on with the drawn pictures).
Each picture's tables go through the normalizer, and the cells of the tables it holds are
compared with the truth (drawn pictures: the numbers drawn; corpus: truth/<id>.json).

Timing: wall and CPU seconds per picture after one warm-up pass (model loading is
reported apart as `load_s`); gongkai reads with GONGKAI_OCR_THREADS=--threads, Tesseract
with OMP_THREAD_LIMIT=--threads. CPU seconds include Tesseract's child processes, and are
the robust figure on a shared machine. Peak memory: the process's high-water RSS, reset
before each engine (/proc/self/clear_refs); `pictures_rss_mb` is what the script holds
before the engine starts (every picture and rendered page), so the engine's own peak is the
difference. Tesseract runs as a child process per picture (about 90 MB each, not counted:
a forked child's max RSS includes its parent's pages).

The baseline is benchmark-only, not a dependency of the project: Debian `tesseract-ocr
tesseract-ocr-chi-sim` and `pip install img2table==2.0.0` (which pulls opencv-contrib-python
beside opencv-python-headless — both provide `cv2`, so install it in a separate venv:
`python3 -m venv /tmp/bench && /tmp/bench/bin/pip install -e . 'rapidocr==3.10.0' onnxruntime
img2table==2.0.0`). Without it the baseline columns say "not installed".
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


@dataclass
class Picture:
    name: str
    group: str  # "drawn", "corpus picture", "corpus scan"
    kinds: tuple[str, ...]  # the tables it holds ("active", "applications", "review")
    truth: dict[str, int | float | None]  # expected cells (a corpus truth covers its whole report)
    image: object = None  # BGR array (pictures)
    pdf: Path | None = None  # a scanned PDF (read page by page)
    pages: list = field(default_factory=list)


# --- pictures ---------------------------------------------------------------------------------


def drawn_pictures() -> list[Picture]:
    import ocr_fixtures as F

    if F.cjk_font() is None:
        print("no CJK font (apt install fonts-noto-cjk): no drawn pictures")
        return []
    values = F.sample_values()
    t3_truth = {f"apply.{r}.{c}": v for r, cols in values.items() for c, v in cols.items()}
    t4_values = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]
    t4_truth = {f"{b}.{c}": v for (b, c), v in zip(
        [(b, c) for b in ("review", "suit_direct", "suit_after_review")
         for c in ("upheld", "corrected", "other", "pending", "total")], t4_values)}
    t3 = F.render(F.table3_layout(values), font_px=28, serif=True)  # ~200 dpi: 1,300 × 2,300 px
    t4 = F.render(F.table4_layout(t4_values), font_px=28, serif=True)

    def hard(img):
        small = img.resize((int(img.width * 0.55), int(img.height * 0.55)))
        return F.degrade(small, angle=-1.5, blur=0.7, noise=16, quality=25, seed=11)

    out = []
    for name, kind, img, truth in (("t3", "applications", t3, t3_truth), ("t4", "review", t4, t4_truth)):
        out.append(Picture(f"drawn {name} clean", "drawn", (kind,), truth, F.to_bgr(img)))
        out.append(Picture(f"drawn {name} scan", "drawn", (kind,), truth,
                           F.to_bgr(F.degrade(img.resize((int(img.width * .75), int(img.height * .75))),
                                              angle=1.0, blur=0.9, noise=10, quality=35))))
        out.append(Picture(f"drawn {name} hard", "drawn", (kind,), truth, F.to_bgr(hard(img))))
    return out


def corpus_pictures(corpus: Path) -> list[Picture]:
    from extractors import extract
    from core.document import ImageBlock
    from ocr.images import decode_frames, render_pdf_page

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for d in manifest["documents"]:
        if d["renderer"] not in ("images", "html_imgtables", "docx_imgtables", "pdf_scan"):
            continue
        full = json.loads((corpus / "truth" / f"{d['id']}.json").read_text(encoding="utf-8"))
        truth = full["cells"]
        held = tuple(k for k in ("active", "applications", "review") if full["tables"][k] != "missing")
        path = corpus / d["file"]
        if d["renderer"] == "pdf_scan":
            import pypdfium2 as pdfium

            n = len(pdfium.PdfDocument(str(path)))
            pages = [render_pdf_page(path, k)[0] for k in range(1, n + 1)]
            out.append(Picture(f"{d['id']} ({n} scanned pages)", "corpus scan", held, truth, pdf=path, pages=pages))
            continue
        doc = extract(path)
        pics = [b for b in doc.blocks if isinstance(b, ImageBlock) and b.data]
        for k, b in enumerate(pics, start=1):
            try:
                (img,) = decode_frames(b.data)[:1]
            except ValueError:
                continue
            # one table per picture: the report's tables in order (一 picture per table)
            kinds = held if len(pics) == 1 else held[k - 1: k]
            out.append(Picture(f"{d['id']} picture {k}", "corpus picture", kinds, truth, img))
    return out


# --- engines ----------------------------------------------------------------------------------


def gongkai_tables(pic: Picture):
    """The blocks gongkai's OCR makes of a picture (or of every page of a scan, joined)."""
    from ocr import read_image
    from ocr.page import Place
    from ocr.stitch import join_continued

    if pic.pdf is None:
        return read_image(pic.image).blocks
    blocks = []
    for k, page in enumerate(pic.pages, start=1):
        blocks += read_image(page, Place(page=k, scale=200 / 72)).blocks
    return join_continued(blocks)


class Img2Table:
    """img2table 2.0 with its Tesseract backend (chi_sim), bordered tables, as documented."""

    def __init__(self, threads: int, psm: int = 11):
        from img2table.ocr import TesseractOCR

        self.ocr = TesseractOCR(n_threads=threads, lang="chi_sim", psm=psm)

    def tables(self, pic: Picture):
        images = pic.pages if pic.pdf is not None else [pic.image]
        out = []
        for k, image in enumerate(images, start=1):
            out += self._read(image, k if pic.pdf is not None else None)
        return out

    def _read(self, image, page):
        import cv2
        from img2table.document import Image as I2TImage

        from core.document import Cell, Provenance, Table

        ok, png = cv2.imencode(".png", image)
        doc = I2TImage(src=png.tobytes(), detect_rotation=True)
        out = []
        for t in doc.extract_tables(ocr=self.ocr, implicit_rows=False, borderless_tables=False, min_confidence=50):
            rows = list(t.content.values())
            seen: dict[tuple, Cell] = {}
            cells = []
            for r, row in enumerate(rows):
                for c, tc in enumerate(row):
                    key = (tc.bbox.x1, tc.bbox.y1, tc.bbox.x2, tc.bbox.y2)
                    if key in seen:  # a spanning cell repeats over the positions it covers
                        cell = seen[key]
                        cell.row_span = max(cell.row_span, r - cell.row + 1)
                        cell.col_span = max(cell.col_span, c - cell.col + 1)
                        continue
                    cell = Cell(r, c, (tc.value or "").replace("\n", ""),
                                prov=Provenance(page=page, bbox=key, method="ocr"))
                    seen[key] = cell
                    cells.append(cell)
            out.append(Table(cells, prov=Provenance(page=page, method="ocr"), columns_reliable=True))
        return out


# --- scoring ----------------------------------------------------------------------------------

PREFIXES = {"active": ("active.",), "applications": ("apply.",), "review": ("review.", "suit_direct.",
                                                                         "suit_after_review.")}


def score(blocks, pic: Picture) -> tuple[int, int, int, str]:
    """(cells right, cells scored, invented, tables found) for the tables the picture holds;
    invented: numbers given for cells the truth has null (a table the picture lacks)."""
    from core.document import ExtractedDocument
    from normalize.assemble import to_record

    rec = to_record(ExtractedDocument(blocks=list(blocks), format="bench"))
    codes = [c for c in pic.truth if any(c.startswith(p) for k in pic.kinds for p in PREFIXES[k])]
    right = sum(1 for c in codes if pic.truth[c] is not None and rec.cells.get(c) == pic.truth[c])
    total = sum(1 for c in codes if pic.truth[c] is not None)
    invented = sum(1 for c, v in pic.truth.items() if v is None and isinstance(rec.cells.get(c), (int, float)))
    found = [k for k, s in rec.tables.items() if s in ("found", "partial")]
    return right, total, invented, ",".join(found) or "-"


# --- measuring --------------------------------------------------------------------------------


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_engine(name: str, read, pictures: list[Picture], repeat: int, verbose: bool) -> dict:
    rows = []
    for pic in pictures:
        blocks = read(pic)  # warm-up pass, scored
        right, total, invented, kinds = score(blocks, pic)
        walls, cpus = [], []
        for _ in range(repeat):
            w, c = time.perf_counter(), cpu_now()
            read(pic)
            walls.append(time.perf_counter() - w)
            cpus.append(cpu_now() - c)
        row = {"picture": pic.name, "group": pic.group, "kinds": kinds, "right": right, "total": total,
               "invented": invented, "wall_s": min(walls) if walls else None, "cpu_s": min(cpus) if cpus else None}
        rows.append(row)
        if verbose:
            print(f"  {name:<9} {pic.name:<28} {kinds:<13} {right:>4}/{total:<4} "
                  f"wall {row['wall_s'] or 0:6.2f}s cpu {row['cpu_s'] or 0:6.2f}s", flush=True)
    return {"rows": rows, "pictures": pictures, "peak_mb": round(peak_mb(), 1)}


def summarize(name: str, res: dict, load_s: float) -> dict:
    rows = res["rows"]

    def mean(xs):
        xs = [x for x in xs if x is not None]
        return round(sum(xs) / len(xs), 3) if xs else None

    t3 = [r for r, p in zip(rows, res["pictures"]) if p.kinds == ("applications",)]
    pics = [r for r in rows if r["group"] != "corpus scan"]
    scans = [r for r in rows if r["group"] == "corpus scan"]
    return {
        "engine": name, "load_s": round(load_s, 2),
        "pictures": len(pics),
        "table3_cpu_s": mean(r["cpu_s"] for r in t3), "table3_wall_s": mean(r["wall_s"] for r in t3),
        "picture_cpu_s": mean(r["cpu_s"] for r in pics), "picture_wall_s": mean(r["wall_s"] for r in pics),
        "scan_doc_cpu_s": mean(r["cpu_s"] for r in scans),
        "cells": f"{sum(r['right'] for r in rows)}/{sum(r['total'] for r in rows)}",
        "cell_acc": round(sum(r["right"] for r in rows) / max(1, sum(r["total"] for r in rows)), 4),
        "invented": sum(r["invented"] for r in rows),
        "peak_rss_mb": res["peak_mb"], "pictures_rss_mb": res.get("base_mb"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes after the warm-up (the best is kept)")
    ap.add_argument("--engines", default="gongkai,img2table")
    ap.add_argument("--psm", type=int, default=11,
                    help="Tesseract page segmentation mode for img2table (its default: 11)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    os.environ["GONGKAI_OCR_THREADS"] = str(args.threads)
    os.environ["OMP_THREAD_LIMIT"] = str(args.threads)

    pictures = drawn_pictures()
    if (args.corpus / "manifest.json").exists():
        pictures += corpus_pictures(args.corpus)
    else:
        print(f"{args.corpus} is absent (the dev corpus exists only in the team's workspace): "
              "drawn pictures only")
    print(f"{len(pictures)} pictures, {args.threads} thread(s), best of {args.repeat} timed passes")

    results, summary = {}, []
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        reset_peak()
        base = peak_mb()  # the pictures themselves, held by this script
        t = time.perf_counter()
        if name == "gongkai":
            from ocr.engine import get_backend

            backend = get_backend()
            load_s = time.perf_counter() - t
            print(f"gongkai: {backend.name} on {backend.device}")
            res = run_engine(name, gongkai_tables, pictures, args.repeat, args.verbose)
        elif name == "img2table":
            try:
                engine = Img2Table(args.threads, args.psm)
            except Exception as exc:  # not installed: say so, keep the other engine's numbers
                print(f"img2table + Tesseract: not installed ({type(exc).__name__}: {exc})")
                continue
            if shutil.which("tesseract") is None:
                print("img2table + Tesseract: the tesseract program is not installed")
                continue
            load_s = time.perf_counter() - t
            res = run_engine(name, engine.tables, pictures, args.repeat, args.verbose)
        else:
            print(f"unknown engine {name!r} (gongkai, img2table)")
            return 2
        res["base_mb"] = round(base, 1)
        results[name] = res
        summary.append(summarize(name, res, load_s))

    keys = ["engine", "pictures", "table3_cpu_s", "table3_wall_s", "picture_cpu_s", "scan_doc_cpu_s", "cells",
            "cell_acc", "invented", "load_s", "peak_rss_mb", "pictures_rss_mb"]
    print(" ".join(f"{k:>16}" for k in keys))
    for s in summary:
        print(" ".join(f"{str(s[k]):>16}" for k in keys))
    if args.json:
        for res in results.values():
            res.pop("pictures", None)
        args.json.write_text(json.dumps({"summary": summary, "results": results}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
