"""Drawing a `gongkai.debug.PageView`: the page, what the table finder saw on it, and a side
panel naming each table row (pdfplumber's `PageImage.debug_tablefinder` colours: edges red,
cells light blue).

    draw(view)          → PIL image (RGB): the page plus `PANEL_WIDTH` pixels of panel

It reads only the view's plain data (boxes in page units and `view.scale`), so it imports
nothing of `gongkai.debug`.
"""
from __future__ import annotations

from pathlib import Path

from core.document import BBox

PANEL_WIDTH = 460
"""Pixels of the side panel where each row is named."""
PANEL_FONT_PX = 15

COLOURS = {
    "candidate": (170, 170, 170, 255),  # OCR: lines seen but not kept as rulings
    "edge": (230, 30, 30, 255),  # rulings the finder used (pdfplumber draws edges red)
    "intersection": (230, 30, 30, 255),
    "cell": (80, 160, 255, 70),  # cells filled light blue, as debug_tablefinder does
    "cell_outline": (30, 90, 220, 255),
    "table": (0, 170, 0, 255),
    "other_cell": (255, 140, 0, 255),  # cells of tables read some other way (no rulings)
    "matched": (0, 160, 60, 255),
    "not-template": (130, 130, 130, 255),
    "unknown": (220, 40, 40, 255),
}


def _font(px: int):
    """A font with Chinese glyphs (Noto CJK, as scripts/setup.sh installs), else Pillow's own."""
    from PIL import ImageFont

    for path in _cjk_font_paths():
        try:
            return ImageFont.truetype(str(path), px)
        except OSError:
            continue
    return ImageFont.load_default()


def _cjk_font_paths() -> list[Path]:
    import shutil
    import subprocess

    found: list[Path] = []
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            if out:
                found.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    found += [Path(p) for p in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")]
    return [p for p in found if p.is_file()]


def draw(view):
    """The page with what the finder saw, plus a side panel naming each row. Sets and
    returns `view.image` (RGB)."""
    from PIL import Image, ImageDraw

    s = view.scale

    def px(b: BBox) -> tuple[float, float, float, float]:
        return (b[0] * s, b[1] * s, b[2] * s, b[3] * s)

    w, h = view.page_size
    page = view.background.convert("RGBA")  # type: ignore[attr-defined]
    if view.glyphs:  # onto the page itself: the overlay's fills replace what lies under them
        font = _font(max(8, round(3.5 * s)))
        ink = ImageDraw.Draw(page)
        for text, b in view.glyphs:
            x0, y0, x1, y1 = px(b)
            ink.text((x0, y0), text, fill=(60, 60, 60, 255), font=_fit(font, y1 - y0))
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for b in view.candidates:
        d.line(px(b), fill=COLOURS["candidate"], width=1)
    if view.cell_quads:
        for q in view.cell_quads:
            d.polygon([(x * s, y * s) for x, y in q], fill=COLOURS["cell"], outline=COLOURS["cell_outline"])
    else:
        for b in view.cells:
            x0, y0, x1, y1 = px(b)
            d.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), fill=COLOURS["cell"], outline=COLOURS["cell_outline"])
    for b in view.other_cells:
        x0, y0, x1, y1 = px(b)
        d.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), outline=COLOURS["other_cell"], width=2)
    for b in view.tables:
        d.rectangle(px(b), outline=COLOURS["table"], width=3)
    for row in view.rows:  # inset, under the rulings: both stay visible
        x0, y0, x1, y1 = px(row.bbox)
        d.rectangle((x0 + 3, y0 + 3, x1 - 3, y1 - 3), outline=COLOURS[row.status], width=2)
    for b in view.edges:
        d.line(px(b), fill=COLOURS["edge"], width=2)
    for x, y in view.intersections:
        r = 3
        d.ellipse((x * s - r, y * s - r, x * s + r, y * s + r), outline=COLOURS["intersection"], width=1)
    page = Image.alpha_composite(page, layer).convert("RGB")

    out = Image.new("RGB", (w + PANEL_WIDTH, max(h, panel_height(view))), "white")
    out.paste(page, (0, 0))
    _draw_panel(ImageDraw.Draw(out), view, w)
    view.image = out
    return out


def panel_height(view) -> int:
    """Pixels the panel needs: the drawing grows below a short page (a cropped table
    picture) rather than leave rows unnamed."""
    return int(_row_slots(view)[-1][1] + PANEL_FONT_PX + 8) if view.rows else 0


def _legend_lines(view) -> int:
    return 5 + min(3, len(view.notes)) + (1 if view.other_cells else 0)


def _row_slots(view) -> list[tuple[object, float, float]]:
    """(row, its middle on the page, where its text goes) top to bottom: at the row's
    height, moved down when rows sit closer than a line."""
    line = PANEL_FONT_PX + 3
    y = 4 + _legend_lines(view) * line + line // 2
    out = []
    for row in sorted(view.rows, key=lambda r: r.bbox[1]):
        mid = (row.bbox[1] + row.bbox[3]) / 2 * view.scale
        at = max(y, mid - line / 2)
        out.append((row, mid, at))
        y = at + line
    return out


def _fit(font, height: float):
    try:
        return font.font_variant(size=max(6, int(height * 0.9)))
    except AttributeError:  # Pillow's bitmap default font
        return font


def _draw_panel(d, view, x0: int) -> None:
    """Legend at the top; then each row's code prefix and label (`_row_slots`), joined to
    the row by a thin line."""
    font = _font(PANEL_FONT_PX)
    line = PANEL_FONT_PX + 3
    y = 4
    d.text((x0 + 8, y), f"{view.path.name}  page {view.page}  ({view.finder}, {view.units})", fill="black", font=font)
    y += line
    counts = {st: sum(r.status == st for r in view.rows) for st in ("matched", "not-template", "unknown")}
    d.text((x0 + 8, y), f"{len(view.edges)} rulings  {len(view.cells)} cells  {len(view.tables)} table(s)",
           fill=COLOURS["edge"][:3], font=font)
    y += line
    if view.other_cells:
        d.text((x0 + 8, y), f"{len(view.other_cells)} cells of tables read without these rulings",
               fill=COLOURS["other_cell"][:3], font=font)
        y += line
    for st, label in (("matched", "matched"), ("not-template", "not a template row"), ("unknown", "unknown")):
        d.rectangle((x0 + 8, y + 3, x0 + 20, y + line - 5), fill=COLOURS[st][:3])
        d.text((x0 + 26, y), f"{label}: {counts[st]}", fill="black", font=font)
        y += line
    for note in view.notes[:3]:
        d.text((x0 + 8, y), _clip(d, note, font, PANEL_WIDTH - 14), fill=(120, 120, 120), font=font)
        y += line
    for row, mid, at in _row_slots(view):
        colour = COLOURS[row.status][:3]
        d.line((row.bbox[2] * view.scale, mid, x0 + 6, at + line / 2), fill=colour, width=1)
        text = (row.prefix or {"not-template": "—", "unknown": "? unknown"}[row.status]) + "  " + row.label
        d.text((x0 + 8, at), _clip(d, text, font, PANEL_WIDTH - 14), fill=colour, font=font)


def _clip(d, text: str, font, width: int) -> str:
    while text and d.textlength(text, font=font) > width:
        text = text[:-2] + "…"
    return text
