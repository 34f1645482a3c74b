"""A surprise or random visit is invisible to the school until check-in, on every surface."""
import pytest
from django.test import Client
from django.urls import reverse

from inspections.visits.selectors import get_visit_for_user, visit_counts, visits_visible_to
from inspections.visits.services import visit_check_in
from notifications.models import Notification

from .visits_helpers import plan

SCHOOL_SIDE = ["school_staff", "school_leader"]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("kind", ["surprise", "random"])
def test_school_cannot_see_an_unannounced_visit_before_check_in_anywhere(people, tree, kind):
    from django.http import Http404

    visit = plan(people, tree, kind=kind)
    for who in SCHOOL_SIDE:
        user = getattr(people, who)
        assert not visits_visible_to(user).exists()
        with pytest.raises(Http404):
            get_visit_for_user(user, visit.pk)
        assert visit_counts(user) == {"today": 0, "open": 0, "to_review": 0}
        client = _client(user)
        page = client.get(reverse("visits:today"))
        assert page.status_code == 200 and tree.school_a.name not in page.content.decode()
        assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
        assert client.get(reverse("visits:record", args=[visit.pk])).status_code == 404
        api = client.get("/api/v1/visits/")
        assert api.status_code == 200 and api.json()["results"] == []
        assert client.get(f"/api/v1/visits/{visit.pk}/").status_code == 404
        assert not Notification.objects.filter(recipient=user).exists()


@pytest.mark.parametrize("kind", ["surprise", "random"])
def test_school_sees_an_unannounced_visit_once_the_team_has_checked_in(people, tree, kind):
    visit = plan(people, tree, kind=kind)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    client = _client(people.school_staff)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 200
    assert [row["id"] for row in client.get("/api/v1/visits/").json()["results"]] == [visit.pk]
    assert visit_counts(people.school_staff)["today"] == 1


def test_school_sees_a_routine_visit_in_advance(people, tree):
    visit = plan(people, tree, kind="routine")
    assert list(visits_visible_to(people.school_staff)) == [visit]
    assert "甲一职专" in _client(people.school_staff).get(reverse("visits:today")).content.decode()


def test_another_school_and_another_district_never_see_the_visit(people, tree):
    visit = plan(people, tree, kind="routine")
    for who in ("outsider", "other_school_staff", "other_district_inspector", "other_district_leader",
                "city_school_staff"):
        user = getattr(people, who)
        assert not visits_visible_to(user).exists(), who
        assert _client(user).get(f"/api/v1/visits/{visit.pk}/").status_code == 404


def test_inspectors_and_leaders_above_the_school_see_a_surprise_visit(people, tree):
    visit = plan(people, tree, kind="surprise")
    for who in ("district_inspector", "district_leader", "city_leader", "city_inspector"):
        assert list(visits_visible_to(getattr(people, who))) == [visit], who
    assert visit_counts(people.district_inspector)["today"] == 1


def test_team_gets_the_assignment_notification_and_the_school_does_not(people, tree):
    plan(people, tree, kind="surprise")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"city_inspector"}  # the planner (district_inspector, the lead) is not told of their own act
