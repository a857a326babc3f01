"""Small examples of the classes the variant generator crosses with every format."""
from core import labels
from core.values import is_value_token
from normalize.metadata import parse_date


def test_dates_in_chinese_numerals_read_as_dates():
    assert parse_date("二〇二五年一月九日") == "2025-01-09"
    assert parse_date("二○二四年十二月三十日") == "2024-12-30"
    assert parse_date("二零二三年十月二十一日") == "2023-10-21"
    assert parse_date("2023 年 1 月 16 日") == "2023-01-16"
    # not a date: a month that no numeral reading gives
    assert parse_date("二〇二五年十十月九日") is None


def test_a_title_year_in_chinese_numerals_is_the_reporting_year():
    from normalize.metadata import _norm, name_parts

    assert _norm("示例市生态环境局二〇二二年政府信息公开工作年度报告") == "示例市生态环境局2022年政府信息公开工作年度报告"
    assert name_parts("某市公安局二○二一年度政府信息公开工作年度报告.xlsx") == ("某市公安局", 2021)
    # four numerals that are no year of this century stay as printed
    assert _norm("六七八九年") == "六七八九年"


def test_notes_under_a_table_are_no_template_rows():
    assert labels.is_note("注：本表数据截至12月31日。")
    assert labels.is_note("说明:以上数据不含转办件")
    assert labels.is_note("数据来源：法制科")
    assert labels.is_note("以上数据统计时间为2022年1月1日至12月31日。")
    assert not labels.is_note("四、结转下年度继续办理")
    assert not labels.is_note("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    assert not labels.is_note("1.属于国家秘密")


def test_a_count_with_its_unit_is_a_value_not_a_label():
    assert is_value_token("12件") and is_value_token("251000元") and is_value_token("0.5万元")
    assert not is_value_token("行政许可")


def test_a_number_with_a_note_on_its_parts_is_that_number():
    from core.values import parse

    assert parse("22（其中修订16件）").value == 22
    assert parse("22(含修订16件)").value == 22
    # brackets that are not a note on the number's parts are no number
    assert parse("2（3）").value is None and not is_value_token("（1）")


def test_agency_and_year_from_a_file_or_sheet_name():
    from normalize.metadata import name_parts

    assert name_parts("某市公安局2020年政府信息公开工作年度报告.xlsx") == ("某市公安局", 2020)
    assert name_parts("附件1-示例县人民政府2021年政府信息公开工作年度报告.pdf") == ("示例县人民政府", 2021)
    assert name_parts("示例市生态环境局2022年度") == ("示例市生态环境局", 2022)
    # a name that says neither: nothing, not a guess
    assert name_parts("主动公开") == (None, None)
    assert name_parts("d001.xlsx") == (None, None)
    assert name_parts("2022年报表") == (None, None)


def test_the_published_date_of_a_catalogue_block_when_no_date_is_signed():
    from core.document import ExtractedDocument, TextBlock
    from normalize.metadata import published_date

    doc = ExtractedDocument(blocks=[TextBlock("索引号：000014349/2023-00012　发布机构：示例局　发布日期：二〇二三年一月十八日"),
                                    TextBlock("示例局2022年政府信息公开工作年度报告"), TextBlock("示例局")])
    assert published_date(doc) == "2023-01-18"
    # a signed date wins over the catalogue's
    doc.blocks.append(TextBlock("2023年1月20日"))
    assert published_date(doc) == "2023-01-20"


def test_a_middle_dot_after_a_label_number_is_its_full_stop():
    # OCR reads the full-width "．" of "3．其他" as "·" or "・"; a date such as 3·15 keeps its dot
    assert labels.key("3·其他") == labels.key("3．其他") == labels.key("3.其他")
    assert labels.enum_number("2・没有现成信息") == 2
    assert labels.strip_enum("3·15") == "3·15"
