"""The national template (政府信息公开工作年度报告格式), both versions, in one data structure.

Everything else derives from this module: cell codes, the label matcher, the validator's
rules, the warehouse's `cell_labels` table and the BI views' Chinese labels. No template
label string appears anywhere else in the code.

Sources: 国办公开办函〔2019〕60号 (format "2019", reports on 2019 and 2020) and
国办公开办函〔2021〕30号 (format "2021", reports on 2021 onward), as copied by real reports
(see shared/research/format.md §1 and shared/spec/canonical-record.md).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

Template = Literal["2019", "2021"]
TEMPLATES: tuple[Template, ...] = ("2021", "2019")
TableName = Literal["active", "applications", "review"]
TABLES: tuple[TableName, ...] = ("active", "applications", "review")

TABLE_TITLES: dict[TableName, str] = {
    "active": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "review": "政府信息公开行政复议、行政诉讼情况",
}

MONEY_CODES = frozenset({"active.fees.amount", "active.procurement.amount"})
"""Cells in 万元 that may carry a fraction."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    signed: bool = False  # 2019's 本年增/减 is a signed change, not a count


@dataclass(frozen=True)
class ActiveRow:
    """One data row of table 二: its label, the 第二十条 block it sits in, and its columns."""

    key: str
    label: str
    block: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplyRow:
    """One data row of table 三. `group` is the row-spanning label above it (（三）不予公开…)."""

    key: str
    label: str
    group: str | None = None
    aliases: tuple[str, ...] = ()
    templates: tuple[Template, ...] = ("2019", "2021")


# ---- table 二 主动公开政府信息情况 -------------------------------------------------------

_ISSUED = Column("issued", "本年制发件数")
_REPEALED = Column("repealed", "本年废止件数")
_IN_FORCE = Column("in_force", "现行有效件数")
_DECISIONS_2021 = Column("decisions", "本年处理决定数量")
_FEE_AMOUNT = Column("amount", "本年收费金额（单位：万元）", aliases=("本年收费金额",))

_NEW_MADE = Column("new_made", "本年新制作数量")
_NEW_PUBLISHED = Column("new_published", "本年新公开数量")
_TOTAL_PUBLISHED = Column("total_published", "对外公开总数量")
_PREV_ITEMS = Column("prev_items", "上一年项目数量")
_DELTA = Column("delta", "本年增/减", aliases=("本年增减", "本年增／减"), signed=True)
_DECISIONS_2019 = Column("decisions", "处理决定数量")
_PROC_ITEMS = Column("items", "采购项目数量")
_PROC_AMOUNT = Column("amount", "采购总金额")

_B1, _B5, _B6, _B8, _B9 = ("第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项",
                           "第二十条第（八）项", "第二十条第（九）项")

ACTIVE_ROWS: dict[Template, tuple[ActiveRow, ...]] = {
    "2021": (
        ActiveRow("rules", "规章", _B1, (_ISSUED, _REPEALED, _IN_FORCE)),
        ActiveRow("normative", "行政规范性文件", _B1, (_ISSUED, _REPEALED, _IN_FORCE), aliases=("规范性文件",)),
        ActiveRow("licensing", "行政许可", _B5, (_DECISIONS_2021,)),
        ActiveRow("punishment", "行政处罚", _B6, (_DECISIONS_2021,)),
        ActiveRow("coercion", "行政强制", _B6, (_DECISIONS_2021,)),
        ActiveRow("fees", "行政事业性收费", _B8, (_FEE_AMOUNT,)),
    ),
    "2019": (
        ActiveRow("rules", "规章", _B1, (_NEW_MADE, _NEW_PUBLISHED, _TOTAL_PUBLISHED)),
        ActiveRow("normative", "规范性文件", _B1, (_NEW_MADE, _NEW_PUBLISHED, _TOTAL_PUBLISHED),
                  aliases=("行政规范性文件",)),
        ActiveRow("licensing", "行政许可", _B5, (_PREV_ITEMS, _DELTA, _DECISIONS_2019)),
        ActiveRow("other_services", "其他对外管理服务事项", _B5, (_PREV_ITEMS, _DELTA, _DECISIONS_2019)),
        ActiveRow("punishment", "行政处罚", _B6, (_PREV_ITEMS, _DELTA, _DECISIONS_2019)),
        ActiveRow("coercion", "行政强制", _B6, (_PREV_ITEMS, _DELTA, _DECISIONS_2019)),
        ActiveRow("fees", "行政事业性收费", _B8, (_PREV_ITEMS, _DELTA)),
        ActiveRow("procurement", "政府集中采购", _B9, (_PROC_ITEMS, _PROC_AMOUNT)),
    ),
}

