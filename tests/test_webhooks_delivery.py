"""Integrators' webhooks: a signed delivery reaches a real local receiver after commit, a failing receiver is
retried with back-off and the log says so, and nothing crosses an organisation's subtree or a visit's secrecy."""
import datetime as dt
import json
import time

from django.utils import timezone

from inspections.visits.services import visit_check_in
from notifications.delivery import backoff
from webhooks import outbox
from webhooks.models import Delivery, Endpoint

from .clue_helpers import hotline_clue
from .orders_helpers import issue
from .visits_helpers import plan
from .webhook_helpers import admin_at, api, receiver, register, verifies  # noqa: F401  (receiver: a fixture)


def _endpoint(user, organization, url, events=("order.issued",)):
    answer = register(user, organization, url, list(events))
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_registered_endpoint_receives_one_signed_delivery_after_commit(people, tree, receiver,
                                                                         django_capture_on_commit_callbacks):
    made = _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(people, tree)
        assert receiver.requests == []  # nothing leaves before the change commits
    [request] = receiver.requests
    assert verifies(made["secret"], request)
    assert abs(int(request.headers["X-Dudao-Timestamp"]) - time.time()) < 60
    assert request.path == "/dudao/events?k=1" and request.headers["X-Dudao-Event"] == "order.issued"
    body = json.loads(request.body)
    assert set(body) == {"event", "occurred_at", "object", "data"}
    assert body["object"] == {"type": "order", "id": order.pk, "url": f"/api/v1/orders/{order.pk}/"}
    assert body["data"]["number"] == order.number and body["data"]["school"] == tree.school_a.pk
    row = Delivery.objects.get()
    assert row.status == "sent" and row.attempts == 1 and request.headers["X-Dudao-Delivery"] == str(row.uuid)


def test_a_tampered_body_or_another_secret_does_not_verify(people, tree, receiver, django_capture_on_commit_callbacks):
    made = _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)
    [request] = receiver.requests
    request.body = request.body.replace(b'"order.issued"', b'"order.closed"')
    assert not verifies(made["secret"], request)


def test_a_failing_receiver_is_retried_with_back_off_and_the_log_shows_it(people, tree, receiver,
                                                                          django_capture_on_commit_callbacks):
    admin = admin_at("da_admin", tree.district_a)
    made = _endpoint(admin, tree.district_a, receiver.url)
    receiver.script = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("pending", 1) and "HTTP 500" in row.last_error
    first_due = row.next_attempt_at
    assert outbox.deliver_due(now=first_due - dt.timedelta(seconds=1)) == 0  # not due yet: no second request
    assert outbox.deliver_due(now=first_due) == 0  # the retry is answered 503
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == first_due + backoff(2) and "HTTP 503" in row.last_error
    assert outbox.deliver_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 3 and len(receiver.requests) == 3
    assert len({r.headers["X-Dudao-Delivery"] for r in receiver.requests}) == 1  # one delivery id, three tries
    log = api(admin).get(f"/api/v1/webhooks/{made['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"]) for d in log] == [("sent", 3)]


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(people, tree, receiver,
                                                                          django_capture_on_commit_callbacks):
    _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url)
    receiver.script = [500] * 20
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)
    for _ in range(10):
        row = Delivery.objects.get()
        outbox.deliver_due(now=row.next_attempt_at)
    row = Delivery.objects.get()
    assert row.status == "failed" and row.attempts == 8 and len(receiver.requests) == 8


def test_an_endpoint_hears_only_its_own_subtree(people, tree, receiver, django_capture_on_commit_callbacks):
    _endpoint(admin_at("db_admin", tree.district_b), tree.district_b, receiver.url)
    city = _endpoint(people.city_admin, tree.city, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)  # an order of district A's school
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [city["id"]]
    assert len(receiver.requests) == 1


def test_an_endpoint_hears_only_the_events_it_chose(people, tree, receiver, django_capture_on_commit_callbacks):
    _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, events=["order.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_a_school_endpoint_never_hears_of_a_surprise_visit_before_check_in(people, tree, receiver,
                                                                           django_capture_on_commit_callbacks):
    events = ["visit.assigned", "visit.submitted"]
    school = _endpoint(admin_at("sa_admin", tree.school_a), tree.school_a, receiver.url, events)
    district = _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, events)
    with django_capture_on_commit_callbacks(execute=True):
        surprise = plan(people, tree, kind="surprise")
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [district["id"]]
    assert [json.loads(r.body)["object"]["id"] for r in receiver.requests] == [surprise.pk]
    with django_capture_on_commit_callbacks(execute=True):
        routine = plan(people, tree, kind="routine")
    heard = set(Delivery.objects.filter(payload__object__id=routine.pk).values_list("endpoint_id", flat=True))
    assert heard == {school["id"], district["id"]}  # an announced visit is the school's to know


def test_a_school_endpoint_hears_of_the_surprise_visit_once_checked_in(people, tree, receiver):
    school = Endpoint.objects.get(pk=_endpoint(admin_at("sa_admin", tree.school_a), tree.school_a, receiver.url,
                                               ["visit.submitted"])["id"])
    surprise = plan(people, tree, kind="surprise")
    assert outbox.endpoints_for("visit.submitted", surprise) == []
    visit_check_in(visit=surprise, user=people.district_inspector, geo_status="denied")
    surprise.refresh_from_db()
    assert outbox.endpoints_for("visit.submitted", surprise) == [school]


def test_a_clue_event_never_reaches_a_school_endpoint(people, tree, receiver):
    school = _endpoint(admin_at("sa_admin", tree.school_a), tree.school_a, receiver.url, ["clue.registered"])
    district = _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, ["clue.registered"])
    clue = hotline_clue(people, tree, ref="GD-1", school=tree.school_a)  # a complaint about the school itself
    assert [e.pk for e in outbox.endpoints_for("clue.registered", clue)] == [district["id"]]
    assert not Delivery.objects.filter(endpoint_id=school["id"]).exists()


def test_a_clue_payload_carries_no_complainant(people, tree, receiver, django_capture_on_commit_callbacks):
    _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, ["clue.registered"])
    with django_capture_on_commit_callbacks(execute=True):
        clue = hotline_clue(people, tree, ref="GD-7")
    [request] = receiver.requests
    text = request.body.decode()
    assert json.loads(text)["object"]["id"] == clue.pk
    for secret in filter(None, (clue.complainant_name, clue.complainant_contact, clue.content)):
        assert secret not in text


def test_a_target_that_resolves_inward_by_send_time_is_refused_without_a_connection(people, tree, receiver,
                                                                                    django_capture_on_commit_callbacks):
    made = _endpoint(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url)
    Endpoint.objects.filter(pk=made["id"]).update(url="https://10.20.30.40/hook")  # as if DNS now pointed inward
    with django_capture_on_commit_callbacks(execute=True):
        issue(people, tree)
    row = Delivery.objects.get()
    assert row.status == "pending" and "内部网络" in row.last_error and receiver.requests == []
    assert row.next_attempt_at > timezone.now()
