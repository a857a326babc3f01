"""The PDF extractor on small PDFs written here, on the sample inbox, and on the shared corpus.

No PDF-writing library is needed: `MiniPdf` writes just enough PDF by hand — rulings,
rectangles, images and text in Helvetica or in a CJK font that is not embedded, its codes
UCS-2 (the predefined CMap UniGB-UCS2-H) with a ToUnicode map saying the same: PDFium and
pdfminer both read it, and the text is all the extractor uses. A third font has no map at
all, which is what a garbled text layer looks like; a fourth (`foreign`) is the broken kind
only pdfminer reads: Identity-encoded, not embedded, with a ToUnicode map.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import INBOX
from extractors import pdf as pdf_extractor
from extractors import extract, sniff
from extractors.pdf_lines import is_tight
from core.document import ImageBlock, Table, TextBlock
from core.errors import BadDocument

W, H = 595.0, 842.0
HELVETICA_WIDTHS = {".": 278, ",": 278, "-": 333, "/": 278, "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278}


# --- a minimal PDF writer --------------------------------------------------------------------


class MiniPage:
    """Drawing operations for one page, in top-left coordinates like pdfplumber's."""

    def __init__(self, doc: "MiniPdf"):
        self.doc = doc
        self.ops: list[str] = []
        self.rotate = 0  # /Rotate: degrees clockwise when displayed

    def line(self, x0, top, x1, bottom, width=0.5):
        self.ops.append(f"{width} w 0 0 0 RG {x0:.2f} {H - top:.2f} m {x1:.2f} {H - bottom:.2f} l S")

    def rect(self, x0, top, x1, bottom, fill=(1, 1, 1)):
        r, g, b = fill
        self.ops.append(f"{r} {g} {b} rg {x0:.2f} {H - bottom:.2f} {x1 - x0:.2f} {bottom - top:.2f} re f 0 0 0 rg")

    def image(self, x0, top, x1, bottom):
        self.doc.uses_image = True
        self.ops.append(f"q {x1 - x0:.2f} 0 0 {bottom - top:.2f} {x0:.2f} {H - bottom:.2f} cm /Im1 Do Q")

    def text(self, x, top, s, size=10.5, garbled=False, tracking=0.0, foreign=False):
        """One line of text, glyph by glyph (as WPS writes it): CJK in the mapped CJK font
        (or in the unmapped one when `garbled`), anything else in Helvetica; `tracking` adds
        space after every glyph (justified text)."""
        baseline = H - top - 0.88 * size
        for ch in s:
            if ch == " ":
                x += 0.278 * size
                continue
            if is_tight(ch) or garbled:
                font, code, adv = ("F3" if garbled else "F4" if foreign else "F2"), f"<{self.doc.cid(ch):04X}>", size
            else:
                font, code = "F1", "(" + ch.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
                adv = HELVETICA_WIDTHS.get(ch, 556) / 1000 * size
            self.ops.append(f"BT /{font} {size} Tf 1 0 0 1 {x:.2f} {baseline:.2f} Tm {code} Tj ET")
            x += adv + tracking

    def rotated_text(self, x, bottom, s, size=10.5):
        """Text turned 90° counter-clockwise, read upwards from `bottom`."""
        for i, ch in enumerate(s):
            y = H - bottom + i * size
            self.ops.append(f"BT /F2 {size} Tf 0 1 -1 0 {x:.2f} {y:.2f} Tm <{self.doc.cid(ch):04X}> Tj ET")

    def vertical_text(self, x, top, s, size=10.5):
        """Glyphs stacked one per line, as WPS prints a label in a narrow column."""
        for i, ch in enumerate(s):
            self.text(x, top + i * size * 1.05, ch, size)

    def grid(self, xs, ys, skip_h=(), skip_v=()):
        """Rulings of a full grid; `skip_h` = (row line index, col) segments left out (merged
        cells), `skip_v` = (col line index, row) likewise."""
        for i, y in enumerate(ys):
            for k in range(len(xs) - 1):
                if (i, k) not in skip_h:
                    self.line(xs[k], y, xs[k + 1], y)
        for k, x in enumerate(xs):
            for i in range(len(ys) - 1):
                if (k, i) not in skip_v:
                    self.line(x, ys[i], x, ys[i + 1])


