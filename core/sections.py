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

# (section number, test on the squashed text with any leading "N、" removed)
_SECTION_TESTS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^总体情况")),
    (2, re.compile(r"^(?:行政机关)?主动公开政府信息(?:工作)?情况")),
    (3, re.compile(r"^收到和处理政府信息公开申请(?:情况|的情况)")),
    (4, re.compile(r"^(?:因)?政府信息公开(?:工作)?(?:被申请)?行政复议.{0,6}行政诉讼.{0,4}情况")),
    (5, re.compile(r"^(?:政府信息公开工作)?存在(?:的)?(?:主要)?问题")),
    (6, re.compile(r"^(?:其他需要报告的事项|其他事项|下一步工作)")),
]
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

