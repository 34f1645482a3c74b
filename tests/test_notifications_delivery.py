"""E-mail, group-robot webhooks (against a robot on 127.0.0.1), the daily digest, and the page."""
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications import delivery
from notifications import events as ev
from notifications.digest import build_digest, send_digest
from notifications.models import DailyDigest, Notification, NotificationPreference, OrganizationWebhook, WebhookDelivery
from notifications.services import notify
from .notification_factories import make_order


class Robot:
    """A local group robot: answers each POST from a script of status codes, records the bodies."""

    def __init__(self):
        self.bodies, self.script, self.delay = [], [], 0.0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                robot.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                time.sleep(robot.delay)
                status = robot.script.pop(0) if robot.script else 200
                answer = json.dumps({"errcode": 0 if status == 200 else 93000, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.server.shutdown()


@pytest.fixture
def inline(settings):
    settings.NOTIFICATIONS_BACKGROUND = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _with_email(*users):
    for user in users:
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])


def _issue(people, tree):
    with transaction.atomic():
        order = make_order(school=tree.school_a, issued_by=people.district_inspector)
        # an event the whole school hears (the school's staff and its leader)
        ev.emit(ev.ORDER_RECHECK_FAILED, target=order, actor=people.district_inspector)
    return order


# --- e-mail ------------------------------------------------------------------------

