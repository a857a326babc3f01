"""Hostile and broken files, made on the spot, each with what `gongkai extract FILE --json`
must do with it (test helper for tests/test_hostile.py).

Every builder writes one small file (the largest, the zip and PDF bombs, are a few hundred
KB on disk; none costs the test process more than a few MB to make) and returns its path.
`Case.expect` is the outcome the file deserves:

- "fail": exit status 1 and one line on stderr (`gongkai: FILE: reason`), matching
  `Case.reason` when given — bytes that cannot be read as a report;
- "record": exit status 0 and a correct record (`Case.check` looks at it) — the file is a
  readable report, however odd its bytes;
- "safe": either of those (what a damaged-but-partly-readable file deserves depends on how
  much of it survives); never a traceback, a hang or a blown memory budget.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "examples" / "inbox"
TRUTH = ROOT / "examples" / "truth"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    expect: str  # "fail", "record" or "safe"
    reason: str | None = None  # a regex the one-line error must match
    check: Callable[[dict], None] | None = None  # asserts on the record
    timeout_s: float = 30.0  # the sandbox's wall budget for this file
    notes: str = field(default="", compare=False)


def truth(doc_id: str) -> dict:
    return json.loads((TRUTH / f"{doc_id}.json").read_text(encoding="utf-8"))


def same_cells_as(doc_id: str) -> Callable[[dict], None]:
    want = truth(doc_id)

    def check(record: dict) -> None:
        assert record["agency"] == want["agency"]
        assert record["tables"] == want["tables"]
        wrong = {c: (record["cells"].get(c), v) for c, v in want["cells"].items() if record["cells"].get(c) != v}
        assert not wrong, f"cells differ from the truth: {dict(list(wrong.items())[:5])}"

    return check


# ---- garbage in ---------------------------------------------------------------------------


def empty(d: Path) -> Path:
    p = d / "empty.pdf"
    p.write_bytes(b"")
    return p


def blank(d: Path) -> Path:
    p = d / "blank.txt"
    p.write_bytes(b" \r\n\t \n" * 50)
    return p


def truncated_pdf(d: Path) -> Path:
    data = (INBOX / "d002.pdf").read_bytes()
    p = d / "truncated.pdf"
    p.write_bytes(data[: len(data) // 3])
    return p


def truncated_docx(d: Path) -> Path:
    data = (INBOX / "d003.docx").read_bytes()
    p = d / "truncated.docx"
    p.write_bytes(data[: len(data) // 2])
    return p


def truncated_png(d: Path) -> Path:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (400, 300), 255).save(buf, format="PNG")
    p = d / "truncated.png"
    p.write_bytes(buf.getvalue()[:200])
    return p


def binary_named_pdf(d: Path) -> Path:
    p = d / "report.pdf"
    p.write_bytes(bytes((i * 37 + 11) % 256 for i in range(20000)))
    return p


def error_page_named_pdf(d: Path) -> Path:
    p = d / "2022年报.pdf"
    p.write_text("<!DOCTYPE html><html><head><title>404 页面不存在</title></head><body><h1>404</h1>"
                 "<p>抱歉，您访问的页面不存在或已被删除！</p><a href='/'>返回首页</a></body></html>", encoding="utf-8")
    return p


def xml_not_a_report(d: Path) -> Path:
    p = d / "data.doc"
    p.write_text('<?xml version="1.0"?><rss><channel><title>新闻</title></channel></rss>', encoding="utf-8")
    return p


def docx_named_pdf(d: Path) -> Path:
    from formats_report import write_docx

    return write_docx(d / "report.pdf")


# ---- bombs --------------------------------------------------------------------------------


def _zip_with(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


_CT = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       b'wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(path: Path, document_xml: bytes) -> Path:
    return _zip_with(path, {"[Content_Types].xml": _CT, "_rels/.rels": _RELS, "word/document.xml": document_xml})


def docx_zip_bomb(d: Path) -> Path:
    """word/document.xml inflates to 300 MB of spaces (about 300 KB on disk)."""
    p = d / "bomb.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><w:document {_W}><w:body><w:p><w:r><w:t>'.encode())
            chunk = b" " * 2**20
            for _ in range(300):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return p


def docx_lying_sizes(d: Path) -> Path:
    """A deflated part whose headers claim 1 KB while it inflates to 50 MB."""
    p = docx_zip_bomb_small(d)
    data = bytearray(p.read_bytes())
    name = b"word/document.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            name_len = struct.unpack_from("<H", data, at + (26 if sig == b"PK\x03\x04" else 28))[0]
            start = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[start:start + name_len] == name:
                struct.pack_into("<I", data, at + size_at, 1024)
            at += 4
    p.write_bytes(bytes(data))
    return p


def docx_zip_bomb_small(d: Path) -> Path:
    p = d / "lying.docx"
    body = f'<?xml version="1.0"?><w:document {_W}><w:body><w:p><w:r><w:t>'.encode() + b" " * (50 * 2**20) \
        + b"</w:t></w:r></w:p></w:body></w:document>"
    return _docx(p, body)


def docx_two_million_paragraphs(d: Path) -> Path:
    """Not a bomb by any ratio a reader checks: 134 MB of ordinary paragraphs (900 KB on disk),
    whose parsed tree outgrows a 1 GB cap."""
    p = d / "paragraphs.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><w:document {_W}><w:body>'.encode())
            block = "<w:p><w:r><w:t>本机关认真贯彻落实条例。</w:t></w:r></w:p>".encode() * 10_000
            for _ in range(200):
                fh.write(block)
            fh.write(b"</w:body></w:document>")
    return p


def docx_xxe(d: Path) -> Path:
    doc = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f'<w:document {_W}><w:body><w:p><w:r><w:t>某某局2022年政府信息公开工作年度报告 &xxe;</w:t></w:r></w:p>'
           f'</w:body></w:document>').encode()
    return _docx(d / "xxe.docx", doc)


def docx_billion_laughs(d: Path) -> Path:
    ents = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doc = (f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]><w:document {_W}><w:body><w:p><w:r>'
           f'<w:t>年度报告 &lol9;</w:t></w:r></w:p></w:body></w:document>').encode()
    return _docx(d / "laughs.docx", doc)


def docx_huge_gridspan(d: Path) -> Path:
    """The sample report's DOCX with one table cell declaring a span of two billion columns."""
    from formats_report import write_docx

    src = write_docx(d / "gridspan-src.docx")
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    doc = parts["word/document.xml"]
    i = doc.index(b"<w:tc>")
    parts["word/document.xml"] = doc[:i] + b'<w:tc><w:tcPr><w:gridSpan w:val="2000000000"/></w:tcPr>' \
        + doc[i + len(b"<w:tc>"):]
    src.unlink()
    return _zip_with(d / "gridspan.docx", parts)


