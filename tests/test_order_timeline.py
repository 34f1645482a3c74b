"""The order's history reads as sentences with people's names and organisations, in the reader's language."""
from django.test import Client
from django.utils import translation

from inspections.models import AuditEvent
from inspections.orders.services import recheck_record, report_approve, report_submit
from inspections.orders.timeline import SENTENCES, order_timeline, sentence

from .orders_helpers import issue, pass_and_close, sign_and_report

RAW_CODES = ("order.issued", "recheck.fail", "report.submitted", "closure.approved", "order.signed")


def _walked(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    recheck_record(order=order, user=people.district_inspector, method="document", result="fail", notes="仍未整改")
    report_submit(order=order, user=people.school_staff, measures="第二轮整改")
    report_approve(order=order, user=people.school_leader)
    pass_and_close(people, order)
    return order


def test_timeline_names_people_and_their_organisation_in_sentences(people, tree):
    order = _walked(people, tree)
    lines = [str(e) for e in order_timeline(order)]
    assert any(line.endswith("甲区教体局 district_inspector 下发整改通知书") for line in lines)
    assert any("甲一职专 school_leader 签收整改通知书" in line for line in lines)
    assert any("复查未通过，进入下一轮整改" in line for line in lines)
    assert any("区县审批销号" in line for line in lines)


def test_order_page_shows_no_raw_codes_or_login_only_lines(people, tree):
    order = _walked(people, tree)
    client = Client()
    client.force_login(people.school_staff)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    timeline = page[page.index("data-timeline"):]
    assert not [code for code in RAW_CODES if code in timeline]
    assert "下发整改通知书" in timeline


def test_timeline_follows_the_readers_language(people, tree):
    order = issue(people, tree)
    with translation.override("en"):
        text = " ".join(str(e) for e in order_timeline(order))
    assert "Issued the rectification notice" in text and "下发" not in text


def test_every_order_action_the_services_record_has_a_sentence(people, tree):
    order = _walked(people, tree)
    actions = set(AuditEvent.objects.filter(order=order).values_list("action", flat=True))
    unknown = {a for a in actions if a not in SENTENCES and a not in ("order.escalated", "closure.approved")}
    assert not unknown


def test_an_unknown_code_is_told_plainly_never_raw(people, tree):
    event = AuditEvent(action="order.something_new", after={})
    with translation.override("zh-hans"):
        assert sentence(event) == "更新整改通知书"