ACTIVE_HEADER = "信息内容"
# Column labels that exist in only one version decide the template (canonical-record spec:
# 本年新制作数量 ⇒ 2019, 本年制发件数 ⇒ 2021), never the notice number a report cites.
TEMPLATE_MARKERS: dict[Template, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "其他对外管理服务事项",
             "政府集中采购", "采购项目数量"),
}

# ---- table 三 收到和处理政府信息公开申请情况 -------------------------------------------------

APPLY_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
APPLY_APPLICANT_COLUMNS = tuple(c.key for c in APPLY_COLUMNS if c.key != "total")
APPLY_HEADER_LABELS = ("申请人情况", "法人或其他组织")
APPLY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

G_RESULTS = "三、本年度办理结果"
G_WITHHELD = "（三）不予公开"
G_UNAVAILABLE = "（四）无法提供"
G_REJECTED = "（五）不予处理"
G_OTHER = "（六）其他处理"

APPLY_ROWS: tuple[ApplyRow, ...] = (
    ApplyRow("new", "一、本年新收政府信息公开申请数量"),
    ApplyRow("carried_in", "二、上年结转政府信息公开申请数量"),
    ApplyRow("granted", "（一）予以公开", G_RESULTS),
    ApplyRow("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", G_RESULTS),
    ApplyRow("withheld.state_secret", "1.属于国家秘密", G_WITHHELD),
    ApplyRow("withheld.prohibited", "2.其他法律行政法规禁止公开", G_WITHHELD),
    ApplyRow("withheld.security", "3.危及“三安全一稳定”", G_WITHHELD),
    ApplyRow("withheld.third_party", "4.保护第三方合法权益", G_WITHHELD),
    ApplyRow("withheld.internal", "5.属于三类内部事务信息", G_WITHHELD),
    ApplyRow("withheld.process", "6.属于四类过程性信息", G_WITHHELD),
    ApplyRow("withheld.case_file", "7.属于行政执法案卷", G_WITHHELD),
    ApplyRow("withheld.query", "8.属于行政查询事项", G_WITHHELD),
    ApplyRow("unavailable.not_held", "1.本机关不掌握相关政府信息", G_UNAVAILABLE),
    ApplyRow("unavailable.needs_creation", "2.没有现成信息需要另行制作", G_UNAVAILABLE),
    ApplyRow("unavailable.unclear", "3.补正后申请内容仍不明确", G_UNAVAILABLE),
    ApplyRow("rejected.petition", "1.信访举报投诉类申请", G_REJECTED),
    ApplyRow("rejected.duplicate", "2.重复申请", G_REJECTED),
    ApplyRow("rejected.publication", "3.要求提供公开出版物", G_REJECTED),
    ApplyRow("rejected.excessive", "4.无正当理由大量反复申请", G_REJECTED),
    ApplyRow("rejected.confirmation", "5.要求行政机关确认或重新出具已获取信息", G_REJECTED),
    # 2019 prints （六）其他处理 as one row; 2021 splits it into three. Many 2021-form reports
    # still print the one row: it is kept under `apply.other.*` whatever the template, and
    # never copied into `other.other` (3.其他 is only one of its parts) — canonical-record spec.
    ApplyRow("other", "（六）其他处理", G_RESULTS),
    ApplyRow("other.no_correction",
             "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", G_OTHER, templates=("2021",)),
    ApplyRow("other.unpaid_fee",
             "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", G_OTHER,
             templates=("2021",)),
    ApplyRow("other.other", "3.其他", G_OTHER, templates=("2021",)),
    ApplyRow("result_total", "（七）总计", G_RESULTS),
    ApplyRow("carried_forward", "四、结转下年度继续办理"),
)
APPLY_GROUPS = (G_RESULTS, G_WITHHELD, G_UNAVAILABLE, G_REJECTED, G_OTHER)
APPLY_OTHER_SPLIT = ("other.no_correction", "other.unpaid_fee", "other.other")

