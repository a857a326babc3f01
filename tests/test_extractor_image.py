"""The picture-file extractor: sniffing by magic bytes, one ImageBlock per page/frame."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from extractors import image as image_extractor
from extractors import sniff
from core.document import ImageBlock
from core.errors import BadDocument


def _picture(color: str = "white", size=(120, 80)) -> Image.Image:
    im = Image.new("RGB", size, color)
    for x in range(10, 110):
        im.putpixel((x, 40), (0, 0, 0))
    return im


@pytest.mark.parametrize("fmt,suffix,media", [("PNG", ".png", "image/png"), ("JPEG", ".jpg", "image/jpeg"),
                                              ("BMP", ".bmp", "image/bmp"), ("GIF", ".gif", "image/gif"),
                                              ("WEBP", ".webp", "image/webp")])
def test_single_picture_is_one_block_with_the_file_bytes(tmp_path: Path, fmt, suffix, media):
    path = tmp_path / f"table{suffix}"
    _picture().save(path, format=fmt)
    assert sniff(path) is image_extractor
    doc = image_extractor.extract(path)
    assert doc.format == "image" and doc.pages == 1
    (block,) = doc.blocks
    assert isinstance(block, ImageBlock)
    assert block.data == path.read_bytes()
    assert block.media_type == media
    assert block.prov.page == 1


def test_multi_page_tiff_gives_one_block_per_page(tmp_path: Path):
    path = tmp_path / "scan.tif"
    pages = [_picture(c) for c in ("white", "lightgray", "white")]
    pages[0].save(path, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    assert sniff(path) is image_extractor
    doc = image_extractor.extract(path)
    assert doc.pages == 3
    assert [b.prov.page for b in doc.blocks] == [1, 2, 3]
    for k, b in enumerate(doc.blocks):
        assert b.media_type == "image/png"
        frame = Image.open(io.BytesIO(b.data))
        assert frame.size == (120, 80)
        assert frame.convert("RGB").getpixel((5, 5)) == pages[k].getpixel((5, 5))


def test_big_endian_tiff_is_sniffed(tmp_path: Path):
    head = b"MM\x00*" + b"\x00" * 20
    assert image_extractor.can_read(head, tmp_path / "x.bin")


def test_name_does_not_decide(tmp_path: Path):
    """A PNG saved as .pdf is a picture; a text file named .png is not."""
    path = tmp_path / "report.pdf"
    _picture().save(path, format="PNG")
    assert sniff(path) is image_extractor
    text = tmp_path / "notes.png"
    text.write_text("BM is how this note starts, but it is text\n", encoding="utf-8")
    assert not image_extractor.can_read(text.read_bytes(), text)


def test_truncated_picture_is_bad_document(tmp_path: Path):
    good = io.BytesIO()
    _picture(size=(400, 300)).save(good, format="PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    with pytest.raises(BadDocument, match="unreadable picture"):
        image_extractor.extract(path)
