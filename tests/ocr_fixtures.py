"""Table pictures drawn with Pillow and the Noto CJK fonts, for the OCR tests and bench.

    table3_layout(values)         the national table 三 (2021): 28 × 10 grid with its spans
    table4_layout(values)         table 四: 4 × 15
    render(layout, font_px, ...)  → RGB PIL image; ruled or not
    degrade(image, ...)           rotate, blur, noise, JPEG: a scan
    sample_values(seed)           self-consistent numbers for table 三 (row sums, balance)

The fonts come from Debian's `fonts-noto-cjk` (scripts/setup.sh installs it); `cjk_font()`
finds them by `fc-match` or the usual paths, and tests skip when there are none.
"""
from __future__ import annotations

import io
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core import template as T

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


def cjk_font(serif: bool = False) -> Path | None:
    """A font file with simplified Chinese glyphs, or None."""
    family = "Noto Serif CJK SC" if serif else "Noto Sans CJK SC"
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", f"{family}:lang=zh-cn"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and ("CJK" in out or "cjk" in out.lower()):
            return Path(out)
    for p in FONT_PATHS:
        if Path(p).is_file() and (("Serif" in p) == serif or not serif):
            return Path(p)
    return next((Path(p) for p in FONT_PATHS if Path(p).is_file()), None)


@dataclass(frozen=True)
class Box:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str


@dataclass
class Layout:
    boxes: list[Box]
    col_widths: list[float]  # in font sizes
    title: str | None = None

    @property
    def n_rows(self) -> int:
        return max(b.row + b.row_span for b in self.boxes)

    @property
    def n_cols(self) -> int:
        return len(self.col_widths)


APPLY_KEYS_2021 = [r.key for r in T.apply_rows("2021")]


def sample_values(seed: int = 7) -> dict[str, dict[str, int]]:
    """Table 三 numbers that keep the template's identities (row total = sum of applicant
    columns; (七)总计 = sum of results; 一 + 二 = (七)总计 + 四), with zeros and 1–3 digits."""
    rnd = random.Random(seed)
    cols = list(T.APPLY_APPLICANT_COLUMNS)
    results = [k for k in APPLY_KEYS_2021 if k not in ("new", "carried_in", "result_total", "carried_forward")]
    out: dict[str, dict[str, int]] = {}
    for k in results:
        out[k] = {c: (rnd.choice([0, 0, 0, 1, 2, 3, 5, 8, 12, 27, 46, 105]) if rnd.random() < 0.6 else 0) for c in cols}
    out["result_total"] = {c: sum(out[k][c] for k in results) for c in cols}
    out["carried_forward"] = {c: rnd.choice([0, 0, 1, 4, 9]) for c in cols}
    out["carried_in"] = {c: min(rnd.choice([0, 2, 3, 6]), out["result_total"][c] + out["carried_forward"][c])
                         for c in cols}
    out["new"] = {c: out["result_total"][c] + out["carried_forward"][c] - out["carried_in"][c] for c in cols}
    for row in out.values():
        row["total"] = sum(row[c] for c in cols)
    return out


def table3_layout(values: dict[str, dict[str, int]]) -> Layout:
    """Table 三 as the 2021 template prints it (the dev corpus's d006 layout)."""
    b: list[Box] = [
        Box(0, 0, 3, 3, T.APPLY_NOTE), Box(0, 3, 1, 7, "申请人情况"), Box(1, 3, 2, 1, "自然人"),
        Box(1, 4, 1, 5, "法人或其他组织"), Box(1, 9, 2, 1, "总计"),
    ]
    for k, c in enumerate(T.APPLY_COLUMNS[1:6]):
        b.append(Box(2, 4 + k, 1, 1, c.label))
    rows = T.apply_rows("2021")
    groups = {T.G_WITHHELD: [], T.G_UNAVAILABLE: [], T.G_REJECTED: [], T.G_OTHER: []}
    r = 3
    first_result = None
    for row in rows:
        if row.group in groups:
            groups[row.group].append(r)
            b.append(Box(r, 2, 1, 1, row.label))
        elif row.group == T.G_RESULTS:
            first_result = first_result if first_result is not None else r
            b.append(Box(r, 1, 1, 2, row.label))
        else:
            b.append(Box(r, 0, 1, 3, row.label))
        for k, c in enumerate(T.APPLY_COLUMNS):
            b.append(Box(r, 3 + k, 1, 1, str(values[row.key][c.key])))
        r += 1
    for g, rs in groups.items():
        b.append(Box(rs[0], 1, len(rs), 1, g))
    last_result = next(i for i, row in enumerate(rows, start=3) if row.key == "result_total")
    b.append(Box(first_result, 0, last_result - first_result + 1, 1, T.G_RESULTS))
    return Layout(b, [4.2, 5.2, 12.0] + [3.0] * 7, title="三、收到和处理政府信息公开申请情况")