def docx_many_spans(d: Path) -> Path:
    """Many rows of cells each spanning 900 columns: a grid of millions of cells if built."""
    row = b"<w:tr>" + b'<w:tc><w:tcPr><w:gridSpan w:val="900"/></w:tcPr><w:p/></w:tc>' * 1 + b"</w:tr>"
    doc = f'<?xml version="1.0"?><w:document {_W}><w:body><w:tbl>'.encode() + row * 5000 \
        + b"</w:tbl></w:body></w:document>"
    return _docx(d / "spans.docx", doc)


def xlsx_merge_bomb(d: Path) -> Path:
    """A sheet whose one merged range covers every cell Excel has (17 billion)."""
    from formats_report import write_xlsx

    src = write_xlsx(d / "merge-src.xlsx")
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    if b"<mergeCells" in sheet:
        start, end = sheet.index(b"<mergeCells"), sheet.index(b"</mergeCells>") + len(b"</mergeCells>")
        sheet = sheet[:start] + merge + sheet[end:]
    else:
        at = sheet.index(b"</sheetData>") + len(b"</sheetData>")
        sheet = sheet[:at] + merge + sheet[at:]
    parts["xl/worksheets/sheet1.xml"] = sheet
    src.unlink()
    return _zip_with(d / "merge.xlsx", parts)


def ofd_traversal(d: Path) -> Path:
    return _zip_with(d / "traversal.ofd", {
        "OFD.xml": b'<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">'
                   b'<ofd:DocBody><ofd:DocRoot>../../../../../etc/passwd</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "../../../../tmp/gongkai-escaped.txt": b"escaped",
    })


def ofd_xxe(d: Path) -> Path:
    return _zip_with(d / "xxe.ofd", {
        "OFD.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"><ofd:DocBody>'
                   b'<ofd:DocRoot>&e;</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
    })


def pdf_encrypted(d: Path) -> Path:
    """A one-page PDF under the standard security handler with a user password we don't know."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length 8 >>\nstream\n\x8a\x1f\x02\x99\x10\x44\x7e\x01\nendstream",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"7a" * 32 + b"> /U <" + b"3c" * 32 + b"> /P -44 >>",
    ]
    return _pdf(d / "encrypted.pdf", objs, trailer_extra=b" /Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff>"
                                                          b"<00112233445566778899aabbccddeeff>]")


def pdf_deflate_bomb(d: Path) -> Path:
    """A page whose content stream inflates to 256 MB of spaces (256 KB on disk): one
    deflated megabyte, fully flushed so that copies of it are a valid stream, 256 times."""
    z = zlib.compressobj(9)
    chunk = b" " * 2**20
    first = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(256):
        adler = zlib.adler32(chunk, adler)
    stream = first + again * 255 + b"\x03\x00" + struct.pack(">I", adler)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _pdf(d / "bomb.pdf", objs)


def pdf_page_bomb(d: Path) -> Path:
    """A page tree that claims 100 000 pages, all the same page object."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"3 0 R " * 100_000 + b"] /Count 100000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    return _pdf(d / "pages.pdf", objs)


