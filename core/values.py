"""Reading a printed cell as a number — or as no number at all.

Reports print blanks, "/", "-", "—", "无", "不适用" in cells: none of these is a number and
none is a zero (canonical-record spec, "Cells that are not numbers"). A printed number is
reported as printed, even where it breaks a rule; nothing here repairs a value.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

NULL_MARKERS = frozenset({"", "/", "-", "—", "——", "–", "无", "不适用", "空", "\\", "×", "x", "X", "*", "…", "_", "＿", "__"})

_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_MONEY_UNIT = re.compile(r"^(.*?)(万元|元|万)$")
# Some reports print a unit in count cells ("12件", "3条"): the number is still the number.
_COUNT_UNIT = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)(件|条|个|项|次|人次|宗|起|家|份|人)$")


# A number followed by a note about its parts (NFKC has made brackets and commas ASCII): in
# brackets, with or without 其中 ("22（其中修订16件）", "22（修订16件）"), or after a comma
# ("22，其中修订16件"), or in a bracket opened by 其中/含/包括 whatever follows it: its closing
# half lost ("22（其中修订16件,"), or a bracket too many read by OCR ("3（含转办1(件)").
_TRAILING_NOTE = re.compile(r"^([+-]?[\d,]*\d(?:\.\d+)?(?:件|条|个|项|次|宗|起|万元|元)?)"
                            r"(?:\([^()]*[\u4e00-\u9fff][^()]*\)|[,;:](?:其中|含|包括)[^()]*"
                            r"|\((?:其中|含|包括).*)$")  # the last: its brackets unbalanced (OCR, a cut cell)


@dataclass(frozen=True)
class Parsed:
    """A cell read as a value: `value` is None for a non-number, `is_value` tells a value
    token (a number or a null marker such as "/") from a label."""

    value: int | float | None
    raw: str
    is_value: bool
    unit_converted: bool = False


def clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "")
    return "".join(t.split())


@functools.lru_cache(maxsize=1 << 15)  # cells repeat ("0" most of all); a Parsed is immutable
def parse(text: str, money: bool = False) -> Parsed:
    """Read one cell's text.

    Money (万元) may carry a fraction; an amount printed in 元 is converted to 万元 (the
    printed text stays in provenance). Every other cell is a count: a fraction there is
    kept as printed, and the validator reports it (`value.not_integer`).
    """
    raw = (text or "").strip()
    t = clean(raw)
    if t in NULL_MARKERS:
        return Parsed(None, raw, True)
    converted = False
    factor = 1.0
    if money:
        m = _MONEY_UNIT.match(t)
        if m and m.group(1):
            t = m.group(1)
            if m.group(2) == "元":
                factor, converted = 0.0001, True
    note = _TRAILING_NOTE.match(t)
    if note:  # "22（其中修订16件）": the cell's number, and a note about its parts
        t = note.group(1)
    if not money:
        unit = _COUNT_UNIT.match(t)
        if unit:
            t = unit.group(1)
    m = _NUMBER.match(t)
    if not m:
        return Parsed(None, raw, False)
    sign, whole, frac = m.groups()
    whole = whole.replace(",", "")
    if frac is not None and (money or converted or int(frac or 0) != 0):
        value: int | float = float(f"{sign}{whole}.{frac}") * factor
    else:
        value = int(f"{sign}{whole}") * factor if converted else int(f"{sign}{whole}")
    if converted:
        value = round(float(value), 6)
    return Parsed(value, raw, True, converted)


def is_value_token(text: str) -> bool:
    """A token that is a number or a printed null marker — not a label, not a blank."""
    t = clean(text)
    # money units (万元, 元) and count units (件, 条) both mark a value
    return bool(t) and (parse(t, money=True).is_value or parse(t).is_value)
