"""A picture file (PNG, JPEG, BMP, GIF, WebP, multi-page TIFF) → one `ImageBlock` per page.

Agencies post a report's tables as one picture each, or a whole report as a scanned TIFF.
The extractor only opens the file (so that damaged bytes are a `BadDocument` here, not an
OCR failure later) and hands each frame on as picture bytes; `ocr.enrich` reads them.

A single-frame file's block carries the file's own bytes; each page of a multi-page TIFF is
re-encoded as PNG so that every block holds exactly one picture (an animated GIF or PNG is
one picture: its other frames are animation, not pages).
Page numbers are the frame numbers (1-based); bbox units are the picture's pixels.
"""
from __future__ import annotations

import io
from pathlib import Path

from core import progress
from core.document import ExtractedDocument, ImageBlock, Provenance
from core.errors import BadDocument

FORMAT = "image"

MAX_PIXELS = 400_000_000
"""A picture claiming more pixels than this is a decompression bomb, not a scan."""

MAX_FRAMES = 500
"""Pages of one multi-page TIFF; a scanned report has tens, and every page costs an OCR pass."""

ANIMATED = frozenset({"GIF", "PNG", "WEBP"})
"""Formats whose further frames are animation (an animated GIF or APNG), not pages."""

_MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg", "BMP": "image/bmp", "GIF": "image/gif", "TIFF": "image/tiff",
          "WEBP": "image/webp", "MPO": "image/jpeg"}


def can_read(head: bytes, path: Path) -> bool:
    """By magic bytes only: PNG, JPEG, GIF, TIFF (both byte orders), WebP, and BMP with a
    known DIB header size (two letters "BM" alone also start plain text)."""
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64,
                                                                                               108, 124)


def extract(path: Path) -> ExtractedDocument:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocument(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise BadDocument(f"picture of {w}×{h} pixels is too large to be a page")
            kind = im.format or ""
            n = getattr(im, "n_frames", 1) if kind not in ANIMATED else 1
            frames: list[bytes] = []
            if n > MAX_FRAMES:
                raise BadDocument(f"picture file with {n} pages: more than the {MAX_FRAMES} a report can have")
            if n > 1:
                for k, frame in enumerate(ImageSequence.Iterator(im), start=1):
                    progress.at(f"frame {k} of {n}")
                    if frame.size[0] * frame.size[1] > MAX_PIXELS:
                        raise BadDocument(f"page {k} of {frame.size[0]}×{frame.size[1]} pixels is too large to be a page")
                    buf = io.BytesIO()
                    frame.copy().save(buf, format="PNG")
                    frames.append(buf.getvalue())
            else:
                im.load()  # decode now: a truncated file fails here
                frames.append(data)
    except BadDocument:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BadDocument(f"unreadable picture (corrupt or truncated): {exc}") from exc
    media = _MEDIA.get(kind, f"image/{kind.lower()}" if kind else None)
    blocks = [ImageBlock(data=b, ref=f"{path.name}#{k}" if len(frames) > 1 else path.name,
                         media_type="image/png" if len(frames) > 1 else media, prov=Provenance(page=k, method="text"))
              for k, b in enumerate(frames, start=1)]
    return ExtractedDocument(blocks=blocks, format=FORMAT, pages=len(frames))
