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
    "公开制度", "公开目录", "网站年度", "网站工作", "政府网站", "年度报表", "工作报表", "填报", "的说明",
    "的公告", "通报", "工作方案", "考核", "测评", "评估报告", "通知", "更正", "公示", "督查", "抽查", "整改",
    "工作会议", "培训",
)
# (Agency names are not in the list: 审计局, 机构编制委员会办公室, 统计局 publish reports too.)
# The report's name, tolerant of the common abbreviations.
REPORT_NAME = re.compile(
    r"(政府|政务)?信息公开(工作)?(年度报告|年报|年度工作报告|工作报告)|政务公开(工作)?年度报告|信息公开年度报告")
TRUNCATED = re.compile(r"信息公开(工作)?(年|年度|年度报?|工作年度?报?)?(\.\.\.|…|\.\.|．．)\s*$")
URL_HINT = re.compile(r"(zfxxgknb|xxgknb|zfxxgkndbg|gknb|bmnb|xxgk-?nb|ndbg)", re.I)
COLUMN_WORDS = ("年报", "年度报告", "部门", "乡镇", "街道", "区直", "市直", "县直", "镇街", "单位", "区县", "县区",
                "县市区", "直属", "机关", "委办局")
NOT_COLUMN = ("政府工作报告", "预算", "决算", "法治政府", "动态", "新闻", "要闻", "公告", "通知", "政策", "解读",
              "文件", "领导", "机构", "职能", "办事", "服务", "互动", "信箱", "报表", "统计")
REPORT_COLUMN = re.compile(r"年报|年度报告")
# The site's disclosure area, as its navigation names it (首页 → 政务公开 → 政府信息公开 → 年报).
HUB = re.compile(r"^(政务|政府信息|信息|政务信息|政府)?公开(目录|专栏|平台|专题)?$|"
                 r"^(法定)?主动公开(内容|目录)?$|^(政府)?信息公开(目录|专栏|平台)$|^政务公开专栏$|^公开目录$")
OLDEST_YEAR = 2019
"""Reports on years before 2019 follow the 2008 regulation's format, which the 2019/2021
template does not cover: they are skipped, with the reason."""
OLD_FORMAT = re.compile(r"依申请公开政府信息(的)?情况|收费及减免|因政府信息公开申请(提起)?行政复议")
"""Section headings only the 2008-regulation reports have (概述, 依申请公开政府信息情况,
政府信息公开的收费及减免情况, 因政府信息公开申请行政复议、提起行政诉讼的情况)."""
NUMBERED_SECTION = re.compile(
    r"[一二三四五六][、.．]\s*(?:总体情况|主动公开政府信息|收到和处理政府信息公开申请|政府信息公开行政复议|"
    r"存在的主要问题|其他需要报告)")
"""The 2019/2021 template's numbered section headings, as a full report prints them (an
intro only names them in a sentence, without the numbers)."""

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
    if not t or any(w in t for w in NOT_COLUMN):
        return False
    if re.fullmatch(r"(?:19|20)\d{2}(年度?|年报)?", t):
        return True
    return len(t) <= 20 and any(w in t for w in COLUMN_WORDS)


def is_report_column_name(text: str) -> bool:
    """The annual-report column itself, as a site's disclosure area links it: 政府信息公开年报,
    政府信息公开工作年度报告, 年度报告 (not a look-alike: 网站年度报表, 政府工作报告)."""
    t = normalize_title(text)
    if not t or len(t) > 24 or any(w in t for w in NOT_COLUMN) or any(w in t for w in REJECT):
        return False
    return bool(REPORT_COLUMN.search(t))


def is_hub(text: str) -> bool:
    """A link into the site's disclosure area: 政务公开, 政府信息公开, 信息公开, 公开目录,
    法定主动公开内容… (the navigation between a home page and the report column)."""
    t = normalize_title(text)
    return bool(t) and len(t) <= 12 and bool(HUB.match(t))


def old_reason(year: int | None, date: str | None = None) -> str | None:
    """Why a report is too old for the template (2008-regulation format), or None.
    Without a year in the title, a listing date before 2020 means a report on 2018 or earlier
    (a year's report is published the next spring)."""
    if year is not None:
        return f"old report ({year}, before the 2019 template)" if year < OLDEST_YEAR else None
    if date and date[:4].isdigit() and int(date[:4]) <= OLDEST_YEAR and date[:7] < f"{OLDEST_YEAR}-12":
        return f"old report (published {date}, before the 2019 template)"
    return None


RESEMBLES = ("报告", "年报", "报表", "要点", "预算", "决算", "信息公开", "政务公开")


def skip_reason(title: str, url: str = "", date: str | None = None) -> str | None:
    """Why a listing entry that resembles a report is not taken — a look-alike (政府工作报告,
    预决算, 工作要点, 网站年度报表, a notice about the reports) or an old report — or None
    (a report to take, or a link that does not resemble one at all)."""
    c = classify(title, url)
    if c.verdict == "no":
        t = normalize_title(title)
        if c.reason.startswith("look-alike") and any(w in t for w in RESEMBLES):
            return c.reason
        return None
    return old_reason(c.year, date)


def is_report_url(url: str) -> bool:
    """The path looks like a report column (zfxxgknb, xxgknb, ndbg, …)."""
    return bool(URL_HINT.search(unquote(urlsplit(url).path)))
