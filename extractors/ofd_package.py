"""The OFD package (a ZIP of XML parts and media), opened defensively.

OFD files come from the open web, so the container is treated as hostile until checked:

- zip bombs: the declared sizes are capped in total, per entry and in compression ratio
  before anything is inflated (zipfile never inflates past an entry's declared size);
- too many entries (a directory-bomb or a fuzzed central directory);
- path traversal: entry names with `..` or an absolute root are refused, and every
  reference inside the package (`DocRoot`, `BaseLoc`, `MediaFile`) must resolve inside it;
- XML tricks: parts declaring a DOCTYPE are refused outright, and lxml parses without
  entity resolution, DTD loading, network access or `huge_tree`.

References in OFD are either absolute from the package root ("/Doc_0/Pages/Page_0/Content.xml")
or relative to the folder of the part that names them; `resolve` handles both, and lookups
ignore case and backslashes, which some Windows writers put in entry names.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib

from lxml import etree

from core.errors import BadDocument

MAX_ENTRIES = 20_000
MAX_TOTAL = 512 * 2**20
"""Uncompressed bytes the whole package may declare."""
MAX_ENTRY = 128 * 2**20
MAX_XML = 64 * 2**20
MAX_RATIO = 200
"""An entry over 1 MB compressed more than this is a bomb (XML compresses ~10–40:1)."""

ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError,
              NotImplementedError, RuntimeError, struct.error, ValueError)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          dtd_validation=False, remove_comments=True, remove_pis=True)
_DOCTYPE_MARKS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


class OfdPackage:
    """An opened, checked OFD zip whose parts are read by (resolved) name."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        infos = zf.infolist()
        check_entries(infos)
        self._names = {_key(i.filename): i for i in infos if not i.is_dir()}

    def has(self, name: str) -> bool:
        return _key(name) in self._names

    def read(self, name: str, limit: int = MAX_ENTRY) -> bytes:
        info = self._names.get(_key(name))
        if info is None:
            raise BadDocument(f"OFD part {name} is missing from the package")
        if info.file_size > limit:
            raise BadDocument(f"OFD part {name} unpacks to {info.file_size >> 20} MB (over {limit >> 20} MB)")
        try:
            return self.zf.read(info)
        except ZIP_ERRORS as exc:
            raise BadDocument(f"OFD part {name} is damaged ({type(exc).__name__}: {exc})") from exc

    def xml(self, name: str) -> etree._Element:
        """A part parsed safely; `BadDocument` for a DOCTYPE or malformed XML."""
        return parse_xml(self.read(name, MAX_XML), name)


def check_entries(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse packages whose directory alone shows a bomb or a traversal."""
    if len(infos) > MAX_ENTRIES:
        raise BadDocument(f"OFD package has {len(infos)} entries (over {MAX_ENTRIES}): refused")
    total = 0
    for i in infos:
        name = i.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
            raise BadDocument(f"OFD package entry {i.filename!r} points outside the package (path traversal): refused")
        total += i.file_size
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise BadDocument(f"OFD entry {i.filename} is compressed "
                              f"{i.file_size // max(i.compress_size, 1)}:1 (zip bomb): refused")
    if total > MAX_TOTAL:
        raise BadDocument(f"OFD package unpacks to {total >> 20} MB (over {MAX_TOTAL >> 20} MB, zip bomb): refused")


def parse_xml(data: bytes, name: str) -> etree._Element:
    if any(mark in data for mark in _DOCTYPE_MARKS):
        raise BadDocument(f"OFD part {name} declares a DOCTYPE/ENTITY (entity expansion): refused")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadDocument(f"OFD part {name} is not well-formed XML ({exc})") from exc
    if root is None:
        raise BadDocument(f"OFD part {name} is empty")
    return root


def resolve(base_dir: str, ref: str) -> str:
    """A reference from a part in `base_dir` → a package path (no leading slash).

    Raises `BadDocument` when it climbs out of the package.
    """
    ref = (ref or "").strip().replace("\\", "/")
    if not ref:
        raise BadDocument("OFD reference is empty")
    joined = ref[1:] if ref.startswith("/") else posixpath.join(base_dir, ref)
    norm = posixpath.normpath(joined)
    if norm == ".." or norm.startswith("../") or norm.startswith("/"):
        raise BadDocument(f"OFD reference {ref!r} points outside the package (path traversal): refused")
    return "" if norm == "." else norm


def folder(name: str) -> str:
    """The folder of a package path ("Doc_0/Pages/Page_0/Content.xml" → "Doc_0/Pages/Page_0")."""
    return posixpath.dirname(name)


def _key(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


# --- namespace-agnostic element access ------------------------------------------------------
# OFD's namespace is http://www.ofdspec.org/2016, but writers also emit un-namespaced parts or
# other prefixes; elements are matched by local name.


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def kid(el: etree._Element | None, *path: str) -> etree._Element | None:
    cur = el
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if local(c) == name), None)
    return cur


def text_of(el: etree._Element | None, *path: str) -> str:
    found = kid(el, *path) if path else el
    return (found.text or "").strip() if found is not None else ""
