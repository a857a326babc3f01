"""Speed guard: CPU seconds of gongkai's table reading against RapidOCR run on each whole
picture with the same models, one thread, alternately in one process.

    python bench/ocr_speed.py [--corpus ../shared/corpus/dev] [--repeat 2] [--code DIR]

Pictures: the dev corpus's single-table pictures (`images` documents) when the corpus is
there, and three drawn tables (二 of 2019, 三 and 四 of 2021) scanned at 120 dpi, −2.5°,
JPEG q50 (`tests/ocr_degrade.py`). For each picture, gongkai's `read_image` (grid, cells,
text around) and RapidOCR's whole pipeline (`RapidOCR()(picture)`: detection over the
whole picture, then recognition of every box; no angle classifier) are timed one after the
other, `--repeat` times; each one's best CPU time counts. The ratio is Σ gongkai / Σ RapidOCR.
`--code DIR` measures another version of the `ocr` package (a folder holding `ocr/`).
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
os.environ["GONGKAI_OCR_THREADS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"


def pictures(corpus: Path) -> list[tuple[str, "object"]]:
    import cv2

    import ocr_degrade as D
    import ocr_fixtures as F

    out = []
    manifest = corpus / "manifest.json"
    if manifest.is_file():
        for d in json.loads(manifest.read_text())["documents"]:
            if d["renderer"] == "images":
                out.append((d["id"], cv2.imread(str(corpus / d["file"]))))
    else:
        print(f"no corpus at {corpus}: drawn pictures only", file=sys.stderr)
    step = D.Step("scan 120dpi", dpi=120, angle=-2.5, quality=50, noise=8.0, blur=0.6)
    for tpl, k in (("2019", 0), ("2021", 1), ("2021", 2)):
        tab = D.report_tables(tpl, 1)[k]
        out.append((f"drawn {tpl} {tab.name}", F.to_bgr(D.scan(D.draw(tab, tight=True), step, seed=k))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--code", type=Path, help="a folder holding another version of the `ocr` package")
    args = ap.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    import rapidocr
    from rapidocr import RapidOCR

    from ocr import read_image
    from ocr.backends import RAPID_DET, RAPID_REC
    from ocr.engine import get_backend

    models = Path(rapidocr.__file__).parent / "models"
    plain = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "error",
                             "Det.model_path": str(models / RAPID_DET), "Rec.model_path": str(models / RAPID_REC),
                             "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                             "EngineConfig.onnxruntime.inter_op_num_threads": 1})
    get_backend()
    pics = pictures(args.corpus)
    read_image(pics[0][1])  # warm-up of both
    plain(pics[0][1])
    ours_total = theirs_total = 0.0
    print(f"{'picture':<22}{'size':>12}{'gongkai s':>11}{'rapidocr s':>12}{'ratio':>8}")
    for name, img in pics:
        ours = theirs = float("inf")
        for _ in range(args.repeat):
            t = time.process_time()
            read_image(img)
            ours = min(ours, time.process_time() - t)
            t = time.process_time()
            plain(img)
            theirs = min(theirs, time.process_time() - t)
        ours_total += ours
        theirs_total += theirs
        h, w = img.shape[:2]
        print(f"{name:<22}{f'{w}×{h}':>12}{ours:>11.2f}{theirs:>12.2f}{ours / theirs:>8.2f}", flush=True)
    print(f"{len(pics)} pictures: gongkai {ours_total:.2f} s, RapidOCR {theirs_total:.2f} s, "
          f"ratio {ours_total / theirs_total:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
