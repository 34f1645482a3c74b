"""The complainant's name and contact reach only the registering and triaging staff and the city — per surface."""
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.checklists.services import checklist_load_standard
from inspections.clues.services import clue_reply, clue_triage, clue_verify_desk, clue_verify_visit
from inspections.models import AuditEvent
from inspections.clues.selectors import clue_for_viewer, clues_visible_to, may_see_complainant
from inspections.visits.services import visit_check_in
from notifications.models import Notification

from .clue_helpers import CONTACT, NAME, hotline_clue

pytestmark = pytest.mark.django_db

SCHOOL_PEOPLE = ["school_staff", "school_leader", "outsider", "other_school_staff"]


def leaks(text: str) -> bool:
    return NAME in text or CONTACT in text


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def clue(people, tree):
    return hotline_clue(people, tree, registered_by=people.district_leader)


@pytest.mark.parametrize("who", ["district_leader", "city_leader", "city_inspector", "city_admin"])
def test_registering_triaging_and_city_staff_see_the_complainant(people, clue, who):
    view = clue_for_viewer(clue, getattr(people, who))
    assert view.complainant_name == NAME and view.complainant_contact == CONTACT


def test_the_registering_inspector_sees_it_and_the_triaging_leader_too(people, tree):
    clue = hotline_clue(people, tree, registered_by=people.district_inspector)
    assert may_see_complainant(people.district_inspector, clue)
    clue = clue_triage(clue=clue, user=people.district_leader, decision="desk_check")
    assert may_see_complainant(people.district_leader, clue)


def test_a_verifying_inspector_sees_the_clue_but_not_the_complainant(people, clue):
    view = clue_for_viewer(clue, people.district_inspector)
    assert view.content == clue.content
    assert not leaks(view.complainant_name + view.complainant_contact)


@pytest.mark.parametrize("who", SCHOOL_PEOPLE + ["other_district_leader", "other_district_inspector"])
def test_schools_and_other_districts_do_not_see_the_clue_at_all(people, clue, who):
    assert not clues_visible_to(getattr(people, who)).exists()


@pytest.mark.parametrize("who", SCHOOL_PEOPLE)
def test_pages_hide_the_clue_from_the_school(client, people, clue, who):
    login(client, getattr(people, who))
    page = client.get("/clues/")
    assert page.status_code == 200 and not leaks(page.content.decode())
    assert client.get(f"/clues/{clue.pk}/").status_code == 404


def test_pages_mask_the_complainant_for_the_verifier_and_show_it_to_the_leader(client, people, clue):
    login(client, people.district_inspector)
    for url in ("/clues/", f"/clues/{clue.pk}/"):
        body = client.get(url).content.decode()
        assert "（保密）" in body and not leaks(body)
    login(client, people.district_leader)
    body = client.get(f"/clues/{clue.pk}/").content.decode()
    assert NAME in body and CONTACT in body


@pytest.mark.parametrize("who", SCHOOL_PEOPLE)
def test_api_hides_the_clue_from_the_school(people, clue, who):
    api = APIClient()
    api.force_authenticate(getattr(people, who))
    listing = api.get("/api/v1/clues/")
    assert listing.status_code == 200 and listing.json() == {"results": [], "next": None}
    assert api.get(f"/api/v1/clues/{clue.pk}/").status_code == 404


def test_api_masks_for_the_verifier_and_shows_the_city(people, clue):
    api = APIClient()
    api.force_authenticate(people.district_inspector)
    body = api.get(f"/api/v1/clues/{clue.pk}/").json()
    assert body["complainant_visible"] is False and not leaks(json.dumps(body, ensure_ascii=False))
    api.force_authenticate(people.city_leader)
    body = api.get(f"/api/v1/clues/{clue.pk}/").json()
    assert body["complainant_name"] == NAME and body["complainant_contact"] == CONTACT


def _run_to_reply(people, clue):
    clue = clue_triage(clue=clue, user=people.district_leader, decision="desk_check")
    clue = clue_verify_desk(clue=clue, user=people.district_inspector, result="属实", substantiated=True)
    return clue_reply(clue=clue, user=people.district_leader, text="已处理", method="phone")


def test_notifications_never_carry_the_complainant_and_never_reach_the_school(people, tree, clue):
    _run_to_reply(people, clue)
    sent = Notification.objects.all()
    assert sent.filter(kind__startswith="clue.").exists()
    for note in sent:
        assert not leaks(f"{note.title} {note.body} {note.link}")
    school_people = [getattr(people, w) for w in SCHOOL_PEOPLE]
    assert not sent.filter(recipient__in=school_people).exists()


def test_audit_trail_stores_no_complainant_data(people, tree, clue):
    _run_to_reply(people, clue)
    events = AuditEvent.objects.filter(action__startswith="clue.")
    assert events.count() >= 4
    for event in AuditEvent.objects.all():
        assert not leaks(json.dumps([event.before, event.after], ensure_ascii=False))
    assert events.first().after["complainant_recorded"] is True


def test_the_surprise_visit_shows_nothing_of_the_complainant(client, people, tree, clue):
    checklist_load_standard()
    clue = clue_triage(clue=clue, user=people.district_leader, decision="surprise_visit")
    clue = clue_verify_visit(clue=clue, user=people.district_inspector, planned_date=timezone.localdate(),
                             lead=people.district_inspector, members=[people.city_inspector])
    visit = clue.visit
    login(client, people.school_staff)
    assert client.get(f"/visits/{visit.pk}/").status_code == 404  # a surprise stays secret before check-in
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    for who in (people.school_staff, people.school_leader, people.district_inspector):
        login(client, who)
        page = client.get(f"/visits/{visit.pk}/")
        assert page.status_code == 200 and not leaks(page.content.decode())
        api = APIClient()
        api.force_authenticate(who)
        answer = api.get(f"/api/v1/visits/{visit.pk}/")
        assert answer.status_code == 200 and not leaks(answer.content.decode())
    for note in Notification.objects.filter(kind__startswith="visit."):
        assert not leaks(f"{note.title} {note.body}")
