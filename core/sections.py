"""The six sections of a report, found under all their heading variants.

Headings seen in the wild (shared/research/format.md §1.2): numbered or not
("行政机关主动公开政府信息情况"), renamed ("收到和处理政府信息公开申请情况统计表",
"四、因政府信息公开工作被申请行政复议提起行政诉讼情况", "五、存在问题与不足",
"六、下一步工作思路"), glued to a Word bookmark. Sub-headings inside 一、总体情况 such as
"（二）依申请公开工作情况" are not section headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.document import ExtractedDocument, TextBlock

from core import labels

MAX_HEADING = 40

# The six sections' wording, in one place: per section, its heading (matched at the start of
# a squashed line, any leading "N、" removed) and the phrase that betrays it anywhere in a
# page's text (how the HTML reader recognises the article among a CMS page's chrome).
SECTION_WORDING: dict[int, tuple[str, str]] = {
    1: (r"总体情况", r"总体情况"),
    2: (r"(?:行政机关)?主动公开政府信息(?:工作)?情况", r"主动公开政府信息(?:工作)?(?:的)?情况"),
    3: (r"收到和处理政府信息公开申请(?:情况|的情况)", r"收到和处理政府信息公开申请"),
    4: (r"(?:因)?政府信息公开(?:工作)?(?:被申请)?行政复议.{0,6}行政诉讼.{0,4}情况", r"行政复议.{0,6}行政诉讼"),
    5: (r"(?:政府信息公开工作)?存在(?:的)?(?:主要)?问题", r"存在(?:的)?(?:主要)?问题"),
    6: (r"(?:其他需要报告的事项|其他事项|下一步工作)", r"其他需要报告的事项"),
}
REPORT_TITLE_PHRASE = r"政府信息公开(?:工作)?年度报告|政府信息公开年报"
"""The report's name as a page's title or text says it."""
TITLE_WORDS = ("政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开工作年度报告", "政务公开工作年度报告",
               "政府信息公开工作报告", "年度报告")
"""The words that end a report's title, most specific first ("年度报告" alone last)."""

_SECTION_TESTS: list[tuple[int, re.Pattern[str]]] = [(n, re.compile("^" + heading))
                                                    for n, (heading, _) in SECTION_WORDING.items()]
_NUMBERED = re.compile(r"^([一二三四五六])[、.,]")
_SUB_ENUM = re.compile(r"^\([一二三四五六七八九十]+\)")

TABLE_SECTION = {2: "active", 3: "applications", 4: "review"}


@dataclass(frozen=True)
class Heading:
    number: int
    block_index: int
    text: str


def section_of(text: str) -> int | None:
    """The section number a heading line opens, or None for any other line."""
    s = labels.squash(text)
    if not s or len(s) > MAX_HEADING or _SUB_ENUM.match(s):
        return None
    m = _NUMBERED.match(s)
    body = s[m.end():] if m else s
    for n, test in _SECTION_TESTS:
        if test.match(body):
            if m and "一二三四五六".index(m.group(1)) + 1 != n and n not in (5, 6):
                continue
            return n
    return None


def find_headings(doc: ExtractedDocument) -> list[Heading]:
    """Section headings in document order (the first occurrence of each number)."""
    out: list[Heading] = []
    seen: set[int] = set()
    for i, b in enumerate(doc.blocks):
        if not isinstance(b, TextBlock):
            continue
        for line in b.text.split("\n"):
            n = section_of(line)
            if n and n not in seen:
                seen.add(n)
                out.append(Heading(n, i, line.strip()))
    return out


def blocks_by_section(doc: ExtractedDocument) -> dict[int, list[int]]:
    """Block indices under each found heading, up to the next heading."""
    heads = find_headings(doc)
    out: dict[int, list[int]] = {}
    ordered = sorted(heads, key=lambda h: h.block_index)
    for j, h in enumerate(ordered):
        end = ordered[j + 1].block_index if j + 1 < len(ordered) else len(doc.blocks)
        out[h.number] = list(range(h.block_index + 1, end))
    return out

