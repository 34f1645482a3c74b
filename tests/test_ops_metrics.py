"""/metrics: who may read it, and that its figures move with what the app does; request ids and JSON logs."""
import json
import logging
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from notifications.models import Notification
from ops.logs import JsonFormatter
from tests.orders_helpers import issue

TOKEN = "metrics-token-for-the-tests-0123456789"
SIGN_VIEW = "api-order-sign"


def scrape(client, **extra) -> dict:
    """{(name, frozenset(labels)): value} of one scrape from loopback (the test client's address)."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "no-store"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def value(samples, name, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.parametrize("extra", [
    {"REMOTE_ADDR": "203.0.113.9"},                                      # not an allowed address
    {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},                               # loopback, but through a proxy
    {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer wrong-token-wrong-token-wrong"},
    {"HTTP_AUTHORIZATION": "Bearer wrong-token-wrong-token-wrong"},      # a wrong token is refused even locally
])
def test_metrics_are_refused_as_not_found(client, settings, extra, db):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", **extra)
    assert response.status_code == 404
    assert b"dudao_" not in response.content


def test_the_token_opens_metrics_from_anywhere(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    samples = scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7",
                     HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ("dudao_orders_overdue", frozenset()) in samples


def test_allowed_networks_come_from_settings(client, settings, db):
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics").status_code == 404, "loopback is no longer in the list"


def test_a_flow_action_moves_the_order_and_request_figures(client, people, tree):
    order = issue(people, tree)
    before = scrape(client)
    assert value(before, "dudao_orders", status="issued") == 1
    signer = Client()
    signer.force_login(people.school_leader)
    assert signer.post(f"/api/v1/orders/{order.pk}/sign/").status_code == 200
    after = scrape(client)
    assert value(after, "dudao_orders", status="issued") == 0
    assert value(after, "dudao_orders", status="rectifying") == 1
    moved = {name: value(after, name, **labels) - value(before, name, **labels) for name, labels in [
        ("dudao_http_requests_total", {"view": SIGN_VIEW, "method": "POST", "status": "200"}),
        ("dudao_http_request_duration_seconds_count", {"view": SIGN_VIEW, "method": "POST"}),
        ("dudao_db_queries_total", {"view": SIGN_VIEW}),
        ("dudao_db_query_seconds_total", {"view": SIGN_VIEW}),
    ]}
    assert moved["dudao_http_requests_total"] == 1 and moved["dudao_http_request_duration_seconds_count"] == 1
    assert moved["dudao_db_queries_total"] >= 5, "a sign runs the flow: several queries"
    assert moved["dudao_db_query_seconds_total"] > 0


def test_overdue_orders_and_the_mail_outbox(client, people, tree):
    order = issue(people, tree)
    order.deadline.__class__.objects.filter(pk=order.deadline_id).update(due_at=timezone.now() - timedelta(hours=1))
    mails = Notification.objects.all()
    mails.update(email=Notification.Email.PENDING)
    Notification.objects.filter(pk=mails.order_by("id").first().pk).update(
        created_at=timezone.now() - timedelta(minutes=10))
    samples = scrape(client)
    assert value(samples, "dudao_orders_overdue") == 1
    assert value(samples, "dudao_outbox_depth", channel="email") == mails.count() > 0
    assert 600 <= value(samples, "dudao_outbox_oldest_age_seconds", channel="email") < 700
    assert value(samples, "dudao_outbox_depth", channel="webhook") == 0


def test_timers_due_then_fired_by_the_scheduler(client, people, tree):
    issue(people, tree)  # the unsigned-order reminder is a flow timer
    timers = Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED)
    assert timers.exists()
    start = scrape(client)
    assert value(start, "dudao_timers_due") == 0 and value(start, "dudao_timers_scheduled") == timers.count()
    late = timers.order_by("id").first()
    Task.objects.filter(pk=late.pk).update(scheduled=timezone.now() - timedelta(minutes=5))
    due = scrape(client)
    assert value(due, "dudao_timers_due") == 1
    assert value(due, "dudao_timers_due_oldest_age_seconds") >= 300, "the scheduler's lag"
    assert value(due, "dudao_scheduler_heartbeat_age_seconds") == -1, "no scheduler ran yet"
    call_command("run_timers", "--once")
    fired = scrape(client)
    assert value(fired, "dudao_timers_due") == 0
    assert value(fired, "dudao_timers_fired_total") >= 1
    assert 0 <= value(fired, "dudao_scheduler_heartbeat_age_seconds") < 5


@pytest.mark.django_db(transaction=True)
def test_websockets_and_pushed_notifications_are_counted(people):
    from config.asgi import application
    from notifications.services import notify

    cookie_client = Client()
    cookie_client.force_login(people.school_staff)
    cookie = (b"cookie", f"sessionid={cookie_client.cookies['sessionid'].value}".encode())
    scraper = Client()

    @database_sync_to_async
    def figures():
        return scrape(scraper)

    @database_sync_to_async
    def tell():
        with transaction.atomic():
            notify(kind="order.issued", recipients=[people.school_staff], title="整改通知书已下发")

    async def scenario():
        before = await figures()
        comm = WebsocketCommunicator(application, "/ws/notifications/",
                                     headers=[(b"origin", b"http://testserver"), cookie])
        assert (await comm.connect(timeout=5))[0]
        await comm.receive_json_from(timeout=3)  # the unread count
        await tell()
        assert (await comm.receive_json_from(timeout=3))["type"] == "notification"
        await comm.receive_json_from(timeout=3)
        during = await figures()
        await comm.disconnect()
        after = await figures()
        return before, during, after

    before, during, after = async_to_sync(scenario)()
    assert value(during, "dudao_websocket_connections") == value(before, "dudao_websocket_connections") + 1
    assert value(after, "dudao_websocket_connections") == value(before, "dudao_websocket_connections")
    assert value(during, "dudao_notifications_pushed_total") == value(before, "dudao_notifications_pushed_total") + 1
    lag_count = "dudao_notification_push_lag_seconds_count"
    assert value(during, lag_count) == value(before, lag_count) + 1


def test_request_id_is_accepted_echoed_and_logged(client, people, caplog):
    client.force_login(people.district_inspector)
    with caplog.at_level(logging.INFO, logger="dudao.request"):
        given = client.get("/", HTTP_X_REQUEST_ID="nginx-7f3a9c1e2b")
        forged = client.get("/", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert given["X-Request-ID"] == "nginx-7f3a9c1e2b"
    assert len(forged["X-Request-ID"]) == 32 and "\n" not in forged["X-Request-ID"], "a malformed id is replaced"
    lines = [r for r in caplog.records if r.name == "dudao.request"]
    assert [r.request_id for r in lines] == ["nginx-7f3a9c1e2b", forged["X-Request-ID"]]
    first = json.loads(JsonFormatter().format(lines[0]))
    assert first["request_id"] == "nginx-7f3a9c1e2b" and first["status"] == given.status_code and first["path"] == "/"
    assert first["user_id"] == people.district_inspector.pk and first["db_queries"] > 0
    assert first["view"] and "duration_ms" in first


def test_json_lines_keep_a_traceback_on_one_line():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "失败: %s", ("/x",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "失败: /x" and "RuntimeError: boom" in parsed["exc"] and parsed["level"] == "ERROR"


def test_the_audit_event_carries_the_request_id(people, tree):
    from inspections.models import AuditEvent

    order = issue(people, tree)
    signer = Client()
    signer.force_login(people.school_leader)
    response = signer.post(f"/api/v1/orders/{order.pk}/sign/", HTTP_X_REQUEST_ID="nginx-0a1b2c3d4e5f")
    assert response.status_code == 200 and response["X-Request-ID"] == "nginx-0a1b2c3d4e5f"
    made = AuditEvent.objects.filter(order=order, request_id="nginx-0a1b2c3d4e5f")
    assert made.exists(), list(AuditEvent.objects.filter(order=order).values_list("action", "request_id"))
    assert not AuditEvent.objects.filter(order=order).exclude(pk__in=made).filter(request_id="nginx-0a1b2c3d4e5f")
    assert AuditEvent.objects.filter(order=order, request_id="").exists(), "the issue ran outside a request"
