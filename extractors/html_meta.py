"""What an HTML page says about the article besides its body: title, dates, agency, 索引号.

Government CMS pages carry this in three places (shared/research/format.md §3.1): the
公开目录 table (索引号, 发布机构, 成文日期, 发布日期, 文号), an info line of spans above the
body (发布时间 · 来源), and `<meta>` tags from the 政府网站发展指引 (ArticleTitle, PubDate,
ContentSource, SiteName). All three are read from the whole page, never from the body
alone. This module also recognises HTTP error pages saved in place of a report.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from core.sections import REPORT_TITLE_PHRASE, SECTION_WORDING

# --- text helpers shared with html.py ---------------------------------------------------

_WS = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text without any whitespace (NBSP, U+3000 included), for containment tests."""
    return _WS.sub("", text)


# The report's own words: the title phrase and the stems of the six section headings and
# of the two table sections (format.md §1.2). Used to recognise the article on a page.
_REPORT_PHRASES = tuple(re.compile(p) for p in (
    REPORT_TITLE_PHRASE, *(phrase for _, phrase in SECTION_WORDING.values())))


def report_phrase_count(compact_text: str, sections_only: bool = False) -> int:
    """How many distinct report phrases occur in whitespace-free text.

    `sections_only` leaves out the title phrase, which site chrome also carries (the
    breadcrumb and column name "政府信息公开年度报告", related-report links).
    """
    phrases = _REPORT_PHRASES[1:] if sections_only else _REPORT_PHRASES
    return sum(1 for p in phrases if p.search(compact_text))


# --- error pages ------------------------------------------------------------------------

# Status codes count only in the page's title or headings; a report's tables are full of
# numbers like 500. The phrases count anywhere on a short page.
_ERROR_CODE = re.compile(r"\b(?:400|401|403|404|410|500|502|503|504)\b")
_ERROR_PHRASE = re.compile(
    r"not\s*found|forbidden|internal\s+server\s+error|bad\s+gateway|service\s+(?:temporarily\s+)?unavailable|"
    r"页面不存在|您访问的页面不存在|页面未找到|找不到(?:该|您要访问的|您所访问的)?页面|无法找到该页|访问被拒绝|"
    r"禁止访问|无权访问|服务器(?:内部)?错误|页面已删除|(?:信息|文章|内容)不存在|(?:信息|文章|内容)已(?:被)?(?:删除|撤销|撤下)",
    re.I)
ERROR_PAGE_MAX_CHARS = 600


def error_page_reason(root) -> str | None:
    """"HTTP error page (…)" when the page is a 404/403/500 page, else None.

    Only a short page without the report's words counts: a real report may well mention
    a page that 不存在 in passing.
    """
    title = " ".join(_texts(root, "title", "h1", "h2"))
    body = root.find("body")
    body_text = text_outside(body, "a") if body is not None else ""
    if (report_phrase_count(compact(title)) or report_phrase_count(compact(body_text), sections_only=True)
            or len(compact(body_text)) > ERROR_PAGE_MAX_CHARS):
        return None
    if not (_ERROR_CODE.search(title) or _ERROR_PHRASE.search(title) or _ERROR_PHRASE.search(body_text)):
        return None
    snippet = " ".join((title or body_text).split())[:60]
    return f"HTTP error page, not a report ({snippet!r})"


def _texts(root, *tags: str) -> list[str]:
    return [" ".join(el.text_content().split()) for el in root.iter(*tags)]


