"""OCR for real (no mocks) on table pictures drawn here, and on a few dev-corpus pictures.

Each picture goes through `ocr.read_image` (grid → cell crops → PP-OCRv6 recogniser) and
then through the normalizer, and every number must come out as drawn. The engine is loaded
once per process (`ocr.engine.get_backend`); pictures are drawn at 20 px text so that
the whole module stays within a few seconds per picture.
"""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

import ocr_fixtures as F
from core.document import ExtractedDocument, Table, TextBlock
from core import template as T
from normalize.assemble import to_record
from ocr import read_image
from ocr.cell_rules import FIX_PENALTY

pytestmark = pytest.mark.skipif(F.cjk_font() is None, reason="no CJK font (apt install fonts-noto-cjk)")

T4_VALUES = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]
T4_CODES = [f"{b.key}.{c.key}" for b in T.REVIEW_BLOCKS for c in T.REVIEW_COLUMNS]


@pytest.fixture(scope="session")
def engine():
    from ocr.engine import get_backend

    return get_backend()


@lru_cache(maxsize=None)
def t3_clean():
    return F.render(F.table3_layout(F.sample_values()), font_px=20)


def record_of(img):
    pic = read_image(F.to_bgr(img))
    return pic, to_record(ExtractedDocument(blocks=pic.blocks, format="image"))


def expected_t3() -> dict[str, int]:
    return {f"apply.{row}.{col}": v for row, cols in F.sample_values().items() for col, v in cols.items()}


def assert_t3(rec):
    want = expected_t3()
    got = {code: rec.cells.get(code) for code in want}
    wrong = {code: (want[code], got[code]) for code in want if got[code] != want[code]}
    assert not wrong, wrong
    assert rec.tables["applications"] == "found"
    assert rec.template == "2021"


@pytest.mark.parametrize("variant", ["clean", "scan", "no-rulings"])
def test_table3_every_number(engine, variant):
    img = {"clean": t3_clean,
           "scan": lambda: F.degrade(t3_clean(), angle=1.0, blur=0.8, noise=10, quality=45),
           "no-rulings": lambda: F.render(F.table3_layout(F.sample_values()), font_px=20, ruled=False)}[variant]()
    pic, rec = record_of(img)
    assert pic.kind == "table"
    assert_t3(rec)
    # the caption above the table is kept as text, so the section heading is found
    assert any(isinstance(b, TextBlock) and "收到和处理政府信息公开申请情况" in b.text for b in pic.blocks)
    # no invented values: the other tables of the template stay null
    assert all(v is None for k, v in rec.cells.items() if not k.startswith("apply."))


@pytest.mark.parametrize("ruled", [True, False])
def test_table4(engine, ruled):
    pic, rec = record_of(F.render(F.table4_layout(T4_VALUES), font_px=20, ruled=ruled))
    assert rec.tables["review"] == "found"
    assert [rec.cells[c] for c in T4_CODES] == T4_VALUES


def test_cells_carry_ocr_provenance(engine):
    pic, rec = record_of(t3_clean())
    (table,) = [b for b in pic.blocks if isinstance(b, Table)]
    assert table.columns_reliable and table.prov.method == "ocr"
    for c in table.cells:
        assert c.prov.method == "ocr" and 0.0 <= c.prov.confidence <= 1.0
        x0, top, x1, bottom = c.prov.bbox
        assert 0 <= x0 < x1 <= t3_clean().width and 0 <= top < bottom <= t3_clean().height
    src = rec.provenance["apply.new.total"]
    assert src.method == "ocr" and src.raw == str(F.sample_values()["new"]["total"])
    assert src.confidence >= 0.8  # a clean picture raises no low-confidence finding
    assert not [f for f in rec.findings if f.rule == "cell.low_confidence"]


def _noisy_first_number(value: int, seed: int, total: int | None = None):
    """Table 四 with its first number buried in heavy noise (a stain on a scan); `total`
    replaces the block's printed 总计 (T4_VALUES' 6 adds up only with a first number of 3)."""
    import numpy as np
    from PIL import Image, ImageFilter

    values = [value] + T4_VALUES[1:]
    if total is not None:
        values[4] = total
    img = F.render(F.table4_layout(values), font_px=20).copy()
    y0, y1 = img.info["row_ys"][3], img.info["row_ys"][4]
    box = (46, y0 + 5, 94, y1 - 5)
    px = np.asarray(img.crop(box)).astype(np.float32)
    px = 255 - (255 - px) * 0.5 + np.random.default_rng(seed).normal(0, 60, px.shape[:2])[:, :, None]
    img.paste(Image.fromarray(px.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2)), box[:2])
    return img


