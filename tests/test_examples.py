"""Golden test: every document of the sample inbox gives exactly its truth record.

The truth files are the hand-checked canonical records (cells as printed, printed
mistakes included) with the rule ids a correct extraction must report.
"""
import pytest

from conftest import INBOX, TRUTH, truth_of
from gongkai.pipeline import extract_record

DOCS = sorted(p.stem for p in TRUTH.glob("*.json"))


def doc_path(doc_id):
    (path,) = [p for p in INBOX.iterdir() if p.stem == doc_id]
    return path


@pytest.mark.parametrize("doc_id", DOCS)
def test_record_matches_truth(doc_id):
    truth = truth_of(doc_id)
    rec = extract_record(doc_path(doc_id)).to_dict()

    wrong = {c: (v, rec["cells"].get(c)) for c, v in truth["cells"].items()
             if v is not None and not _same(c, v, rec["cells"].get(c))}
    assert wrong == {}, "cells differ (truth, got)"
    invented = {c: rec["cells"][c] for c, v in truth["cells"].items() if v is None and rec["cells"].get(c) is not None}
    assert invented == {}, "values the report does not print"
    for field in ("agency", "year", "published", "template"):
        assert rec[field] == truth[field], field
    assert rec["tables"] == truth["tables"]
    assert {f["rule"] for f in rec["findings"]} == set(truth.get("expected_findings", []))
    assert rec["source"]["sha256"] and len(rec["source"]["sha256"]) == 64


def _same(code, want, got):
    if not isinstance(got, (int, float)):
        return False
    return abs(got - want) <= (0.005 if code.endswith(".amount") else 0)


def test_every_printed_cell_has_provenance():
    rec = extract_record(doc_path("r001")).to_dict()
    printed = [c for c, v in rec["cells"].items() if v is not None]
    assert printed and all(rec["provenance"][c]["page"] for c in printed)
    assert rec["provenance"]["review.total"]["raw"] == "0"
