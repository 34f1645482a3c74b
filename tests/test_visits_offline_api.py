"""The outbox's server side: every write of the on-site screens is applied once per client UUID, photos are
kept byte for byte with the hash the device computed, and a write for a visit the writer may not see is 404."""
import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import Attachment, AuditEvent, ClientWrite, Finding, Visit, VisitItemResult

from .test_visits_api import api, checked_in
from .visits_helpers import items_of, png_bytes, signature_url

pytestmark = pytest.mark.django_db


def _finding(client, visit, key):
    return client.post(f"/api/v1/visits/{visit.pk}/findings/",
                       {"client_uuid": key, "description": "消防通道堆放杂物"}, format="json")


def _photo(client, visit, finding_key, photo_key, data, sha=None):
    return client.post(f"/api/v1/visits/{visit.pk}/findings/{finding_key}/photo/", {
        "client_uuid": photo_key, "sha256": sha if sha is not None else hashlib.sha256(data).hexdigest(),
        "photo": SimpleUploadedFile("p.jpg", data, "image/jpeg")}, format="multipart")


def test_a_replayed_answer_is_applied_once_and_does_not_undo_a_later_one(people, tree):
    visit = checked_in(people, tree)
    item, client = items_of(visit)[0], api(people.district_inspector)
    first = {"client_uuid": str(uuid.uuid4()), "item": item.pk, "result": "fail", "note": "第一次"}
    later = {"client_uuid": str(uuid.uuid4()), "item": item.pk, "result": "pass", "note": "复核后"}
    assert client.post(f"/api/v1/visits/{visit.pk}/results/", first, format="json").status_code == 200
    assert client.post(f"/api/v1/visits/{visit.pk}/results/", later, format="json").status_code == 200
    replay = client.post(f"/api/v1/visits/{visit.pk}/results/", first, format="json")  # the lost answer's retry
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["result"] == "fail"  # the first answer, as it was given then
    row = VisitItemResult.objects.get(visit=visit, item=item)
    assert (row.result, row.note) == ("pass", "复核后")
    assert AuditEvent.objects.filter(action="visit.result").count() == 2
    assert ClientWrite.objects.filter(action="result").count() == 2


def test_a_replayed_photo_is_stored_once_byte_for_byte_with_its_hash(people, tree):
    visit = checked_in(people, tree)
    client, key, photo_key = api(people.district_inspector), str(uuid.uuid4()), str(uuid.uuid4())
    assert _finding(client, visit, key).status_code == 201
    data = png_bytes((64, 48), fmt="JPEG")
    first, again = _photo(client, visit, key, photo_key, data), _photo(client, visit, key, photo_key, data)
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    stored = Attachment.objects.get()
    assert stored.original.read() == data
    assert stored.original_sha256 == hashlib.sha256(data).hexdigest() == first.json()["sha256"]
    assert Finding.objects.get().attachments.count() == 1


def test_a_photo_damaged_on_the_way_is_refused_and_nothing_is_kept(people, tree):
    visit = checked_in(people, tree)
    client, key = api(people.district_inspector), str(uuid.uuid4())
    _finding(client, visit, key)
    r = _photo(client, visit, key, str(uuid.uuid4()), png_bytes(fmt="JPEG"), sha="0" * 64)
    assert r.status_code == 400 and "photo" in r.json()
    assert not Attachment.objects.exists() and not ClientWrite.objects.filter(action="photo").exists()


def test_a_replayed_deletion_answers_204_again_and_deletes_once(people, tree):
    visit = checked_in(people, tree)
    client, key, delete_key = api(people.district_inspector), str(uuid.uuid4()), str(uuid.uuid4())
    _finding(client, visit, key)
    url = f"/api/v1/visits/{visit.pk}/findings/{key}/"
    assert client.delete(url, HTTP_X_CLIENT_UUID=delete_key).status_code == 204
    assert client.delete(url, HTTP_X_CLIENT_UUID=delete_key).status_code == 204
    assert client.delete(url, HTTP_X_CLIENT_UUID=str(uuid.uuid4())).status_code == 404  # a new deletion: gone
    assert not Finding.objects.exists()
    assert AuditEvent.objects.filter(action="visit.finding_delete").count() == 1


