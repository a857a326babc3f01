"""Agency identity: the name-normalization rule (pure) and dedup in the warehouse (both DBs)."""
from __future__ import annotations

import pytest

from storage.agencies import agency_key, normalize_credit_code, region_key, region_parts, strip_region
from storage.load import load_record
from storage_fixtures import db_url, engine, make_record, pg_database, rows, scalar  # noqa: F401

HONGZE = "江苏省淮安市洪泽区"


@pytest.mark.parametrize("region, parts", [
    ("江苏省淮安市洪泽区", ("江苏省", "淮安市", "洪泽区")),
    ("山东省威海市文登区", ("山东省", "威海市", "文登区")),
    ("广东省广州市天河区", ("广东省", "广州市", "天河区")),  # 州 inside a city name is no suffix
    ("湖北省荆州市沙市区", ("湖北省", "荆州市", "沙市区")),  # 沙市|区 would leave an unsplittable rest
    ("山东省济南市市中区", ("山东省", "济南市", "市中区")),
    ("内蒙古自治区呼和浩特市", ("内蒙古自治区", "呼和浩特市")),
    ("吉林省延边朝鲜族自治州延吉市", ("吉林省", "延边朝鲜族自治州", "延吉市")),
    ("上海市浦东新区", ("上海市", "浦东新区")),
    ("北京市", ("北京市",)),
    (" 江苏省 淮安市 ", ("江苏省", "淮安市")),
    ("", ()),
    (None, ()),
])
def test_region_parts(region, parts):
    assert region_parts(region) == parts


def test_the_hongze_pair_has_one_key():
    a = agency_key("洪泽区人民政府", HONGZE)
    b = agency_key("淮安市洪泽区人民政府", HONGZE)
    c = agency_key("江苏省淮安市洪泽区人民政府", HONGZE)
    assert a == b == c == ("洪泽区人民政府", "洪泽区")


def test_key_rule_details():
    # the leaf is never stripped; only a prefix is; full-width forms and spaces fold
    assert strip_region("洪泽区人民政府", HONGZE) == "洪泽区人民政府"
    assert strip_region("淮安市人民政府", "江苏省淮安市") == "淮安市人民政府"
    assert strip_region("江苏省淮安市人民政府", "江苏省淮安市") == "淮安市人民政府"
    assert strip_region("洪泽区淮安市局", HONGZE) == "洪泽区淮安市局"
    assert strip_region("淮安市 洪泽区（人民政府）", HONGZE) == "洪泽区(人民政府)"
    assert agency_key("某局", None) == ("某局", "")
    assert region_key(HONGZE) == "洪泽区"
    # different counties of one city stay apart
    assert agency_key("淮安市洪泽区人民政府", HONGZE) != agency_key("淮安市淮阴区人民政府", "江苏省淮安市淮阴区")


def test_credit_code_normalization():
    assert normalize_credit_code("11371000004313776q") == "11371000004313776Q"
    assert normalize_credit_code(" 1137 1000 0043 13776Q") == "11371000004313776Q"
    assert normalize_credit_code("not a code") is None
    assert normalize_credit_code(None) is None


def test_hongze_names_land_as_one_agency_with_both_aliases(engine):
    load_record(engine, make_record("洪泽区人民政府", HONGZE, 2023, source="hz23"))
    load_record(engine, make_record("淮安市洪泽区人民政府", HONGZE, 2024, source="hz24"))
    assert scalar(engine, "SELECT COUNT(*) FROM agencies") == 1
    assert scalar(engine, "SELECT name FROM agencies") == "淮安市洪泽区人民政府"  # the latest report's name
    names = rows(engine, "SELECT name, name_key, region_key, first_year, last_year FROM agency_names ORDER BY first_year")
    assert names == [
        {"name": "洪泽区人民政府", "name_key": "洪泽区人民政府", "region_key": "洪泽区", "first_year": 2023, "last_year": 2023},
        {"name": "淮安市洪泽区人民政府", "name_key": "洪泽区人民政府", "region_key": "洪泽区", "first_year": 2024,
         "last_year": 2024},
    ]


def test_credit_code_wins_over_names(engine):
    code = "11371000004313776Q"
    a = load_record(engine, make_record("文登区应急管理局", "山东省威海市文登区", 2021, source="c1", credit_code=code))
    b = load_record(engine, make_record("威海市文登区应急管理局（安全生产委员会办公室）", None, 2022, source="c2",
                                        credit_code=code))
    assert a.agency_id == b.agency_id
    assert scalar(engine, "SELECT credit_code FROM agencies") == code
    # a different credit code under the same name is a different body
    c = load_record(engine, make_record("文登区应急管理局", "山东省威海市文登区", 2023, source="c3",
                                        credit_code="12371000004313776X"))
    assert c.agency_id != a.agency_id


def test_same_name_in_different_regions_are_different_agencies(engine):
    a = load_record(engine, make_record("人力资源和社会保障局", "江苏省淮安市洪泽区", 2022, source="r1"))
    b = load_record(engine, make_record("人力资源和社会保障局", "江苏省淮安市淮阴区", 2022, source="r2"))
    assert a.agency_id != b.agency_id


def test_regionless_record_matches_the_unique_agency(engine):
    a = load_record(engine, make_record("淮安市洪泽区人民政府", HONGZE, 2023, source="n1"))
    b = load_record(engine, make_record("淮安市洪泽区人民政府", None, 2024, source="n2"))
    assert a.agency_id == b.agency_id
    assert scalar(engine, "SELECT region FROM agencies") == HONGZE  # a null region never erases a known one
    # and the other way round: a region-less agency gains its region from a later record
    c = load_record(engine, make_record("盱眙县人民政府", None, 2022, source="n3"))
    d = load_record(engine, make_record("盱眙县人民政府", "江苏省淮安市盱眙县", 2023, source="n4"))
    assert c.agency_id == d.agency_id
    assert scalar(engine, "SELECT region FROM agencies WHERE id = :i", i=c.agency_id) == "江苏省淮安市盱眙县"
