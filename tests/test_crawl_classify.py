"""Report or look-alike, by the listing title; the year and agency it names."""
from __future__ import annotations

import pytest

from crawl.classify import agency_of, classify, is_report_column, year_of


@pytest.mark.parametrize("title, year, agency", [
    ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", 2019, "宿州市人民政府"),
    ("2023年宿州市财政局政府信息公开工作年度报告", 2023, "宿州市财政局"),
    ("市交通运输局2023年度政府信息公开工作年报", 2023, "市交通运输局"),
    ("北京市朝阳区人民政府二〇二三年政府信息公开工作年度报告", 2023, "北京市朝阳区人民政府"),
    ("XX县应急管理局政府信息公开工作年度报告（2022年）", 2022, "XX县应急管理局"),
    ("中共XX市委机构编制委员会办公室2023年政府信息公开工作年度报告", 2023, "中共XX市委机构编制委员会办公室"),
    ("XX市审计局２０２３年政府信息公开工作年度报告", 2023, "XX市审计局"),
    ("2023年度政府信息公开工作年度报告", 2023, None),
    ("某区政务公开工作年度报告（2021）", 2021, "某区"),
])
def test_reports(title, year, agency):
    c = classify(title)
    assert (c.verdict, c.year, c.agency) == ("report", year, agency)


@pytest.mark.parametrize("title", [
    "2024年市政府工作报告", "市财政局2023年预算公开", "2022年部门决算公开", "2023年法治政府建设年度报告",
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知", "《2023年政府信息公开工作年度报告》解读",
    "2023年国民经济和社会发展统计公报", "政府信息公开指南", "2024年政务公开工作要点", "政府信息公开目录",
    "关于印发政府信息公开工作年度报告格式的通知", "新闻发布会",
    "2023年度政府网站工作年度报表", "XX市人民政府门户网站2023年度工作报表", "关于XX局2023年政府信息公开工作年度报告的更正说明",
    "2024年政务公开工作要点", "市财政局2024年部门预决算公开", "关于2023年度政府信息公开工作年度报告的公示",
])
def test_look_alikes(title):
    assert classify(title).verdict == "no"


def test_truncated_title_is_a_maybe():
    assert classify("某某区2021年政府信息公开工作年...").verdict == "maybe"
    assert classify("某某区2021年政府信息公开…").verdict == "maybe"
    assert classify("", "https://x.gov.cn/zfxxgknb/202401/t20240101_1.html").verdict == "maybe"


def test_year_and_agency_helpers():
    assert year_of("2019 2020") is None and year_of("报告 2021") == 2021
    assert agency_of("关于宿州市人民政府2019年政府信息公开工作年度报告") == "宿州市人民政府"


@pytest.mark.parametrize("text, yes", [("2023年", True), ("2022年度", True), ("2021", True), ("部门年报", True),
                                       ("乡镇街道", True), ("政策解读", False), ("首页", False),
                                       ("政府工作报告", False), ("预算决算", False)])
def test_report_columns(text, yes):
    assert is_report_column(text) is yes
