"""The administrative region of a reporting agency: ``resolve_region(agency, text, credit_code)``.

The region is the path of official names from the province down, concatenated, as far as the
agency name, the report's text or the registering authority in its 统一社会信用代码 reveals it::

    威海市文登区应急管理局  -> 山东省威海市文登区
    江油市司法局            -> 四川省绵阳市江油市   (county-level city: found through the gazetteer)
    北京市通州区医疗保障局  -> 北京市通州区         (municipalities are not doubled)
    江苏省财政厅            -> 江苏省
    国家统计局              -> None

Evidence, in order:

1. the agency name: the chain of place names in it (``威海市`` then ``文登区``), each one narrowing
   the candidates to the descendants of the previous one;
2. when the name has no place, the report text: the agency's name preceded by a place chain
   (``新乡市卫滨区应急管理局`` for ``卫滨区应急管理局``), or — with no agency — the sentence
   ``本报告由…编制`` and the title line;
3. when nothing else reveals it, the credit code's characters 3-8 (the registering authority's
   division code: ``11371000004313776Q`` -> 371000 -> 山东省威海市).

A name that several divisions share (鼓楼区, 朝阳区, 市中区) is settled, in order, by the text
naming it after its parent (``南京市鼓楼区``, an address, a site name), by the credit code, then by
the text naming the parent anywhere (``江苏省``, ``西宁``). What is still ambiguous resolves only as
far as every candidate agrees (``江苏省`` for the two in Jiangsu) or to None: it never guesses.

Names abolished since 2008 (长治县, 文登市, 渝北区…) are recognised too and give the path as it
then was; where a current division has the same name (重庆市江北区 until 2025, 宁波市江北区) both are
candidates unless ``year`` rules the old one out. A stale division code in a credit code gives its
current successor.

Data: ``data/divisions.tsv`` (current tree from 民政部 国家地名信息库 2026-09 plus names of
2008-2024; see its header and ``data/build_divisions.py``). Loaded once, on first use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["resolve_region", "region_of_division_code"]

DATA_FILE = Path(__file__).with_name("data") / "divisions.tsv"
TEXT_WINDOW = 6000  # characters of the report text that are read

# ethnic names as they occur inside autonomous-area names (族 optional for the multi-character ones)
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETHNIC_RE = re.compile(
    "(?:" + "|".join(sorted({e + "族" for e in _ETHNIC} | {e for e in _ETHNIC if len(e) >= 2},
                            key=len, reverse=True)) + ")+$"
)
# short forms that are common words more often than places
_ALIAS_STOP = frozenset({"阿里", "中山"})
# where, in an agency name, a bare two-character county name (和县, 城区) may start
_AGENCY_PREFIX = re.compile(r"^(?:中共|中国共产党|共青团|国家税务总局|中国人民银行)?")
_WS = re.compile(r"[\s\u3000\u00a0\u200b]+")
_INTRO = re.compile(
    r"本(?:年度)?报告(?:是|由)(.{2,60}?)(?:根据|依据|按照|依照|负责|编制|制作|汇总|撰写|发布|组织)"
)
_TITLE = re.compile(
    r"(?:^|[。；;，,：:、》」）)])([^。；;，,：:、《「（(]{2,40}?)(?:关于)?(?:(?:19|20)\d\d年度?)?"
    r"(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:工作)?报告"
)
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}(\d{6})[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]$")


@dataclass(frozen=True, slots=True)
class _Node:
    id: int
    code: str
    name: str
    level: int  # 1 province, 2 prefecture, 3 county
    parent: int | None
    until: int | None  # None: current
    successor: int | None


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    cands: frozenset[int]
    short: bool  # a bare two-character county name: trusted only right after its parent


class _Gazetteer:
    def __init__(self, path: Path) -> None:
        rows: list[tuple[str, str, str, int | None, str]] = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                code, name, parent, until, succ = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
                rows.append((code, name, parent, int(until) if until else None, succ))
        self.current: dict[str, int] = {}
        hist_by_code: dict[str, list[int]] = {}
        for i, (code, _n, _p, until, _s) in enumerate(rows):
            if until is None:
                self.current[code] = i
            else:
                hist_by_code.setdefault(code, []).append(i)

        def parent_id(parent: str, until: int | None) -> int | None:
            if not parent:
                return None
            if until is not None:  # a historical entry hangs under the parent as it then was
                olds = [j for j in hist_by_code.get(parent, ()) if (rows[j][3] or 0) >= until]
                if olds:
                    return min(olds, key=lambda j: rows[j][3] or 0)
            if parent in self.current:
                return self.current[parent]
            olds = hist_by_code.get(parent)
            return max(olds, key=lambda j: rows[j][3] or 0) if olds else None

        nodes: list[_Node] = []
        for i, (code, name, parent, until, succ) in enumerate(rows):
            level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
            nodes.append(_Node(i, code, name, level, parent_id(parent, until), until,
                               self.current.get(succ) if succ else None))
        self.nodes = nodes
        self.hist_by_code = {c: max(ids, key=lambda j: rows[j][3] or 0) for c, ids in hist_by_code.items()}

        self.paths: list[tuple[str, ...]] = []
        self.ancestors: list[frozenset[int]] = []
        for n in nodes:
            chain, p = [], n.parent
            while p is not None and len(chain) < 4:
                chain.append(p)
                p = nodes[p].parent
            self.ancestors.append(frozenset(chain))
            self.paths.append(tuple(nodes[j].name for j in reversed(chain)) + (n.name,))

        # name index: current names and aliases, and names abolished since 2008 unless the same
        # division still bears them (江达县 of 昌都地区 is 江达县 of 昌都市)
        table: dict[str, set[int]] = {}
        for n in nodes:
            if n.until is None:
                table.setdefault(n.name, set()).add(n.id)
                for a in _aliases(n.name, n.level):
                    if a != n.name and len(a) >= 2 and a not in _ALIAS_STOP:
                        table.setdefault(a, set()).add(n.id)
        for n in nodes:
            if n.until is not None:
                if n.successor is not None and nodes[n.successor].name == n.name:
                    continue
                table.setdefault(n.name, set()).add(n.id)
        keys = {k: frozenset(ids) for k, ids in table.items()}
        self.keys = keys
        self.short_keys = frozenset(
            k for k, ids in keys.items() if len(k) <= 2 and all(nodes[i].level == 3 for i in ids)
        )
        first: dict[str, set[int]] = {}
        for k in keys:
            first.setdefault(k[0], set()).add(len(k))
        self.first = {c: tuple(sorted(ls, reverse=True)) for c, ls in first.items()}

    def alive(self, ids: frozenset[int], year: int | None) -> frozenset[int]:
        """Drop the divisions abolished before ``year`` (a year's slack for late renaming)."""
        if year is None:
            return ids
        nodes = self.nodes
        return frozenset(i for i in ids if nodes[i].until is None or nodes[i].until >= year - 1)

    def scan(self, s: str, year: int | None = None) -> list[_Mention]:
        out: list[_Mention] = []
        i, n = 0, len(s)
        first, keys = self.first, self.keys
        while i < n:
            lens = first.get(s[i])
            if lens:
                for ln in lens:
                    hit = keys.get(s[i:i + ln])
                    if hit is not None:
                        hit = self.alive(hit, year)
                        if hit:
                            out.append(_Mention(i, i + ln, hit, s[i:i + ln] in self.short_keys))
                        i += ln
                        break
                else:
                    i += 1
            else:
                i += 1
        return out

    def path(self, ids: frozenset[int] | set[int]) -> str | None:
        """The path every candidate agrees on (its common prefix), or None."""
        if not ids:
            return None
        paths = [self.paths[i] for i in ids]
        common: list[str] = []
        for parts in zip(*paths):
            if len(set(parts)) != 1:
                break
            common.append(parts[0])
        return "".join(common) or None


def _aliases(name: str, level: int) -> list[str]:
    out: list[str] = []
    if level == 1:
        for suf in ("特别行政区", "自治区", "省", "市"):
            if name.endswith(suf):
                stem = _ETHNIC_RE.sub("", name[: -len(suf)]) if suf == "自治区" else name[: -len(suf)]
                out.append(stem)
                if suf == "自治区":
                    out.append(stem + "自治区")
                break
    elif level == 2:
        if name.endswith("自治州"):
            stem = _ETHNIC_RE.sub("", name[:-3])
            out += [stem, stem + "州", stem + "自治州"]
        elif name.endswith("地区"):
            out.append(name[:-2])
        elif name.endswith(("市", "盟")):
            out.append(name[:-1])
    else:
        for suf, short in (("自治县", "县"), ("自治旗", "旗")):
            if name.endswith(suf):
                stem = _ETHNIC_RE.sub("", name[:-3])
                if len(stem) >= 2:
                    out += [stem + short, stem + suf]
    return out


@lru_cache(maxsize=1)
def _gaz() -> _Gazetteer:
    return _Gazetteer(DATA_FILE)


def warm_up() -> None:
    """Load the gazetteer now (a process that forks workers loads it once for all of them)."""
    _gaz()


def _norm(s: str | None) -> str:
    return _WS.sub("", s or "")


def _chain(g: _Gazetteer, mentions: list[_Mention], agency_start: int | None) -> frozenset[int] | None:
    """Candidates for the deepest consistent chain of place names, read left to right."""
    cur: frozenset[int] | None = None
    prev_end: int | None = None
    for m in mentions:
        if m.short and m.start != prev_end and m.start != agency_start:
            continue
        if cur is None:
            cur = m.cands
        elif m.cands & cur:
            cur = m.cands & cur
        else:
            down = frozenset(c for c in m.cands if g.ancestors[c] & cur)
            up = frozenset(c for c in cur if g.ancestors[c] & m.cands)
            if down:
                cur = down
            elif up:
                cur = up
            else:
                break  # an unrelated place (驻京办事处…): the agency's region is what came before
        prev_end = m.end
    return cur


def _agency_cands(g: _Gazetteer, agency: str, year: int | None) -> frozenset[int] | None:
    m = _AGENCY_PREFIX.match(agency)
    return _chain(g, g.scan(agency, year), m.end() if m else 0)


@lru_cache(maxsize=32)
def _text_mentions(text: str, year: int | None) -> tuple[_Mention, ...]:
    """Mentions in the text; a bare two-character county name only right after its parent."""
    g = _gaz()
    out: list[_Mention] = []
    prev: _Mention | None = None
    for m in g.scan(text, year):
        if m.short:
            if prev is None or prev.end != m.start:
                prev = None
                continue
            keep = frozenset(c for c in m.cands if g.ancestors[c] & prev.cands)
            if not keep:
                prev = None
                continue
            m = _Mention(m.start, m.end, keep, True)
        out.append(m)
        prev = m
    return tuple(out)


def _code_node(g: _Gazetteer, code: str) -> int | None:
    if code in g.current:
        return g.current[code]
    if code[2:] in ("0100", "0200") and code[:2] in ("11", "12", "31", "50"):
        return g.current.get(code[:2] + "0000")
    if code in g.hist_by_code:
        h = g.hist_by_code[code]
        return g.nodes[h].successor if g.nodes[h].successor is not None else h
    if code[2:4] == "90":  # 省直辖县级行政区划
        return g.current.get(code[:2] + "0000")
    for prefix in (code[:4] + "00", code[:2] + "0000"):
        if prefix != code and prefix in g.current:
            return g.current[prefix]
    return None


def _credit_node(g: _Gazetteer, credit_code: str | None) -> int | None:
    m = _CREDIT.match(_norm(credit_code).upper())
    return _code_node(g, m.group(1)) if m else None


def _pick(cands: frozenset[int], score: dict[int, int]) -> frozenset[int]:
    """Keep the candidates with evidence; one that dominates (3+ and 3x the next) wins alone."""
    pos = {c: s for c, s in score.items() if s > 0 and c in cands}
    if not pos:
        return cands
    ranked = sorted(pos.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] >= 3 and ranked[0] >= 3 * ranked[1]:
        return frozenset(c for c, s in pos.items() if s == ranked[0])
    return frozenset(pos)


def _disambiguate(
    g: _Gazetteer, cands: frozenset[int], text: str, code_node: int | None, year: int | None
) -> frozenset[int]:
    mentions = _text_mentions(text, year) if text else ()
    # 1. the text names a candidate right after one of its ancestors (南京市鼓楼区, 地址：西宁市城东区…)
    score: dict[int, int] = {}
    for p, m in zip(mentions, mentions[1:]):
        if p.end == m.start:
            for c in m.cands & cands:
                if g.ancestors[c] & p.cands:
                    score[c] = score.get(c, 0) + 1
    cands = _pick(cands, score)
    if len(cands) == 1:
        return cands
    # 2. the registering authority in the credit code
    if code_node is not None:
        near = frozenset(
            c for c in cands
            if c == code_node or code_node in g.ancestors[c] or c in g.ancestors[code_node]
        )
        if near:
            cands = near
            if len(cands) == 1:
                return cands
    # 3. the text names a candidate or its ancestor anywhere (青海省, 西宁…); a mention that fits
    # every candidate (the ambiguous name itself) tells nothing
    score = {}
    for m in mentions:
        if cands <= m.cands:
            continue
        for c in cands:
            if c in m.cands or g.ancestors[c] & m.cands:
                score[c] = score.get(c, 0) + 1
    return _pick(cands, score)


def _from_text(g: _Gazetteer, agency: str, text: str, year: int | None) -> frozenset[int] | None:
    """Candidates the text gives a place-less (or missing) agency name."""
    if not text:
        return None
    found: set[int] = set()
    if agency:
        mentions = _text_mentions(text, year)
        ends = {m.end: k for k, m in enumerate(mentions)}
        for hit in re.finditer(re.escape(agency), text):
            k = ends.get(hit.start())
            if k is None:
                continue
            start = mentions[k].start  # walk back over the contiguous chain of place names
            while k > 0 and mentions[k - 1].end == mentions[k].start:
                k -= 1
                start = mentions[k].start
            got = _agency_cands(g, text[start:hit.end()], year)
            if got:
                found |= got
        if found:
            return frozenset(found)
    for rx, window in ((_TITLE, text[:300]), (_INTRO, text)):
        for hit in rx.finditer(window):
            phrase = hit.group(1)
            if agency and agency not in phrase:
                continue
            got = _agency_cands(g, phrase, year)
            if got:
                return got
    return None


def resolve_region(
    agency: str | None,
    text: str = "",
    credit_code: str | None = None,
    *,
    year: int | None = None,
) -> str | None:
    """The region of the agency as the concatenated path of official names, or None when unknown.

    ``agency``: the reporting agency's name; ``text``: the report text (its first few thousand
    characters are read); ``credit_code``: the agency's 18-character 统一社会信用代码, if known;
    ``year``: the reporting year, if known: divisions abolished before it are then ruled out
    (from 2026 on, 江北区 is only 宁波市江北区; 重庆市江北区 was abolished in 2025); without it,
    every division that bore the name since 2008 is a candidate.
    """
    g = _gaz()
    name = _norm(agency)
    body = _norm((text or "")[:TEXT_WINDOW])
    code_node = _credit_node(g, credit_code)
    cands = _agency_cands(g, name, year) if name else None
    if not cands:
        cands = _from_text(g, name, body, year)
    if not cands:
        return g.path({code_node}) if code_node is not None else None
    if len(cands) > 1:
        cands = _disambiguate(g, cands, body, code_node, year)
    return g.path(cands)


def region_of_division_code(code: str) -> str | None:
    """The region of a 6-digit division code (current, municipal 市辖区 or abolished since 2008)."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return None
    g = _gaz()
    node = _code_node(g, code)
    return g.path({node}) if node is not None else None