def test_each_recipient_gets_one_mail_after_commit(people, tree, inline, django_capture_on_commit_callbacks):
    _with_email(people.school_staff, people.school_leader, people.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        order = _issue(people, tree)
    assert sorted(m.to[0] for m in mail.outbox) == ["school_leader@example.test", "school_staff@example.test"]
    assert all(order.number in m.subject for m in mail.outbox)


def test_user_who_opted_out_gets_no_mail(people, tree, inline, django_capture_on_commit_callbacks):
    _with_email(people.school_staff, people.school_leader)
    NotificationPreference.objects.create(user=people.school_staff, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        _issue(people, tree)
    assert [m.to[0] for m in mail.outbox] == ["school_leader@example.test"]


def _stored_ago(minutes):
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_mail_of_a_worker_killed_after_commit_is_sent_by_the_scheduler_once(people, tree, inline,
                                                                            django_capture_on_commit_callbacks):
    _with_email(people.school_staff)
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies before its after-commit thread runs
        notify(kind="order.issued", recipients=[people.school_staff], title="整改通知")
    assert mail.outbox == [] and Notification.objects.get().email == Notification.Email.PENDING
    assert delivery.send_due_emails() == 0  # within the grace minute it is the worker's to send
    _stored_ago(2)
    call_command("run_timers", "--once")
    call_command("run_timers", "--once")
    assert [m.to[0] for m in mail.outbox] == ["school_staff@example.test"]
    assert Notification.objects.get().email == Notification.Email.SENT


def test_after_commit_sender_and_scheduler_never_mail_twice(people, tree, inline, django_capture_on_commit_callbacks):
    _with_email(people.school_staff, people.school_leader)
    with django_capture_on_commit_callbacks(execute=True):
        _issue(people, tree)
    _stored_ago(2)
    assert delivery.send_due_emails() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["school_leader@example.test", "school_staff@example.test"]


def test_refused_mail_stays_pending_and_does_not_hold_back_the_others(people, tree, inline, monkeypatch):
    _with_email(people.school_staff, people.school_leader)
    notes = notify(kind="order.issued", recipients=[people.school_staff, people.school_leader], title="整改通知")
    real = delivery.send_mail

    def refuse_staff(subject, text, sender, to, **kwargs):
        if to == ["school_staff@example.test"]:
            raise OSError("mailbox unavailable")
        return real(subject, text, sender, to, **kwargs)
    monkeypatch.setattr(delivery, "send_mail", refuse_staff)
    assert delivery.send_emails([n.pk for n in notes]) == 1
    states = dict(Notification.objects.values_list("recipient__username", "email"))
    assert states == {"school_staff": "pending", "school_leader": "sent"}


def test_opted_out_mail_is_marked_skipped_not_retried(people, tree, inline):
    _with_email(people.school_staff)
    NotificationPreference.objects.create(user=people.school_staff, email_enabled=False)
    note, = notify(kind="order.issued", recipients=[people.school_staff], title="整改通知")
    _stored_ago(2)
    assert delivery.send_due_emails() == 0 and mail.outbox == []
    note.refresh_from_db()
    assert note.email == Notification.Email.SKIPPED


def test_rolled_back_event_sends_no_mail_and_queues_no_callback(people, tree, inline,
                                                                 django_capture_on_commit_callbacks):
    _with_email(people.school_staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(kind="order.issued", recipients=[people.school_staff], title="回滚")
            raise RuntimeError
    assert callbacks == [] and mail.outbox == []


def test_committed_event_queues_exactly_one_after_commit_callback(people, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _issue(people, tree)
    assert len(callbacks) == 1
    assert callbacks[0].func.__name__ == "after_commit"
    assert sorted(callbacks[0].args[0]) == sorted(Notification.objects.values_list("pk", flat=True))


# --- webhooks --------------------------------------------------------------------

def test_school_robot_gets_wecom_text_after_commit(people, tree, robot, inline, django_capture_on_commit_callbacks):
    OrganizationWebhook.objects.create(organization=tree.school_a, url=robot.url, kind="wecom")
    OrganizationWebhook.objects.create(organization=tree.school_b, url=robot.url, kind="wecom")
    with django_capture_on_commit_callbacks(execute=True):
        order = _issue(people, tree)
    assert len(robot.bodies) == 1  # school B's robot hears nothing of school A
    assert robot.bodies[0]["msgtype"] == "text" and order.number in robot.bodies[0]["text"]["content"]
    assert WebhookDelivery.objects.get().status == "sent"


def test_dingtalk_markdown_shape(people, tree):
    hook = OrganizationWebhook(organization=tree.school_a, url="http://127.0.0.1:9/", kind="dingtalk", markdown=True)
    payload = delivery.robot_payload(hook, title="整改通知书", body="请签收", link="/orders/1/")
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"] == "整改通知书"
    assert "/orders/1/" in payload["markdown"]["text"]


def test_failing_robot_is_retried_with_back_off_and_never_breaks_the_workflow(people, tree, robot, inline,
                                                                              django_capture_on_commit_callbacks):
    OrganizationWebhook.objects.create(organization=tree.school_a, url=robot.url, kind="wecom")
    robot.script = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        _issue(people, tree)
    assert Notification.objects.filter(kind=ev.ORDER_RECHECK_FAILED).count() == 2  # the workflow went through
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts) == ("pending", 1) and "500" in row.last_error
    first_wait = row.next_attempt_at - timezone.now()
    assert delivery.deliver_due_webhooks() == 0  # not due yet
    assert delivery.deliver_due_webhooks(now=row.next_attempt_at) == 0  # second failure
    row.refresh_from_db()
    assert row.attempts == 2 and (row.next_attempt_at - timezone.now()) > first_wait * 1.5
    assert delivery.deliver_due_webhooks(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_robot_gives_up_after_the_last_attempt(people, tree):
    hook = OrganizationWebhook.objects.create(organization=tree.school_a, url="http://127.0.0.1:9/", kind="wecom")
    row = WebhookDelivery.objects.create(webhook=hook, payload={}, next_attempt_at=timezone.now(),
                                         attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.deliver_due_webhooks()
    row.refresh_from_db()
    assert row.status == "failed"


def test_backoff_doubles_and_is_capped():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert delivery.backoff(30) == delivery.BACKOFF_CAP


@pytest.mark.django_db(transaction=True)
def test_slow_robot_does_not_block_the_committing_request(people, tree, robot):
    OrganizationWebhook.objects.create(organization=tree.school_a, url=robot.url, kind="wecom")
    robot.delay = 2.0
    started = time.monotonic()
    _issue(people, tree)
    assert time.monotonic() - started < 1.0
    for _ in range(60):
        if WebhookDelivery.objects.filter(status="sent").exists():
            break
        time.sleep(0.1)
    assert WebhookDelivery.objects.get().status == "sent"


# --- digest ----------------------------------------------------------------------

def _orders_for_digest(people, tree, today):
    now = dt.datetime.combine(today, dt.time(9), tzinfo=timezone.get_current_timezone())
    soon = make_order(school=tree.school_a, issued_by=people.district_inspector, working_days=2, start=now)
    late = make_order(school=tree.school_a, issued_by=people.district_inspector, working_days=1,
                      start=now - dt.timedelta(days=20))
    far = make_order(school=tree.school_a, issued_by=people.district_inspector, working_days=20, start=now)
    closed = make_order(school=tree.school_a, issued_by=people.district_inspector, working_days=1,
                        start=now - dt.timedelta(days=20), status="closed")
    other = make_order(school=tree.school_b, issued_by=people.other_district_inspector, working_days=2, start=now)
    # reported in time and past its deadline now, waiting for the inspector: not the school's overdue
    rechecking = make_order(school=tree.school_a, issued_by=people.district_inspector, working_days=1,
                            start=now - dt.timedelta(days=20), status="rechecking")
    return soon, late, far, closed, other, rechecking


def test_digest_lists_due_soon_and_overdue_visible_orders(people, tree):
    today = dt.date(2026, 6, 1)  # a Monday
    soon, late, far, closed, other, rechecking = _orders_for_digest(people, tree, today)
    digest = build_digest(people.school_staff, today)
    assert digest.due_soon == [soon] and digest.overdue == [late]  # not the closed one, nor the one re-checked
    assert other not in build_digest(people.district_leader, today).due_soon
    assert other in build_digest(people.city_leader, today).due_soon


def test_digest_is_sent_once_per_user_per_day(people, tree, inline, django_capture_on_commit_callbacks):
    today = dt.date(2026, 6, 1)
    _with_email(people.school_staff)
    soon, *_ = _orders_for_digest(people, tree, today)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digest(people.school_staff, today) is True
        assert send_digest(people.school_staff, today) is False
    note = Notification.objects.get(kind="digest", recipient=people.school_staff)
    assert soon.number in note.body and DailyDigest.objects.count() == 1
    assert [m.to[0] for m in mail.outbox] == ["school_staff@example.test"]


def test_digest_command_tells_only_people_with_something_due(people, tree):
    today = dt.date(2026, 6, 1)
    _orders_for_digest(people, tree, today)
    call_command("send_digests", date=today.isoformat())
    call_command("send_digests", date=today.isoformat())
    told = set(Notification.objects.filter(kind="digest").values_list("recipient__username", flat=True))
    assert {"school_staff", "school_leader", "district_leader", "city_leader"} <= told
    assert "outsider" not in told
    assert Notification.objects.filter(kind="digest", recipient=people.school_staff).count() == 1


# --- the page ----------------------------------------------------------------------

def test_page_filters_unread_and_read_and_shows_only_own(people, client):
    read, unread = (notify(kind="x", recipients=[people.school_staff], title=t)[0] for t in ("已读的", "未读的"))
    read.read_at = timezone.now()
    read.save(update_fields=["read_at"])
    notify(kind="x", recipients=[people.outsider], title="别人的通知")
    client.force_login(people.school_staff)
    assert "未读的" in client.get("/notifications/?state=unread").text
    assert "已读的" not in client.get("/notifications/?state=unread").text
    assert "已读的" in client.get("/notifications/?state=read").text
    assert "别人的通知" not in client.get("/notifications/").text


def test_mark_all_read_clears_the_count(people, client):
    notify(kind="x", recipients=[people.school_staff, people.outsider], title="a")
    client.force_login(people.school_staff)
    assert client.post("/notifications/mark-all-read/", {"state": "unread"}).status_code == 302
    assert client.get("/notifications/bell/").json()["unread"] == 0
    assert Notification.objects.get(recipient=people.outsider).read_at is None


def test_opening_another_users_notification_is_404(people, client):
    theirs = notify(kind="x", recipients=[people.outsider], title="a", link="/orders/1/")[0]
    client.force_login(people.school_staff)
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    client.force_login(people.outsider)
    assert client.get(f"/notifications/{theirs.pk}/open/")["Location"] == "/orders/1/"


def test_bell_in_shell_shows_unread_count(people, client):
    notify(kind="x", recipients=[people.school_staff], title="a")
    client.force_login(people.school_staff)
    html = client.get("/notifications/").text
    assert 'data-dudao-bell' in html and 'data-unread="1"' in html and "dudao/notifications.js" in html


def test_preferences_turn_email_off(people, client):
    client.force_login(people.school_staff)
    client.post("/notifications/preferences/", {"digest_enabled": "on"})
    pref = NotificationPreference.objects.get(user=people.school_staff)
    assert (pref.email_enabled, pref.digest_enabled) == (False, True)


def test_anonymous_page_redirects_to_login(client):
    assert client.get("/notifications/").status_code == 302


def test_digests_go_out_once_from_seven_in_the_morning(people, tree):
    from django.core.cache import cache

    from notifications.digest import send_digests_if_due

    today = dt.date(2026, 6, 1)
    cache.delete(f"dudao:digests-done:{today.isoformat()}")  # the Redis cache outlives test runs
    _orders_for_digest(people, tree, today)
    early = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert send_digests_if_due(early) == 0
    assert send_digests_if_due(early + dt.timedelta(hours=1)) >= 4
    assert send_digests_if_due(early + dt.timedelta(hours=2)) == 0
