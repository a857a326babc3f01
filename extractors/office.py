"""Legacy office files — Word 97 `.doc`, Kingsoft `.wps`/`.et`, `.rtf`, Excel 97 `.xls` —
read by converting them with LibreOffice and handing the result to the OOXML extractors.

Why convert instead of parsing: the Word 97 binary format (piece tables, FKPs, nested
table marks) and BIFF8 are large, and LibreOffice reads them, WPS's dialect included,
better than any Python library. The DOCX/XLSX extractors already turn OOXML into the
document model, so a converted file normalizes exactly like a native one.

The real type comes from the bytes, never the name: an OLE2 compound file (D0 CF 11 E0) is
a Word/WPS document when it holds a `WordDocument` stream and an Excel/ET workbook when it
holds `Workbook` (BIFF8) or `Book` (BIFF5); `{\\rtf` starts RTF; the XML dialects of Word
and Excel 2003 are recognised by their `mso-application` mark. A `.doc` that really is
DOCX, HTML or text is not claimed here, and the registry hands it to the right extractor.
Other OLE files (PowerPoint, Outlook messages, encrypted OOXML) are not ours either.

`doc.format` is the original format ("doc", "wps", "rtf", "xls", "et", "wordml",
"spreadsheetml"); the metadata
records `converted_from` (that format), `converted_to`, `converted_sha256` (the hash of
the DOCX/XLSX actually read, for lineage; LibreOffice stamps the time into its output, so
the hash differs per run) and `converter` (the LibreOffice version).
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

from extractors import libreoffice, read_head
from core.document import ExtractedDocument
from core.errors import BadDocument

FORMAT = "doc"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFFICE_EXTS = {".doc", ".dot", ".wps", ".wpt", ".xls", ".xlt", ".et", ".ett", ".rtf"}
_RTF_LEAD = b"\xef\xbb\xbf \t\r\n"
_WORD_XML = (b'progid="Word.Document"', b"schemas.microsoft.com/office/word/2003/wordml")
_EXCEL_XML = (b'progid="Excel.Sheet"',)

# kind → (suffix handed to LibreOffice, conversion target)
_ROUTES = {
    "word": (".doc", "docx"),
    "rtf": (".rtf", "docx"),
    "wordml": (".xml", "docx"),
    "sheet": (".xls", "xlsx"),
    "sheetml": (".xml", "xlsx"),
}


def detect(head: bytes, path: Path) -> str | None:
    """"word", "sheet", "rtf", "wordml", "sheetml", or None for bytes that are not ours."""
    if head.startswith(OLE_MAGIC):
        return _ole_kind(Path(path))
    lead = head.lstrip(_RTF_LEAD)
    if lead.startswith(b"{\\rtf"):
        return "rtf"
    if lead.startswith(b"<?xml"):
        window = head[:2048]
        if any(m in window for m in _WORD_XML):
            return "wordml"
        if any(m in window for m in _EXCEL_XML):
            return "sheetml"
    return None


def can_read(head: bytes, path: Path) -> bool:
    """OLE2 Word/WPS documents and Excel/ET workbooks, RTF, Word/Excel 2003 XML."""
    return detect(head, path) is not None


def _ole_kind(path: Path) -> str | None:
    """"word"/"sheet" by the compound file's root streams; None for other OLE files.

    A compound file too damaged to list is still claimed when its name says it is an
    office document, so that the user hears "corrupt" rather than "unrecognised format".
    """
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            names = {e[0] for e in ole.listdir(streams=True, storages=False) if len(e) == 1}
    except Exception:  # olefile raises OSError, struct.error, IndexError… on damaged files
        return "damaged" if Path(path).suffix.lower() in _OFFICE_EXTS else None
    if "EncryptedPackage" in names:
        return None  # a password-protected DOCX/XLSX: the OOXML extractors say so
    if "WordDocument" in names:
        return "word"
    if "Workbook" in names or "Book" in names:
        return "sheet"
    return None


def format_name(kind: str, path: Path) -> str:
    """The original format: the kind, refined by the extension only where both agree."""
    ext = Path(path).suffix.lower()
    if kind == "word":
        return "wps" if ext in (".wps", ".wpt") else "doc"
    if kind == "sheet":
        return "et" if ext in (".et", ".ett") else "xls"
    return {"sheetml": "spreadsheetml"}.get(kind, kind)


def extract(path: Path) -> ExtractedDocument:
    """Convert with LibreOffice, then read the DOCX/XLSX (see the module docstring)."""
    path = Path(path)
    head = read_head(path, 8192)
    kind = detect(head, path)
    if kind is None:
        raise BadDocument(f"not a Word/WPS/Excel/RTF file (first bytes {head[:8]!r})")
    if kind == "damaged":
        raise BadDocument(f"corrupt OLE2 compound file ({path.suffix.lower() or 'no extension'}): "
                          "its directory cannot be read")
    if kind == "word" and _word_encrypted(path):
        raise BadDocument("password-protected (encrypted) Word 97 file")
    if head.startswith(OLE_MAGIC):
        check_sector_chains(path)
    elif kind == "rtf":
        check_rtf_binary(path)
    suffix, target = _ROUTES[kind]
    fmt = format_name(kind, path)
    with libreoffice.converted(path, target, suffix) as conv:
        if target == "docx":
            from extractors import docx as reader
        else:
            from extractors import xlsx as reader
        try:
            doc = reader.extract(conv.path)
        except BadDocument as exc:
            raise BadDocument(f"{fmt}: LibreOffice's {target.upper()} is unreadable ({exc})") from exc
    doc.format = fmt
    doc.metadata.update(converted_from=fmt, converted_to=target, converted_sha256=conv.sha256)
    if conv.converter:
        doc.metadata["converter"] = conv.converter
    return doc


MAX_RTF_BIN = 64 * 2**20
"""A `\\bin` run longer than this (or than the file) is not a picture in a report."""
_RTF_BIN = re.compile(rb"\\bin(-?\d{1,20})")


def check_sector_chains(path: Path) -> None:
    """Every stream's sector chain must end, stay inside the file and fit its declared size;
    a chain that loops or runs past the file makes LibreOffice read forever. Checked here,
    in milliseconds, before the file reaches LibreOffice."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            cutoff, fat, n_sect = ole.minisectorcutoff, ole.fat, ole.nb_sect
            minifat = None
            for entry in ole.direntries:
                if entry is None or entry.entry_type != olefile.STGTY_STREAM or entry.size == 0:
                    continue
                if entry.size >= cutoff:
                    table, unit, limit = fat, ole.sectorsize, n_sect + 1
                else:
                    if minifat is None:
                        ole.loadminifat()
                        minifat = ole.minifat
                    table, unit, limit = minifat, ole.minisectorsize, len(minifat)
                _walk_chain(entry.name, entry.isectStart, -(-entry.size // unit), table, limit)
    except BadDocument:
        raise
    except Exception as exc:  # olefile's own complaint about the file: no point converting it
        raise BadDocument(f"corrupt OLE2 compound file: {exc}") from exc


def _walk_chain(name: str, start: int, needed: int, table, limit: int) -> None:
    sect, seen = start, set()
    while len(seen) < needed:
        if sect in seen:
            raise BadDocument(f"corrupt OLE2 compound file: the sector chain of stream {name!r} loops")
        if not 0 <= sect < min(len(table), limit):
            raise BadDocument(f"corrupt OLE2 compound file: stream {name!r} is longer than its sector "
                              f"chain ({len(seen)} of {needed} sectors)")
        seen.add(sect)
        sect = table[sect]


def check_rtf_binary(path: Path) -> None:
    """`\\binN` announces N raw bytes; a run longer than the file (or than any picture)
    sends LibreOffice reading far past the end, for minutes."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        carry = b""
        while chunk := fh.read(1 << 20):
            data = carry + chunk
            for m in _RTF_BIN.finditer(data):
                n = int(m.group(1))
                if n < 0 or n > min(size, MAX_RTF_BIN):
                    raise BadDocument(f"corrupt RTF: a \\bin run of {n} bytes in a file of {size} bytes")
            carry = data[-30:]


def _word_encrypted(path: Path) -> bool:
    """The FIB's fEncrypted bit: LibreOffice cannot open such a file without its password."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            with ole.openstream("WordDocument") as s:
                fib = s.read(12)
    except Exception:
        return False
    if len(fib) < 12:
        return False
    (flags,) = struct.unpack_from("<H", fib, 10)
    return bool(flags & 0x0100)
