"""How the demo loader reads the task list's text: month deadlines, quantities, responsible units."""
import datetime as dt
from decimal import Decimal

from programmes.demo import due_date, indicators_of


def test_a_month_deadline_is_due_at_the_end_of_that_month():
    assert due_date("2022年12月") == dt.date(2022, 12, 31) and due_date("2020年9月") == dt.date(2020, 9, 30)
    assert due_date("持续推进") is None and due_date("自2020级新生起") is None


def test_quantities_in_a_target_become_number_indicators_else_one_milestone():
    found = indicators_of("建设3个省级职业教育专业教学资源库和300门在线开放精品课程。")
    assert [(i["name"], i["target_value"], i["unit"]) for i in found] == [
        ("省级职业教育专业教学资源库", Decimal(3), "个"), ("在线开放精品课程", Decimal(300), "门")]
    assert indicators_of("市属高职院校在校生规模达到23.1万人。")[0]["name"] == "市属高职院校在校生规模"
    assert indicators_of("建设25个左右省级高水平中职专业（群）")[0]["name"] == "省级高水平中职专业（群）"
    assert [i["kind"] for i in indicators_of("建立由部门统一管理的机制。")] == ["milestone"]
