"""Agency, reporting year and publish date, read from the report itself.

Titles come in many shapes: "X2022年政府信息公开工作年度报告", "X 2021 年政府信息公开工作年度报告"
(spaces around the year), the agency on its own line above "2022年政府信息公开工作年度报告",
no year at all ("长治市上党区应急管理局\\n政府信息公开工作年度报告", the year only in the body),
a red-header line ("海东市应急管理局文件") before the title. Archived copies lose the
characters next to digits ("统计期限为202311日到1231日"), so date patterns tolerate a
missing 年/月/日 (shared/research/format.md §3.4, §5.3).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from core.document import ExtractedDocument
from core.sections import TITLE_WORDS

_YEAR = r"(20[0-4]\d)"
_TITLE = re.compile(_YEAR + r"\s*年(?:度)?\s*(?:的)?\s*$")
_LEAD_YEAR = re.compile(r"^" + _YEAR + r"\s*年(?:度)?\s*")
"""A year before the agency: "2021年南阳市自然资源和规划局政府信息公开工作年度报告"."""
_PERIOD = [
    re.compile(r"统计期限?(?:为|是|自|从)?\s*(?:自|从)?\s*" + _YEAR + r"\s*年?\s*0?1\s*月?\s*0?1\s*日?"),
    re.compile(r"(?:自|从)\s*" + _YEAR + r"\s*年?\s*0?1\s*月?\s*0?1\s*日?\s*(?:起)?\s*(?:至|到|—|-)"),
    re.compile(_YEAR + r"\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*" + r"(?:20[0-4]\d\s*年\s*)?12\s*月\s*31\s*日"),
]
_BODY_YEAR = re.compile(_YEAR + r"\s*年(?:度)?[，,\s]")
_DATE = re.compile(r"(20[0-4]\d)\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*日?")
_DATE_COMPACT = re.compile(r"^(20[0-4]\d)(\d{2})(\d{2})$")
# 年 and/or 月 lost in conversion, 日 kept ("2023131日", "2023年131日", "20231月31日")
_DATE_LOST = re.compile(r"(20[0-4]\d)年?(\d{2,4})日|(20[0-4]\d)(\d{1,2})月(\d{1,2})日")
# a sentence that mentions the report ("现公布…年度报告", "根据《条例》…") is not its title
_SENTENCE = re.compile(r"[，,。；;：:、《》]|^(?:根据|现公布|公布|本报告|按照|依据)")
# "…的规定，现公布X2022年度政府信息公开工作年度报告。": the agency, when no title line is readable
_PUBLISHES = re.compile(r"公布(.{2,40}?)(?:20[0-4]\d\s*年度?)?(?:的)?政府信息公开(?:工作)?年度报告")
_AGENCY_SUFFIX = re.compile(r"(文件|办公室文件)$")
_AGENCY_CLEAN = re.compile(r"^(?:关于|《)|(?:关于|的|》|《)$")
_UNREAD_YEAR = re.compile(r"(?:[〇○零ＯOo一二三四五六七八九]{2,4}|\d{2,4})\s*年(?:度)?\s*(?:的)?\s*$")
"""A title's year the reader could not make a year of (OCR lost a 〇 of 二〇二二年, a digit of
2022年): not the agency's name; no year is guessed from it."""


_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0}
_CN_NUM = "〇○零ＯOo一二三四五六七八九十"
_CN_DATE = re.compile(rf"([{_CN_NUM}]{{4}})\s*年\s*([{_CN_NUM}]{{1,3}})\s*月\s*([{_CN_NUM}]{{1,3}})\s*日")


