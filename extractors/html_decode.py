"""Bytes of a saved web page → text: which charset, and what to do when the label lies.

Chinese government pages come in UTF-8, GBK and GB2312 (shared/corpus/dev README), are
often labelled wrongly (a gb2312 label on GBK bytes, utf-8 on GBK, iso-8859-1 on
anything), and a crawler may know the HTTP Content-Type charset as well.
"""
from __future__ import annotations

import codecs
import re

from core.errors import BadDocument

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with FF FE too
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bytes_without_bom(head: bytes) -> bytes:
    """The head as ASCII-compatible bytes: a UTF-16/32 head is re-encoded, a UTF-8 BOM dropped."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            if codec == "utf-8-sig":
                return head[len(bom):]
            return head.decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    return head


# Pages declared gb2312 routinely contain GBK-only characters (镕, 堃, 喆 …) and GBK pages
# GB18030 ones; GB18030 is a superset of both, so every GB-family label decodes as it.
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb_2312", "gb_2312-80",
              "csgb2312", "euc-cn", "x-euc-cn", "chinese", "iso-ir-58", "gb18030"}
# A Chinese government page that declares a Western single-byte charset is misconfigured:
# such a charset "decodes" any bytes into mojibake, so the declaration is not trusted.
_UNTRUSTED = {"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_DETECTABLE = ["utf_8", "gb18030", "big5"]
MAX_REPLACED_RATIO = 0.001


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset (GB family → gb18030), None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if codec in _GB_FAMILY else codec


def declared_charset(raw: bytes) -> str | None:
    """The charset named by `<meta charset>`, `http-equiv Content-Type` or an XML declaration."""
    head = raw[:32768]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii") if m else None


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(raw: bytes) -> tuple[str, str] | None:
    """(text, codec) by content alone: UTF-8 if it fits, else charset-normalizer's pick."""
    text = _strict(raw, "utf-8")
    if text is not None:
        return text, "utf-8"
    from charset_normalizer import from_bytes  # imported late: only undeclared pages need it

    best = from_bytes(raw, cp_isolation=_DETECTABLE).best()
    codec = normalise_charset(best.encoding) if best is not None else None
    for candidate in filter(None, (codec, "gb18030")):
        text = _strict(raw, candidate)
        if text is not None:
            return text, candidate
    return None


def decode_html(raw: bytes, charset: str | None = None) -> tuple[str, str, list[str]]:
    """(text, codec, warnings): BOM, then the HTTP charset, then the page's own declaration,
    then detection.

    The BOM wins over any label (as in the WHATWG encoding sniffing algorithm). A declared
    legacy charset loses to valid UTF-8 with non-ASCII bytes, because GBK text is never
    valid UTF-8 by accident while UTF-8 text often "decodes" as GB18030 mojibake.
    """
    for bom, codec in BOMS:
        if raw.startswith(bom):
            text = _strict(raw, codec)
            if text is None:
                raise BadDocument(f"undecodable bytes: the {codec} byte-order mark does not fit the content")
            return text, codec, []
    warnings: list[str] = []
    non_ascii = not raw.isascii()
    for label, origin in ((charset, "HTTP"), (declared_charset(raw), "<meta>")):
        if not label:
            continue
        codec = normalise_charset(label)
        if codec is None:
            warnings.append(f"unknown charset {label!r} declared by {origin}, ignored")
        elif codec in _UNTRUSTED and non_ascii:
            warnings.append(f"{origin} charset {label!r} cannot hold Chinese text, ignored")
        elif codec != "utf-8" and non_ascii and _strict(raw, "utf-8") is not None:
            warnings.append(f"{origin} charset {label!r} declared but the bytes are UTF-8")
            return raw.decode("utf-8"), "utf-8", warnings
        elif (text := _strict(raw, codec)) is not None:
            return text, codec, warnings
        else:
            warnings.append(f"{origin} charset {label!r} does not fit the bytes")
    detected = _detect(raw)
    if detected is not None:
        return detected[0], detected[1], warnings
    return _decode_lenient(raw, charset or declared_charset(raw), warnings)


def _decode_lenient(raw: bytes, label: str | None, warnings: list[str]) -> tuple[str, str, list[str]]:
    """Accept a few bad bytes (a truncated download, one corrupt character), not more."""
    codec = normalise_charset(label)
    if codec is None or codec in _UNTRUSTED:
        codec = "gb18030"
    text = raw.decode(codec, errors="replace")
    bad = text.count("\ufffd") - raw.decode(codec, errors="ignore").count("\ufffd")
    if bad > max(3, len(text) * MAX_REPLACED_RATIO):
        raise BadDocument(f"undecodable bytes: {bad} byte sequences fit no charset (tried {codec})")
    warnings.append(f"{bad} undecodable byte sequence(s) replaced while decoding as {codec}")
    return text, codec, warnings
