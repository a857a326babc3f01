"""The property every generated variant must have (used by tests and bench/variants.py).

Each truth cell comes out exactly, or null with a finding on its table (the record says
what it could not read); a cell the report prints no number for is never given one."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Outcome:
    right: int = 0
    unread: list[str] = field(default_factory=list)  # null, with a finding on the table
    silent: list[str] = field(default_factory=list)  # null, and nothing says so
    wrong: list[str] = field(default_factory=list)  # a different number
    invented: list[str] = field(default_factory=list)  # a number where the report prints none
    meta: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.unread or self.silent or self.wrong or self.invented or self.meta)

    @property
    def holds(self) -> bool:
        """The property: exact, or every lost cell is reported; never a wrong or invented value."""
        return not (self.silent or self.wrong or self.invented or self.meta)


def _same(a, b) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, abs_tol=0.005)


def check(record, truth: dict, *, agency=None, year=None, published=None, template=None,
          dateless: bool = False) -> Outcome:
    """`published=None`: the date is not checked; `dateless`: the report prints none, so the
    record must give none (a guessed date is as wrong as a wrong one)."""
    out = Outcome()
    flagged = {f.table for f in record.findings if f.rule.startswith(("row.", "table.", "cell."))}
    for code, want in truth.items():
        got = record.cells.get(code)
        table = "active" if code.startswith("active.") else "applications" if code.startswith("apply.") else "review"
        if want is None:
            if got is not None:
                out.invented.append(code)
            continue
        if got is None:
            (out.unread if table in flagged else out.silent).append(code)
        elif _same(got, want):
            out.right += 1
        else:
            out.wrong.append(f"{code}={got!r} (want {want!r})")
    for name, want, got in (("agency", agency, record.agency), ("year", year, record.year),
                            ("published", published, record.published), ("template", template, record.template)):
        if want is not None and got != want:
            out.meta.append(f"{name}={got!r} (want {want!r})")
    if dateless and record.published is not None:
        out.meta.append(f"published={record.published!r} (the report prints no date)")
    return out
