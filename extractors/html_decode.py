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
    """The head as ASCII-compatible bytes: a UTF-16/32 head (with a BOM or without) is
    re-encoded, a UTF-8 BOM dropped."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            if codec == "utf-8-sig":
                return head[len(bom):]
            return head.decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    codec = wide_codec(head)
    if codec is not None:
        return head.decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    return head


_WIDE = (("utf-32-le", 4, (1, 2, 3)), ("utf-32-be", 4, (0, 1, 2)), ("utf-16-le", 2, (1,)), ("utf-16-be", 2, (0,)))
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff]")


def wide_codec(data: bytes) -> str | None:
    """"utf-16"/"utf-32" for UTF-16/32 bytes with a BOM; "utf-16-le", "utf-16-be",
    "utf-32-le", "utf-32-be" for such bytes without one; None for anything else.

    Without a BOM the zero bytes tell: text with line ends, tabs, digits or Latin letters
    puts them in the high byte of those code units (a report is never all hanzi), more
    than anywhere else, and the bytes must then decode into text without control characters.
    """
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            return codec
    sample = data[:4096]
    if len(sample) < 8 or sample.count(0) * 64 < len(sample):
        return None
    for codec, width, zero_at in _WIDE:
        usable = sample[: len(sample) - len(sample) % width]
        units = len(usable) // width
        zeros = [usable[k::width].count(0) for k in range(width)]
        high = zeros[zero_at[-1] if codec.endswith("le") else zero_at[0]]
        # Zeros where text has fewer (hanzi such as 开 U+5F00 put one in the low byte)
        if high < max(2, units / 64) or any(zeros[k] >= high for k in range(width) if k not in zero_at):
            continue
        try:
            text = usable.decode(codec)
        except UnicodeDecodeError:
            # a sample cut mid-surrogate-pair: one unit less
            try:
                text = usable[:-width].decode(codec)
            except UnicodeDecodeError:
                continue
        if not _CONTROL.search(text):
            return codec
    return None


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
    wide = wide_codec(raw)
    if wide is not None:
        text = _strict(raw, wide)
        if text is None:
            raise BadDocument(f"undecodable bytes: they look like {wide} without a byte-order mark but do not decode")
        return text, wide, [f"no byte-order mark: read as {wide}"]
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
    if codec == "gb18030":
        text, bad = decode_gb_resync(raw)
    else:
        text = raw.decode(codec, errors="replace")
        bad = text.count("\ufffd") - raw.decode(codec, errors="ignore").count("\ufffd")
    if bad > max(3, len(text) * MAX_REPLACED_RATIO):
        raise BadDocument(f"undecodable bytes: {bad} byte sequences fit no charset (tried {codec})")
    warnings.append(f"{bad} undecodable byte sequence(s) replaced while decoding as {codec}")
    return text, codec, warnings


_TAG_EDGE = re.compile(rb"([<>\r\n])")
MAX_RESYNC_SEGMENT = 4096
MAX_RESYNC_PIECES = 16
"""Past this many bad spots the page is not "a few invalid bytes"; the rest is only replaced
(each repair tries every byte of its piece, so the work is bounded too)."""


def decode_gb_resync(raw: bytes) -> tuple[str, int]:
    """GB18030 bytes with a few invalid ones → (text, number of bad spots), each bad byte
    costing its own character only.

    A stray byte in GBK text does worse than itself: a lone lead byte pairs with the next
    character's first byte, and every character after it in the run decodes as another
    (valid!) character — 本年新收 becomes 伇灸晷率 — so a whole table label is lost. The
    text is cut at `<`, `>` and line ends (never part of a GB18030 character), and a piece
    that does not decode has the one byte dropped (shown as U+FFFD) whose removal decodes
    the rest into the most common characters (GB2312 hanzi and punctuation, where mojibake
    lands about half the time); a piece that no single drop repairs is decoded with
    replacement characters.
    """
    out: list[str] = []
    bad = 0
    for piece in _TAG_EDGE.split(raw):
        try:
            out.append(piece.decode("gb18030"))
            continue
        except UnicodeDecodeError:
            pass
        text, n = _resync_piece(piece, resync=bad < MAX_RESYNC_PIECES)
        out.append(text)
        bad += n
    return "".join(out), bad


def _resync_piece(piece: bytes, resync: bool = True) -> tuple[str, int]:
    best: tuple[int, int] | None = None  # (score, -position)
    best_text = None
    if resync and len(piece) <= MAX_RESYNC_SEGMENT:
        for p in range(len(piece)):
            if piece[p] < 0x80:
                continue
            try:
                left, right = piece[:p].decode("gb18030"), piece[p + 1:].decode("gb18030")
            except UnicodeDecodeError:
                continue
            score = _common(left) + _common(right)
            if best is None or score > best[0]:
                best, best_text = (score, -p), left + "\ufffd" + right
    if best_text is not None:
        return best_text, 1
    text = piece.decode("gb18030", errors="replace")
    return text, text.count("\ufffd") - piece.decode("gb18030", errors="ignore").count("\ufffd")


def _common(text: str) -> int:
    """Characters of GB2312 proper (hanzi, CJK punctuation, full-width forms) and ASCII."""
    n = 0
    for ch in text:
        if ch < "\x80":
            n += 1
            continue
        try:
            ch.encode("gb2312")
            n += 1
        except UnicodeEncodeError:
            pass
    return n
