"""The validator: each rule, and null operands making a check not assessable."""
from core import template as T
from validate import check


def zero_cells(template="2021"):
    return {code: 0 for code in T.cell_codes(template)}


def rules(cells, template="2021"):
    return sorted({f.rule for f in check(cells, template)})


def test_a_consistent_all_zero_report_has_no_findings():
    assert rules(zero_cells()) == []


def test_row_total_result_total_and_balance():
    cells = zero_cells()
    cells["apply.granted.natural_person"] = 3  # breaks the row's 总计, the column's （七）总计 …
    assert rules(cells) == ["apply.result_total", "apply.row_total"]
    cells["apply.granted.total"] = 3
    cells["apply.result_total.natural_person"] = 3
    cells["apply.result_total.total"] = 3  # … and now 一 + 二 ≠ 三 + 四
    findings = check(cells, "2021")
    balance = [f for f in findings if f.rule == "apply.balance"]
    assert {f.column for f in balance} == {"natural_person", "total"}
    assert balance[0].expected == 0 and balance[0].actual == 3


def test_a_null_operand_makes_the_check_not_assessable():
    cells = zero_cells()
    cells["apply.granted.natural_person"] = 3
    cells["apply.granted.total"] = None  # a blank 总计 is common and not an error
    cells["apply.result_total.natural_person"] = None
    assert "apply.row_total" not in rules(cells)
    assert "apply.result_total" not in {f.rule for f in check(cells, "2021") if f.column == "natural_person"}


def test_review_totals_report_expected_and_actual():
    cells = zero_cells()
    cells["review.upheld"], cells["review.corrected"] = 10, 1
    (f,) = check(cells, "2021")
    assert (f.rule, f.expected, f.actual) == ("review.total", 11, 0)


def test_negative_and_fractional_counts_but_not_money_or_delta():
    cells = zero_cells("2019")
    cells["active.licensing.delta"] = -3
    cells["active.procurement.amount"] = 25.1
    assert rules(cells, "2019") == []
    cells["active.rules.new_made"] = -1
    cells["active.rules.total_published"] = 2.5
    assert rules(cells, "2019") == ["value.negative", "value.not_integer"]


def test_one_row_other_counts_in_the_result_total():
    cells = zero_cells()
    for code in [c for c in cells if c.startswith("apply.other.")]:
        cells[code] = None
    cells.update({f"apply.other.{c.key}": 0 for c in T.APPLY_COLUMNS})
    cells["apply.other.natural_person"] = cells["apply.other.total"] = 2
    cells["apply.result_total.natural_person"] = cells["apply.result_total.total"] = 2
    cells["apply.carried_forward.natural_person"] = cells["apply.carried_forward.total"] = -2
    assert "apply.result_total" not in rules(cells)
