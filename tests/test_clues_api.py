"""The intake API of a hotline system: key authentication, scope, idempotency, field errors."""
import pytest
from rest_framework.test import APIClient

from inspections.models import Clue, ClueAccessKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_a(tree):
    _key, raw = ClueAccessKey.issue(organization=tree.district_a, name="12345 平台")
    return raw


def payload(**extra):
    body = {"source": "hotline", "external_ref": "GD-77", "content": "反映学校违规收费",
            "received_at": "2026-11-02T09:30:00+08:00", "school_code": "SA",
            "complainant_name": "张某", "complainant_contact": "13800000000"}
    body.update(extra)
    return body


def post(raw, body):
    api = APIClient()
    headers = {"HTTP_X_API_KEY": raw} if raw is not None else {}
    return api.post("/api/v1/clues/", body, format="json", **headers)


def test_a_valid_key_files_a_clue_for_its_district(people, tree, key_a):
    answer = post(key_a, payload())
    assert answer.status_code == 201
    clue = Clue.objects.get(pk=answer.json()["id"])
    assert clue.district == tree.district_a and clue.school == tree.school_a and clue.registered_by is None
    assert clue.complainant_name == "张某" and "13800000000" not in answer.content.decode()


def test_only_the_hash_of_a_key_is_stored(tree, key_a):
    stored = ClueAccessKey.objects.get()
    assert key_a not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


@pytest.mark.parametrize("raw", [None, "", "not-a-key"])
def test_missing_or_bad_key_is_refused(tree, raw):
    answer = post(raw, payload())
    assert answer.status_code == 401 and not Clue.objects.exists()


def test_a_disabled_key_is_refused(tree, key_a):
    ClueAccessKey.objects.update(is_active=False)
    assert post(key_a, payload()).status_code == 401


def test_a_key_cannot_file_for_a_school_outside_its_organisation(people, tree):
    _key, raw_b = ClueAccessKey.issue(organization=tree.district_b, name="乙区")
    answer = post(raw_b, payload())
    assert answer.status_code == 403 and not Clue.objects.exists()


def test_a_replay_returns_the_same_clue(people, tree, key_a):
    first = post(key_a, payload())
    again = post(key_a, payload(content="重复推送"))
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and Clue.objects.count() == 1
    assert Clue.objects.get().content == "反映学校违规收费"


@pytest.mark.parametrize("other", ["district_b", "city", "school_a"])
def test_a_replay_from_another_organisations_key_does_not_reveal_the_clue(people, tree, key_a, other):
    clue_id = post(key_a, payload()).json()["id"]
    _key, raw = ClueAccessKey.issue(organization=getattr(tree, other), name="其他机构")
    answer = post(raw, payload(school_code="" if other != "school_a" else "SA"))
    assert answer.status_code == 409 and "id" not in answer.json() and "status" not in answer.json()
    assert str(clue_id) not in answer.content.decode() and Clue.objects.count() == 1


@pytest.mark.parametrize("missing", ["external_ref", "content", "received_at"])
def test_missing_fields_answer_400(tree, key_a, missing):
    body = payload()
    del body[missing]
    answer = post(key_a, body)
    assert answer.status_code == 400 and missing in answer.json()


def test_unknown_school_code_answers_400(tree, key_a):
    assert post(key_a, payload(school_code="NOPE")).status_code == 400


def test_without_a_school_the_keys_district_triages(people, tree, key_a):
    answer = post(key_a, payload(school_code=""))
    assert answer.status_code == 201 and Clue.objects.get().district == tree.district_a


def test_staff_listing_needs_a_login(tree):
    assert APIClient().get("/api/v1/clues/").status_code in (401, 403)


def test_other_districts_staff_get_404_for_the_clue(people, tree, key_a):
    clue_id = post(key_a, payload()).json()["id"]
    api = APIClient()
    api.force_authenticate(people.other_district_leader)
    assert api.get(f"/api/v1/clues/{clue_id}/").status_code == 404


def test_an_admin_issues_a_key_shown_once_and_can_revoke_it(client, people, tree):
    client.force_login(people.city_admin)
    page = client.post("/clues/keys/", {"organization": tree.district_a.pk, "name": "12345"}).content.decode()
    key = ClueAccessKey.objects.get()
    raw = page.split("data-raw-key>")[1].split("<")[0]
    assert post(raw, payload()).status_code == 201
    assert raw not in client.get("/clues/keys/").content.decode()
    client.post(f"/clues/keys/{key.pk}/revoke/")
    assert post(raw, payload(external_ref="GD-78")).status_code == 401


@pytest.mark.parametrize("who", ["district_leader", "school_leader", "district_inspector"])
def test_only_admins_manage_keys(client, people, tree, who):
    client.force_login(getattr(people, who))
    assert client.get("/clues/keys/").status_code == 403


def test_a_clue_without_a_school_still_reaches_its_district_leader(people, tree, key_a):
    from notifications.models import Notification

    post(key_a, payload(school_code=""))
    told = set(Notification.objects.filter(kind="clue.registered").values_list("recipient__username", flat=True))
    assert told == {"district_leader"}
