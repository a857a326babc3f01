"""Degradation generator: the three tables of both templates as pictures with known truth,
then degraded step by step the way agencies' scans and photos are (test and bench helper).

    report_tables(template, seed)   → [TablePicture]: table 二, 三, 四 laid out, with the
                                      cell codes and values they print (self-consistent:
                                      row sums, 总计, balance and 表四 totals hold)
    draw(table, face)               → the table as a 300-dpi picture (PIL, RGB)
    scan(img, Step)                 → the picture as a scanner, phone or office program made it
    STEPS                           axis → [Step]: one degradation varied at a time around a
                                      150-dpi scan, plus realistic combinations
    faces()                         the CJK fonts installed (Noto Sans/Serif, AR PL UKai/UMing,
                                    WenQuanYi): offices print in different faces
    continued_pages(table, cut)     table 三 cut over two pages: header rows repeated on the
                                    second, a note (注：…) under it

Rendering is at 300 dpi (10.5 pt text = 44 px, 0.5 pt rulings = 2 px) and the scan is the
downsampled copy (area average, as a scanner's optics), so at 100 dpi a ruling is a gray line
less than a pixel wide and a "0" is 12 pixels high — what a picture pasted into a DOCX shows.
"""
from __future__ import annotations

import io
import math
import random
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from core import template as T

import ocr_fixtures as F

BASE_DPI = 300
FONT_PT = 10.5
BASE_FONT_PX = int(round(FONT_PT * BASE_DPI / 72))
FACE_NAMES = {
    "sans": "Noto Sans CJK SC",
    "serif": "Noto Serif CJK SC",
    "ukai": "AR PL UKai CN",
    "uming": "AR PL UMing CN",
    "wqy": "WenQuanYi Zen Hei",
}


def faces() -> dict[str, Path]:
    """The faces of FACE_NAMES that fontconfig really has (fc-match falls back to another
    family when one is missing: that fallback is not counted)."""
    out: dict[str, Path] = {}
    for key, family in FACE_NAMES.items():
        try:
            res = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", f"{family}:lang=zh-cn"],
                                 capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        fam, _, path = res.partition("\t")
        if family.lower() in fam.lower() and Path(path).is_file():
            out[key] = Path(path)
    if not out:
        for key, serif in (("sans", False), ("serif", True)):
            p = F.cjk_font(serif)
            if p is not None:
                out[key] = p
    return out


@dataclass
class TablePicture:
    name: str  # "active", "applications", "review"
    layout: F.Layout
    truth: dict[str, int | float]


# --- the tables ---------------------------------------------------------------------------


