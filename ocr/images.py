"""Pictures as pixel arrays: decoding image bytes, rendering PDF pages.

    decode_frames(data)          bytes → BGR arrays, one per frame (multi-page TIFF, GIF)
    render_pdf_page(path, n)     page n of a PDF → BGR array at OCR_DPI, and its scale

Pillow decodes, because it handles what agencies actually post: transparent PNGs (alpha
over white, not over the black that a plain RGB conversion shows), phone photos with an EXIF
rotation, 16-bit and palette images, CMYK JPEGs and multi-page TIFF scans.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

OCR_DPI = 200
"""PDF pages are rendered at this resolution: table text of 9–10 pt comes out 25–30 px
high, which reads as well as 300 dpi and costs half the pixels (shared/research/ocr.md)."""
MAX_SIDE = 4000
"""Larger pictures are scaled down to this longer side (a 12-megapixel photo of a table)."""
MIN_SIDE = 40
"""Pictures smaller than this either way are icons or rules, never a table or a page."""
MAX_FRAMES = 200
"""Pages read from one multi-page picture (a TIFF scan of a whole report is 5–30 pages)."""
SINGLE_FRAME_FORMATS = frozenset({"GIF", "PNG", "WEBP"})
"""Formats whose further frames are animation, not pages: only the first is read."""


class NotAPicture(ValueError):
    """Bytes that no decoder reads as a raster picture (SVG, EMF/WMF, damaged data)."""


def decode_frames(data: bytes) -> list[np.ndarray]:
    """Every frame of a picture as a BGR uint8 array (white behind transparency, EXIF
    orientation applied, scaled down to MAX_SIDE); frames smaller than MIN_SIDE skipped."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        frames = []
        for k, frame in enumerate(ImageSequence.Iterator(im)):
            if k >= MAX_FRAMES or (k and im.format in SINGLE_FRAME_FORMATS):
                break
            frames.append(_to_bgr(ImageOps.exif_transpose(frame.copy())))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise NotAPicture(str(exc)) from exc
    return [f for f in frames if min(f.shape[:2]) >= MIN_SIDE]


def _to_bgr(im) -> np.ndarray:
    from PIL import Image

    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = arr.max() or 1.0
        im = Image.fromarray((arr * (255.0 / top)).astype(np.uint8))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    im = im.convert("RGB")
    w, h = im.size
    if max(w, h) > MAX_SIDE:
        k = MAX_SIDE / max(w, h)
        im = im.resize((max(1, int(w * k)), max(1, int(h * k))), Image.LANCZOS)
    arr = np.asarray(im)
    return np.ascontiguousarray(arr[:, :, ::-1])


def render_pdf_page(path: Path, number: int, dpi: int = OCR_DPI) -> tuple[np.ndarray, float]:
    """Page `number` (1-based) as a BGR array, and the pixels per PDF point it was drawn at."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[number - 1]
        scale = dpi / 72.0
        bitmap = page.render(scale=scale, grayscale=False)
        arr = bitmap.to_numpy()
        page.close()
    finally:
        pdf.close()
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    # pypdfium2 renders BGR(A) by default
    return np.ascontiguousarray(arr[:, :, :3]), scale
