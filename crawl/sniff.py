"""What the bytes are, whatever the URL or the Content-Type header says.

Government sites mislabel files all the time, and a missing attachment is usually answered
with `200 OK` and an HTML "页面不存在" page. `media_type_of(body, url)` reads magic numbers
(the extension only breaks ties between formats that share a container: OLE2 for .doc/.xls/
.wps, ZIP for .docx/.xlsx/.ofd); `check_expected` turns "a `.pdf` URL answered with HTML"
into an error for that URL, so an error page is never stored as a report.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

PDF, DOC, DOCX, XLS, XLSX, WPS, OFD, RTF = (
    "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-works", "application/ofd", "application/rtf")
HTML, XML, JSON, TEXT, ZIP, OLE, BINARY = (
    "text/html", "application/xml", "application/json", "text/plain", "application/zip",
    "application/x-ole-storage", "application/octet-stream")

DOCUMENT_EXTS = {".pdf": PDF, ".doc": DOC, ".docx": DOCX, ".xls": XLS, ".xlsx": XLSX, ".wps": WPS,
                 ".et": XLS, ".ofd": OFD, ".rtf": RTF, ".zip": ZIP}
IMAGE_EXTS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".webp": "image/webp"}
PAGE_EXTS = {".html", ".htm", ".shtml", ".jhtml", ".jsp", ".aspx", ".asp", ".php", ".do", ""}

_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"BM", "image/bmp"),
                (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|"
                         rb"div|table|p|script|link|style|h[1-6]|center|form|frameset|iframe|a)[\s>/]",
                         re.I | re.S)


_SCRIPT_EXTS = (".jsp", ".do", ".aspx", ".asp", ".php", ".action", "")
_FILE_PARAMS = re.compile(r"(?:^|&)(?:filename|fileName|file|name|fn)=([^&]+)")


def extension(url: str) -> str:
    """The URL's file extension; for a download script (`downfile.jsp?filename=1003.pdf`,
    Hanweb's attachment links) the extension of the file it names."""
    parts = urlsplit(url)
    ext = PurePosixPath(unquote(parts.path)).suffix.lower()
    if ext in _SCRIPT_EXTS and parts.query:
        m = _FILE_PARAMS.search(parts.query)
        if m:
            named = PurePosixPath(unquote(m.group(1))).suffix.lower()
            if named in DOCUMENT_EXTS or named in IMAGE_EXTS:
                return named
    return ext


def expected_of(url: str) -> str | None:
    """The media type a URL's extension promises (None for page-like or unknown URLs)."""
    ext = extension(url)
    return DOCUMENT_EXTS.get(ext) or IMAGE_EXTS.get(ext)


def is_document_url(url: str) -> bool:
    return extension(url) in DOCUMENT_EXTS


def is_image_url(url: str) -> bool:
    return extension(url) in IMAGE_EXTS


def media_type_of(body: bytes, url: str = "") -> str:
    """The media type of `body`, from its first bytes; `url`'s extension breaks ties."""
    head = body[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if b"%PDF-" in head[:1024]:
        return PDF
    for magic, mtype in _IMAGE_MAGIC:
        if head.startswith(magic):
            return mtype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    ext = extension(url)
    if head.startswith(_OLE_MAGIC):
        # .doc, .xls, .wps and .et all live in OLE2 containers; the directory would tell them
        # apart but the name nearly always does, and the extractor sniffs again anyway.
        return {".doc": DOC, ".xls": XLS, ".et": XLS, ".wps": WPS}.get(ext, OLE)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(body, ext)
    if stripped.startswith(b"{\\rtf"):
        return RTF
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return HTML
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<datastore"):
        return XML
    if stripped[:1] in (b"{", b"["):
        return JSON
    if _looks_textual(head):
        return TEXT
    return BINARY


def _zip_kind(body: bytes, ext: str) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return {".docx": DOCX, ".xlsx": XLSX, ".ofd": OFD}.get(ext, ZIP)  # truncated: trust the name
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.upper() == "OFD.XML" for n in names):
        return OFD
    return ZIP


def _looks_textual(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return False


def is_page(mtype: str) -> bool:
    return mtype in (HTML, XML, JSON, TEXT)


def check_expected(body: bytes, url: str) -> str:
    """The sniffed media type, or `ValueError` when the URL promised a document or image and
    the bytes are a page or text (an error page at a `.pdf` URL) or empty.

    A document in another document format is accepted (agencies save DOCX as `.doc`, WPS
    writes `.wps` that are really DOC or DOCX): the sniffed type is what gets recorded."""
    mtype = media_type_of(body, url)
    want = expected_of(url)
    if want is None:
        return mtype
    if not body.strip():
        raise ValueError(f"expected {_name(want)} (from the URL), got an empty body")
    if is_page(mtype):
        raise ValueError(f"expected {_name(want)} (from the URL), got {_name(mtype)}: "
                         f"{_snippet(body)!r}")
    if want.startswith("image/") and not mtype.startswith("image/"):
        raise ValueError(f"expected an image (from the URL), got {_name(mtype)}")
    return mtype


def _name(mtype: str) -> str:
    return {PDF: "PDF", DOC: "DOC", DOCX: "DOCX", XLS: "XLS", XLSX: "XLSX", WPS: "WPS", OFD: "OFD",
            HTML: "an HTML page", TEXT: "plain text", JSON: "JSON", XML: "XML"}.get(mtype, mtype)


def _snippet(body: bytes) -> str:
    text = decode(body[:2000])
    m = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    return (m.group(1) if m else re.sub(r"<[^>]+>|\s+", " ", text)).strip()[:80]


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


def decode(body: bytes, content_type: str | None = None) -> str:
    """Bytes of a page → text: the header's charset, else the page's `<meta charset>`, else
    UTF-8, else GB18030 (a superset of GBK/GB2312, which older gov pages use)."""
    candidates = []
    m = re.search(r"charset=([\w\-]+)", content_type or "", re.I)
    if m:
        candidates.append(m.group(1))
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    candidates += ["utf-8", "gb18030"]
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    for enc in candidates:
        enc = {"gb2312": "gb18030", "gbk": "gb18030"}.get(enc.lower(), enc)
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")