def text_outside(el, skip: str) -> str:
    """The element's text without that of its `skip` descendants (e.g. "a": a 404 page's
    navigation menus; "table": tables nested in a layout cell). Comments carry no text."""
    parts = [el.text or ""] if isinstance(el.tag, str) else []
    for child in el:
        if isinstance(child.tag, str) and child.tag.lower() != skip:
            parts.append(text_outside(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


# --- title ------------------------------------------------------------------------------

_TITLE_CLASSES = {"title", "tit", "article-title", "arttitle", "art_title", "news_title", "bt",
                  "content-title", "xxgk_title", "detail-title", "sub_title", "con-title"}
_SITE_SUFFIX = re.compile(r"^(.*\S)\s*(?:[_|｜]|\s[-–—]+\s|[-–—－]{1,2})\s*([^_|｜]*)$")
MAX_TITLE_CHARS = 200
# Column (栏目) names printed as headings on article pages: they name the list, not the report.
_COLUMN_NAMES = {"政府信息公开年报", "政府信息公开年度报告", "政府信息公开工作年度报告", "年度报告", "信息公开年报",
                 "政府信息公开工作年报"}


def page_title(root) -> str | None:
    """The article's title: `<h1>`, a `.title`-like element, the ArticleTitle meta, then
    `<title>` without the site name; the first candidate naming a report (报告/年报) wins,
    because an `<h1>` is sometimes the site's logo."""
    candidates = [*_texts(root, "h1"), *_class_texts(root, _TITLE_CLASSES), meta_content(root, "ArticleTitle"),
                  strip_site_suffix(" ".join(_texts(root, "title")))]
    candidates = [c for c in candidates if c and len(c) <= MAX_TITLE_CHARS and compact(c) not in _COLUMN_NAMES]
    for c in candidates:
        if "报告" in c or "年报" in c:
            return c
    return candidates[0] if candidates else None


def _class_texts(root, classes: set[str]) -> list[str]:
    return [" ".join(el.text_content().split()) for el in root.iter()
            if isinstance(el.tag, str) and any(c.lower() in classes for c in (el.get("class") or "").split())]


def strip_site_suffix(title: str) -> str:
    """"…年度报告_某某市人民政府" → "…年度报告".

    A tail is only cut when it has no digit and no 报告: site names carry neither, while a
    title's own "2019-2020年" must survive.
    """
    title = title.strip()
    while (m := _SITE_SUFFIX.match(title)) and not re.search(r"\d|报告", m.group(2)):
        title = m.group(1).strip()
    return title


def meta_content(root, name: str) -> str | None:
    """The content of `<meta name=…>` (case-insensitive name), whitespace-normalised."""
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == name.lower():
            value = " ".join((meta.get("content") or "").split())
            if value:
                return value
    return None


# --- labelled fields --------------------------------------------------------------------

# Field → labels in order of preference. 来源 (info line) is the weakest agency source:
# it sometimes names a newspaper or "本网".
_FIELDS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号",),
    "agency": ("发布机构", "发文机关", "发布单位", "发文单位"),
    "published": ("发布日期", "发布时间", "公开日期"),
    "written": ("成文日期", "成文时间", "生成日期"),
    "doc_no": ("文号", "发文字号"),
    "source": ("信息来源", "来源"),
}
# Labels that only end a value (e.g. "来源：… 浏览次数：…" in one text node).
_STOP_LABELS = ("作者", "浏览次数", "访问次数", "点击数", "点击率", "阅读数", "字体", "分享", "主题分类",
                "组配分类", "公开方式", "公开范围", "有效性", "体裁分类", "信息分类", "所属主题", "关键词")
_ALL_LABELS = tuple(sorted({lab for labs in _FIELDS.values() for lab in labs} | set(_STOP_LABELS),
                           key=len, reverse=True))


def _label_pattern(label: str) -> str:
    """"索引号" → "索\\s*引\\s*号": pages space out short labels to align them."""
    return r"\s*".join(map(re.escape, label))


_LABEL_AT_START = re.compile(rf"^\s*({'|'.join(map(_label_pattern, _ALL_LABELS))})\s*(?:[:：]|$)")
_LABEL_INSIDE = re.compile(rf"(?:^|(?<=[\s】\]|｜]))({'|'.join(map(_label_pattern, _ALL_LABELS))})\s*[:：]")
_VALUE_END = re.compile(r"\s{2,}|[【|｜]")  # not "[": 文号 such as 鲁政办字[2022]3号 use it
_EMPTY_VALUES = {"", "无", "暂无", "无文号", "-", "—", "/", "／", "--"}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_CATALOGUE_LABELS = ("索引号", "发布机构", "成文日期", "发布日期", "文号", "主题分类", "公开方式", "有效性",
                     "组配分类", "生成日期", "发文机关")


def is_catalogue_text(text: str) -> bool:
    """True for the 公开目录 block: at least two of its labels (never found in a report table)."""
    text = compact(text)
    return sum(1 for lab in _CATALOGUE_LABELS if lab in text) >= 2


def text_segments(el) -> Iterator[str]:
    """Each text node of the page, in document order, whitespace-normalised, non-empty.

    Element boundaries separate labels from the next field: "发布时间：" in one `<span>`,
    "2023-01-18" in the next, or label and value in neighbouring `<td>`s.
    """
    if isinstance(el.tag, str):
        if el.text and el.text.strip():
            yield el.text.replace("\xa0", " ").strip()
        for child in el:
            yield from text_segments(child)
    if el.tail and el.tail.strip():
        yield el.tail.replace("\xa0", " ").strip()


def labelled_values(segments: list[str]) -> list[tuple[str, str]]:
    """(label, raw value) pairs in page order.

    A label opens a segment (with or without a colon) or follows whitespace inside one
    with a colon; its value runs to the next label, a wide gap or a 【 bracket, or — when
    the label stands alone — is the next segment.
    """
    pairs: list[tuple[str, str]] = []
    for i, seg in enumerate(segments):
        starts = [(m.start(1), m.group(1)) for m in _LABEL_INSIDE.finditer(seg)]
        head = _LABEL_AT_START.match(seg)
        if head and (not starts or starts[0][0] > head.start(1)):
            starts.insert(0, (head.start(1), head.group(1)))
        for k, (pos, label) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(seg)
            value = re.sub(rf"^\s*{_label_pattern(compact(label))}\s*[:：]?", "", seg[pos:end])
            value = _VALUE_END.split(value.strip(), maxsplit=1)[0].strip(" :：")
            if not value and k + 1 == len(starts) and i + 1 < len(segments) \
                    and not _LABEL_AT_START.match(segments[i + 1]):
                value = _VALUE_END.split(segments[i + 1].strip(), maxsplit=1)[0].strip(" :：")
            pairs.append((compact(label), value))
    return pairs


def iso_date(text: str) -> str | None:
    """"2023-01-31 09:45", "2023年01月31日", "2023/1/31" → "2023-01-31"; None otherwise."""
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = map(int, m.groups())
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


_INDEX_NO = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/_.－／]{4,40}")
_DOC_NO = re.compile(r".{0,20}[〔\[（(【]\s*\d{4}\s*[〕\]）)】].{0,6}号|.{1,20}\d+号")
MAX_AGENCY_CHARS = 40