def test_doubtful_cells_are_reported_never_silently_accepted(engine):
    """However a stained number is read, a wrong number never passes unreported: it is not
    a number (the row is then reported incomplete), or it is right, or the cell carries a
    low confidence and the normalizer reports `cell.low_confidence` — leaving it null when
    the table's arithmetic fails with the doubtful number."""
    reported = 0
    for value, seed in ((3, 1), (8, 1), (5, 2)):
        pic = read_image(F.to_bgr(_noisy_first_number(value, seed)))
        (table,) = [b for b in pic.blocks if isinstance(b, Table)]
        cell = next(c for c in table.cells if c.row == 3 and c.col == 0)
        rec = to_record(ExtractedDocument(blocks=pic.blocks, format="image"))
        low = [f for f in rec.findings if f.rule == "cell.low_confidence" and "review.upheld" in f.cells]
        got = rec.cells["review.upheld"]
        if cell.prov.confidence < 0.8 and got is not None:
            assert low, (value, cell.text, cell.prov.confidence)
        if got is not None and got != value:
            assert low, f"{value} read as {got} at {cell.prov.confidence} without a finding"
        if got is None:
            assert any(f.rule == "row.incomplete" for f in rec.findings) or \
                any("left null" in f.message for f in low), (value, cell.text, rec.findings)
        reported += bool(low)
    assert reported >= 1  # these stains do make doubtful readings


def test_the_arithmetic_chooses_among_the_recognisers_candidates(engine):
    """A stained digit misread with low confidence, its true shape the recogniser's runner-up
    (a 3 read as "5", a 0 read as "6"): of the candidates, only the true one makes 行政复议's
    总计 add up, and the record takes it — saying so — where it would otherwise be null."""
    for value, seed in ((3, 1), (0, 9)):
        pic = read_image(F.to_bgr(_noisy_first_number(value, seed, total=value + 3)))
        (table,) = [b for b in pic.blocks if isinstance(b, Table)]
        cell = next(c for c in table.cells if c.row == 3 and c.col == 0)
        rec = to_record(ExtractedDocument(blocks=pic.blocks, format="image"))
        assert cell.text != str(value) and str(value) in cell.prov.alternatives and cell.prov.confidence < 0.8
        assert rec.cells["review.upheld"] == value
        (f,) = [f for f in rec.findings if "review.upheld" in f.cells]
        assert f.rule == "cell.low_confidence" and f"only {value} makes the table's arithmetic hold" in f.message


def test_logo_is_left_as_a_picture(engine):
    from PIL import Image, ImageDraw

    logo = Image.new("RGB", (200, 200), "white")
    d = ImageDraw.Draw(logo)
    d.ellipse([20, 20, 180, 180], outline=(200, 0, 0), width=8)
    d.polygon([(100, 50), (120, 110), (80, 110)], fill=(200, 0, 0))
    pic = read_image(F.to_bgr(logo))
    assert pic.kind == "picture" and pic.blocks == []


def test_fix_penalty_is_below_the_low_confidence_line():
    from normalize.assemble import LOW_CONFIDENCE

    assert 1.0 * FIX_PENALTY < LOW_CONFIDENCE


# --- dev-corpus pictures -----------------------------------------------------------------


def _truth(shared, doc_id):
    return json.loads((shared / "corpus" / "dev" / "truth" / f"{doc_id}.json").read_text(encoding="utf-8"))


@pytest.mark.shared
@pytest.mark.parametrize("doc_id,picture", [("d007", "d007.jpg"), ("d033", "d033_files/table3.png"),
                                            ("d005", "d005.png")])
def test_dev_corpus_pictures(engine, shared, doc_id, picture):
    from PIL import Image

    img = Image.open(shared / "corpus" / "dev" / "docs" / picture)
    pic, rec = record_of(img)
    truth = _truth(shared, doc_id)
    kind = "review" if picture.endswith(("d007.jpg", "table3.png")) else "active"
    prefix = ("review.", "suit_direct.", "suit_after_review.") if kind == "review" else ("active.",)
    want = {k: v for k, v in truth["cells"].items() if k.startswith(prefix)}
    assert {k: rec.cells.get(k) for k in want} == want


def test_only_a_slash_is_slash_shaped_in_every_face():
    """The slant rule that reads a brush-drawn "/" (UKai's reads as 八) as the printed blank
    must never take a digit: 7's stroke leans the same way, 1's flag the other."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    import ocr_degrade as D
    from ocr.cell_rules import slash_shaped

    def shaped(ch: str, face) -> bool:
        im = Image.new("L", (60, 70), 255)
        ImageDraw.Draw(im).text((10, 5), ch, font=ImageFont.truetype(str(face), 42), fill=0)
        ink = (np.array(im) < 128).astype(np.uint8)
        ys, xs = np.nonzero(ink)
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        return slash_shaped(ink, [box], text_h=box[3] - box[1])

    for name, face in D.faces().items():
        assert shaped("/", face), name
        assert not any(shaped(d, face) for d in "0123456789"), name


def test_a_stroke_wider_than_high_and_low_is_a_dash_not_a_one():
    """A printed "-" in a small JPEG comes back from the recogniser as "1" (confidence up to
    0.9): its ink, wider than high and under half a text height, says it is a dash. A 1 is
    taller than wide, and stays a 1 even with a scrap of ruling beside it in its box."""
    import numpy as np

    from ocr.cell_rules import dash_shaped

    text_h = 20.0
    dash = np.zeros((20, 30), np.uint8)
    dash[9:12, 8:22] = 1
    one = np.zeros((20, 30), np.uint8)
    one[3:17, 14:17] = 1
    one_with_ruling = one.copy()
    one_with_ruling[18:20, 0:30] = 1
    box = [(0, 0, 30, 20)]
    assert dash_shaped(dash, box, text_h)
    assert not dash_shaped(one, box, text_h)
    assert not dash_shaped(one_with_ruling, box, text_h)
