"""Is a listing entry an annual report? Which year, which agency?

A report's title names the report type: 政府信息公开工作年度报告, or shortened 政府信息公开年报
/ 信息公开年度报告 (research/format.md §3.1). Look-alikes share words with it and sit in the
same 公开 columns: 政府工作报告 (the government work report), 预算/决算公开, 法治政府建设年度
报告, 统计公报, notices about compiling the reports (关于做好…年度报告编制工作的通知),
解读 pages. Those are rejected by name before the positive rule is tried.

`classify(title, url)` answers `report`, `maybe` (a truncated listing title such as
"…政府信息公开工作年…": fetch the page and look at its own title) or `no`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

Verdict = Literal["report", "maybe", "no"]

# Each is a phrase a real report title never contains.
REJECT = (
    "政府工作报告", "预算", "决算", "法治政府建设", "法治建设", "统计公报", "国民经济和社会发展",
    "工作要点", "工作计划", "的通知", "的函", "报告编制", "编制工作", "编制发布", "报送",
    "模板", "格式", "解读", "图解", "征求意见", "年度报告制度", "工作总结", "公开指南",
    "公开制度", "公开目录",
)
# (Agency names are not in the list: 审计局, 机构编制委员会办公室, 统计局 publish reports too.)
# The report's name, tolerant of the common abbreviations.
REPORT_NAME = re.compile(
    r"(政府|政务)?信息公开(工作)?(年度报告|年报|年度工作报告|工作报告)|政务公开(工作)?年度报告|信息公开年度报告")
TRUNCATED = re.compile(r"信息公开(工作)?(年|年度|年度报?|工作年度?报?)?(\.\.\.|…|\.\.|．．)\s*$")
URL_HINT = re.compile(r"(zfxxgknb|xxgknb|zfxxgkndbg|gknb|bmnb|xxgk-?nb|ndbg)", re.I)
COLUMN_WORDS = ("年报", "年度报告", "部门", "乡镇", "街道", "区直", "市直", "县直", "镇街", "单位")

_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0", "O": "0"}
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
YEAR_BARE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
YEAR_CN = re.compile(r"([〇零○一二三四五六七八九]{4})\s*年")


@dataclass(frozen=True)
class Classified:
    verdict: Verdict
    year: int | None
    agency: str | None
    reason: str


def normalize_title(title: str) -> str:
    """Fold full-width digits and letters, drop whitespace (titles wrap in lists)."""
    t = (title or "").translate({0x3000: None})
    t = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" or "Ａ" <= c <= "ｚ" else c for c in t)
    return re.sub(r"\s+", "", t)


def year_of(title: str) -> int | None:
    """The report year the title names: "2023年", "2023年度", "二〇二三年"; else a bare 4-digit
    year when it is the only one. Report titles name the year reported on, not the
    publication year (a 2023 report is published in early 2024)."""
    t = normalize_title(title)
    m = YEAR.search(t)
    if m:
        return int(m.group(1))
    m = YEAR_CN.search(t)
    if m:
        return int("".join(_CN_DIGITS[c] for c in m.group(1)))
    years = set(YEAR_BARE.findall(t))
    return int(years.pop()) if len(years) == 1 else None


_AGENCY_TRIM = re.compile(r"^(关于|转发|印发|公布|发布)+|[（(【\[].*?[）)】\]]|[:：,，、\s]+$")


def agency_of(title: str) -> str | None:
    """The publishing body the title names: the words before the year ("宿州市人民政府2019年政府
    信息公开工作年度报告") or, when the year comes first, between the year and the report name
    ("2023年宿州市财政局政府信息公开工作年度报告")."""
    t = _AGENCY_TRIM.sub("", normalize_title(title))
    m = REPORT_NAME.search(t)
    head = t[: m.start()] if m else t
    # "政府信息公开" may be preceded by the agency's own "人民政府": keep it ("XX市人民政府").
    ym = YEAR.search(head) or YEAR_CN.search(head)
    if ym:
        before, after = head[: ym.start()], re.sub(r"^度", "", head[ym.end():])
        candidate = before if len(before) >= 2 else after
    else:
        candidate = head
    candidate = _AGENCY_TRIM.sub("", candidate).strip("的")
    return candidate if len(candidate) >= 2 else None


def classify(title: str, url: str = "") -> Classified:
    t = normalize_title(title)
    for word in REJECT:
        if word in t:
            return Classified("no", year_of(t), None, f"look-alike ({word})")
    if REPORT_NAME.search(t):
        return Classified("report", year_of(t), agency_of(t), "report name in title")
    if TRUNCATED.search(t):
        return Classified("maybe", year_of(t), agency_of(t), "truncated title")
    if not t and URL_HINT.search(unquote(urlsplit(url).path)):
        return Classified("maybe", None, None, "untitled link in a report column")
    return Classified("no", year_of(t), None, "no report name")


def is_report_column(text: str) -> bool:
    """A sub-column worth following from a report column: a year ("2023年", "2023年度", "2023")
    or a unit type (部门, 乡镇街道…) or a report-column name (政府信息公开年报)."""
    t = normalize_title(text)
    if not t or any(w in t for w in ("政府工作报告", "预算", "决算", "法治政府")):
        return False
    if re.fullmatch(r"(?:19|20)\d{2}(年度?|年报)?", t):
        return True
    return len(t) <= 20 and any(w in t for w in COLUMN_WORDS)


def is_report_url(url: str) -> bool:
    """The path looks like a report column (zfxxgknb, xxgknb, ndbg, …)."""
    return bool(URL_HINT.search(unquote(urlsplit(url).path)))
