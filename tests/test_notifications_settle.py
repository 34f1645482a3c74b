"""A notification is done when its step is (the `settles` column of notifications.rules.RULES), and it reads
in the reader's language whatever language caused it (stored as template + parameters, rendered when read)."""
from functools import partial

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import translation

from inspections.orders.services import order_sign, recheck_record, report_submit
from notifications import events as ev
from notifications import services
from notifications.models import Notification
from notifications.rules import RULES
from notifications.services import unread_count

from .orders_helpers import issue, pass_and_close, sign_and_report


def _about(order, kind, user=None):
    rows = Notification.objects.filter(kind=kind, target_id=str(order.pk))
    return rows.filter(recipient=user) if user is not None else rows


def test_sign_request_leaves_the_school_leaders_bell_once_the_order_is_signed(people, tree):
    order, other = issue(people, tree), issue(people, tree)  # the second still waits for its signature
    leader = people.school_leader
    before = unread_count(leader)
    order_sign(order=order, user=leader)
    asked = _about(order, ev.ORDER_ISSUED, leader).get()
    assert asked.done_at is not None and asked.read_at is not None  # done, and off the bell, kept in the list
    assert _about(other, ev.ORDER_ISSUED, leader).get().done_at is None
    assert unread_count(leader) == before - 1
    told = _about(order, ev.ORDER_SIGNED)
    assert told.exists() and not told.filter(done_at__isnull=False).exists()  # the newest event stays open


def test_submitting_the_report_settles_please_report_but_not_the_leaders_overdue_notice(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    ev.emit(ev.ORDER_OVERDUE, target=order)
    report_submit(order=order, user=people.school_staff, measures="已清理通道")
    assert _about(order, ev.ORDER_SIGNED, people.school_staff).get().done_at is not None
    assert _about(order, ev.ORDER_OVERDUE, people.district_leader).get().done_at is None  # still true, still open


def test_escalation_leaves_the_inspectors_recheck_overdue_open(people, tree):
    # The wave-1 attempt settled every earlier notice about the order: escalation then hid 复查已超期.
    order = issue(people, tree)
    ev.emit(ev.ORDER_RECHECK_OVERDUE, target=order)
    ev.emit(ev.ORDER_ESCALATED, target=order, reason="second_overdue")
    assert not _about(order, ev.ORDER_RECHECK_OVERDUE).filter(done_at__isnull=False).exists()


def test_a_failed_recheck_settles_the_recheck_request_and_asks_the_school_again(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    assert _about(order, ev.ORDER_REPORTED, people.district_inspector).get().done_at is None
    recheck_record(order=order, user=people.district_inspector, method="document", result="fail", notes="仍未整改")
    assert _about(order, ev.ORDER_REPORTED, people.district_inspector).get().done_at is not None
    failed = _about(order, ev.ORDER_RECHECK_FAILED, people.school_staff).get()
    assert failed.done_at is None and failed.read_at is None


def test_closing_the_order_leaves_nothing_open_about_it(people, tree):
    order, other = issue(people, tree), issue(people, tree)
    sign_and_report(people, order)
    pass_and_close(people, order)
    still_open = Notification.objects.filter(target_id=str(order.pk), done_at__isnull=True)
    assert set(still_open.values_list("kind", flat=True)) == {ev.ORDER_CLOSED}
    assert _about(other, ev.ORDER_ISSUED).filter(done_at__isnull=True).exists()


def test_an_event_never_settles_its_own_kind_and_names_only_known_events():
    for event, rule in RULES.items():
        assert event not in rule.settles, event  # a second reminder must not hide the first
        assert set(rule.settles) <= set(RULES), event


def test_every_bell_whose_count_fell_hears_it_after_commit(people, tree, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    order = issue(people, tree)
    heard = []
    monkeypatch.setattr(services, "push_unread", heard.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order_sign(order=order, user=people.school_leader)
    assert people.school_leader.pk in heard
    assert callbacks  # and nothing was pushed before the commit


def test_notification_reads_in_the_readers_language_not_the_actors(people, tree):
    with translation.override("en"):  # an English-speaking inspector issues it
        order = issue(people, tree)
    note = _about(order, ev.ORDER_ISSUED, people.school_leader).get()
    assert note.title == f"整改通知书 {order.number} 已下发，请签收"  # stored Chinese for mail and robots
    with translation.override("en"):
        assert note.display_title == f"Rectification order {order.number} has been issued; please sign for it"
    with translation.override("zh-hans"):
        assert note.display_title == note.title


def test_notifications_page_and_api_follow_the_readers_language_cookie(people, tree):
    order = issue(people, tree)
    client = Client()
    client.force_login(people.school_leader)
    client.cookies["django_language"] = "en"
    page = client.get("/notifications/").content.decode()
    assert f"Rectification order {order.number} has been issued" in page and "已下发，请签收" not in page
    api = client.get("/api/v1/notifications/").json()["results"]
    assert api[0]["title"].startswith(f"Rectification order {order.number}")
    client.cookies["django_language"] = "zh-hans"
    assert "已下发，请签收" in client.get("/notifications/").content.decode()


def test_signed_order_shows_its_request_as_done_in_the_list(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    client = Client()
    client.force_login(people.school_leader)
    page = client.get("/notifications/").content.decode()
    assert "dd-note--done" in page and "已办结" in page
    assert client.get("/api/v1/notifications/").json()["results"][0]["done"] is True


def test_a_clues_source_follows_the_readers_language(people, tree):
    from .clue_helpers import hotline_clue
    clue = hotline_clue(people, tree)
    note = Notification.objects.filter(kind=ev.CLUE_REGISTERED, target_id=str(clue.pk)).first()
    with translation.override("zh-hans"):
        zh = note.display_title
    with translation.override("en"):
        en = note.display_title
    assert clue.external_ref in zh and clue.external_ref in en
    assert en != zh and not any("\u4e00" <= ch <= "\u9fff" for ch in en), en


def test_a_template_that_no_longer_fits_shows_the_stored_text(people):
    note = Notification(recipient=people.school_leader, kind="x", title="原文", template="%(gone)s", params={})
    assert note.display_title == "原文"


@pytest.mark.django_db(transaction=True)
def test_socket_receives_a_push_in_its_own_language(people, tree):
    from channels.db import database_sync_to_async

    from .test_notifications_consumer import connect, receive, session_cookie

    cookie = session_cookie(people.school_leader)

    async def scenario():
        comm, accepted, _ = await connect(headers=[(b"cookie", cookie[1] + b"; django_language=en")])
        assert accepted
        await receive(comm)  # the unread count on connect
        order = await database_sync_to_async(partial(issue, people, tree))()
        message = await receive(comm)
        assert message["notification"]["title"].startswith(f"Rectification order {order.number}")
        await comm.disconnect()

    async_to_sync(scenario)()