def _clean(field: str, value: str) -> str | None:
    """The value as stored, or None when it is empty or does not look like what the field
    holds (a label whose own value is empty must not take the next text on the page)."""
    value = value.strip()
    if value in _EMPTY_VALUES:
        return None
    if field in ("published", "written"):
        return iso_date(value)
    if field == "index_no":
        return value if _INDEX_NO.fullmatch(value) else None
    if field == "doc_no":
        return value if _DOC_NO.fullmatch(value) else None
    if len(value) > MAX_AGENCY_CHARS or value in ("本网", "本站", "网站") or report_phrase_count(value):
        return None
    return value


def first_value(pairs: list[tuple[str, str]], field: str) -> str | None:
    """The field's value under its most preferred label present, first on the page."""
    for label in _FIELDS[field]:
        for lab, raw in pairs:
            if lab == label and (value := _clean(field, raw)):
                return value
    return None


# --- 统一社会信用代码 ---------------------------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(rf"[{_USCC_CHARS}]{{2}}\d{{6}}[{_USCC_CHARS}]{{10}}")


def uscc_checksum_ok(code: str) -> bool:
    """GB 32100-2015 check character of an 18-character 统一社会信用代码."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def credit_code_of(index_no: str) -> str | None:
    """The 统一社会信用代码 an 索引号 starts with ("11371000004313776Q/2022-00831"), if any.

    Index numbers of sites still on the old 组织机构代码 scheme have shorter prefixes and
    give none.
    """
    prefix = re.split(r"[/／\-－_ ]", index_no.strip(), maxsplit=1)[0].upper()
    return prefix if len(prefix) == 18 and _USCC.fullmatch(prefix) else None


# --- everything -------------------------------------------------------------------------


def page_metadata(root, title: str | None) -> tuple[dict[str, str], list[str]]:
    """(metadata, warnings) read from the whole page; keys only for what was found."""
    pairs = labelled_values(list(text_segments(root)))
    found = {field: value for field in _FIELDS if (value := first_value(pairs, field))}
    meta: dict[str, str] = {}
    if title:
        meta["title"] = title
    published = found.get("published") or iso_date(meta_content(root, "PubDate") or "")
    agency = found.get("agency") or meta_content(root, "ContentSource") or found.get("source")
    for key, value in (("published", published), ("written", found.get("written")), ("agency", agency),
                       ("index_no", found.get("index_no")), ("site", meta_content(root, "SiteName")),
                       ("doc_no", found.get("doc_no"))):
        if value:
            meta[key] = value
    warnings: list[str] = []
    code = credit_code_of(meta.get("index_no", ""))
    if code:
        meta["credit_code"] = code
        if not uscc_checksum_ok(code):
            warnings.append(f"索引号 prefix {code} fails the 统一社会信用代码 check character")
    return meta, warnings