class MiniPdf:
    """Just enough of a PDF writer for the tests (classic xref table, no compression)."""

    def __init__(self, title: str | None = None):
        self.pages: list[MiniPage] = []
        self.codes: dict[str, int] = {}
        self.title = title
        self.uses_image = False

    def page(self) -> MiniPage:
        p = MiniPage(self)
        self.pages.append(p)
        return p

    def cid(self, ch: str) -> int:
        """A CJK glyph's code: its UCS-2 value, which the mapped font's predefined CMap
        (UniGB-UCS2-H) turns into an Adobe-GB1 glyph, as Chinese PDFs without embedded fonts
        do; the ToUnicode map says the same."""
        return self.codes.setdefault(ch, ord(ch))

    def to_bytes(self) -> bytes:
        objs: list[bytes] = []

        def add(body: bytes | str) -> int:
            objs.append(body.encode("latin-1") if isinstance(body, str) else body)
            return len(objs)

        def stream(data: bytes, extra: str = "") -> bytes:
            return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"

        catalog = add("")
        pages = add("")
        f1 = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        desc = add("<< /Type /FontDescriptor /FontName /TestCJK /Flags 4 /FontBBox [0 -120 1000 880] "
                   "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>")
        cidfont = add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestCJK "
                      f"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
                      f"/FontDescriptor {desc} 0 R /DW 1000 >>")
        tounicode = add(stream(self._tounicode()))
        f2 = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /TestCJK /Encoding /UniGB-UCS2-H "
                 f"/DescendantFonts [{cidfont} 0 R] /ToUnicode {tounicode} 0 R >>")
        rawfont = add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestRaw "
                      f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                      f"/FontDescriptor {desc} 0 R /DW 1000 /CIDToGIDMap /Identity >>")
        f3 = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /TestRaw /Encoding /Identity-H "
                 f"/DescendantFonts [{rawfont} 0 R] >>")  # no map at all: pdfminer gives "(cid:N)"
        f4 = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /TestRaw /Encoding /Identity-H "
                 f"/DescendantFonts [{rawfont} 0 R] /ToUnicode {tounicode} 0 R >>")
        image = add(stream(b"\x00\x80\x80\xff", "/Type /XObject /Subtype /Image /Width 2 /Height 2 "
                                                "/ColorSpace /DeviceGray /BitsPerComponent 8 "))
        resources = f"<< /Font << /F1 {f1} 0 R /F2 {f2} 0 R /F3 {f3} 0 R /F4 {f4} 0 R >> /XObject << /Im1 {image} 0 R >> >>"
        kids = []
        for p in self.pages:
            content = add(stream("\n".join(p.ops).encode("latin-1")))
            kids.append(add(f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {W:g} {H:g}] /Rotate {p.rotate} "
                            f"/Resources {resources} /Contents {content} 0 R >>"))
        objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
        refs = " ".join(f"{k} 0 R" for k in kids)
        objs[pages - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()
        info = None
        if self.title:
            info = add("<< /Title <FEFF" + self.title.encode("utf-16-be").hex().upper() + "> >>")
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        trailer = f"<< /Size {len(objs) + 1} /Root {catalog} 0 R" + (f" /Info {info} 0 R" if info else "") + " >>"
        out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)

    def _tounicode(self) -> bytes:
        items = sorted(self.codes.items(), key=lambda kv: kv[1])
        chunks = [items[i:i + 100] for i in range(0, len(items), 100)] or [[]]
        body = "".join(f"{len(c)} beginbfchar\n" + "".join(f"<{code:04X}> <{ord(ch):04X}>\n" for ch, code in c)
                       + "endbfchar\n" for c in chunks if c)
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")

    def save(self, path: Path) -> Path:
        path.write_bytes(self.to_bytes())
        return path


def blocks_of(doc, kind):
    return [b for b in doc.blocks if isinstance(b, kind)]


def cell_at(table: Table, row: int, col: int):
    (cell,) = [c for c in table.cells if c.row == row and c.col == col]
    return cell


# --- sniffing and bad input ----------------------------------------------------------------


