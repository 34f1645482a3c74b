"""The webhook registration API: admins only, through the one policy (404 outside one's reach, 403 for a
visible organisation one does not administer), the secret shown once, rotation, deletion, replayed creates,
and the refused targets (http://, private and metadata addresses)."""
import uuid

import pytest

from webhooks.models import Endpoint
from webhooks.sender import signature

from .webhook_helpers import admin_at, api, receiver, register  # noqa: F401  (receiver: a fixture)

EVENTS = ["order.issued", "order.closed"]


def test_an_admin_registers_and_sees_the_secret_once(tree, receiver):
    admin = admin_at("da_admin", tree.district_a)
    made = register(admin, tree.district_a, receiver.url, EVENTS, description="省平台")
    assert made.status_code == 201, made.content
    secret = made.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    read = api(admin).get(f"/api/v1/webhooks/{made.json()['id']}/").json()
    assert "secret" not in read and read["secret_hint"] == secret[:10] + "…"
    listed = api(admin).get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed["results"]] == [made.json()["id"]] and "secret" not in listed["results"][0]


def test_an_admin_of_another_district_gets_404_for_the_organisation_and_its_endpoints(tree, receiver):
    owner = admin_at("da_admin", tree.district_a)
    made = register(owner, tree.district_a, receiver.url, EVENTS).json()
    outsider = admin_at("db_admin", tree.district_b)
    assert register(outsider, tree.district_a, receiver.url, EVENTS).status_code == 404
    assert register(outsider, tree.school_a, receiver.url, EVENTS).status_code == 404
    for call in (lambda c: c.get(f"/api/v1/webhooks/{made['id']}/"),
                 lambda c: c.delete(f"/api/v1/webhooks/{made['id']}/"),
                 lambda c: c.post(f"/api/v1/webhooks/{made['id']}/rotate-secret/"),
                 lambda c: c.get(f"/api/v1/webhooks/{made['id']}/deliveries/")):
        assert call(api(outsider)).status_code == 404
    assert api(outsider).get("/api/v1/webhooks/").json()["results"] == []
    assert Endpoint.objects.count() == 1 and Endpoint.objects.get().secret == made["secret"]


def test_a_leader_who_sees_the_district_but_does_not_administer_it_is_refused_403(people, tree, receiver):
    assert register(people.district_leader, tree.district_a, receiver.url, EVENTS).status_code == 403
    assert register(people.school_leader, tree.school_a, receiver.url, EVENTS).status_code == 403
    assert not Endpoint.objects.exists()


def test_a_school_admin_sees_no_endpoint_of_the_district_above(tree, receiver):
    made = register(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, EVENTS).json()
    school_admin = admin_at("sa_admin", tree.school_a)
    assert api(school_admin).get(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    assert register(school_admin, tree.district_a, receiver.url, EVENTS).status_code == 404


def test_the_city_admin_manages_a_district_endpoint(people, tree, receiver):
    made = register(admin_at("da_admin", tree.district_a), tree.district_a, receiver.url, EVENTS).json()
    assert api(people.city_admin).get(f"/api/v1/webhooks/{made['id']}/").status_code == 200


def test_rotating_the_secret_signs_with_the_new_one_only(tree, receiver):
    admin = admin_at("da_admin", tree.district_a)
    made = register(admin, tree.district_a, receiver.url, EVENTS).json()
    rotated = api(admin).post(f"/api/v1/webhooks/{made['id']}/rotate-secret/")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != made["secret"] and Endpoint.objects.get().secret == new
    assert signature(new, "1", b"{}") != signature(made["secret"], "1", b"{}")


def test_deleting_an_endpoint_removes_it_and_a_second_delete_is_404(tree, receiver):
    admin = admin_at("da_admin", tree.district_a)
    made = register(admin, tree.district_a, receiver.url, EVENTS).json()
    assert api(admin).delete(f"/api/v1/webhooks/{made['id']}/").status_code == 204
    assert not Endpoint.objects.exists()
    assert api(admin).delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404


def test_a_replayed_create_makes_one_endpoint_and_answers_200_without_the_secret(tree, receiver):
    admin = admin_at("da_admin", tree.district_a)
    key = str(uuid.uuid4())
    first = register(admin, tree.district_a, receiver.url, EVENTS, client_uuid=key)
    again = register(admin, tree.district_a, receiver.url, EVENTS, client_uuid=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["secret"] is None
    assert Endpoint.objects.count() == 1
    other = admin_at("db_admin", tree.district_b)  # the same UUID elsewhere reveals nothing
    assert register(other, tree.district_b, receiver.url, EVENTS, client_uuid=key).status_code == 403


def test_unknown_or_no_event_types_are_400(tree, receiver):
    admin = admin_at("da_admin", tree.district_a)
    assert "events" in register(admin, tree.district_a, receiver.url, ["order.nothing"]).json()
    assert "events" in register(admin, tree.district_a, receiver.url, []).json()
    assert "events" in register(admin, tree.district_a, receiver.url, ["programme.task_overdue"]).json()


@pytest.mark.parametrize("url", [
    "http://example.org/hook",          # not https
    "https://10.0.0.5/hook",            # private
    "https://192.168.1.20/hook",        # private
    "https://169.254.169.254/latest/",  # cloud metadata (link-local)
    "https://[fd00::1]/hook",           # unique-local IPv6
    "https://100.64.0.9/hook",          # carrier-grade NAT
    "https://user:pw@203.0.113.9/hook",  # credentials in the URL
    "ftp://203.0.113.9/hook",
])
def test_a_target_that_is_not_public_https_is_400(tree, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    answer = register(admin_at("da_admin", tree.district_a), tree.district_a, url, EVENTS)
    assert answer.status_code == 400 and "url" in answer.json(), answer.content
    assert not Endpoint.objects.exists()


def test_loopback_is_refused_in_production_settings(tree, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    admin = admin_at("da_admin", tree.district_a)
    for url in ("http://127.0.0.1:9/hook", "https://127.0.0.1:9/hook", "https://localhost/hook"):
        assert register(admin, tree.district_a, url, EVENTS).status_code == 400, url


def test_an_operator_listed_intranet_network_is_accepted(tree, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    admin = admin_at("da_admin", tree.district_a)
    assert register(admin, tree.district_a, "https://10.8.1.2/hook", EVENTS).status_code == 201
    assert register(admin, tree.district_a, "https://10.9.1.2/hook", EVENTS).status_code == 400


def test_the_event_catalogue_lists_order_visit_and_clue_events(people):
    names = [row["event"] for row in api(people.school_staff).get("/api/v1/webhooks/events/").json()]
    assert {"order.issued", "order.overdue", "order.escalated", "order.closed", "visit.assigned",
            "clue.registered"} <= set(names)
    assert not [n for n in names if n.startswith("programme.")]
