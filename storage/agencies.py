"""Which agency a record belongs to: name normalization and the matching rule.

The same body prints its name differently from year to year: 洪泽区人民政府 (2023) and
淮安市洪泽区人民政府 (2024), both with region 江苏省淮安市洪泽区. The region already says
where the body sits, so the higher-level place names a report prepends add nothing: the key
of a name is the name with every higher-level part of its region stripped from its start
(repeatedly, in any order), paired with the region's leaf:

    ("淮安市洪泽区人民政府", "江苏省淮安市洪泽区") → ("洪泽区人民政府", "洪泽区")
    ("洪泽区人民政府",       "江苏省淮安市洪泽区") → ("洪泽区人民政府", "洪泽区")

The leaf itself is never stripped (洪泽区人民政府 is not 人民政府).

Matching, in order (first hit wins):

1. the same 统一社会信用代码 (credit code) is the same agency;
2. the same key (name_key, region_key) as any name the agency was ever seen under
   (`agency_names`), unless both carry different credit codes;
3. one side without a region: a record without region matches the one agency whose key
   equals the record's name stripped by that agency's region; a record with a region matches
   the one region-less agency whose key is the record's cleaned or stripped name. Only a
   unique candidate matches: ambiguity makes a new agency rather than a wrong merge;
4. otherwise a new agency.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, insert, select, update

from .models import Agency, AgencyName

# A region part ends with one of these (longest first). A bare 州 is not a suffix: it is part
# of too many city names (广州市, 杭州市); prefectures are 自治州 or end in 市.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "省", "市", "区", "县", "旗", "盟")
_SPACE = re.compile(r"\s+")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def clean(text: str) -> str:
    """NFKC (full-width forms folded) and no whitespace: how names and regions compare."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=4096)
def region_parts(region: str | None) -> tuple[str, ...]:
    """Split a region into its administrative parts, top first.

    江苏省淮安市洪泽区 → (江苏省, 淮安市, 洪泽区); 湖北省荆州市沙市区 → (湖北省, 荆州市, 沙市区).
    Each part is at least two characters and ends in a suffix; the shortest split that covers
    the whole string wins, backtracking where a short part would leave an unsplittable rest
    (沙市|区). A region that does not split keeps its splittable head and the rest as one part.
    """
    if not region:
        return ()
    s = clean(region)
    if not s:
        return ()

    @lru_cache(maxsize=None)
    def split(i: int) -> tuple[str, ...] | None:
        if i == len(s):
            return ()
        for j in range(i + 2, len(s) + 1):
            if s[i:j].endswith(_SUFFIXES):
                rest = split(j)
                if rest is not None:
                    return (s[i:j], *rest)
        return None

    full = split(0)
    if full is not None:
        return full
    head: list[str] = []
    i = 0
    while True:  # greedy shortest parts, then the unsplittable rest as one part
        for j in range(i + 2, len(s) + 1):
            if s[i:j].endswith(_SUFFIXES):
                head.append(s[i:j])
                i = j
                break
        else:
            break
    if i < len(s):
        head.append(s[i:])
    return tuple(head)


def region_key(region: str | None) -> str:
    """The region's leaf (洪泽区), or "" when the region is unknown."""
    parts = region_parts(region)
    return parts[-1] if parts else ""


def strip_region(name: str, region: str | None) -> str:
    """`name` without the higher-level parts of `region` at its start."""
    n = clean(name)
    higher = region_parts(region)[:-1]
    changed = True
    while changed:
        changed = False
        for p in higher:
            if n.startswith(p) and len(n) > len(p):
                n = n[len(p):]
                changed = True
    return n


def agency_key(name: str, region: str | None) -> tuple[str, str]:
    """(name_key, region_key): the key under which names of one agency coincide."""
    return strip_region(name, region), region_key(region)


def normalize_credit_code(code: object) -> str | None:
    """An 18-character 统一社会信用代码 in upper case, or None if `code` is not one."""
    if not isinstance(code, str):
        return None
    c = clean(code).upper()
    return c if _CREDIT_CODE.match(c) else None


@dataclass(frozen=True)
class AgencyMatch:
    agency_id: int
    created: bool
    rule: str  # "credit_code" | "key" | "regionless" | "new"