def test_can_read_sniffs_the_pdf_signature():
    assert pdf_extractor.can_read(b"%PDF-1.7\n...", Path("a.bin"))
    assert pdf_extractor.can_read(b"\xef\xbb\xbf\r\n%PDF-1.4\n", Path("a.pdf"))
    assert pdf_extractor.can_read(b"HTTP/1.1 200 OK\r\n\r\n" + b" " * 900 + b"%PDF-1.5", Path("a"))
    assert not pdf_extractor.can_read(b" " * 2000 + b"%PDF-1.5", Path("a.pdf"))
    assert not pdf_extractor.can_read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Path("a.pdf"))
    assert not pdf_extractor.can_read(b"", Path("a.pdf"))


def test_png_renamed_pdf_is_not_read_as_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    assert not pdf_extractor.can_read(path.read_bytes(), path)
    # it goes to the image reader, whose bytes are broken: one clear error, not a PDF error
    assert sniff(path).FORMAT == "image"
    with pytest.raises(BadDocument, match="(?i)image|png"):
        extract(path)


def test_empty_file_is_a_bad_document(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(BadDocument) as err:
        pdf_extractor.extract(path)
    assert err.value.__cause__ is not None


def test_truncated_pdf_is_a_bad_document(tmp_path):
    doc = MiniPdf()
    doc.page().text(72, 72, "一、总体情况")
    data = doc.to_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadDocument, match="corrupt or truncated") as err:
        pdf_extractor.extract(path)
    assert err.value.__cause__ is not None


def test_pdf_without_pages_is_a_bad_document(tmp_path):
    path = MiniPdf().save(tmp_path / "nopages.pdf")
    with pytest.raises(BadDocument, match="no pages"):
        pdf_extractor.extract(path)


def test_password_protected_pdf_is_a_bad_document(tmp_path, monkeypatch):
    import pypdfium2

    def locked(*args, **kwargs):
        raise pypdfium2.PdfiumError("Failed to load document (PDFium: Incorrect password error).", err_code=4)

    monkeypatch.setattr(pypdfium2, "PdfDocument", locked)
    path = tmp_path / "locked.pdf"
    path.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(BadDocument, match="encrypted") as err:
        pdf_extractor.extract(path)
    assert isinstance(err.value.__cause__, pypdfium2.PdfiumError)


# --- text ------------------------------------------------------------------------------------


def test_text_lines_metadata_and_page_numbers(tmp_path):
    doc = MiniPdf(title="某某局2023年政府信息公开工作年度报告")
    p = doc.page()
    p.text(72, 72, "一、总体情况")
    p.text(72, 100, "全年共受理申请", tracking=6)  # justified: wide gaps, still no spaces
    p.text(72, 128, "2023年共受理21件，abc def")
    p.text(280, 800, "- 1 -")
    p2 = doc.page()
    p2.text(72, 72, "二、主动公开政府信息情况")
    p2.text(290, 800, "2")
    out = pdf_extractor.extract(doc.save(tmp_path / "t.pdf"))

    assert out.format == "pdf" and out.pages == 2
    assert out.metadata["title"] == "某某局2023年政府信息公开工作年度报告"
    texts = [b.text for b in blocks_of(out, TextBlock)]
    assert texts == ["一、总体情况", "全年共受理申请", "2023年共受理21件，abc def", "二、主动公开政府信息情况"]
    first = blocks_of(out, TextBlock)[0]
    assert first.prov.page == 1 and first.prov.method == "text"
    x0, top, x1, bottom = first.prov.bbox
    assert abs(x0 - 72) < 1 and abs(top - 72) < 1 and x1 > x0 and bottom > top
    assert out.warnings == []


def test_white_boxes_behind_text_are_not_tables(tmp_path):
    """WPS puts a white filled rectangle behind every line; they must not become a table."""
    doc = MiniPdf()
    p = doc.page()
    for i, line in enumerate(["（一）主动公开情况。", "主要通过政府门户网站公开", "各类政府信息。"]):
        p.rect(72, 90 + 27 * i, 520, 117 + 27 * i)
        p.text(80, 98 + 27 * i, line)
    out = pdf_extractor.extract(doc.save(tmp_path / "boxes.pdf"))
    assert blocks_of(out, Table) == []
    assert [b.text for b in blocks_of(out, TextBlock)] == ["（一）主动公开情况。", "主要通过政府门户网站公开", "各类政府信息。"]


# --- tables ----------------------------------------------------------------------------------

XS = [72.0, 150.0, 300.0, 420.0, 520.0]


