"""The API check-in takes the device's time of the button press, as the tablet's offline outbox does."""
import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from inspections.models import Visit

from .visits_helpers import plan


def _check_in(user, visit, **body):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/visits/{visit.pk}/check-in/", {"geo_status": "denied", **body}, format="json")


def test_a_device_time_is_stored_and_the_check_in_marked_offline(people, tree):
    visit = plan(people, tree)
    pressed = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    answer = _check_in(people.district_inspector, visit, device_at=pressed.isoformat())
    assert answer.status_code == 200, answer.content
    stored = Visit.objects.get(pk=visit.pk)
    assert stored.checkin_device_at == pressed and stored.checkin_offline is True
    assert stored.checkin_at > pressed  # the server's time of receipt stays the check-in time
    assert answer.json()["checkin_offline"] is True
    assert dt.datetime.fromisoformat(answer.json()["checkin_device_at"]) == pressed


def test_without_a_device_time_the_check_in_is_online(people, tree):
    visit = plan(people, tree)
    assert _check_in(people.district_inspector, visit).status_code == 200
    stored = Visit.objects.get(pk=visit.pk)
    assert stored.checkin_device_at is None and stored.checkin_offline is False


def test_a_device_time_weeks_old_is_400_and_nothing_is_stored(people, tree):
    visit = plan(people, tree)
    old = _check_in(people.district_inspector, visit, device_at=(timezone.now() - dt.timedelta(days=60)).isoformat())
    assert old.status_code == 400 and "device_at" in old.json()
    assert Visit.objects.get(pk=visit.pk).checkin_at is None


def test_the_school_cannot_check_in_with_a_device_time_either(people, tree):
    visit = plan(people, tree)
    assert _check_in(people.school_staff, visit, device_at=timezone.now().isoformat()).status_code == 403
