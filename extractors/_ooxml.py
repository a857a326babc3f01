"""The Office Open XML package (the zip of .docx, .xlsx, .pptx): parts, relationships, types.

Kept apart from `docx.py` so that the Word walker only speaks WordprocessingML. Parts are
read lazily and cached, since a report needs three or four of the package's fifteen parts.
XML is parsed without entity resolution or network access, and a damaged part is parsed
leniently with a warning rather than failing the whole document.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from typing import NamedTuple
from urllib.parse import unquote

from lxml import etree

from core.errors import BadDocument

PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"

# ISO "Strict" OOXML spells the transitional vocabulary with other namespaces; we map them back.
_STRICT = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main":
        b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/officeDocument/relationships":
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    b"http://purl.oclc.org/ooxml/drawingml/main":
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
}
MAX_PART = 256 * 2**20
"""A part that unpacks to more than this is a zip bomb, not a report."""

ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError,
              NotImplementedError, RuntimeError, struct.error)
"""What zipfile raises on truncated, damaged or encrypted archives."""

# No huge_tree: libxml2's default depth limit (256) keeps our recursive walkers safe.
_OPTIONS = dict(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
_PARSER = etree.XMLParser(**_OPTIONS)
_LENIENT = etree.XMLParser(recover=True, **_OPTIONS)

_MEDIA_BY_EXT = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "gif": "image/gif", "bmp": "image/bmp", "tif": "image/tiff",
                 "tiff": "image/tiff", "emf": "image/x-emf", "wmf": "image/x-wmf"}


class Rel(NamedTuple):
    """One relationship: its type URI and target (a part name, or a URL when external)."""

    type: str
    target: str
    external: bool


class OoxmlPackage:
    """An open OOXML zip whose parts are read on demand."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.warnings: list[str] = []
        self._names = {n.lower(): n for n in zf.namelist()}
        self._parts: dict[str, bytes | None] = {}
        self._types: tuple[dict[str, str], dict[str, str]] | None = None

    def has(self, part: str) -> bool:
        return self._name(part) is not None

    def read(self, part: str) -> bytes | None:
        """The bytes of a part, or None when the package lacks it."""
        if part not in self._parts:
            name = self._name(part)
            if name is not None and self.zf.getinfo(name).file_size > MAX_PART:
                raise BadDocument(f"{part} unpacks to over {MAX_PART >> 20} MB (zip bomb?)")
            self._parts[part] = None if name is None else self.zf.read(name)
        return self._parts[part]

    def xml(self, part: str, optional: bool = False) -> etree._Element | None:
        """A part's XML root; None (and a warning) for a missing or unreadable optional part."""
        try:
            data = self.read(part)
        except ZIP_ERRORS as exc:
            if not optional:
                raise
            self.warnings.append(f"{part} is damaged and was skipped ({exc})")
            return None
        if data is None:
            if optional:
                return None
            raise BadDocument(f"the package has no {part}")
        if b"purl.oclc.org/ooxml" in data:
            for strict, transitional in _STRICT.items():
                data = data.replace(strict, transitional)
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            root = etree.fromstring(data, _LENIENT) if data.strip() else None
            if root is None:
                if optional:
                    return None
                raise BadDocument(f"{part} is not well-formed XML: {exc}") from exc
            self.warnings.append(f"{part}: damaged XML read leniently ({exc})")
            return root

    def rels(self, part: str) -> dict[str, Rel]:
        """Relationship id → Rel for a part ("" for the package's own relationships)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"), optional=True)
        out: dict[str, Rel] = {}
        for rel in root.iter(f"{{{PKG_RELS}}}Relationship") if root is not None else ():
            target, external = rel.get("Target") or "", rel.get("TargetMode") == "External"
            if not external:
                target = (target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(folder, target)))
            out[rel.get("Id") or ""] = Rel(rel.get("Type") or "", target, external)
        return out

    def media_type(self, part: str) -> str | None:
        """The part's content type: its Override, else the Default for its extension."""
        if self._types is None:
            root = self.xml("[Content_Types].xml", optional=True)
            nodes = [] if root is None else list(root)
            self._types = (
                {(n.get("PartName") or "").lstrip("/").lower(): n.get("ContentType") or ""
                 for n in nodes if n.tag == f"{{{CONTENT_TYPES}}}Override"},
                {(n.get("Extension") or "").lower(): n.get("ContentType") or ""
                 for n in nodes if n.tag == f"{{{CONTENT_TYPES}}}Default"})
        overrides, defaults = self._types
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        return overrides.get(part.lower()) or defaults.get(ext) or _MEDIA_BY_EXT.get(ext)

    def _name(self, part: str) -> str | None:
        """The zip entry for a part name (zips made by hand may differ in case or %-quoting)."""
        return self._names.get(part.lower()) or self._names.get(unquote(part).lower())


def first_target(rels: dict[str, Rel], type_suffix: str) -> str | None:
    """The target of the first relationship whose type URI ends with `type_suffix`."""
    return next((r.target for r in rels.values() if r.type.endswith(type_suffix)), None)