def test_ruled_table_with_merged_cells(tmp_path):
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "三、收到和处理政府信息公开申请情况")
    ys = [100.0, 125.0, 160.0, 185.0, 210.0, 235.0]
    # (0,0) spans 2x2, (0,2) spans 1x2, (2,0) spans 3 rows.
    p.grid(XS, ys, skip_h={(1, 0), (1, 1), (3, 0), (4, 0)}, skip_v={(1, 0), (1, 1), (3, 0)})
    p.text(80, 120, "项目")
    p.text(320, 106, "申请人情况")
    p.text(310, 128, "商业")
    p.text(310, 142, "企业")
    p.text(430, 135, "总计")
    p.vertical_text(105, 162, "三、本年")
    p.text(160, 166, "（一）予以公开")
    p.text(310, 163, "113")
    p.text(310, 173, "2")
    p.text(430, 166, "1266")
    p.text(160, 191, "（二）部分公开")
    p.text(310, 191, "0")  # (3,3) left blank: a blank cell stays empty, never "0"
    p.text(160, 216, "1.属于国家秘密")
    p.text(310, 216, "5")
    p.text(430, 216, "5")
    p.text(72, 260, "四、政府信息公开行政复议、行政诉讼情况")
    p.text(280, 800, "- 1 -")
    out = pdf_extractor.extract(doc.save(tmp_path / "table.pdf"))

    kinds = [type(b).__name__ for b in out.blocks]
    assert kinds == ["TextBlock", "Table", "TextBlock"]
    (table,) = blocks_of(out, Table)
    assert (table.n_rows, table.n_cols) == (5, 4)
    assert table.prov.page == 1 and table.prov.bbox == (72.0, 100.0, 520.0, 235.0)
    c = cell_at(table, 0, 0)
    assert (c.text, c.row_span, c.col_span) == ("项目", 2, 2)
    c = cell_at(table, 0, 2)
    assert (c.text, c.row_span, c.col_span) == ("申请人情况", 1, 2)
    assert cell_at(table, 1, 2).text == "商业企业"  # a wrapped CJK label re-joined
    c = cell_at(table, 2, 0)
    assert (c.text, c.row_span, c.col_span) == ("三、本年", 3, 1)  # vertical text re-joined
    assert cell_at(table, 2, 2).text == "1132"  # a number wrapped in a narrow column
    assert cell_at(table, 3, 3).text == ""
    c = cell_at(table, 4, 1)
    assert c.text == "1.属于国家秘密" and c.prov.page == 1 and c.prov.bbox == (150.0, 210.0, 300.0, 235.0)
    texts = [b.text for b in blocks_of(out, TextBlock)]
    assert texts == ["三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]


def test_rotated_label_reads_along_its_baseline(tmp_path):
    doc = MiniPdf()
    p = doc.page()
    p.grid([72.0, 110.0, 300.0], [100.0, 125.0, 150.0, 175.0, 200.0], skip_h={(1, 0), (2, 0), (3, 0)})
    p.rotated_text(96, 190, "本年度办理结果")
    for i, label in enumerate(["（一）予以公开", "（二）部分公开", "（三）不予公开", "（七）总计"]):
        p.text(120, 106 + 25 * i, label)
    out = pdf_extractor.extract(doc.save(tmp_path / "rotated.pdf"))
    (table,) = blocks_of(out, Table)
    c = cell_at(table, 0, 0)
    assert (c.text, c.row_span) == ("本年度办理结果", 4)


def _split_table_pdf(tmp_path, cut_row: bool) -> Path:
    """Table 三's body over two pages; page 2 draws no top border.

    With `cut_row`, the page break also cuts the row "1.本机关不掌握相关政府信息" (values on
    page 1, "信息" on page 2) and the group label "（四）无法提供" — LibreOffice does this.
    """
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 650, "三、收到和处理政府信息公开申请情况")
    ys = [680.0, 705.0, 730.0, 755.0, 780.0]
    # row 0 label spans cols 0-1; col 0 from row 1 is a group label open at the bottom
    p.grid(XS, ys, skip_v={(1, 0)}, skip_h={(2, 0), (3, 0)})
    p.text(80, 686, "（一）予以公开")
    p.text(310, 686, "1")
    p.text(430, 686, "2")
    if cut_row:
        p.text(80, 736, "（三）不予公开")
        p.text(160, 711, "1.属于国家秘密")
        p.text(160, 736, "2.其他法律行政法规")
        p.text(160, 761, "1.本机关不掌握相关政府")
        p.line(72, 755, 150, 755)  # （三） ends above the last row, （四） starts in it
        p.text(80, 761, "（四）无")
    else:
        p.text(80, 736, "（三）不予公开")
        p.text(160, 711, "1.属于国家秘密")
        p.text(160, 736, "2.其他法律行政法规")
        p.text(160, 761, "3.危及“三安全一稳定”")
    for top in (711, 736, 761):
        p.text(310, top, "0")
        p.text(430, top, "0")
    p.text(280, 810, "- 1 -")

    q = doc.page()
    ys2 = [72.0, 97.0, 122.0]
    for i, y in enumerate(ys2):
        for k in range(len(XS) - 1):
            # no top border on the continuation page; with cut_row （四） spans both rows
            if i > 0 and not (cut_row and i == 1 and k == 0):
                q.line(XS[k], y, XS[k + 1], y)
    for x in XS:
        q.line(x, ys2[0], x, ys2[-1])
    if cut_row:
        q.text(80, 90, "法提供")
        q.text(160, 78, "信息")  # values of this row were printed on page 1
        q.text(160, 103, "2.没有现成信息需要另行制作")
        q.text(310, 103, "7")
        q.text(430, 103, "7")
    else:
        q.text(160, 78, "4.保护第三方合法权益")
        q.text(310, 78, "0")
        q.text(430, 78, "0")
        q.text(80, 103, "（四）无法提供")
        q.text(160, 103, "1.本机关不掌握相关政府信息")
        q.text(310, 103, "3")
        q.text(430, 103, "3")
    q.text(72, 150, "四、政府信息公开行政复议、行政诉讼情况")
    return doc.save(tmp_path / ("cut.pdf" if cut_row else "split.pdf"))


