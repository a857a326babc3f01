"""Variation classes as pictures: a few of the crossing `bench/variants.py` runs in full.

The tables are drawn, scanned (`tests/variants_pictures.py`) and read back through OCR. The
cases kept here are the ones that once failed: printed blanks ("/" read as 1, "—" as 一 or
_) in pictures pasted into DOCX and HTML, a scanned report whose notes sit under its
tables, and an empty spacer column after the labels (its narrow header cells once merged, the
border between them read as "_"), a note wrapped in a cell of numbers ("3（含转办1" over
"(件)", once read as the wrapped number 314), table 四's narrow 总计 read as 总i计 beside a
blank total; and one of each kind of file the crossing makes: a bi-level multi-page TIFF, a
table per picture file. Each must come out exactly (OCR is slow: about ten seconds a case).
"""
from __future__ import annotations

import pytest

import variants as V
import variants_pictures as P
from variant_check import check
from gongkai.pipeline import extract_record

CASES = [("blanks", "docx_pictures"), ("blanks", "html_pictures"), ("notes", "pdf_scan"),
         ("spacer_after_labels", "docx_pictures"), ("apply_values_with_notes", "pdf_scan"),
         ("split_repeated_header", "tiff")]


@pytest.mark.parametrize("klass,fmt", CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_picture_variant_extracts_exactly(klass, fmt, tmp_path):
    report = V.variant(klass)
    ext, write = P.FORMATS[fmt]
    record = extract_record(write(report, tmp_path / f"{klass}-{fmt}{ext}"))
    outcome = check(record, report.truth, agency=report.agency, year=report.year, template=report.template,
                    published=report.published)
    assert outcome.holds and not outcome.invented and not outcome.wrong, outcome
    assert outcome.exact, outcome


FACE_CASES = [("split_repeated_header", "html_pictures", "wqy"), ("plain", "html_pictures", "uming"),
              ("blanks", "docx_pictures", "ukai"), ("blank_totals", "html_pictures", "uming")]


@pytest.mark.parametrize("klass,fmt,face", FACE_CASES, ids=[f"{k}-{f}-{face}" for k, f, face in FACE_CASES])
def test_picture_variant_in_another_face_extracts_exactly(klass, fmt, face, tmp_path):
    """Pictures printed in WenQuanYi Zen Hei or AR PL UMing, pasted at 100 dpi: a "1" there has
    a long flag, its stroke leaning 12° — the other way from a slash's; it was read as "/"
    (a printed blank) and the cell came out null with nothing saying so. In AR PL UKai the
    printed "/" is a brush stroke read as 八: the row of blanks lost its place in table 三."""
    from dataclasses import replace

    import ocr_degrade as D

    if face not in D.faces():
        pytest.skip(f"face {D.FACE_NAMES[face]} not installed (scripts/setup.sh installs it)")
    report = replace(V.variant(klass), face=D.FACE_NAMES[face])
    ext, write = P.FORMATS[fmt]
    record = extract_record(write(report, tmp_path / f"{klass}-{fmt}{ext}"))
    outcome = check(record, report.truth, agency=report.agency, year=report.year, template=report.template,
                    published=report.published)
    assert outcome.exact, outcome


@pytest.mark.parametrize("klass", ["blanks", "blanks_dashes"])
def test_each_table_as_a_picture_file_of_its_own(klass, tmp_path):
    """A report posted one picture per table (PNG at 175 dpi, JPEG at 140 and 160): each file is
    a document holding one table, and gives exactly that table's cells, blanks null (a "-" in
    table 四's 160-dpi JPEG was read as a confident 1: a number invented)."""
    report = V.variant(klass)
    files = P.PER_TABLE["images"](report, tmp_path / f"{klass}-images")
    assert [f.suffix for f, _ in files] == [".png", ".jpg", ".jpg"]
    for path, truth in files:
        record = extract_record(path)
        outcome = check(record, truth)
        assert outcome.exact, (path.name, outcome)
        assert not any(code not in truth for code, v in record.cells.items() if v is not None), path.name
