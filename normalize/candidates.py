"""Choosing between the recogniser's readings of a doubtful digit by the table's arithmetic.

A digit OCR was unsure of keeps its runners-up (`Provenance.alternatives`: a stained 8 read
as "8" at 0.55, with "6" and "0" behind it). Where the template's identities (勾稽关系: row
totals, column sums, the balance of table 三, 四's 总计) fail and name such cells, every
combination of their read and alternative values is tried, and one is taken only when it is
the only combination under which every rule touching those cells holds — the read values
failing by construction. Zero or several combinations: nothing changes, and the caller
leaves the doubtful cells null as before. Never a guess:

- only OCR cells below the low-confidence line are candidates; a cell read surely is never
  changed, whatever the arithmetic says (a confident read that breaks a rule is what the
  report prints, and is reported as such);
- only values the recogniser itself saw are tried; a number it did not read is never
  computed;
- a failing rule that also names a doubtful cell without runners-up (a "/" read as "1")
  could be explained by that cell as well: nothing is chosen there.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from core import template as T
from core.record import CellSource, Finding
from core.values import parse

MAX_CELLS = 4
"""At most this many doubtful cells are decided together (one failing row or column rarely
has more; beyond, the combinations are many and a fit by chance likelier)."""
MAX_COMBINATIONS = 81
"""At most this many combinations are tried per group (4 cells × 3 candidates each)."""


@dataclass(frozen=True)
class Choice:
    """A doubtful cell's outcome: `value` the number taken (None: not settled, `why` says
    why), `candidates` every value considered (the read one first)."""

    code: str
    read: int | float
    value: int | float | None
    candidates: tuple[int | float, ...]
    why: str = ""


def doubtful(code: str, cells: dict, provenance: dict[str, CellSource], line: float) -> bool:
    src = provenance.get(code)
    return src is not None and src.method == "ocr" and src.confidence < line and cells.get(code) is not None


def options(code: str, read: int | float, src: CellSource) -> tuple[int | float, ...]:
    """The read value first, then each distinct number among the recogniser's alternatives."""
    d = T.all_cell_defs().get(code)
    out = [read]
    for alt in src.alternatives:
        v = parse(alt, money=bool(d and d.money)).value
        if v is not None and v not in out:
            out.append(v)
    return tuple(out)


def choose(cells: dict, provenance: dict[str, CellSource], rules: list[Finding], template: str,
           check: Callable[[dict, str], list[Finding]], line: float) -> list[Choice]:
    """For every group of doubtful cells that failing rules name together, the outcome of
    trying their alternatives (see the module's docstring). Only groups where some cell has
    alternatives are tried; a `Choice` with a `value` differing from `read` is to be taken."""
    failing = [f for f in rules if any(doubtful(c, cells, provenance, line) for c in f.cells)]
    groups = _groups([[c for c in f.cells if doubtful(c, cells, provenance, line)] for f in failing])
    out: list[Choice] = []
    for group in groups:
        opts = [options(c, cells[c], provenance[c]) for c in group]
        if all(len(o) == 1 for o in opts):
            continue  # nothing to choose from
        if any(len(o) == 1 for o in opts):
            # a doubtful cell with no runner-up could as well be the wrong one: not settled
            why = "a doubtful cell with no other candidate shares the failing rule"
        elif len(group) > MAX_CELLS or math.prod(len(o) for o in opts) > MAX_COMBINATIONS:
            why = "too many doubtful cells to try"
        else:
            why = ""
        if why:
            out.extend(Choice(c, cells[c], None, o, why) for c, o in zip(group, opts) if len(o) > 1)
            continue
        fits = []
        for combo in itertools.product(*opts):
            trial = dict(cells)
            trial.update(zip(group, combo))
            broken = {c for f in check(trial, template) for c in f.cells}
            if broken.isdisjoint(group):
                fits.append(combo)
                if len(fits) > 1:
                    break
        if len(fits) == 1:
            out.extend(Choice(c, cells[c], v, o) for c, v, o in zip(group, fits[0], opts))
        else:
            why = "several combinations of the candidates make it hold" if fits else \
                "no combination of the candidates makes it hold"
            out.extend(Choice(c, cells[c], None, o, why) for c, o in zip(group, opts))
    return out


def _groups(named: list[list[str]]) -> list[list[str]]:
    """Cells named together by a rule, transitively (connected components), in first-named order."""
    parent: dict[str, str] = {}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for codes in named:
        for c in codes:
            parent.setdefault(c, c)
        for a, b in zip(codes, codes[1:]):
            parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for c in parent:
        groups.setdefault(root(c), []).append(c)
    return list(groups.values())


def chosen_finding(choice: Choice, src: CellSource) -> Finding:
    others = ", ".join(str(v) for v in choice.candidates[1:])
    return Finding("cell.low_confidence",
                   f"{choice.code}: read {src.raw!r} with confidence {src.confidence:.2f} (the recogniser's other "
                   f"candidates: {others}); only {choice.value} makes the table's arithmetic hold, and "
                   f"was taken", actual=choice.value, cells=(choice.code,), column=choice.code.rsplit(".", 1)[-1],
                   table=T.table_of(choice.code))


def unsettled_note(choice: Choice) -> str:
    """Why the alternatives of a cell left null did not decide it, for its finding."""
    others = ", ".join(str(v) for v in choice.candidates[1:])
    return f"; the recogniser's other candidates ({others}) do not settle it: {choice.why}"
