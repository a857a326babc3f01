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
                    template=truth.template)
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
