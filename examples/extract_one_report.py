"""Extract one report with the library and check three of its cells.

`gongkai.pipeline.extract_record` is what `gongkai extract FILE --json` runs: the file's bytes
→ the document model (text, tables, pictures read by OCR) → the canonical record, every cell
coded on the national template and checked with its arithmetic. This example reads
`examples/inbox/r001.pdf` (洪泽区人民政府's 2023 report, a WPS-made PDF), prints three cells
with where on the page each was read, and asserts them against the hand-checked truth record
`examples/truth/r001.json`. It also shows that the report's own printed mistakes are kept and
reported, never repaired: its 表四 totals contradict their parts.

Run it from anywhere:

    .venv/bin/python examples/extract_one_report.py
"""
from __future__ import annotations

import json
from pathlib import Path

from gongkai.pipeline import extract_record

HERE = Path(__file__).resolve().parent
REPORT = HERE / "inbox" / "r001.pdf"
TRUTH = HERE / "truth" / "r001.json"
CELLS = ["apply.new.natural_person", "active.punishment.decisions", "apply.withheld.process.total"]


def show(record, codes: list[str]) -> None:
    """Print the agency, the year and each cell with its value and where it was printed."""
    print(f"{record.agency} {record.year} (template {record.template})")
    for code in codes:
        where = record.provenance[code]
        print(f"  {code:32} = {record.cells[code]!s:>6}   page {where.page}, bbox {where.bbox}, "
              f"read {where.raw!r} by {where.method}")
    for finding in record.findings:
        print(f"  finding {finding.rule}: {finding.message}")


if __name__ == "__main__":
    record = extract_record(REPORT)
    show(record, CELLS)

    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    assert (record.agency, record.year) == (truth["agency"], truth["year"])
    for code in CELLS:
        assert record.cells[code] == truth["cells"][code], code
        assert record.provenance[code].page is not None  # every number traces back to its page
    assert {f.rule for f in record.findings} == set(truth["expected_findings"])