def resolve_agency(conn: Connection, name: str, region: str | None, credit_code: str | None,
                   year: int | None = None) -> AgencyMatch:
    """Find or create the agency of a record (rules in the module docstring) and record its
    name in `agency_names`. Runs inside the caller's transaction."""
    name_key, rkey = agency_key(name, region)
    match = _find(conn, name, region, name_key, rkey, credit_code)
    if match is None:
        agency_id = conn.execute(
            insert(Agency).values(name=name.strip(), name_key=name_key, region=region, region_key=rkey,
                                  credit_code=credit_code).returning(Agency.id)
        ).scalar_one()
        match = AgencyMatch(agency_id, True, "new")
    else:
        row = conn.execute(select(Agency.credit_code, Agency.region).where(Agency.id == match.agency_id)).one()
        changes: dict[str, object] = {}
        if credit_code and not row.credit_code:
            taken = conn.execute(select(Agency.id).where(Agency.credit_code == credit_code)).first()
            if taken is None:
                changes["credit_code"] = credit_code
        if region and not row.region:
            changes["region"] = region
            changes["region_key"] = rkey
        if changes:
            conn.execute(update(Agency).where(Agency.id == match.agency_id).values(**changes))
    _remember_name(conn, match.agency_id, name, region, name_key, rkey, year)
    return match


def _find(conn: Connection, name: str, region: str | None, name_key: str, rkey: str,
          credit_code: str | None) -> AgencyMatch | None:
    if credit_code:
        hit = conn.execute(select(Agency.id).where(Agency.credit_code == credit_code)).scalar()
        if hit is not None:
            return AgencyMatch(hit, False, "credit_code")

    def compatible(agency_ids: set[int]) -> list[int]:
        if not agency_ids:
            return []
        rows = conn.execute(select(Agency.id, Agency.credit_code).where(Agency.id.in_(agency_ids))).all()
        return sorted(r.id for r in rows if not (credit_code and r.credit_code and r.credit_code != credit_code))

    ids = set(conn.execute(select(AgencyName.agency_id).where(
        AgencyName.name_key == name_key, AgencyName.region_key == rkey)).scalars())
    hits = compatible(ids)
    if hits:
        return AgencyMatch(hits[0], False, "key")

    cleaned = clean(name)
    if not rkey:
        # Candidates: names seen with a region whose key is a tail of this name.
        rows = conn.execute(
            select(AgencyName.agency_id, AgencyName.name_key, AgencyName.region)
            .where(AgencyName.region_key != "")
            .where(AgencyName.name_key.in_(_tails(cleaned)))).all()
        ids = {r.agency_id for r in rows if strip_region(cleaned, r.region) == r.name_key}
    else:
        ids = set(conn.execute(select(AgencyName.agency_id).where(
            AgencyName.region_key == "", AgencyName.name_key.in_({cleaned, name_key}))).scalars())
    hits = compatible(ids)
    if len(hits) == 1:
        return AgencyMatch(hits[0], False, "regionless")
    return None


def _tails(s: str) -> list[str]:
    """Every suffix of `s` of two or more characters (candidate stripped keys)."""
    return [s[i:] for i in range(len(s) - 1)]


def _remember_name(conn: Connection, agency_id: int, name: str, region: str | None, name_key: str,
                   rkey: str, year: int | None) -> None:
    n = name.strip()
    row = conn.execute(select(AgencyName.id, AgencyName.first_year, AgencyName.last_year).where(
        AgencyName.agency_id == agency_id, AgencyName.name == n, AgencyName.region_key == rkey)).first()
    if row is None:
        conn.execute(insert(AgencyName).values(agency_id=agency_id, name=n, region=region, name_key=name_key,
                                               region_key=rkey, first_year=year, last_year=year))
        return
    if year is None:
        return
    first = year if row.first_year is None else min(row.first_year, year)
    last = year if row.last_year is None else max(row.last_year, year)
    if (first, last) != (row.first_year, row.last_year):
        conn.execute(update(AgencyName).where(AgencyName.id == row.id).values(first_year=first, last_year=last))