def _cn_int(text: str) -> int | None:
    """"十八" → 18, "二十" → 20, "十" → 10, "三" → 3; None for anything else."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGIT.get(tens, -1) if tens else 1
        o = _CN_DIGIT.get(ones, -1) if ones else 0
        return None if t < 0 or o < 0 else t * 10 + o
    if len(text) == 1:
        return _CN_DIGIT.get(text)
    return None


def _arabic_dates(text: str) -> str:
    """Dates printed in Chinese numerals (二〇二五年一月九日, 二○二四年十二月三十日) as Arabic ones,
    so that one date pattern reads both. Only whole dates are rewritten."""
    def repl(m: re.Match) -> str:
        year = "".join(str(_CN_DIGIT.get(c, "")) for c in m.group(1))
        month, day = _cn_int(m.group(2)), _cn_int(m.group(3))
        if len(year) != 4 or month is None or day is None:
            return m.group(0)
        return f"{year}年{month}月{day}日"

    return _CN_DATE.sub(repl, text)


# a year alone in Chinese numerals ("二〇二二年度政府信息公开工作年度报告"): four digit
# characters (no 十: a year is spelt digit by digit) before 年
_CN_YEAR = re.compile(r"([〇○零ＯOo一二三四五六七八九]{4})(\s*年)")


def _arabic_years(text: str) -> str:
    """Years alone in Chinese numerals (a title's 二〇二二年) as Arabic ones, so that the
    title, period and body patterns read them; only 19xx/20xx years are rewritten."""
    def repl(m: re.Match) -> str:
        year = "".join(str(_CN_DIGIT[c]) for c in m.group(1))
        return year + m.group(2) if year[:2] in ("19", "20") else m.group(0)

    return _CN_YEAR.sub(repl, text)


@lru_cache(maxsize=1 << 12)  # each metadata reader walks the same lines again: normalise each once
def _norm(text: str) -> str:
    return _arabic_years(_arabic_dates(unicodedata.normalize("NFKC", text).strip()))


def _lines(doc: ExtractedDocument) -> list[str]:
    out = []
    for b in doc.texts():
        for line in b.text.split("\n"):
            t = " ".join(_norm(line).split())
            if t:
                out.append(t)
    return out


def title_and_agency(doc: ExtractedDocument) -> tuple[str | None, str | None, int | None]:
    """(title line, agency, year in title) from the first lines that carry a report title."""
    lines = _lines(doc)[:25]
    for i, line in enumerate(lines):
        compact = line.replace(" ", "")
        word = next((w for w in TITLE_WORDS if w in compact), None)
        if not word and i + 1 < len(lines):
            # a title wrapped over two lines ("…工作年度报" / "告")
            joined = compact + lines[i + 1].replace(" ", "")
            word = next((w for w in TITLE_WORDS if w in joined and joined.index(w) < len(compact)), None)
            if word:
                compact = joined
        if not word or len(compact) > 80 or _SENTENCE.search(compact[: compact.index(word)]):
            continue
        head = compact[: compact.index(word)]
        year = None
        m = _TITLE.search(head)
        if m:
            year = int(m.group(1))
            head = head[: m.start()]
        elif (lead := _LEAD_YEAR.match(head)) and lead.end() < len(head):
            year = int(lead.group(1))
            head = head[lead.end():]
        elif unread := _UNREAD_YEAR.search(head):
            head = head[: unread.start()]
        head = _AGENCY_CLEAN.sub("", head).strip()
        if not head and i > 0:
            prev = lines[i - 1].replace(" ", "")
            if len(prev) <= 40 and not any(w in prev for w in TITLE_WORDS):
                head = _AGENCY_SUFFIX.sub("", prev)
        return line, (head or None), year
    return None, None, None


def agency_from_sentence(doc: ExtractedDocument) -> str | None:
    """The agency named in the opening sentence ("现公布X2022年度政府信息公开工作年度报告")."""
    text = "".join(_lines(doc)[:15]).replace(" ", "")
    m = _PUBLISHES.search(text)
    if not m:
        return None
    head = _AGENCY_CLEAN.sub("", m.group(1))
    return head if 2 <= len(head) <= 40 and not _SENTENCE.search(head) else None


def agency_from_metadata(doc: ExtractedDocument) -> str | None:
    title = doc.metadata.get("title")
    if title:
        compact = _norm(title).replace(" ", "")
        for w in TITLE_WORDS:
            if w in compact:
                head = compact[: compact.index(w)]
                head = _LEAD_YEAR.sub("", _TITLE.sub("", head))
                head = _AGENCY_CLEAN.sub("", head)
                if head:
                    return head
    return doc.metadata.get("agency") or None


def reporting_year(doc: ExtractedDocument, title_year: int | None) -> int | None:
    if title_year:
        return title_year
    text = "\n".join(_lines(doc))
    flat = text.replace(" ", "")
    for pat in _PERIOD:
        m = pat.search(flat)
        if m:
            return int(m.group(1))
    title = doc.metadata.get("title") or ""
    m = re.search(_YEAR + r"\s*年", _norm(title))
    if m:
        return int(m.group(1))
    years = [int(y) for y in _BODY_YEAR.findall(flat[:3000])]
    if years:
        return max(set(years), key=years.count)
    return None


def parse_date(text: str) -> str | None:
    """An ISO date from "2023年1月16日", "2023 年 1 月 16 日", "2023-01-16", "20230116", or
    one whose 年/月 a conversion lost ("2023131日"; see `lost_marks_date`)."""
    t = _norm(text).replace(" ", "")
    m = _DATE.search(t) or _DATE_COMPACT.match(t)
    if not m:
        lost = _DATE_LOST.search(t)
        return lost_marks_date(lost) if lost else None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def lost_marks_date(m: re.Match) -> str | None:
    """The date of a `_DATE_LOST` match, where only one reading is a date: "2023131日" is
    1月31日 (13月 is no month); "2023111日" (1月11日 or 11月1日) is no date at all."""
    if m.group(3):
        year, splits = m.group(3), [(m.group(4), m.group(5))]
    else:
        year, digits = m.group(1), m.group(2)
        splits = [(digits[:k], digits[k:]) for k in (1, 2) if 1 <= len(digits) - k <= 2]
    found = set()
    for month, day in splits:
        try:
            found.add(date(int(year), int(month), int(day)).isoformat())
        except ValueError:
            continue
    return found.pop() if len(found) == 1 else None


def signature_date(doc: ExtractedDocument) -> str | None:
    """The date standing alone (or after the agency's name) near the end, before any chart data."""
    lines = _lines(doc)
    for line in reversed(lines[-40:]):
        compact = line.replace(" ", "")
        m = _DATE.search(compact) or _DATE_LOST.search(compact)
        if not m or len(compact) > 40:
            continue
        rest = compact[: m.start()] + compact[m.end():]
        # a dated sentence ("2023年1月16日，我局…") is not a signature
        if len(rest) > 30 or any(p in rest for p in "，。；："):
            continue
        return parse_date(compact[m.start(): m.end()])
    return None


def published_date(doc: ExtractedDocument) -> str | None:
    # For a web page the truth of record is the page's 发布时间; a document's own date is its
    # signature date.
    meta = doc.metadata.get("published")
    if meta:
        return parse_date(meta) or None
    return signature_date(doc) or catalogue_date(doc)


_CATALOGUE_DATE = re.compile(r"(?:发布日期|发布时间|公开日期)[:：]?\s*(.{6,20})")


def catalogue_date(doc: ExtractedDocument) -> str | None:
    """The 发布日期 of a 公开目录 block (索引号 · 发布机构 · 发布日期) printed as text near the
    top of a document, where no date stands under the signature."""
    # the block's lines joined: a PDF may wrap "发布日期：2023-" / "01-18"
    head = "".join(_lines(doc)[:30]).replace(" ", "")
    for m in _CATALOGUE_DATE.finditer(head):
        found = parse_date(m.group(1))
        if found:
            return found
    return None


# ---- names: a spreadsheet's sheet names, the file's own name -------------------------------

_NAME = re.compile(r"^(?P<agency>.*?)(?P<year>20[0-4]\d)\s*年?度?")
_NAME_NOISE = re.compile(r"^(?:附件\d*[-_：:、.]?|\d+[-_.、])")
# an agency's name ends in the word for a body of government (局, 委员会, 人民政府, 办公室 …)
_AGENCY_END = re.compile(r"(?:局|委|委员会|办|办公室|政府|院|厅|部|署|中心|所|站|队|馆|处|会|府|集团|公司|街道|镇|乡|区|县|市)$")


def name_parts(name: str) -> tuple[str | None, int | None]:
    """(agency, year) from a name that carries them: a file name
    ("某市公安局2020年政府信息公开工作年度报告.xlsx") or a sheet name ("某市公安局2020年度").
    A year alone counts only with a report word after it ("2020年政府信息公开年度报告")."""
    t = _NAME_NOISE.sub("", _norm(name).replace(" ", ""))
    t = re.sub(r"\.(?:xlsx?|et|docx?|wps|pdf|ofd|html?|txt|md|rtf)$", "", t, flags=re.I)
    m = _NAME.match(t)
    if not m:
        return _agency_before_title_words(t), None
    rest = t[m.end():]
    agency = _AGENCY_CLEAN.sub("", m.group("agency"))
    agency = agency if 2 <= len(agency) <= 40 and _AGENCY_END.search(agency) and not _SENTENCE.search(agency) \
        else None
    reportish = any(w in rest for w in TITLE_WORDS) or "年报" in rest or not rest
    if agency is None and not any(w in rest for w in TITLE_WORDS):
        return None, None
    return agency, (int(m.group("year")) if reportish else None)


def _agency_before_title_words(name: str) -> str | None:
    """The agency of a name without a year ("某市公安局政府信息公开工作年度报告"): the words
    before the report words, where they end like a body of government."""
    word = next((w for w in TITLE_WORDS if w in name), None)
    if word is None:
        return None
    agency = _AGENCY_CLEAN.sub("", name[: name.index(word)])
    ok = 2 <= len(agency) <= 40 and _AGENCY_END.search(agency) and not _SENTENCE.search(agency)
    return agency if ok else None


def from_names(doc: ExtractedDocument, path: str | None) -> tuple[str | None, int | None]:
    """Agency and year where the report's text has none: sheet names first, then the file name."""
    from pathlib import Path

    from core.document import TextBlock

    names = [b.text for b in doc.blocks if isinstance(b, TextBlock) and b.kind == "heading" and len(b.text) <= 40]
    if path:
        names.append(Path(path).name)
    agency = year = None
    for n in names:
        a, y = name_parts(n)
        agency, year = agency or a, year or y
    return agency, year
