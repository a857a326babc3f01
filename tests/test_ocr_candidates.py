"""Doubtful digits: the recogniser's runners-up, and the arithmetic choosing among them.

    ctc_decode(probs, charset, classes)   a doubtful digit keeps its likely runners-up
    cell_alternatives(lines)              → the other numbers a cell may hold
    candidates.choose(...)                one combination that makes the rules hold, or none
    to_record(doc)                        → the value taken, with a finding; else null

Nothing here needs the OCR engine: the probabilities and the tables are made by hand.
"""
from __future__ import annotations

import numpy as np

from core import template as T
from core.document import Cell, ExtractedDocument, Provenance, Table
from core.record import CellSource
from normalize import candidates
from normalize.assemble import LOW_CONFIDENCE, to_record
from ocr.backends import ALT_MIN, ctc_decode, digit_classes
from ocr.cell_rules import cell_alternatives
from validate import check

CHARSET = ["<blank>", *"0123456789", "O", "o", "l", "I", ",", ".", "-", "+", "年"]
CLASSES = digit_classes(CHARSET)


def probs_for(steps: list[dict[str, float]]) -> np.ndarray:
    """One line's (1, timesteps, classes) probabilities: each step's named characters get
    their share, the blank the rest."""
    out = np.zeros((1, len(steps), len(CHARSET)), np.float32)
    for t, step in enumerate(steps):
        for ch, p in step.items():
            out[0, t, CHARSET.index(ch)] = p
        out[0, t, 0] = 1.0 - sum(step.values())
    return out


BLANK: dict[str, float] = {}


# --- the decoder -------------------------------------------------------------------------------


def test_a_doubtful_digit_keeps_its_runner_up():
    # "18": the 8 stained towards a 6
    (r,) = ctc_decode(probs_for([{"1": 0.99}, BLANK, {"8": 0.55, "6": 0.35, "0": 0.05}, BLANK]), CHARSET, CLASSES)
    assert r.digits == "18" and round(r.digits_min, 2) == 0.55
    assert r.digit_alts == ((1, "6"),)  # the 0 at 0.05 is background, not a candidate


def test_second_and_third_best_are_kept_likelier_first():
    (r,) = ctc_decode(probs_for([{"8": 0.45, "0": 0.15, "6": 0.3}]), CHARSET, CLASSES)
    assert r.digits == "8" and r.digit_alts == ((0, "60"),)


def test_a_runner_up_is_read_over_the_glyphs_timesteps():
    # the glyph spans two timesteps; the 6 shows most on the second
    (r,) = ctc_decode(probs_for([{"8": 0.6, "6": 0.05}, {"8": 0.5, "6": 0.3}, BLANK]), CHARSET, CLASSES)
    assert r.digits == "8" and r.digit_alts == ((0, "6"),)


def test_a_sure_digit_keeps_no_alternatives():
    (r,) = ctc_decode(probs_for([{"8": 0.85, "6": 0.14}]), CHARSET, CLASSES)
    assert r.digits == "8" and r.digit_alts == ()


def test_an_unlikely_runner_up_is_not_kept():
    (r,) = ctc_decode(probs_for([{"8": 0.5, "6": ALT_MIN / 2, "3": ALT_MIN / 2}]), CHARSET, CLASSES)
    assert r.digits == "8" and r.digit_alts == ()


def test_shapes_of_a_digit_count_as_that_digit():
    # a round glyph split between "0" and "O" is a sure 0 in the digit reading: no alternative
    (r,) = ctc_decode(probs_for([{"0": 0.45, "O": 0.45, "8": 0.05}]), CHARSET, CLASSES)
    assert r.digits == "0" and r.digit_alts == ()


def test_cell_alternatives_combine_the_lines_of_a_cell():
    assert cell_alternatives([("18", ((1, "6"),))]) == ("16",)
    assert cell_alternatives([("1", ()), ("8", ((0, "60"),))]) == ("16", "10")
    assert set(cell_alternatives([("88", ((0, "6"), (1, "3")))])) == {"83", "68", "63"}
    assert cell_alternatives([("8", ((0, "0"),))]) == ("0",)
    assert cell_alternatives([("80", ((0, "0"),))]) == ()  # "00" is no number a table prints
    assert cell_alternatives([("18", ())]) == ()
    # three doubtful digits: the arithmetic would be choosing a number, not a reading
    assert cell_alternatives([("888", ((0, "6"), (1, "6"), (2, "6")))]) == ()


# --- the chooser ---------------------------------------------------------------------------------

REVIEW = [f"review.{c.key}" for c in T.REVIEW_COLUMNS]  # upheld, corrected, other, pending, total


def review(values: list[int], doubtful: dict[str, tuple[str, ...]]) -> tuple[dict, dict]:
    """Table 四's 行政复议 block read by OCR; the cells in `doubtful` read at 0.55 with those
    alternatives, the rest surely."""
    cells = dict(zip(REVIEW, values))
    prov = {code: CellSource(method="ocr", raw=str(v), confidence=0.55 if code in doubtful else 0.99,
                             alternatives=doubtful.get(code, ())) for code, v in cells.items()}
    return cells, prov


