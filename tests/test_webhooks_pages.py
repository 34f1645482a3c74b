"""The admins' webhooks page (/manage/webhooks/): register (the secret shown once), rotate, delete, the log;
404 for another organisation's endpoint, 403 for who administers nothing."""
from django.test import Client

from webhooks.models import Delivery, Endpoint

from .webhook_helpers import admin_at, receiver  # noqa: F401  (receiver: a fixture)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _register(client, tree, url):
    return client.post("/manage/webhooks/", {"organization": tree.district_a.pk, "url": url,
                                             "events": ["order.issued", "order.closed"], "description": "省平台"})


def test_an_admin_registers_and_sees_the_secret_once(tree, receiver):
    client = _client(admin_at("da_admin", tree.district_a))
    answer = _register(client, tree, receiver.url)
    assert answer.status_code == 201
    secret = Endpoint.objects.get().secret
    assert secret in answer.content.decode()
    again = client.get("/manage/webhooks/").content.decode()
    assert secret not in again and receiver.url in again and Endpoint.objects.get().secret_hint in again


def test_a_refused_target_is_400_on_the_url_field_and_nothing_is_stored(tree, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    answer = _register(_client(admin_at("da_admin", tree.district_a)), tree, "https://10.1.1.1/hook")
    assert answer.status_code == 400 and 'data-error-for="url"' in answer.content.decode()
    assert not Endpoint.objects.exists()


def test_rotate_shows_the_new_secret_and_delete_removes_it(tree, receiver):
    client = _client(admin_at("da_admin", tree.district_a))
    _register(client, tree, receiver.url)
    endpoint = Endpoint.objects.get()
    rotated = client.post(f"/manage/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert rotated.status_code == 200 and endpoint.secret in rotated.content.decode()
    assert client.post(f"/manage/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not Endpoint.objects.exists()


def test_the_log_shows_each_delivery_status(tree, receiver):
    client = _client(admin_at("da_admin", tree.district_a))
    _register(client, tree, receiver.url)
    Delivery.objects.create(endpoint=Endpoint.objects.get(), event="order.issued", payload={}, status="failed",
                            attempts=8, last_error="HTTP 500", next_attempt_at="2026-12-01T10:00:00+08:00")
    page = client.get("/manage/webhooks/").content.decode()
    assert 'data-delivery="failed"' in page and "HTTP 500" in page


def test_another_admin_gets_404_and_a_leader_403(people, tree, receiver):
    _register(_client(admin_at("da_admin", tree.district_a)), tree, receiver.url)
    endpoint = Endpoint.objects.get()
    outsider = _client(admin_at("db_admin", tree.district_b))
    assert outsider.post(f"/manage/webhooks/{endpoint.pk}/rotate/").status_code == 404
    assert outsider.post(f"/manage/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert receiver.url not in outsider.get("/manage/webhooks/").content.decode()
    foreign = outsider.post("/manage/webhooks/", {"organization": tree.district_a.pk, "url": receiver.url,
                                                  "events": ["order.issued"]})
    assert foreign.status_code == 400 and Endpoint.objects.count() == 1  # not among the form's choices
    assert _client(people.district_leader).get("/manage/webhooks/").status_code == 403
    assert Endpoint.objects.get().secret == endpoint.secret
