"""Deleting a finding recorded by mistake: the team, before the record is signed or submitted; never afterwards."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inspections.models import AuditEvent, Finding
from inspections.visits.services import finding_record, visit_sign, visit_submit

from .visits_helpers import conduct, items_of, plan, png_bytes, signature_url


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visit_with_finding(people, tree):
    """School A visit in progress, district inspector leading, one finding with a photo on item A1."""
    from inspections.visits.services import visit_check_in

    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    finding = finding_record(visit=visit, user=people.district_inspector, item=items_of(visit)[0],
                             description="招生简章未备案", photos=[photo])
    return visit, finding


def _api(visit, finding):
    return f"/api/v1/visits/{visit.pk}/findings/{finding.pk}/"


def test_team_member_deletes_a_finding_through_the_api(people, visit_with_finding):
    visit, finding = visit_with_finding
    response = login(people.city_inspector).delete(_api(visit, finding))
    assert response.status_code == 204
    assert not Finding.objects.exists()
    assert AuditEvent.objects.filter(action="visit.finding_delete").count() == 1


def test_deleting_a_finding_after_submit_is_a_conflict(people, tree):
    visit = plan(people, tree)
    finding = conduct(visit, people.district_inspector, fail_codes=("A1",))[0]
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    client = login(people.district_inspector)
    assert client.delete(_api(visit, finding)).status_code == 409  # signed: the school has seen it
    visit_submit(visit=visit, user=people.district_inspector)
    assert client.delete(_api(visit, finding)).status_code == 409
    assert client.post(reverse("visits:finding-delete", args=[visit.pk, finding.pk])).status_code == 409
    assert Finding.objects.filter(pk=finding.pk).exists()


@pytest.mark.parametrize("who,status", [
    ("school_staff", 403), ("school_leader", 403), ("district_leader", 403),
    ("other_district_inspector", 404), ("other_school_staff", 404), ("outsider", 404),
])
def test_people_outside_the_team_cannot_delete_a_finding(people, visit_with_finding, who, status):
    visit, finding = visit_with_finding
    client = login(getattr(people, who))
    assert client.delete(_api(visit, finding)).status_code == status
    assert client.get(reverse("visits:finding-delete", args=[visit.pk, finding.pk])).status_code == status
    assert client.post(reverse("visits:finding-delete", args=[visit.pk, finding.pk])).status_code == status
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_anonymous_cannot_delete_a_finding(client, visit_with_finding):
    visit, finding = visit_with_finding
    assert client.delete(_api(visit, finding)).status_code in (401, 403)
    assert client.post(reverse("visits:finding-delete", args=[visit.pk, finding.pk])).status_code == 302
    assert Finding.objects.exists()


def test_a_finding_of_another_visit_is_not_found_under_this_one(people, tree, visit_with_finding):
    visit, finding = visit_with_finding
    other = plan(people, tree)
    assert login(people.district_inspector).delete(_api(other, finding)).status_code == 404
    assert Finding.objects.exists()


def test_delete_screen_confirms_then_returns_to_the_checklist(people, visit_with_finding):
    visit, finding = visit_with_finding
    client = login(people.district_inspector)
    conduct_page = client.get(reverse("visits:conduct", args=[visit.pk])).content.decode()
    link = reverse("visits:finding-delete", args=[visit.pk, finding.pk])
    assert f"{link}?back=conduct" in conduct_page
    screen = client.get(link, {"back": "summary"})
    assert screen.status_code == 200 and "招生简章未备案" in screen.content.decode()
    response = client.post(link, {"back": "summary"})
    assert response.status_code == 302 and response.url == reverse("visits:summary", args=[visit.pk])
    assert not Finding.objects.exists()


def test_delete_screen_never_redirects_outside_the_visit(people, visit_with_finding):
    visit, finding = visit_with_finding
    response = login(people.district_inspector).post(
        reverse("visits:finding-delete", args=[visit.pk, finding.pk]), {"back": "https://evil.example/"})
    assert response.url == reverse("visits:conduct", args=[visit.pk])


def test_delete_link_is_not_offered_to_the_school_or_on_the_record(people, visit_with_finding):
    visit, finding = visit_with_finding
    link = reverse("visits:finding-delete", args=[visit.pk, finding.pk])
    assert link not in login(people.school_leader).get(reverse("visits:summary", args=[visit.pk])).content.decode()
    assert link not in login(people.district_inspector).get(reverse("visits:record", args=[visit.pk])).content.decode()
    assert link in login(people.district_inspector).get(reverse("visits:summary", args=[visit.pk])).content.decode()