def choices(cells, prov) -> dict[str, candidates.Choice]:
    rules = check(cells, "2021")
    return {c.code: c for c in candidates.choose(cells, prov, rules, "2021", check, LOW_CONFIDENCE)}


def test_the_only_candidate_that_balances_is_chosen():
    # printed 3 + 1 + 0 + 2 = 6; the 6 of 总计 read as "8", its runners-up 6 and 0
    cells, prov = review([3, 1, 0, 2, 8], {"review.total": ("6", "0")})
    got = choices(cells, prov)
    assert got["review.total"].value == 6 and got["review.total"].candidates == (8, 6, 0)


def test_two_candidates_that_balance_settle_nothing():
    # two doubtful cells: 6 + 1 + 0 + 2 = 9 and 8 + 1 + 0 + 2 = 11 both hold — neither is taken
    cells, prov = review([8, 1, 0, 2, 13], {"review.upheld": ("6",), "review.total": ("9", "11")})
    got = choices(cells, prov)
    assert got["review.upheld"].value is None and got["review.total"].value is None
    assert "several" in got["review.total"].why


def test_no_candidate_that_balances_settles_nothing():
    cells, prov = review([3, 1, 0, 2, 8], {"review.total": ("3",)})
    got = choices(cells, prov)
    assert got["review.total"].value is None and "no combination" in got["review.total"].why


def test_a_confident_cell_is_never_changed():
    # 3 + 1 + 0 + 2 ≠ 8: the 总计 read surely stays 8, only the doubtful 3 may move — and
    # only to a value the recogniser saw there
    cells, prov = review([3, 1, 0, 2, 8], {"review.upheld": ("5",)})
    assert {c.code: c.value for c in choices(cells, prov).values()} == {"review.upheld": 5}
    # with every cell read surely there is nothing to choose: the failing rule is reported as printed
    cells, prov = review([3, 1, 0, 2, 8], {})
    assert check(cells, "2021") and choices(cells, prov) == {}


def test_a_doubtful_cell_without_runners_up_blocks_the_choice():
    # the 2 (read at 0.55, nothing behind it) may as well be the wrong one
    cells, prov = review([3, 1, 0, 2, 8], {"review.total": ("6",), "review.pending": ()})
    got = choices(cells, prov)
    assert got["review.total"].value is None and "no other candidate" in got["review.total"].why


# --- through the normalizer ----------------------------------------------------------------------


def table4(values: list[str], doubtful: dict[int, tuple[str, ...]]) -> ExtractedDocument:
    """Table 四 as OCR gives it to the normalizer: the header rows of the template and one row
    of numbers; the cells at the `doubtful` positions read at 0.55 with those alternatives."""
    import ocr_fixtures as F

    cells = []
    for b in F.table4_layout([0] * 15).boxes:
        if b.row == 3:
            continue
        cells.append(Cell(b.row, b.col, b.text, b.row_span, b.col_span, Provenance(page=1, method="ocr",
                                                                                  confidence=0.99)))
    for k, v in enumerate(values):
        sure = k not in doubtful
        cells.append(Cell(3, k, v, prov=Provenance(page=1, method="ocr", confidence=0.99 if sure else 0.55,
                                                   alternatives=doubtful.get(k, ()))))
    return ExtractedDocument(blocks=[Table(cells, prov=Provenance(page=1, method="ocr"))], format="image")


PRINTED = ["3", "1", "0", "2", "6", "1", "0", "0", "1", "2", "0", "0", "0", "0", "0"]


def test_the_record_takes_the_number_the_arithmetic_settles():
    read = PRINTED[:4] + ["8"] + PRINTED[5:]  # 总计 6 read as "8", with a 6 and a 0 behind it
    rec = to_record(table4(read, {4: ("6", "0")}))
    assert rec.cells["review.total"] == 6
    (f,) = [f for f in rec.findings if "review.total" in f.cells]
    assert f.rule == "cell.low_confidence" and "only 6 makes the table's arithmetic hold" in f.message
    assert rec.provenance["review.total"].raw == "8"  # what was read stays in the provenance
    assert rec.provenance["review.total"].to_dict()["alternatives"] == ["6", "0"]
    assert not [f for f in rec.findings if f.rule == "review.total"]


def test_the_record_leaves_null_what_the_arithmetic_does_not_settle():
    read = PRINTED[:4] + ["8"] + PRINTED[5:]
    rec = to_record(table4(read, {4: ("3",)}))  # no runner-up makes 3 + 1 + 0 + 2 = 总计
    assert rec.cells["review.total"] is None
    (f,) = [f for f in rec.findings if "review.total" in f.cells]
    assert "left null" in f.message and "no combination" in f.message


def test_a_doubtful_read_that_already_balances_is_kept_and_reported():
    rec = to_record(table4(PRINTED, {4: ("8",)}))  # "6" read at 0.55, an 8 behind it: 6 holds
    assert rec.cells["review.total"] == 6
    (f,) = [f for f in rec.findings if "review.total" in f.cells]
    assert f.rule == "cell.low_confidence" and "taken" not in f.message
