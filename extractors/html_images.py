"""`<img>` in a report page → `ImageBlock`: tables are often pasted as pictures.

The bytes come from a `data:` URI or from a file saved next to the page (a browser's
"save complete page" puts them in `<name>_files/`); anything else stays a reference for
the crawler to fetch.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from core.document import ImageBlock, Provenance

TINY_IMAGE_PX = 32
MAX_IMAGE_BYTES = 32 * 1024 * 1024
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"BM", "image/bmp"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
)


def media_type_of(data: bytes | None, name: str | None) -> str | None:
    """From the bytes' magic number when known, else from the file extension."""
    if data:
        for magic, mtype in _MAGIC:
            if data.startswith(magic):
                return mtype
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "image/webp"
        if b"<svg" in data[:512]:
            return "image/svg+xml"
    return mimetypes.guess_type(name or "")[0] if name else None


# Lazy-loading scripts keep the real picture in data-src / data-original and put a
# placeholder (a spinner, a 1-pixel data: GIF) in src, so those attributes come first.
_SRC_ATTRS = ("data-src", "data-original", "original", "src")


def image_block(img, page_dir: Path | None) -> ImageBlock | None:
    """The picture an `<img>` shows: bytes from a `data:` URI or a file next to the page.

    Tiny images (icons, spacers, declared ≤ 32 px both ways) are skipped.
    """
    src = next((img.get(a).strip() for a in _SRC_ATTRS if (img.get(a) or "").strip()), None)
    if not src or _is_tiny(img):
        return None
    prov = Provenance(page=None, method="text")
    if src.lower().startswith("data:"):
        data, mtype = decode_data_uri(src)
        return ImageBlock(data=data, ref=None if data else src[:80], media_type=mtype, prov=prov)
    path = resolve_local(src, page_dir)
    data = read_image(path) if path is not None else None
    return ImageBlock(data=data, ref=src, media_type=media_type_of(data, urlsplit(src).path), prov=prov)


def _is_tiny(img) -> bool:
    """Declared width and height both ≤ 32 px: an icon or a spacer, never a table."""
    dims = [re.match(r"\s*(\d+)", img.get(a) or "") for a in ("width", "height")]
    return all(dims) and all(int(m.group(1)) <= TINY_IMAGE_PX for m in dims)


def decode_data_uri(uri: str) -> tuple[bytes | None, str | None]:
    """(bytes, media type) of `data:[type][;base64],payload`; (None, None) if malformed."""
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        return None, None
    mtype = header.split(";")[0].strip() or None
    try:
        data = base64.b64decode(payload) if ";base64" in header.lower() else unquote_to_bytes(payload)
    except ValueError:
        return None, mtype
    return data, media_type_of(data, None) or mtype


def resolve_local(src: str, page_dir: Path | None) -> Path | None:
    """The file a relative `src` names, if it lies inside the page's own folder.

    Only paths under the page's folder are read (`x_files/…`, `./images/…`): the page comes
    from the internet, and `../../` in its markup must not pull other files of this
    machine into the warehouse. Absolute URLs and site-root paths are left as references
    for the crawler to fetch.
    """
    if page_dir is None:
        return None
    parts = urlsplit(src.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    try:
        base = page_dir.resolve()
        path = (base / unquote(parts.path)).resolve()
        return path if path.is_relative_to(base) and path.is_file() else None
    except (OSError, ValueError):  # a NUL byte or an over-long name in the markup
        return None


def read_image(path: Path) -> bytes | None:
    """The file's bytes, unless it is too large to be a table picture or unreadable."""
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
