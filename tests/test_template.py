"""The template data structure agrees with the spec page, code for code."""
import re
from pathlib import Path

from core import template as T

SPEC = Path(__file__).resolve().parents[1] / "docs" / "canonical-record.md"


def spec_codes() -> set[str]:
    """Every cell code the spec page names, expanding `apply.<row>.<column>` from its tables."""
    text = SPEC.read_text(encoding="utf-8")
    literal = set(re.findall(r"`((?:active|review|suit_direct|suit_after_review)\.[a-z_]+(?:\.[a-z_]+)?)`", text))
    literal = {c for c in literal if not c.endswith(".*") and not c.endswith("_chain")}  # rule ids, not cells
    rows = set(re.findall(r"^\| `([a-z_.]+)` \|", text, flags=re.M))
    columns = {"natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"}
    rows.add("other")  # the 2019 one-row （六）, named in prose
    apply = {f"apply.{r}.{c}" for r in rows for c in columns}
    blocks = {"review", "suit_direct", "suit_after_review"}
    leaves = {"upheld", "corrected", "other", "pending", "total"}
    review = {f"{b}.{c}" for b in blocks for c in leaves}
    return {c for c in literal if c.startswith("active.")} | apply | review


def test_every_spec_code_is_in_the_template_and_back():
    assert set(T.all_cell_defs()) == spec_codes()


def test_cell_counts_match_the_spec():
    assert len([c for c in T.cell_codes("2021") if c.startswith("apply.")]) == 25 * 7
    assert len([c for c in T.cell_codes("2019") if c.startswith("apply.")]) == 23 * 7
    assert len([c for c in T.cell_codes("2019") if c.startswith("active.")]) == 22
    assert len([c for c in T.cell_codes("2021") if c.startswith("active.")]) == 10
    assert len([c for c in T.cell_codes("2021") if c.startswith(("review", "suit"))]) == 15


def test_every_cell_has_a_chinese_label():
    for d in T.all_cell_defs().values():
        assert re.search(r"[\u4e00-\u9fff]", d.label), d.code
