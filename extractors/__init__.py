"""One extractor per format, all returning the same `ExtractedDocument`.

Each module exposes `FORMAT` (its name), `can_read(head: bytes, path: Path) -> bool` (a
cheap sniff of the first bytes; the extension is only a tie-breaker, because agencies'
sites mislabel files all the time) and `extract(path: Path) -> ExtractedDocument`, which
raises `BadDocument` for bytes it cannot read. Supporting a new format means one module
and one line in `EXTRACTORS`.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from core.document import ExtractedDocument
from core.errors import BadDocument, UnsupportedFormat

# Order matters: the first extractor whose sniff accepts the bytes reads them. Binary
# containers are tried before the text-based formats, and plain text comes last.
EXTRACTORS: tuple[str, ...] = (
    "extractors.pdf",
    "extractors.image",  # PNG, JPEG, BMP, (multi-page) TIFF: pictures for the OCR step
    "extractors.xlsx",  # before docx: a workbook misnamed .docx is still a workbook
    "extractors.docx",
    "extractors.ofd",
    "extractors.office",  # OLE2 Word/WPS/Excel/ET, RTF, Word/Excel 2003 XML (via LibreOffice); before text
    "extractors.html",
    "extractors.text",
)

HEAD_BYTES = 8192


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in EXTRACTORS]


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """A file's first `n` bytes; `BadDocument` when it cannot be read."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise BadDocument(f"cannot read {Path(path).name}: {exc.strerror or exc}") from exc


def sniff(path: Path) -> ModuleType:
    """The extractor module for a file, from its bytes (and its name only to break ties)."""
    path = Path(path)
    head = read_head(path)
    if not head.strip():
        raise BadDocument("empty file")
    for name in EXTRACTORS:  # imported one by one: a PDF never loads the HTML reader
        mod = importlib.import_module(name)
        if mod.can_read(head, path):
            return mod
    raise UnsupportedFormat(f"unrecognised format (first bytes {head[:8]!r})")


def detect_format(path: Path) -> str:
    return sniff(path).FORMAT


def extract(path: Path) -> ExtractedDocument:
    """Read any supported file into the document model."""
    mod = sniff(path)
    doc = mod.extract(Path(path))
    doc.format = doc.format if doc.format != "unknown" else mod.FORMAT
    return doc
