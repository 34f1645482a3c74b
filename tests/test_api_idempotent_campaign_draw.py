"""Campaign and draw creates over the API take a client UUID: a replay (a lost answer, an offline retry) makes
nothing twice and answers 200 with what the first call made; the UUID tells nobody else anything."""
import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.checklists.services import checklist_load_standard
from inspections.models import Campaign, Draw

from .draw_helpers import city_inspectors, random_campaign


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _campaign_body(tree, key):
    today = timezone.localdate()
    return {"title": "春季双随机", "organiser": tree.district_a.pk, "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=20)).isoformat(), "client_uuid": key}


def test_a_replayed_campaign_create_makes_one_campaign(people, tree):
    checklist_load_standard()
    key = str(uuid.uuid4())
    first = api(people.district_leader).post("/api/v1/campaigns/", _campaign_body(tree, key), format="json")
    again = api(people.district_leader).post("/api/v1/campaigns/", _campaign_body(tree, key), format="json")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"] and Campaign.objects.count() == 1


def test_without_a_uuid_each_create_is_a_new_campaign(people, tree):
    checklist_load_standard()
    body = {**_campaign_body(tree, None)}
    body.pop("client_uuid")
    for _ in range(2):
        assert api(people.district_leader).post("/api/v1/campaigns/", body, format="json").status_code == 201
    assert Campaign.objects.count() == 2


def test_a_campaign_uuid_replayed_by_a_leader_elsewhere_is_refused_and_reveals_nothing(people, tree):
    checklist_load_standard()
    key = str(uuid.uuid4())
    made = api(people.district_leader).post("/api/v1/campaigns/", _campaign_body(tree, key), format="json")
    other = {**_campaign_body(tree, key), "organiser": tree.district_b.pk}
    answer = api(people.other_district_leader).post("/api/v1/campaigns/", other, format="json")
    assert answer.status_code == 403 and str(made.json()["id"]) not in answer.content.decode()
    assert Campaign.objects.count() == 1


@pytest.fixture
def campaign(people, tree):
    city_inspectors(tree)
    return random_campaign(people, tree)


def _draw(user, campaign, tree, key, seed="api"):
    return api(user).post(f"/api/v1/campaigns/{campaign.pk}/draws/",
                          {"n": 2, "seed": seed, "under": tree.district_a.pk, "client_uuid": key}, format="json")


def test_a_replayed_draw_draws_once(people, tree, campaign):
    key = str(uuid.uuid4())
    first = _draw(people.city_leader, campaign, tree, key)
    again = _draw(people.city_leader, campaign, tree, key, seed="another")  # the replay's body is not re-read
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["seed"] == "api"
    assert Draw.objects.count() == 1


def test_a_draw_uuid_used_on_another_campaign_is_refused(people, tree, campaign):
    key = str(uuid.uuid4())
    assert _draw(people.city_leader, campaign, tree, key).status_code == 201
    second = random_campaign(people, tree)
    assert _draw(people.city_leader, second, tree, key).status_code == 403
    assert Draw.objects.count() == 1


def test_a_draw_that_fails_leaves_no_receipt_and_can_be_retried(people, tree, campaign):
    key = str(uuid.uuid4())
    refused = api(people.city_leader).post(f"/api/v1/campaigns/{campaign.pk}/draws/",
                                           {"n": 500, "under": tree.district_a.pk, "client_uuid": key}, format="json")
    assert refused.status_code == 400, refused.content
    assert _draw(people.city_leader, campaign, tree, key).status_code == 201