def test_table_continued_on_next_page_is_one_table(tmp_path):
    out = pdf_extractor.extract(_split_table_pdf(tmp_path, cut_row=False))
    assert [type(b).__name__ for b in out.blocks] == ["TextBlock", "Table", "TextBlock"]
    (table,) = blocks_of(out, Table)
    assert (table.n_rows, table.n_cols) == (6, 4)
    assert table.prov.page == 1
    group = cell_at(table, 1, 0)
    assert (group.text, group.row_span) == ("（三）不予公开", 4)  # spans the page break
    assert cell_at(table, 4, 1).text == "4.保护第三方合法权益" and cell_at(table, 4, 1).prov.page == 2
    assert [c.text for c in table.rows()[5]] == ["（四）无法提供", "1.本机关不掌握相关政府信息", "3", "3"]
    assert [b.text for b in blocks_of(out, TextBlock)] == ["三、收到和处理政府信息公开申请情况",
                                                          "四、政府信息公开行政复议、行政诉讼情况"]


def test_row_cut_by_page_break_is_joined(tmp_path):
    out = pdf_extractor.extract(_split_table_pdf(tmp_path, cut_row=True))
    (table,) = blocks_of(out, Table)
    rows = [[c.text for c in r] for r in table.rows()]
    assert rows[3] == ["（四）无法提供", "1.本机关不掌握相关政府信息", "0", "0"]
    assert rows[4] == ["2.没有现成信息需要另行制作", "7", "7"]
    assert table.n_rows == 5
    assert cell_at(table, 3, 0).row_span == 2


def test_running_header_does_not_keep_a_table_apart(tmp_path):
    doc = MiniPdf()
    for n, (ys, labels) in enumerate([([700.0, 730.0, 760.0], "规章 行政许可"),
                                      ([90.0, 120.0, 150.0], "行政处罚 行政强制")], start=1):
        p = doc.page()
        p.text(150, 40, "某某局2023年政府信息公开工作年度报告")  # running header
        p.text(100, 72 if n == 1 else 200, "正文" if n == 1 else "六、其他需要报告的事项")
        p.grid(XS, ys)
        for y, label in zip(ys, labels.split()):
            p.text(80, y + 6, label)
            p.text(160, y + 6, str(n))
        p.text(280, 810, f"第 {n} 页")
    out = pdf_extractor.extract(doc.save(tmp_path / "header.pdf"))
    (table,) = blocks_of(out, Table)
    assert table.n_rows == 4 and cell_at(table, 2, 0).text == "行政处罚"
    assert [b.text for b in blocks_of(out, TextBlock)] == ["正文", "六、其他需要报告的事项"]


