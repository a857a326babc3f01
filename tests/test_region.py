"""normalize.region: the administrative region of a reporting agency."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from normalize.region import DATA_FILE, region_of_division_code, resolve_region

ROOT = Path(__file__).resolve().parents[1]


# --- the agency name alone ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("agency", "region"),
    [
        ("威海市文登区应急管理局", "山东省威海市文登区"),
        ("威海市文登区综合行政执法局", "山东省威海市文登区"),
        ("海东市应急管理局", "青海省海东市"),
        ("长治市上党区应急管理局", "山西省长治市上党区"),
        ("江油市司法局", "四川省绵阳市江油市"),  # county-level city: the gazetteer adds 绵阳市
        ("黑龙江省市场监督管理局", "黑龙江省"),
        ("天津市民政局", "天津市"),
        ("北京市通州区医疗保障局", "北京市通州区"),  # not 北京市北京市通州区
        ("上海市浦东新区人民政府", "上海市浦东新区"),
        ("银川市金凤区发展和改革局", "宁夏回族自治区银川市金凤区"),
        ("金凤区水利局", "宁夏回族自治区银川市金凤区"),
        ("乌鲁木齐市天山区医疗保障局", "新疆维吾尔自治区乌鲁木齐市天山区"),
        ("汉川市人民政府", "湖北省孝感市汉川市"),
        ("深圳市南山区应急管理局", "广东省深圳市南山区"),
        ("张掖市高台县公安局", "甘肃省张掖市高台县"),
        ("江苏省财政厅", "江苏省"),
        ("甘肃省财政厅", "甘肃省"),
        ("福建省住房和城乡建设厅", "福建省"),
        ("大连市市场监督管理局", "辽宁省大连市"),
        ("宿州市埇桥区水利局", "安徽省宿州市埇桥区"),
        ("桂林市秀峰区卫生健康局", "广西壮族自治区桂林市秀峰区"),
        ("兰州市文化广电旅游局", "甘肃省兰州市"),
        ("淮安市洪泽区人民政府", "江苏省淮安市洪泽区"),
        ("中共北京市委宣传部", "北京市"),
        ("国家税务总局威海市文登区税务局", "山东省威海市文登区"),
        ("广西壮族自治区民政厅", "广西壮族自治区"),
        ("内蒙古自治区民政厅", "内蒙古自治区"),
        ("广西南宁市民政局", "广西壮族自治区南宁市"),  # short province name
    ],
)
def test_agency_name(agency, region):
    assert resolve_region(agency) == region


@pytest.mark.parametrize(
    ("agency", "region"),
    [
        ("黔东南州人民政府", "贵州省黔东南苗族侗族自治州"),
        ("黔东南苗族侗族自治州民政局", "贵州省黔东南苗族侗族自治州"),
        ("恩施市民政局", "湖北省恩施土家族苗族自治州恩施市"),
        ("恩施州财政局", "湖北省恩施土家族苗族自治州"),
        ("长阳县民政局", "湖北省宜昌市长阳土家族自治县"),
        ("长阳土家族自治县民政局", "湖北省宜昌市长阳土家族自治县"),
        ("阿克苏地区行政公署", "新疆维吾尔自治区阿克苏地区"),
        ("锡林郭勒盟行政公署", "内蒙古自治区锡林郭勒盟"),
        ("鄂温克族自治旗人民政府", "内蒙古自治区呼伦贝尔市鄂温克族自治旗"),
        ("莫力达瓦旗人民政府", "内蒙古自治区呼伦贝尔市莫力达瓦达斡尔族自治旗"),
        ("巴音郭楞蒙古自治州人民政府", "新疆维吾尔自治区巴音郭楞蒙古自治州"),
        ("仙桃市人民政府", "湖北省仙桃市"),  # 省直辖县级市
        ("济源市人民政府", "河南省济源市"),
        ("石河子市人民政府", "新疆维吾尔自治区石河子市"),
        ("琼海市人民政府", "海南省琼海市"),
        ("东莞市人民政府", "广东省东莞市"),  # prefecture without counties
        ("和县民政局", "安徽省马鞍山市和县"),  # bare two-character county at the start
    ],
)
def test_special_divisions(agency, region):
    assert resolve_region(agency) == region


def test_no_place_in_name():
    assert resolve_region("国家统计局") is None
    assert resolve_region(None) is None
    assert resolve_region("") is None
    # an address in the text is where the agency sits, not its region
    assert resolve_region("国家统计局", "（地址：北京市西城区月坛南街57号）") is None


# --- the report text ----------------------------------------------------------------------------

def test_body_names_the_agency_with_its_city():
    body = "新乡市卫滨区应急管理局2022年政府信息公开工作年度报告。本报告由新乡市卫滨区应急管理局编制。"
    assert resolve_region("卫滨区应急管理局", body) == "河南省新乡市卫滨区"


def test_intro_sentence():
    body = "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和国政府信息公开条例》编制。"
    assert resolve_region("洪泽区人民政府", body) == "江苏省淮安市洪泽区"
    assert resolve_region(None, body) == "江苏省淮安市洪泽区"


def test_site_name_reveals_the_city():
    body = "城东区农业农村局通过西宁市城东区人民政府门户网站主动公开政府信息。"
    assert resolve_region("城东区农业农村局", body) == "青海省西宁市城东区"


def test_placeless_agency_found_in_body():
    body = "2022年，威海市文登区应急管理局认真贯彻落实《条例》。（地址：威海市文登区世纪大道86号）"
    assert resolve_region("应急管理局", body) == "山东省威海市文登区"


def test_no_agency_title_line():
    body = "\n\n长治市上党区应急管理局\n政府信息公开工作年度报告\n\n一、总体情况\n……"
    assert resolve_region(None, body) == "山西省长治市上党区"
    body = "张掖市高台县公安局2019年政府信息公开工作年度报告\n2019年，县公安局认真按照……"
    assert resolve_region(None, body) == "甘肃省张掖市高台县"


def test_whitespace_inside_names():
    body = "本报告由淮安市\n洪泽区人民政府办公室编制。"
    assert resolve_region("洪泽区人民\u3000政府", body) == "江苏省淮安市洪泽区"


# --- ambiguous names ----------------------------------------------------------------------------

def test_ambiguous_without_evidence_is_not_guessed():
    assert resolve_region("鼓楼区人民政府") is None  # 南京、徐州、福州、开封
    assert resolve_region("朝阳区民政局") is None  # 北京、长春
    assert resolve_region("市中区人民政府") is None  # 济南、枣庄、内江、乐山
    assert resolve_region("通州区财政局") is None  # 北京、南通
    assert resolve_region("城区人民政府") is None  # 阳泉、晋城、汕尾（and, before 2018, 大同、长治）


def test_ambiguous_resolved_only_as_far_as_certain():
    # two 鼓楼区 in Jiangsu: the province is certain, the city is not
    assert resolve_region("鼓楼区人民政府", "江苏省人民政府办公厅要求……") == "江苏省"
    assert resolve_region("新华区人民政府", "河北省政务公开工作要点") == "河北省"  # 石家庄、沧州


def test_ambiguous_resolved_by_parent_before_the_name():
    assert resolve_region("鼓楼区人民政府", "地址：南京市鼓楼区北京西路1号") == "江苏省南京市鼓楼区"
    assert resolve_region("鼓楼区人民政府", "福州市鼓楼区人民政府门户网站") == "福建省福州市鼓楼区"
    assert resolve_region("朝阳区民政局", "（地址：长春市朝阳区西安大路）") == "吉林省长春市朝阳区"
    assert resolve_region("市中区人民政府", "乐山市市中区人民政府办公室") == "四川省乐山市市中区"
    assert resolve_region("城区人民政府", "本报告由晋城市城区人民政府办公室编制") == "山西省晋城市城区"
    assert resolve_region("通州区财政局", "北京市通州区财政局") == "北京市通州区"


def test_ambiguous_resolved_by_parent_anywhere():
    body = "北京市通州区……全区。我区认真落实北京市政务公开工作要点。"
    assert resolve_region("朝阳区民政局", "认真落实北京市政务公开工作要点，北京城市副中心") == "北京市朝阳区"
    assert resolve_region("通州区医疗保障局", body) == "北京市通州区"
    assert resolve_region("鼓楼区人民政府", "根据福建省和福州市的部署") == "福建省福州市鼓楼区"


def test_ambiguous_with_conflicting_evidence_stays_open():
    body = "北京市有关部门与长春市有关部门"
    assert resolve_region("朝阳区民政局", body) is None


def test_ambiguous_resolved_by_credit_code():
    # 11 350102 ...: registered in 福州市鼓楼区
    assert resolve_region("鼓楼区人民政府", "", "11350102003610013J") == "福建省福州市鼓楼区"
    # a prefecture code narrows to that prefecture's 鼓楼区
    assert resolve_region("鼓楼区人民政府", "", "11320100MB1234567X") == "江苏省南京市鼓楼区"
    # a code outside every candidate does not override the name
    assert resolve_region("鼓楼区人民政府", "", "11371000004313776Q") is None


def test_two_character_county_names_in_text_need_their_parent():
    # 和县 (安徽) inside 市和县级 is not a place; 城区 inside 主城区 neither
    body = "全市和县级政府部门……主城区……"
    assert resolve_region("鼓楼区人民政府", body) is None
    assert resolve_region("应急管理局", "全市和县应急管理局") is None


# --- the credit code ----------------------------------------------------------------------------

def test_credit_code_when_nothing_else():
    assert resolve_region(None, "", "11371000004313776Q") == "山东省威海市"
    assert resolve_region("应急管理局", "", "11371000004313776Q") == "山东省威海市"
    assert resolve_region(None, "", "11110112MB0123456X") == "北京市通州区"
    # national agencies: 100000 is no division
    assert resolve_region("国家统计局", "", "11100000000013127Y") is None
    assert resolve_region(None, "", "not a code") is None
    assert resolve_region(None, "", "1137100000431377") is None  # too short


def test_credit_code_does_not_override_the_name():
    assert resolve_region("江苏省财政厅", "", "11371000004313776Q") == "江苏省"


def test_stale_code_gives_the_successor():
    # 140421 长治县 became 上党区 in 2018; 371081 文登市 became 文登区 in 2014
    assert resolve_region(None, "", "11140421012345678X") == "山西省长治市上党区"
    assert resolve_region(None, "", "11371081004313776Q") == "山东省威海市文登区"


def test_region_of_division_code():
    assert region_of_division_code("371003") == "山东省威海市文登区"
    assert region_of_division_code("510781") == "四川省绵阳市江油市"
    assert region_of_division_code("110100") == "北京市"  # 市辖区
    assert region_of_division_code("429004") == "湖北省仙桃市"
    assert region_of_division_code("429000") == "湖北省"
    assert region_of_division_code("100000") is None
    assert region_of_division_code("abc") is None


# --- names abolished since 2008 -----------------------------------------------------------------

def test_abolished_names_give_the_path_as_it_was():
    assert resolve_region("长治县人民政府") == "山西省长治市长治县"
    assert resolve_region("文登市人民政府") == "山东省威海市文登市"
    assert resolve_region("海东地区乐都县人民政府") == "青海省海东地区乐都县"
    # the same county under a renamed parent is one division, not two
    assert resolve_region("江达县人民政府") == "西藏自治区昌都市江达县"


def test_abolished_homonym_and_year():
    # 江北区: 宁波 (current) and 重庆 (abolished 2025)
    assert resolve_region("江北区民政局") is None
    assert resolve_region("江北区民政局", "重庆市江北区人民政府网站") == "重庆市江北区"
    assert resolve_region("重庆市江北区民政局") == "重庆市江北区"
    assert resolve_region("江北区民政局", year=2026) == "浙江省宁波市江北区"
    # 桥东区: 张家口 (current), 邢台 (renamed 襄都区 in 2020), 石家庄 (abolished 2014)
    assert resolve_region("桥东区民政局") == "河北省"
    assert resolve_region("桥东区民政局", year=2022) == "河北省张家口市桥东区"
    assert resolve_region("桥东区民政局", "邢台市人民政府", year=2018) == "河北省邢台市桥东区"
    assert resolve_region("长治县人民政府", year=2023) is None


# --- data and speed -----------------------------------------------------------------------------

def test_data_file_is_small_and_documented():
    assert DATA_FILE.stat().st_size < 400_000
    head = DATA_FILE.read_text(encoding="utf-8").splitlines()[:6]
    assert any("MIT" in line for line in head)
    assert any("民政部" in line for line in head)


def test_import_is_fast():
    code = (
        "import time; t = time.perf_counter(); import normalize.region; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert float(out.stdout.strip()) < 0.3


def test_lookups_are_fast():
    resolve_region("鼓楼区人民政府")  # build the indexes
    filler = "我局认真贯彻落实党中央、国务院决策部署，主动公开政府信息，回应社会关切。" * 150
    t = time.perf_counter()
    for i in range(100):
        assert resolve_region("鼓楼区人民政府", f"地址：南京市鼓楼区北京西路{i}号。" + filler) == "江苏省南京市鼓楼区"
    assert (time.perf_counter() - t) / 100 < 0.01


def test_alias_of_province_and_prefecture():
    # 吉林: 吉林省 or 吉林市; naming the province proves nothing about the city
    assert resolve_region("中国人民银行吉林中心支行") == "吉林省"
    assert resolve_region("中国人民银行吉林中心支行", "吉林省人民政府") == "吉林省"
    assert resolve_region("中国人民银行吉林中心支行", "地址：吉林市船营区") == "吉林省吉林市"
