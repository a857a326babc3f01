"""A tiny OFD (GB/T 33190) writer for the tests: text lines, ruled tables, pictures.

It lays out like a Word-to-OFD converter: one `TextObject` per line with per-glyph
`DeltaX` (using the "g N d" repeat form where the steps are equal), table borders as one
rectangle `PathObject` per cell (shared borders drawn twice, as converters do), a page
number footer, A4 pages in millimetres. `extra` entries let a test add or replace raw
package parts (hostile XML, traversal names, bombs).
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 25.0, 185.0, 25.0, 270.0


def _tight(ch: str) -> bool:
    return ord(ch) >= 0x2E80 or ch in "“”‘’…—·"


def advances(text: str, size: float, em=None) -> list[float]:
    """Each character's advance: `em(ch)` font sizes where a face's metrics are given (a
    WenQuanYi digit is 0.6 of the size), else a full size for CJK and half for the rest."""
    if em is not None:
        return [size * em(ch) for ch in text]
    return [size if _tight(ch) else size / 2 for ch in text]


def face_metrics(font_file: Path):
    """em(ch): the advance of `ch` in the face of `font_file`, in font sizes (Pillow)."""
    from functools import lru_cache

    from PIL import ImageFont

    font = ImageFont.truetype(str(font_file), 1000, layout_engine=ImageFont.Layout.BASIC)

    @lru_cache(maxsize=None)
    def em(ch: str) -> float:
        return round(font.getlength(ch) / 1000, 3) or 0.5

    return em


def delta_x(text: str, size: float, em=None) -> str:
    steps = [round(a, 3) for a in advances(text, size, em)[:-1]]
    if not steps:
        return ""
    if len(set(steps)) == 1:
        return f"g {len(steps)} {steps[0]:g}"
    return " ".join(f"{s:g}" for s in steps)


def wrap(text: str, width: float, size: float, em=None) -> list[str]:
    lines, cur, used = [], "", 0.0
    for ch, adv in zip(text, advances(text, size, em)):
        if cur and used + adv > width:
            lines.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += adv
    return lines + ([cur] if cur else [])


class OfdWriter:
    def __init__(self, title: str | None = None, page_numbers: bool = True, face: tuple[str, Path] | None = None):
        """`face`: (family, font file) the text is set in — its name in the package's font
        resource, its advances in the glyph positions (DeltaX); default 宋体 at round widths."""
        self.title = title
        self.family = face[0] if face else "宋体"
        self.em = face_metrics(face[1]) if face else None
        self.page_numbers = page_numbers
        self.pages: list[list[str]] = [[]]
        self.y = TOP
        self.next_id = 100
        self.media: list[tuple[str, str, bytes]] = []  # (id, file name, bytes)
        self.extra: dict[str, bytes] = {}

    # --- objects ----------------------------------------------------------------------

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def text_object(self, x: float, baseline: float, text: str, size: float = 3.5, ctm: str | None = None,
                    page: int | None = None) -> None:
        w = sum(advances(text, size, self.em))
        top = baseline - size
        attrs = f'ID="{self._id()}" Boundary="{x:g} {top:g} {w:g} {size * 1.3:g}" Font="1" Size="{size:g}"'
        if ctm:
            attrs += f' CTM="{ctm}"'
        dx = delta_x(text, size, self.em)
        dx_attr = f' DeltaX="{dx}"' if dx else ""
        self._page(page).append(f'<ofd:TextObject {attrs}><ofd:FillColor Value="0 0 0"/>'
                                f'<ofd:TextCode X="0" Y="{size:g}"{dx_attr}>{escape(text)}</ofd:TextCode>'
                                f'</ofd:TextObject>')

    def path_object(self, boundary: tuple[float, float, float, float], data: str, stroke: bool = True,
                    fill: bool = False, color: str = "0 0 0", page: int | None = None) -> None:
        x, y, w, h = boundary
        attrs = f'ID="{self._id()}" Boundary="{x:g} {y:g} {w:g} {h:g}" LineWidth="0.25"'
        if not stroke:
            attrs += ' Stroke="false"'
        if fill:
            attrs += ' Fill="true"'
        colors = f'<ofd:StrokeColor Value="{color}"/>' + (f'<ofd:FillColor Value="{color}"/>' if fill else "")
        self._page(page).append(f'<ofd:PathObject {attrs}>{colors}<ofd:AbbreviatedData>{data}'
                                f'</ofd:AbbreviatedData></ofd:PathObject>')

    def rect(self, x: float, y: float, w: float, h: float, **kw) -> None:
        self.path_object((x, y, w, h), f"M 0 0 L {w:g} 0 L {w:g} {h:g} L 0 {h:g} C", **kw)

    def image(self, data: bytes, bbox: tuple[float, float, float, float], fmt: str = "PNG",
              page: int | None = None) -> None:
        rid = str(self._id())
        self.media.append((rid, f"image_{rid}.{fmt.lower()}", data))
        x, y, w, h = bbox
        self._page(page).append(f'<ofd:ImageObject ID="{self._id()}" Boundary="{x:g} {y:g} {w:g} {h:g}" '
                                f'CTM="{w:g} 0 0 {h:g} 0 0" ResourceID="{rid}"/>')

    def _page(self, page: int | None) -> list[str]:
        return self.pages[-1 if page is None else page]

    # --- flow layout --------------------------------------------------------------------

    def new_page(self) -> None:
        self.pages.append([])
        self.y = TOP

    def space(self, mm: float) -> None:
        self.y += mm

    def text(self, text: str, size: float = 3.5, center: bool = False, right: bool = False) -> None:
        for line in wrap(text, RIGHT - LEFT, size, self.em):
            if self.y + size * 1.6 > BOTTOM:
                self.new_page()
            w = sum(advances(line, size, self.em))
            x = LEFT + (RIGHT - LEFT - w) / 2 if center else (RIGHT - w if right else LEFT)
            self.text_object(x, self.y + size, line, size)
            self.y += size * 1.7

    def table(self, cells, widths: list[float], size: float = 3.0) -> None:
        """Cells (gongkai Cell: row, col, text, spans) drawn as ruled boxes; starts a new page
        when the table does not fit on this one."""
        lead = size * 1.25
        n_rows = max(c.row + c.row_span for c in cells)
        heights = [7.0] * n_rows
        for c in cells:
            if c.row_span == 1:
                need = len(wrap(c.text, sum(widths[c.col:c.col + c.col_span]) - 1.5, size, self.em)) * lead + 2.5
                heights[c.row] = max(heights[c.row], need)
        if self.y + sum(heights) > BOTTOM:
            self.new_page()
        xs = [LEFT]
        for w in widths:
            xs.append(xs[-1] + w)
        ys = [self.y + 2]
        for h in heights:
            ys.append(ys[-1] + h)
        for c in cells:
            x0, x1 = xs[c.col], xs[c.col + c.col_span]
            y0, y1 = ys[c.row], ys[c.row + c.row_span]
            self.rect(x0, y0, x1 - x0, y1 - y0)
            lines = wrap(c.text, x1 - x0 - 1.5, size, self.em)
            top = y0 + (y1 - y0 - len(lines) * lead) / 2
            for i, line in enumerate(lines):
                w = sum(advances(line, size, self.em))
                self.text_object(x0 + (x1 - x0 - w) / 2, top + i * lead + size * 0.95, line, size)
        self.y = ys[-1] + 4

    # --- the package --------------------------------------------------------------------

    def parts(self) -> dict[str, bytes]:
        head = '<?xml version="1.0" encoding="UTF-8"?>'
        title = f"<ofd:Title>{escape(self.title)}</ofd:Title>" if self.title else ""
        parts = {
            "OFD.xml": f'{head}<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
                       f'<ofd:DocInfo><ofd:DocID>0123456789abcdef</ofd:DocID>{title}</ofd:DocInfo>'
                       f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
            "Doc_0/PublicRes.xml": f'{head}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
                                   f'<ofd:Font ID="1" FontName="{escape(self.family)}" '
                                   f'FamilyName="{escape(self.family)}"/></ofd:Fonts></ofd:Res>',
        }
        media = "".join(f'<ofd:MultiMedia ID="{rid}" Type="Image" Format="{name.rsplit(".", 1)[1].upper()}">'
                        f'<ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>' for rid, name, _ in self.media)
        parts["Doc_0/DocumentRes.xml"] = (f'{head}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
                                          f'<ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>')
        page_refs = ""
        for i, objects in enumerate(self.pages):
            page_refs += f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
            body = list(objects)
            if self.page_numbers:
                number = f"- {i + 1} -"
                w = sum(advances(number, 3.5, self.em))
                body.append(_footer(number, (PAGE_W - w) / 2, w, self.em))
            parts[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
                f'{head}<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="{i + 2}" Type="Body">'
                + "".join(body) + "</ofd:Layer></ofd:Content></ofd:Page>")
        parts["Doc_0/Document.xml"] = (
            f'{head}<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{self.next_id + 1}</ofd:MaxUnitID>'
            f'<ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>'
            f'<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>'
            f'</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
        out = {k: v.encode("utf-8") for k, v in parts.items()}
        for _rid, name, data in self.media:
            out[f"Doc_0/Res/{name}"] = data
        out.update(self.extra)
        return out

    def save(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.parts().items():
                zf.writestr(name, data)
        return Path(path)


def _footer(text: str, x: float, w: float, em=None) -> str:
    return (f'<ofd:TextObject ID="9999" Boundary="{x:g} 282 {w:g} 5" Font="1" Size="3.5">'
            f'<ofd:TextCode X="0" Y="3.5" DeltaX="{delta_x(text, 3.5, em)}">{escape(text)}</ofd:TextCode>'
            '</ofd:TextObject>')