def _pdf(path: Path, objs: list[bytes], trailer_extra: bytes = b"") -> Path:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objs) + 1) + trailer_extra + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def png_pixel_bomb(d: Path) -> Path:
    """A PNG header claiming 100 000 × 100 000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    p = d / "pixels.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
                  + chunk(b"IEND", b""))
    return p


def tiff_many_pages(d: Path) -> Path:
    """A TIFF of 3000 one-pixel pages (each would be an OCR pass), written by hand: 3000
    image directories sharing one strip."""
    n, entries = 3000, 8
    ifd_size = 2 + entries * 12 + 4
    strip = 8
    first_ifd = strip + 2
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd) + b"\xff\x00")
    for k in range(n):
        nxt = first_ifd + (k + 1) * ifd_size if k < n - 1 else 0
        tags = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 1), (259, 3, 1, 1), (262, 3, 1, 1),
                (273, 4, 1, strip), (278, 3, 1, 1), (279, 4, 1, 1)]
        out += struct.pack("<H", entries) + b"".join(struct.pack("<HHII", *t) for t in tags) + struct.pack("<I", nxt)
    p = d / "pages.tif"
    p.write_bytes(bytes(out))
    return p


def html_deep_nesting(d: Path) -> Path:
    p = d / "deep.html"
    p.write_bytes(b"<html><body>" + b"<div>" * 200_000 + "年度报告".encode() + b"</div>" * 200_000 + b"</body></html>")
    return p


def html_billion_laughs(d: Path) -> Path:
    ents = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    p = d / "laughs.html"
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE html [{ents}]><html><body><p>年度报告 &lol9;</p></body></html>',
                 encoding="utf-8")
    return p


# ---- legacy office ------------------------------------------------------------------------


def doc_looping_chain(d: Path) -> Path:
    """A Word 97 file whose WordDocument stream's sector chain loops, with a size that
    would take the chain round it millions of times."""
    import ole_writer as W

    data = bytearray(W.compound_file({"WordDocument": W.word_fib() + b"x" * 100, "1Table": b"t" * 100}))
    dir_start = struct.unpack_from("<I", data, 48)[0]
    fat_off = W.SECTOR + struct.unpack_from("<I", data, 76)[0] * W.SECTOR
    # the entries are sorted (1Table, WordDocument): WordDocument's eight sectors are 8-15
    struct.pack_into("<I", data, fat_off + 4 * 15, 8)
    entry = W.SECTOR + dir_start * W.SECTOR + 2 * 128
    assert bytes(data[entry:entry + 24]).decode("utf-16-le").startswith("WordDocument")
    struct.pack_into("<IQ", data, entry + 116, 8, 0x7FFFFFFF)
    p = d / "loop.doc"
    p.write_bytes(bytes(data))
    return p


def doc_truncated_ole(d: Path) -> Path:
    import ole_writer as W

    data = W.compound_file({"WordDocument": W.word_fib() + b"x" * 100})
    p = d / "truncated.doc"
    p.write_bytes(data[:1500])
    return p


def rtf_huge_bin(d: Path) -> Path:
    p = d / "bin.rtf"
    p.write_bytes(b"{\\rtf1\\ansi{\\pict\\wmetafile8\\bin2000000000 " + b"\x00\x01" * 500 + b"}"
                  + "某局2022年政府信息公开工作年度报告".encode("gbk") + b"}")
    return p


# ---- encodings and text dumps -------------------------------------------------------------


def _reencode(src: str, name: str, codec: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        p = d / name
        p.write_bytes((INBOX / src).read_bytes().decode("utf-8").encode(codec))
        return p

    build.__name__ = name
    return build


def gbk_invalid_bytes(d: Path) -> Path:
    """The GBK page d014 with stray bytes, one right before a label of table 三 (which
    shifts every character after it onto the wrong byte pair) and two elsewhere."""
    raw = (INBOX / "d014.html").read_bytes()
    at = raw.index("本年新收政府信息公开申请数量".encode("gbk"))
    raw = raw[:at] + b"\x81" + raw[at:]
    at = raw.index("予以公开".encode("gbk"), at)
    raw = raw[:at] + b"\xff" + raw[at:]
    at = raw.index("</title>".encode())
    raw = raw[:at] + b"\xa1" + raw[at:]
    p = d / "gbk-bad.html"
    p.write_bytes(raw)
    return p


def tab_only_lines(d: Path) -> Path:
    """A one-cell-per-line dump (seed 004's shape) with lines holding nothing but a tab."""
    text = (INBOX / "seed-004.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if line.startswith("\t") and i % 5 == 0:
            out.append("\t")
    p = d / "tabs.txt"
    p.write_text("\n".join(out) + "\n\t\n\t\n", encoding="utf-8")
    return p


def only_tabs(d: Path) -> Path:
    p = d / "only-tabs.txt"
    p.write_text("\t\n" * 50, encoding="utf-8")
    return p


def nul_bytes_text(d: Path) -> Path:
    p = d / "nul.txt"
    p.write_bytes("年度报告".encode() + b"\x00\x07\x00" * 300)
    return p


def sample_docx(record: dict) -> None:
    from formats_report import AGENCY, expected_cells

    assert record["agency"] == AGENCY and record["source"]["format"] == "docx"
    assert {c: record["cells"].get(c) for c in expected_cells()} == expected_cells()


def no_leak(record: dict) -> None:
    assert "root:" not in json.dumps(record, ensure_ascii=False)


CASES: tuple[Case, ...] = (
    Case("empty", empty, "fail", r"empty file"),
    Case("blank", blank, "fail", r"empty file"),
    Case("truncated-pdf", truncated_pdf, "safe"),
    Case("truncated-docx", truncated_docx, "fail", r"(?i)corrupt|docx|zip"),
    Case("truncated-png", truncated_png, "fail", r"(?i)truncated|unreadable"),
    Case("binary-named-pdf", binary_named_pdf, "fail", r"unrecognised format"),
    Case("error-page-named-pdf", error_page_named_pdf, "fail", r"error page|no annual-report content"),
    Case("xml-not-a-report", xml_not_a_report, "fail"),
    Case("docx-named-pdf", docx_named_pdf, "record", check=sample_docx),
    Case("docx-zip-bomb", docx_zip_bomb, "fail", r"zip bomb"),
    Case("docx-lying-sizes", docx_lying_sizes, "fail", r"(?i)corrupt|crc"),
    Case("docx-two-million-paragraphs", docx_two_million_paragraphs, "fail", r"exceeded 1024 MB"),
    Case("docx-xxe", docx_xxe, "safe", check=no_leak),
    Case("docx-billion-laughs", docx_billion_laughs, "safe", check=no_leak),
    Case("docx-huge-gridspan", docx_huge_gridspan, "safe"),
    Case("docx-many-spans", docx_many_spans, "fail", r"too large|too many"),
    Case("xlsx-merge-bomb", xlsx_merge_bomb, "fail"),
    Case("ofd-traversal", ofd_traversal, "fail"),
    Case("ofd-xxe", ofd_xxe, "fail", check=no_leak),
    Case("pdf-encrypted", pdf_encrypted, "fail", r"encrypted"),
    Case("pdf-deflate-bomb", pdf_deflate_bomb, "fail"),
    Case("pdf-page-bomb", pdf_page_bomb, "fail"),
    Case("png-pixel-bomb", png_pixel_bomb, "fail", r"too large|pixels|bomb"),
    Case("tiff-many-pages", tiff_many_pages, "fail", r"pages"),
    Case("html-deep-nesting", html_deep_nesting, "safe"),
    Case("html-billion-laughs", html_billion_laughs, "safe", check=no_leak),
    Case("doc-looping-chain", doc_looping_chain, "fail", r"loops"),
    Case("doc-truncated-ole", doc_truncated_ole, "fail", r"(?i)corrupt|ole"),
    Case("rtf-huge-bin", rtf_huge_bin, "fail", r"\\bin"),
    Case("utf16le-no-bom", _reencode("seed-001.txt", "u16le.txt", "utf-16-le"), "record", check=same_cells_as("seed-001")),
    Case("utf16be-no-bom", _reencode("seed-001.txt", "u16be.txt", "utf-16-be"), "record", check=same_cells_as("seed-001")),
    Case("utf16-bom", _reencode("seed-001.txt", "u16.txt", "utf-16"), "record", check=same_cells_as("seed-001")),
    Case("utf32le-no-bom", _reencode("d001.txt", "u32le.txt", "utf-32-le"), "record", check=same_cells_as("d001")),
    Case("utf32-bom", _reencode("d001.txt", "u32.txt", "utf-32"), "record", check=same_cells_as("d001")),
    Case("utf16le-html-no-bom", _reencode("d019.html", "u16.html", "utf-16-le"), "record", check=same_cells_as("d019")),
    Case("gbk-invalid-bytes", gbk_invalid_bytes, "record", check=same_cells_as("d014")),
    Case("tab-only-lines", tab_only_lines, "safe", timeout_s=10),
    Case("only-tabs", only_tabs, "fail", timeout_s=10),
    Case("nul-bytes-text", nul_bytes_text, "fail"),
)