def test_different_tables_on_consecutive_pages_stay_apart(tmp_path):
    doc = MiniPdf()
    p = doc.page()
    p.grid(XS, [700.0, 730.0, 760.0])
    p.text(80, 706, "行政许可")
    q = doc.page()
    q.grid([72.0, 200.0, 330.0], [72.0, 100.0, 128.0])  # other columns: another table
    q.text(80, 78, "结果维持")
    out = pdf_extractor.extract(doc.save(tmp_path / "two.pdf"))
    assert [t.n_cols for t in blocks_of(out, Table)] == [4, 2]


# --- pages that need OCR -----------------------------------------------------------------------


def test_page_without_text_becomes_an_ocr_hook(tmp_path):
    doc = MiniPdf()
    doc.page().image(0, 0, W, H)  # a scanned page
    doc.page().text(72, 72, "二、主动公开政府信息情况")
    out = pdf_extractor.extract(doc.save(tmp_path / "scan.pdf"))
    image, text = out.blocks
    assert isinstance(image, ImageBlock)
    assert (image.ref, image.data, image.media_type, image.prov.page) == ("page:1", None, "application/pdf", 1)
    assert isinstance(text, TextBlock) and text.prov.page == 2
    assert len(out.warnings) == 1 and "page 1" in out.warnings[0] and "OCR" in out.warnings[0]


def test_garbled_text_layer_gives_no_garbage(tmp_path):
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "一、总体情况本机关全年共受理申请", garbled=True)
    p.grid(XS, [100.0, 130.0, 160.0])
    p.text(80, 106, "行政许可", garbled=True)
    out = pdf_extractor.extract(doc.save(tmp_path / "cid.pdf"))
    assert [type(b) for b in out.blocks] == [ImageBlock]
    assert out.blocks[0].ref == "page:1"
    assert "garbled" in out.warnings[0]


def test_mojibake_text_layer_is_garbled(tmp_path):
    """A broken ToUnicode map that spells GBK bytes as Latin-1 letters."""
    doc = MiniPdf()
    doc.page().text(72, 72, "ÐÅÏ¢¹«¿ª¹¤×÷Äê¶È±¨¸æ")
    out = pdf_extractor.extract(doc.save(tmp_path / "mojibake.pdf"))
    assert [type(b) for b in out.blocks] == [ImageBlock] and "garbled" in out.warnings[0]


def test_large_picture_on_a_text_page_is_flagged(tmp_path):
    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "二、主动公开政府信息情况")
    p.image(72, 100, 520, 400)  # a table pasted as a picture
    out = pdf_extractor.extract(doc.save(tmp_path / "pic.pdf"))
    text, image = out.blocks
    assert isinstance(image, ImageBlock) and image.ref == "page:1" and image.prov.bbox == (72.0, 100.0, 520.0, 400.0)
    assert "picture" in out.warnings[0]


def test_text_over_a_full_page_picture_is_read_as_text(tmp_path):
    """A scan with its producer's OCR text layer, or text on a background picture."""
    doc = MiniPdf()
    p = doc.page()
    p.image(0, 0, W, H)
    p.text(72, 72, "二、主动公开政府信息情况")
    out = pdf_extractor.extract(doc.save(tmp_path / "searchable.pdf"))
    assert [b.text for b in out.blocks] == ["二、主动公开政府信息情况"] and out.warnings == []


# --- real documents (the sample inbox ships with the repository) -----------------------------


def _table_with(doc, label: str) -> Table:
    (table,) = [t for t in blocks_of(doc, Table) if any(label in c.text for c in t.cells)]
    return table


