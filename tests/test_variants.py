"""Every variation class in every fast format: the report extracts exactly.

The generator (tests/variants.py) crosses the classes of shared/variety.md with the
formats a report is published or dumped in; each variant carries its ground truth. The
property (tests/variant_check.py): every truth cell comes out exactly or null with a finding
on its table, never a wrong or an invented value; agency, year and published date are read.
Here the variants are also held to exactness, since every class listed is one the readers
handle; bench/variants.py runs the same crossing over the slow formats too.
"""
from __future__ import annotations

import pytest

import variants as V
from variant_check import check
from gongkai.pipeline import extract_record

CASES = [(k, f) for k in V.CLASSES for f in V.FORMATS if f not in V.UNREADABLE]
UNREADABLE = [(k, f) for k in V.CLASSES for f in V.UNREADABLE]


@pytest.mark.parametrize("klass,fmt", CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_variant_extracts_exactly(klass, fmt, tmp_path):
    path, truth = V.write(klass, fmt, tmp_path)
    record = extract_record(path)
    year = V.truth_year(klass, fmt, truth)
    outcome = check(record, truth.truth, agency=truth.agency, year=year,
                    published=truth.published if fmt in V.CARRIES_DATE else None,
                    template=truth.template, dateless=klass in V.DATELESS)
    assert outcome.holds, outcome
    if year is None:  # printed nowhere in this format: no year rather than a guessed one
        assert record.year is None
    if (klass, fmt) in V.NOT_EXACT:
        problems = [f for f in record.findings if f.rule.startswith(("row.", "table."))]
        # one finding per table that lost cells, never one per cell or per row
        assert outcome.unread and problems and len(problems) == len({f.table for f in problems}), problems
        return
    assert outcome.exact, outcome
    # one finding per real problem, and here there is none
    assert not [f for f in record.findings if f.rule.startswith(("row.", "table."))]


@pytest.mark.parametrize("klass,fmt", UNREADABLE, ids=[f"{k}-{f}" for k, f in UNREADABLE])
def test_run_together_cells_give_findings_never_numbers(klass, fmt, tmp_path):
    path, truth = V.write(klass, fmt, tmp_path)
    record = extract_record(path)
    outcome = check(record, truth.truth, agency=truth.agency, year=truth.year, published=truth.published,
                    template=truth.template)
    assert outcome.holds, outcome
    assert outcome.right == 0 and len(outcome.unread) == sum(v is not None for v in truth.truth.values())
    missing = {f.table: f.message for f in record.findings if f.rule == "table.missing"}
    assert sorted(missing) == ["active", "applications", "review"]
    assert "run together" in missing["applications"]  # the record says why


# ---- printed in other faces: AR PL UKai/UMing (Kai, Ming), WenQuanYi Zen Hei (Hei) -----------

FACES = {"ukai": "UKaiCN", "uming": "UMingCN", "wqy": "WenQuanYiZenHei"}  # key → PostScript name


def face_family(key: str) -> str:
    import ocr_degrade as D

    if key not in D.faces():
        pytest.skip(f"face {D.FACE_NAMES[key]} not installed (scripts/setup.sh installs it)")
    return D.FACE_NAMES[key]


@pytest.mark.parametrize("key", ["ukai", "wqy"])
def test_ofd_set_in_a_face_reads_its_date(key, tmp_path):
    """An OFD set in a face's own advances: the ○ of 二○二三 is a full em wide there (a
    geometric shape, taken for a half-width glyph it left a gap: '二○ 二三年', no date)."""
    path, truth = V.write("date_chinese_circle", "ofd", tmp_path, face=face_family(key))
    outcome = check(extract_record(path), truth.truth, agency=truth.agency, year=truth.year,
                    published=truth.published, template=truth.template)
    assert outcome.exact, outcome


@pytest.mark.parametrize("key", list(FACES))
def test_libreoffice_pdf_in_a_face_extracts_exactly(key, tmp_path):
    """A DOCX asking for AR PL UKai, UMing or WenQuanYi Zen Hei (w:eastAsia and the digits'
    w:ascii), made a PDF by LibreOffice: the face is embedded, its glyph boxes come from its
    own metrics, and the report comes out exactly, its date included."""
    from extractors import libreoffice

    family = face_family(key)
    if not libreoffice.find_soffice():
        pytest.skip("LibreOffice (soffice) is not installed")
    docx, truth = V.write("date_chinese_circle", "docx", tmp_path, face=family)
    libreoffice.run_soffice([docx], "pdf:writer_pdf_Export", tmp_path / "pdf", tmp_path / "profile", timeout=120)
    pdf = tmp_path / "pdf" / (docx.stem + ".pdf")
    assert FACES[key].encode() in pdf.read_bytes()  # printed in that face, not a fallback
    outcome = check(extract_record(pdf), truth.truth, agency=truth.agency, year=truth.year,
                    published=truth.published, template=truth.template)
    assert outcome.exact, outcome