def test_a_replayed_signature_and_submission_are_applied_once(people, tree):
    visit = checked_in(people, tree)
    client = api(people.district_inspector)
    for item in items_of(visit):
        client.post(f"/api/v1/visits/{visit.pk}/results/", {"item": item.pk, "result": "pass"}, format="json")
    sign = {"client_uuid": str(uuid.uuid4()), "representative_name": "郑校长", "signature": signature_url()}
    submit = {"client_uuid": str(uuid.uuid4()), "summary": "整体规范"}
    for _ in range(2):
        assert client.post(f"/api/v1/visits/{visit.pk}/sign/", sign, format="json").status_code == 200
    for _ in range(2):
        assert client.post(f"/api/v1/visits/{visit.pk}/submit/", submit, format="json").status_code == 200
    assert Visit.objects.get().status == Visit.Status.SUBMITTED
    assert AuditEvent.objects.filter(action__in=["visit.sign", "visit.submit"]).count() == 2


def test_another_users_write_for_a_visit_they_cannot_see_is_404_and_changes_nothing(people, tree):
    visit = checked_in(people, tree)
    key = str(uuid.uuid4())
    _finding(api(people.district_inspector), visit, key)
    stranger = api(people.other_district_inspector)
    item = items_of(visit)[0]
    writes = [
        stranger.post(f"/api/v1/visits/{visit.pk}/results/", {"client_uuid": str(uuid.uuid4()), "item": item.pk,
                                                              "result": "fail"}, format="json"),
        _finding(stranger, visit, str(uuid.uuid4())),
        _photo(stranger, visit, key, str(uuid.uuid4()), png_bytes(fmt="JPEG")),
        stranger.delete(f"/api/v1/visits/{visit.pk}/findings/{key}/", HTTP_X_CLIENT_UUID=str(uuid.uuid4())),
    ]
    assert [w.status_code for w in writes] == [404, 404, 404, 404]
    assert Finding.objects.count() == 1 and not Attachment.objects.exists() and not VisitItemResult.objects.exists()


def test_a_client_uuid_of_someone_elses_write_is_refused_not_replayed(people, tree):
    # the city inspector is on the team too: he sees the visit, but the receipt is the district inspector's
    visit = checked_in(people, tree)
    item, key = items_of(visit)[0], str(uuid.uuid4())
    body = {"client_uuid": key, "item": item.pk, "result": "fail", "note": "甲"}
    assert api(people.district_inspector).post(f"/api/v1/visits/{visit.pk}/results/", body,
                                               format="json").status_code == 200
    r = api(people.city_inspector).post(f"/api/v1/visits/{visit.pk}/results/", {**body, "note": "乙"}, format="json")
    assert r.status_code == 403 and "Idempotent-Replayed" not in r
    assert VisitItemResult.objects.get().note == "甲"


def test_a_write_on_a_cancelled_visit_is_409(people, tree):
    visit = checked_in(people, tree)
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)
    r = _finding(api(people.district_inspector), visit, str(uuid.uuid4()))
    assert r.status_code == 409


def test_a_check_in_from_the_outbox_keeps_the_device_time_and_the_offline_mark_and_the_ledger_says_so(people, tree):
    from datetime import timedelta

    from django.utils import timezone

    from inspections.reports.ledger import _checkin_text
    from .visits_helpers import plan
    visit, client = plan(people, tree), api(people.district_inspector)
    pressed = timezone.now() - timedelta(minutes=40)
    body = {"client_uuid": str(uuid.uuid4()), "geo_status": "ok", "latitude": 36.55, "longitude": 116.75,
            "accuracy": 15, "device_at": pressed.isoformat(), "captured_offline": True}
    assert client.post(f"/visits/{visit.pk}/check-in/", body, format="json").status_code == 200
    again = client.post(f"/visits/{visit.pk}/check-in/", body, format="json")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    visit.refresh_from_db()
    assert visit.checkin_offline and visit.checkin_device_at == pressed and visit.checkin_at > pressed
    assert "离线采集" in _checkin_text(visit)
    assert AuditEvent.objects.filter(action="visit.check_in").count() == 1


def test_a_device_time_far_from_the_servers_is_refused_and_the_visit_stays_planned(people, tree):
    from datetime import timedelta

    from django.utils import timezone

    from .visits_helpers import plan
    visit, client = plan(people, tree), api(people.district_inspector)
    body = {"client_uuid": str(uuid.uuid4()), "geo_status": "denied", "captured_offline": True,
            "device_at": (timezone.now() + timedelta(days=2)).isoformat()}
    r = client.post(f"/visits/{visit.pk}/check-in/", body, format="json")
    assert r.status_code == 400 and "device_at" in r.json()
    assert Visit.objects.get().status == Visit.Status.PLANNED
    stranger = api(people.other_district_inspector)
    assert stranger.post(f"/visits/{visit.pk}/check-in/", {**body, "device_at": None},
                         format="json").status_code == 404