# ---- table 四 政府信息公开行政复议、行政诉讼情况 ----------------------------------------------

REVIEW_BLOCKS: tuple[Column, ...] = (
    Column("review", "行政复议"),
    Column("suit_direct", "未经复议直接起诉"),
    Column("suit_after_review", "复议后起诉"),
)
REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
REVIEW_HEADER_LABELS = ("行政诉讼",)


# ---- derived views ------------------------------------------------------------------------

@dataclass(frozen=True)
class CellDef:
    """One statistical cell of the canonical record."""

    code: str
    table: TableName
    row: str  # row code within the table (e.g. "withheld.state_secret", "review")
    column: str  # column code (e.g. "natural_person", "total", "issued")
    label: str  # the Chinese label path, for people and the warehouse's cell_labels table
    money: bool = False
    signed: bool = False
    templates: tuple[Template, ...] = field(default=("2019", "2021"))


def apply_rows(template: Template) -> tuple[ApplyRow, ...]:
    """Table 三's rows as the template prints them (2019: one （六）; 2021: three sub-rows)."""
    if template == "2019":
        return tuple(r for r in APPLY_ROWS if "2019" in r.templates)
    return tuple(r for r in APPLY_ROWS if r.key != "other")


@lru_cache(maxsize=None)
def cell_defs(template: Template) -> tuple[CellDef, ...]:
    """Every cell of the template, in printed order.

    A report that mixes the versions (a 2021-form table 二 with a one-row （六）其他处理,
    common in the wild) also carries the cells of the rows it printed: see `normalize.assemble`.
    """
    out: list[CellDef] = []
    for r in ACTIVE_ROWS[template]:
        for c in r.columns:
            code = f"active.{r.key}.{c.key}"
            out.append(CellDef(code, "active", r.key, c.key, f"{r.block} {r.label} {c.label}",
                               money=code in MONEY_CODES, signed=c.signed, templates=(template,)))
    for r in apply_rows(template):
        for c in APPLY_COLUMNS:
            group = f"{r.group} " if r.group and r.group != G_RESULTS else ""
            out.append(CellDef(f"apply.{r.key}.{c.key}", "applications", r.key, c.key,
                               f"{group}{r.label} {c.label}", templates=r.templates))
    for b in REVIEW_BLOCKS:
        for c in REVIEW_COLUMNS:
            top = "行政诉讼 " if b.key != "review" else ""
            out.append(CellDef(f"{b.key}.{c.key}", "review", b.key, c.key, f"{top}{b.label} {c.label}"))
    return tuple(out)


def cell_codes(template: Template) -> tuple[str, ...]:
    return tuple(d.code for d in cell_defs(template))


@lru_cache(maxsize=1)
def all_cell_defs() -> Mapping[str, CellDef]:
    """Every cell code of either template (the warehouse's `cell_labels`); built once (the
    normalizer asks per cell), read-only."""
    out: dict[str, CellDef] = {}
    for t in TEMPLATES:
        for d in cell_defs(t):
            if d.code in out:
                prev = out[d.code]
                out[d.code] = CellDef(d.code, d.table, d.row, d.column, prev.label, prev.money, prev.signed,
                                      tuple(sorted(set(prev.templates) | set(d.templates))))
            else:
                out[d.code] = d
    return MappingProxyType(out)


def table_of(code: str) -> str | None:
    """The table a cell code belongs to ("applications" for apply.*), None for no code."""
    d = all_cell_defs().get(code)
    return d.table if d else None