@pytest.mark.parametrize("doc_id", ["r001", "r002"])
def test_real_wps_reports_give_proper_grids(doc_id):
    started = time.perf_counter()
    doc = pdf_extractor.extract(INBOX / f"{doc_id}.pdf")
    elapsed = time.perf_counter() - started
    assert doc.pages == 5 and doc.warnings == []
    assert len(blocks_of(doc, Table)) == 3

    t2 = _table_with(doc, "第二十条第（一）项")  # four stacked blocks, crossing pages 2→3
    assert t2.n_cols == 4
    assert [c.text for c in t2.cells if c.text.startswith("第二十条")] == [
        "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]

    t3 = _table_with(doc, "申请人情况")  # crossing pages 3→4
    assert (t3.n_rows, t3.n_cols) == (3 + 23, 10)
    group = [c for c in t3.cells if c.text == "三、本年度办理结果"]  # printed vertically
    assert len(group) == 1 and group[0].row_span == 20
    assert [c.row_span for c in t3.cells if c.text.startswith("（四）")] == [3]
    assert [c.row_span for c in t3.cells if c.text.startswith("（五）")] == [5]
    value_rows = [r for r in t3.rows() if sum(c.text.isdigit() for c in r) == 7]
    assert len(value_rows) == 23

    t4 = _table_with(doc, "行政复议")
    assert (t4.n_rows, t4.n_cols) == (4, 15)
    assert all(c.text.isdigit() for c in t4.rows()[3]) and len(t4.rows()[3]) == 15

    full = doc.full_text()
    assert "三、收到和处理政府信息公开申请情况" in full
    assert "本年新收政府信息公开申请数量" not in full  # table text is not repeated as text
    assert "- 3 -" not in full
    assert elapsed < 5  # about 0.3 s on a laptop


@pytest.mark.parametrize("doc_id, data_rows", [("d002", 23), ("d025", 25)])
def test_synthetic_reports_rows_cut_by_page_breaks(doc_id, data_rows):
    doc = pdf_extractor.extract(INBOX / f"{doc_id}.pdf")
    t3 = _table_with(doc, "申请人情况")
    assert t3.n_rows == 3 + data_rows
    labels = [c.text for c in t3.cells]
    assert any(t in ("（四）无法提供", "(四)无法提供") for t in labels)
    t4 = _table_with(doc, "行政复议")
    assert t4.n_rows == 4 and t4.n_cols == 15


# --- the team's corpus, when it is there ---------------------------------------------------


@pytest.mark.shared
def test_shared_corpus_pdfs(shared):
    import json

    manifest = json.loads((shared / "corpus" / "dev" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        if entry["renderer"] not in ("pdf_text", "pdf_scan"):
            continue
        doc = pdf_extractor.extract(shared / "corpus" / "dev" / entry["file"])
        if entry["renderer"] == "pdf_scan":
            assert all(isinstance(b, ImageBlock) for b in doc.blocks), entry["id"]
            assert len(doc.blocks) == doc.pages
        else:
            shapes = [(t.n_rows, t.n_cols) for t in blocks_of(doc, Table)]
            rows = 23 if entry["template"] == "2019" else 25
            assert len(shapes) == 3 and shapes[1] == (3 + rows, 10) and shapes[2] == (4, 15), (entry["id"], shapes)


# --- the PDFium reader's own cases -------------------------------------------------------------


def test_text_in_a_font_pdfium_cannot_load_is_read_through_pdfminer(tmp_path):
    """An Identity-encoded CID font that is not embedded: PDFium has no glyphs to decode its
    codes with and gives no text; the page is read through pdfminer, which uses the map."""
    import pypdfium2 as pdfium

    from extractors.pdf_page import read_drawing

    doc = MiniPdf()
    p = doc.page()
    p.text(72, 72, "一、总体情况", foreign=True)
    p.text(72, 100, "本机关全年共受理申请21件", foreign=True)
    path = doc.save(tmp_path / "foreign.pdf")
    pdf = pdfium.PdfDocument(str(path))
    drawing = read_drawing(pdf[0], 1)
    pdf.close()
    assert drawing.unread_text >= 2 and "".join(c["text"] for c in drawing.chars) == "21"
    texts = [b.text for b in blocks_of(pdf_extractor.extract(path), TextBlock)]
    assert texts == ["一、总体情况", "本机关全年共受理申请21件"]


def test_rulings_drawn_under_a_transform(tmp_path):
    """Table rulings drawn in a scaled and shifted coordinate system (`cm`) land where they
    are seen, and the table is found there."""
    doc = MiniPdf()
    p = doc.page()
    p.ops.append("q 0.5 0 0 0.5 100 -300 cm")  # half size, shifted: page = 0.5·p + (100, -300)
    xs, ys = [0.0, 200.0, 400.0, 600.0], [100.0, 150.0, 200.0]
    p.grid(xs, ys)
    p.ops.append("Q")
    # where the grid is seen: x' = 0.5x + 100; top' = H - (0.5(H - top) - 300)
    seen_x = [0.5 * x + 100 for x in xs]
    seen_y = [H - (0.5 * (H - y) - 300) for y in ys]
    p.text(seen_x[0] + 5, seen_y[0] + 5, "项目")
    p.text(seen_x[1] + 5, seen_y[0] + 5, "自然人")
    p.text(seen_x[2] + 5, seen_y[0] + 5, "总计")
    p.text(seen_x[0] + 5, seen_y[1] + 5, "（一）予以公开")
    p.text(seen_x[1] + 5, seen_y[1] + 5, "3")
    p.text(seen_x[2] + 5, seen_y[1] + 5, "3")
    (table,) = blocks_of(pdf_extractor.extract(doc.save(tmp_path / "cm.pdf")), Table)
    assert table.prov.bbox == (seen_x[0], seen_y[0], seen_x[-1], seen_y[-1]) == (100.0, 771.0, 400.0, 821.0)
    assert [[c.text for c in row] for row in table.rows()] == [["项目", "自然人", "总计"], ["（一）予以公开", "3", "3"]]


def test_a_page_turned_by_rotate_is_read_as_displayed(tmp_path):
    """/Rotate 90: the page is displayed turned clockwise, and read that way — text drawn
    upwards on the unturned page runs left to right on the displayed one."""
    doc = MiniPdf()
    p = doc.page()
    p.rotate = 90
    p.rotated_text(100, 700, "一、总体情况")
    (line,) = blocks_of(pdf_extractor.extract(doc.save(tmp_path / "turned.pdf")), TextBlock)
    assert line.text == "一、总体情况"



def test_a_table_part_and_its_table_measure_the_same_grid():
    """`TablePart.n_rows/n_cols` and `Table.n_rows/n_cols` are one definition (`grid_size`):
    a part keeps its size when it becomes the document model's table."""
    from core.document import grid_size
    from extractors.pdf_tables import RawCell, TablePart, part_to_table

    box = (0.0, 0.0, 1.0, 1.0)
    cells = [RawCell(box, 1, row=0, col=0, col_span=3), RawCell(box, 1, row=1, col=0, row_span=2),
             RawCell(box, 1, row=1, col=1), RawCell(box, 1, row=2, col=2)]
    part = TablePart(page=1, bbox=box, cells=cells, xs=[], ys=[])
    table = part_to_table(part)
    assert (part.n_rows, part.n_cols) == (table.n_rows, table.n_cols) == grid_size(cells) == (3, 3)
    assert grid_size([]) == (0, 0) and Table(cells=[]).n_rows == 0


def test_page_text_glyph_by_glyph_when_one_call_does_not_fit(tmp_path, monkeypatch):
    """A page's text comes from PDFium in one call; where that call's UTF-16 is not one unit
    per glyph (a code point beyond the BMP takes two), it is read glyph by glyph — the
    same text either way."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from extractors.pdf_page import page_text

    doc = MiniPdf()
    doc.page().text(72, 72, "一、总体情况 2023")
    pdf = pdfium.PdfDocument(str(doc.save(tmp_path / "t.pdf")))
    textpage = pdf[0].get_textpage()
    n = raw.FPDFText_CountChars(textpage.raw)
    whole = page_text(textpage, n)
    monkeypatch.setattr(raw, "FPDFText_GetText", lambda *args: 0)  # as if nothing fitted
    assert page_text(textpage, n) == whole
    assert "总体情况" in whole and len(whole) == n
    textpage.close()
    pdf.close()


def test_centres_find_the_glyphs_of_a_box_in_page_order():
    """A table takes the glyphs whose middles lie in its box (edges included), in the page's
    order, found by bisection over the glyphs' heights."""
    from extractors.pdf_lines import Centres

    def glyph(text, x, y):
        return {"text": text, "x0": x - 2, "x1": x + 2, "top": y - 3, "bottom": y + 3}

    chars = [glyph("下", 50, 300), glyph("上", 50, 100), glyph("左", 10, 200), glyph("中", 50, 200),
             glyph("边", 80, 200), glyph("外", 81, 200)]
    centres = Centres(chars)
    assert centres.within((20, 100, 80, 200)) == [1, 3, 4]  # 上 and 边 on the edges, 左 and 外 outside
    assert centres.within((0, 0, 100, 50)) == []