def table4_layout(values: list[int]) -> Layout:
    """Table 四: 行政复议 (5 columns), 行政诉讼 with its two blocks of 5; one row of numbers."""
    b = [Box(0, 0, 1, 5, "行政复议"), Box(0, 5, 1, 10, "行政诉讼"), Box(1, 5, 1, 5, "未经复议直接起诉"),
         Box(1, 10, 1, 5, "复议后起诉")]
    for k, c in enumerate(T.REVIEW_COLUMNS):
        b.append(Box(1, k, 2, 1, c.label))
        b.append(Box(2, 5 + k, 1, 1, c.label))
        b.append(Box(2, 10 + k, 1, 1, c.label))
    for k, v in enumerate(values):
        b.append(Box(3, k, 1, 1, str(v)))
    return Layout(b, [3.0] * 15, title="四、政府信息公开行政复议、行政诉讼情况")


def render(layout: Layout, font_px: int = 22, ruled: bool = True, serif: bool = False, line_px: int = 2,
           font_file: Path | None = None, pad: float = 0.35, gray: int = 0):
    """Draw a layout: wrapped, centred cell texts; every cell's outline when `ruled`.
    `font_file` overrides the Noto face chosen by `serif`; `pad` is the cell padding in font
    sizes (0.1: rows as tight as office tables print them); `gray` the rulings' gray level."""
    from PIL import Image, ImageDraw, ImageFont

    path = font_file or cjk_font(serif)
    if path is None:
        raise RuntimeError("no CJK font (apt install fonts-noto-cjk)")
    font = ImageFont.truetype(str(path), font_px)
    pad = int(font_px * pad)
    xs = [0]
    for w in layout.col_widths:
        xs.append(xs[-1] + int(w * font_px))

    def wrap(text: str, width: int) -> list[str]:
        lines, cur = [], ""
        for ch in text:
            if cur and font.getlength(cur + ch) > width - 2 * pad:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        return lines + ([cur] if cur else [])

    line_h = int(font_px * 1.35)
    heights = [line_h + 2 * pad] * layout.n_rows
    wrapped = {}
    for bx in layout.boxes:
        lines = wrap(bx.text, xs[bx.col + bx.col_span] - xs[bx.col])
        wrapped[bx] = lines
        need = len(lines) * line_h + 2 * pad
        if bx.row_span == 1:
            heights[bx.row] = max(heights[bx.row], need)
    ys = [0]
    for h in heights:
        ys.append(ys[-1] + h)
    margin = font_px * 2
    title_h = int(font_px * 2.2) if layout.title else 0
    img = Image.new("RGB", (xs[-1] + 2 * margin, ys[-1] + 2 * margin + title_h), "white")
    draw = ImageDraw.Draw(img)
    if layout.title:
        title_font = ImageFont.truetype(str(path), int(font_px * 1.2))
        draw.text((margin, margin // 2), layout.title, fill="black", font=title_font)
    ox, oy = margin, margin + title_h
    for bx in layout.boxes:
        x0, x1 = ox + xs[bx.col], ox + xs[bx.col + bx.col_span]
        y0, y1 = oy + ys[bx.row], oy + ys[bx.row + bx.row_span]
        if ruled:
            draw.rectangle([x0, y0, x1, y1], outline=(gray, gray, gray), width=line_px)
        lines = wrapped[bx]
        top = (y0 + y1) / 2 - len(lines) * line_h / 2
        for k, ln in enumerate(lines):
            w = font.getlength(ln)
            draw.text(((x0 + x1) / 2 - w / 2, top + k * line_h + (line_h - font_px) / 2 - font_px * 0.1), ln,
                      fill="black", font=font)
    img.info["row_ys"] = [oy + y for y in ys]  # where each grid row starts (for cutting a table)
    return img


def page(parts: list, width: int = 1240, margin: int = 90, gap: int = 30, font_px: int = 30,
         font_file: Path | None = None):
    """A page picture (A4 at 150 dpi by default): text lines (str) and pictures stacked;
    the text in `font_file` (default Noto Sans CJK)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_file or cjk_font()), font_px)
    height = int(width * 297 / 210)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    y = margin
    for part in parts:
        if isinstance(part, str):
            draw.text((margin, y), part, fill="black", font=font)
            y += int(font_px * 1.6)
        else:
            k = min(1.0, (width - 2 * margin) / part.width)
            pic = part.resize((int(part.width * k), int(part.height * k))) if k < 1 else part
            img.paste(pic, (margin, y))
            y += pic.height + gap
    return img


def degrade(img, angle: float = 1.0, blur: float = 0.8, noise: float = 10.0, quality: int = 45, seed: int = 3):
    """A scan of the picture: rotated, blurred, noisy, JPEG-compressed."""
    import numpy as np
    from PIL import Image, ImageFilter

    out = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor="white")
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        arr = np.asarray(out).astype(np.float32)
        arr += np.random.default_rng(seed).normal(0, noise, arr.shape)
        out = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def to_bytes(img, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def to_bgr(img):
    import numpy as np

    return np.ascontiguousarray(np.asarray(img.convert("RGB"))[:, :, ::-1])