def _fmt(v: int | float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def active_layout(template: str, rnd: random.Random) -> TablePicture:
    """Table 二 as the template prints it: a 第二十条 header row over each block, then
    信息内容 and the block's column labels, then its rows (one value column spans three)."""
    boxes: list[F.Box] = []
    truth: dict[str, int | float] = {}
    r = 0
    blocks: dict[str, list[T.ActiveRow]] = {}
    for row in T.ACTIVE_ROWS[template]:  # type: ignore[index]
        blocks.setdefault(row.block, []).append(row)
    for block, rows in blocks.items():
        boxes.append(F.Box(r, 0, 1, 4, block))
        r += 1
        cols = rows[0].columns
        spans = {1: [3], 2: [1, 2], 3: [1, 1, 1]}[len(cols)]
        boxes.append(F.Box(r, 0, 1, 1, T.ACTIVE_HEADER))
        c = 1
        for col, span in zip(cols, spans):
            boxes.append(F.Box(r, c, 1, span, col.label))
            c += span
        r += 1
        for row in rows:
            boxes.append(F.Box(r, 0, 1, 1, row.label))
            c = 1
            for col, span in zip(cols, spans):
                code = f"active.{row.key}.{col.key}"
                if code in T.MONEY_CODES:
                    v: int | float = rnd.choice([0, 1.5, 12.8, 356.25, 40])
                elif col.signed:
                    v = rnd.choice([0, -2, 3, -1, 5])
                else:
                    v = rnd.choice([0, 0, 1, 3, 7, 15, 28, 120, 1046])
                truth[code] = v
                boxes.append(F.Box(r, c, 1, span, _fmt(v)))
                c += span
            r += 1
    return TablePicture("active", F.Layout(boxes, [8.0, 5.2, 5.2, 5.2], title="二、主动公开政府信息情况"), truth)


def apply_values(template: str, rnd: random.Random) -> dict[str, dict[str, int]]:
    """Table 三 numbers that keep its identities (row total; (七)总计 = sum of results;
    一 + 二 = (七)总计 + 四), zeros and 1–3 digits."""
    cols = list(T.APPLY_APPLICANT_COLUMNS)
    keys = [r.key for r in T.apply_rows(template)]  # type: ignore[arg-type]
    results = [k for k in keys if k not in ("new", "carried_in", "result_total", "carried_forward")]
    out: dict[str, dict[str, int]] = {}
    for k in results:
        out[k] = {c: (rnd.choice([0, 0, 1, 2, 3, 5, 6, 8, 9, 12, 27, 46, 105, 380]) if rnd.random() < 0.55 else 0)
                  for c in cols}
    out["result_total"] = {c: sum(out[k][c] for k in results) for c in cols}
    out["carried_forward"] = {c: rnd.choice([0, 0, 1, 4, 9]) for c in cols}
    out["carried_in"] = {c: min(rnd.choice([0, 2, 3, 6]), out["result_total"][c] + out["carried_forward"][c])
                         for c in cols}
    out["new"] = {c: out["result_total"][c] + out["carried_forward"][c] - out["carried_in"][c] for c in cols}
    for row in out.values():
        row["total"] = sum(row[c] for c in cols)
    return out


def applications_layout(template: str, rnd: random.Random) -> TablePicture:
    """Table 三: the 2021 form (three （六） sub-rows) or the 2019 form (one （六） row)."""
    values = apply_values(template, rnd)
    b: list[F.Box] = [
        F.Box(0, 0, 3, 3, T.APPLY_NOTE), F.Box(0, 3, 1, 7, "申请人情况"), F.Box(1, 3, 2, 1, "自然人"),
        F.Box(1, 4, 1, 5, "法人或其他组织"), F.Box(1, 9, 2, 1, "总计"),
    ]
    for k, c in enumerate(T.APPLY_COLUMNS[1:6]):
        b.append(F.Box(2, 4 + k, 1, 1, c.label))
    rows = T.apply_rows(template)  # type: ignore[arg-type]
    groups: dict[str, list[int]] = {}
    r, first_result, last_result = 3, None, None
    truth: dict[str, int | float] = {}
    for row in rows:
        if row.group and row.group != T.G_RESULTS:
            groups.setdefault(row.group, []).append(r)
            b.append(F.Box(r, 2, 1, 1, row.label))
        elif row.group == T.G_RESULTS:
            first_result = r if first_result is None else first_result
            last_result = r
            b.append(F.Box(r, 1, 1, 2, row.label))
        else:
            b.append(F.Box(r, 0, 1, 3, row.label))
        for k, c in enumerate(T.APPLY_COLUMNS):
            v = values[row.key][c.key]
            truth[f"apply.{row.key}.{c.key}"] = v
            b.append(F.Box(r, 3 + k, 1, 1, str(v)))
        r += 1
    for g, rs in groups.items():
        b.append(F.Box(rs[0], 1, len(rs), 1, g))
    b.append(F.Box(first_result, 0, last_result - first_result + 1, 1, T.G_RESULTS))  # type: ignore[operator]
    return TablePicture("applications", F.Layout(b, [4.2, 5.2, 12.0] + [3.0] * 7,
                                                 title="三、收到和处理政府信息公开申请情况"), truth)


def review_layout(rnd: random.Random) -> TablePicture:
    values: list[int] = []
    truth: dict[str, int | float] = {}
    for block in T.REVIEW_BLOCKS:
        parts = [rnd.choice([0, 0, 1, 2, 3, 6, 11]) for _ in range(4)]
        vals = parts + [sum(parts)]
        values += vals
        for col, v in zip(T.REVIEW_COLUMNS, vals):
            truth[f"{block.key}.{col.key}"] = v
    return TablePicture("review", F.table4_layout(values), truth)


def report_tables(template: str = "2021", seed: int = 1) -> list[TablePicture]:
    rnd = random.Random(f"{template}:{seed}")
    return [active_layout(template, rnd), applications_layout(template, rnd), review_layout(rnd)]


def draw(table: TablePicture, face: Path | None = None, tight: bool = False, line_px: int = 2, ruling: int = 0):
    """The table at 300 dpi (10.5-pt text); `tight`: rows as tight as office programs print
    them (text 0.1 font sizes from the rulings), else roomy cells; rulings `line_px` wide in
    gray level `ruling`."""
    return F.render(table.layout, font_px=BASE_FONT_PX, line_px=line_px, font_file=face, pad=0.1 if tight else 0.35,
                    gray=ruling)


# --- degradations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One degradation setting. dpi: the scan's resolution (from 300); angle: degrees;
    quality: JPEG quality (None = PNG); noise: gaussian sigma in gray levels; blur: sigma in
    scan pixels; light: how much darker the darkest corner of the paper is (0–1, a phone photo
    under a lamp); perspective: corner displacement as a share of the picture's shorter
    side (0.02: edges converge by up to about 2°); gray:
    a grayscale scan."""

    name: str
    dpi: int = 150
    angle: float = 0.0
    quality: int | None = None
    noise: float = 0.0
    blur: float = 0.0
    light: float = 0.0
    perspective: float = 0.0
    gray: bool = False
    ruling: int = 0  # the rulings' gray level as printed (0 black; 185 light gray)
    ruling_px: int = 2  # their width at 300 dpi (2 = 0.5 pt; 1 = a hair line)
    face: str | None = None  # a key of FACE_NAMES to print in (None: the bench's face per template)


BASE = Step("150dpi")


def _axis(name: str, **values) -> list[Step]:
    ((key, vals),) = values.items()
    return [replace(BASE, name=f"{name}={v}", **{key: v}) for v in vals]


STEPS: dict[str, list[Step]] = {
    "dpi": [replace(BASE, name=f"dpi={d}", dpi=d) for d in (300, 200, 150, 120, 100, 85)],
    "rotation": _axis("angle", angle=[0.5, -1.0, 1.5, -2.0, 3.0, -3.0]),
    "jpeg": _axis("quality", quality=[80, 70, 60, 50, 45, 35]),
    "noise": _axis("noise", noise=[6.0, 12.0, 20.0]),
    "blur": _axis("blur", blur=[0.6, 1.0, 1.4]),
    "light": _axis("light", light=[0.3, 0.5, 0.65]),
    "perspective": _axis("perspective", perspective=[0.01, 0.02, 0.03, 0.04]),
    "rulings": [replace(BASE, name="gray 120", ruling=120), replace(BASE, name="gray 185", ruling=185),
                replace(BASE, name="hairline", ruling_px=1),
                replace(BASE, name="gray 185 @120dpi q55 1.5°", ruling=185, dpi=120, quality=55, angle=-1.5),
                replace(BASE, name="hairline @120dpi q55 1.5°", ruling=120, ruling_px=1, dpi=120, quality=55,
                        angle=-1.5)],
    # every face at a realistic scan and clean: offices print in Song, Kai, Ming and Hei
    "face": [replace(BASE, name=f"{key} {label}", face=key, **kw) for key in FACE_NAMES
             for label, kw in (("scan 150dpi 1° q60", {"angle": 1.0, "quality": 60}), ("300dpi", {"dpi": 300}))],
    "combined": [
        Step("scan 150dpi 1.5° q60 noise", dpi=150, angle=1.5, quality=60, noise=8.0, blur=0.5, gray=True),
        Step("scan 120dpi -2.5° q50 noise", dpi=120, angle=-2.5, quality=50, noise=8.0, blur=0.6),
        Step("docx picture 100dpi q70", dpi=100, quality=70, blur=0.3),
        Step("photo 150dpi light persp q60", dpi=150, angle=1.0, quality=60, noise=6.0, blur=0.8, light=0.5,
             perspective=0.02),
        Step("worst 120dpi 3° q45 light persp", dpi=120, angle=3.0, quality=45, noise=10.0, blur=0.7, light=0.5,
             perspective=0.02),
    ],
}


def scan(img, step: Step, seed: int = 0):
    """The 300-dpi picture as scanned (or photographed) under `step`: perspective and rotation
    first (the page lies crooked), then the resolution (area average), blur, light, noise,
    JPEG. Returns an RGB PIL image (JPEG-decoded when `quality` is set)."""
    import cv2
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    arr = np.asarray(img.convert("RGB")).astype(np.uint8)
    h, w = arr.shape[:2]
    if step.perspective:
        # each corner moves by up to `perspective` × the shorter side, so that a line's angle
        # changes by at most about 2 × perspective radians whatever the picture's shape
        d = step.perspective * min(w, h)
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        signs = rng.choice([-1.0, 1.0], size=(4, 2))
        dst = src + np.float32(signs * rng.uniform(0.5, 1.0, size=(4, 2)) * d)
        dst -= dst.min(axis=0)
        m = cv2.getPerspectiveTransform(src, np.float32(dst))
        size = (int(math.ceil(dst[:, 0].max())), int(math.ceil(dst[:, 1].max())))
        arr = cv2.warpPerspective(arr, m, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    if step.angle:
        arr = np.asarray(Image.fromarray(arr).rotate(step.angle, resample=Image.BICUBIC, expand=True,
                                                     fillcolor="white"))
    if step.dpi != BASE_DPI:
        k = step.dpi / BASE_DPI
        hh, ww = arr.shape[:2]
        arr = cv2.resize(arr, (max(1, int(round(ww * k))), max(1, int(round(hh * k)))),
                         interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    out = arr.astype(np.float32)
    if step.blur:
        out = cv2.GaussianBlur(out, (0, 0), step.blur)
    if step.light:
        hh, ww = out.shape[:2]
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        cx, cy = rng.uniform(0.2, 0.8) * ww, rng.uniform(0.2, 0.8) * hh  # the lamp
        dist = np.sqrt(((xx - cx) / ww) ** 2 + ((yy - cy) / hh) ** 2)
        field = 1.0 - step.light * (dist / dist.max()) ** 1.5
        out *= field[:, :, None]
    if step.noise:
        out += rng.normal(0, step.noise, out.shape).astype(np.float32)
    out8 = np.clip(out, 0, 255).astype(np.uint8)
    pic = Image.fromarray(out8)
    if step.gray:
        pic = pic.convert("L").convert("RGB")
    if step.quality is not None:
        buf = io.BytesIO()
        pic.save(buf, format="JPEG", quality=step.quality)
        buf.seek(0)
        pic = Image.open(buf).convert("RGB")
    return pic


def encode(pic, step: Step) -> bytes:
    """The picture's file bytes: JPEG at the step's quality, else PNG."""
    if step.quality is not None:
        return F.to_bytes(pic, "JPEG", quality=step.quality)
    return F.to_bytes(pic, "PNG")


# --- tables across pages ----------------------------------------------------------------------

NOTE = "注：本表统计期限为上年1月1日至12月31日，表中数据由本机关政务公开办公室汇总。"


def continued_pages(table: TablePicture, cut: int, header_rows: int = 3, note: bool = True
                    ) -> tuple[F.Layout, F.Layout]:
    """A table cut before grid row `cut`: the first page keeps rows [0, cut), the second
    repeats the `header_rows` header rows over rows [cut, end) and ends with a note row
    spanning the table. A box spanning the cut is drawn on both pages, its text on the first."""
    lay = table.layout
    first, second = [], []
    for bx in lay.boxes:
        end = bx.row + bx.row_span
        if end <= cut:
            first.append(bx)
            if bx.row < header_rows:
                second.append(bx)
        elif bx.row >= cut:
            second.append(replace(bx, row=bx.row - cut + header_rows))
        else:  # spans the cut
            first.append(replace(bx, row_span=cut - bx.row))
            second.append(F.Box(header_rows, bx.col, end - cut, bx.col_span, ""))
    if note:
        n = max(b.row + b.row_span for b in second)
        second.append(F.Box(n, 0, 1, lay.n_cols, NOTE))
    return F.Layout(first, lay.col_widths, title=lay.title), F.Layout(second, lay.col_widths)


def report_tiff(template: str = "2021", seed: int = 1, cut: int = 12, step: Step | None = None,
                face: Path | None = None, tight: bool = False) -> tuple[bytes, dict[str, int | float]]:
    """A whole report scanned into one multi-page TIFF (A4 pages at 150 dpi): page 1 the title
    and table 二, page 2 table 三 down to grid row `cut`, page 3 the rest of table 三 under
    its repeated header rows with a note (注：…) below it, then table 四. Each page goes
    through `scan(step)` (a different seed each); returns (TIFF bytes, truth)."""
    from PIL import Image

    step = step or Step("scan", dpi=150)
    tabs = report_tables(template, seed)
    truth: dict[str, int | float] = {}
    for t in tabs:
        truth.update(t.truth)
    active, apply, review = tabs
    first, second = continued_pages(apply, cut)

    def pic(layout: F.Layout):
        return F.render(layout, font_px=BASE_FONT_PX, font_file=face, pad=0.1 if tight else 0.35)

    width = int(8.27 * BASE_DPI)
    pages = [
        F.page([f"示例市统计局{2020 if template == '2019' else 2022}年政府信息公开工作年度报告", "一、总体情况",
                "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。", pic(active.layout)],
               width=width, margin=int(0.6 * BASE_DPI), font_px=BASE_FONT_PX),
        F.page([pic(first)], width=width, margin=int(0.6 * BASE_DPI), font_px=BASE_FONT_PX),
        F.page([pic(second), pic(review.layout), "五、存在的主要问题及改进情况"], width=width,
               margin=int(0.6 * BASE_DPI), font_px=BASE_FONT_PX),
    ]
    frames = [scan(p, step, seed=seed * 10 + k).convert("L") for k, p in enumerate(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
                   dpi=(step.dpi, step.dpi))
    return buf.getvalue(), truth
