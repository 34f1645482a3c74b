"""The planning page: leaders and inspectors plan visits for schools within their reach, with an eligible team."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import Visit
from inspections.checklists.admin import checklist_item_update
from inspections.visits.services import visit_check_in, visit_plan
from notifications.models import Notification

from .visits_helpers import plan


def login(user):
    client = Client()
    client.force_login(user)
    return client


def _post_plan(client, tree, people, *, school=None, kind="routine", lead=None, members=(), day=None, **extra):
    data = {"kind": kind, "school": (school or tree.school_a).pk,
            "planned_date": (day or timezone.localdate()).isoformat(),
            "lead": (lead or people.district_inspector).pk, "members": [m.pk for m in members], **extra}
    return client.post(reverse("visits:plan"), data)


@pytest.fixture
def standard(db):
    return checklist_load_standard()


def test_inspector_plans_a_visit_with_a_team_from_the_schools_inspectors(people, tree, standard):
    client = login(people.district_inspector)
    response = _post_plan(client, tree, people, kind="special", members=[people.city_inspector])
    assert response.status_code == 302 and response.url == reverse("visits:plan")
    visit = Visit.objects.get()
    assert (visit.school, visit.kind, visit.organiser, visit.template) == (tree.school_a, "special", tree.district_a,
                                                                          standard)
    assert {(m.user, m.is_lead) for m in visit.members.all()} == {
        (people.district_inspector, True), (people.city_inspector, False)}
    page = client.get(reverse("visits:plan")).content.decode()
    assert reverse("visits:detail", args=[visit.pk]) in page


def test_planned_visit_uses_the_current_version_of_the_standard_checklist(people, tree, standard):
    plan(people, tree)  # the first version is now in use, so an edit makes version 2
    v2 = checklist_item_update(template=standard, item_code="A1", user=people.city_admin, severity="major")
    _post_plan(login(people.district_leader), tree, people)
    assert Visit.objects.latest("pk").template == v2


def test_choosing_a_school_offers_only_the_inspectors_who_may_inspect_it(people, tree, standard):
    client = login(people.city_leader)
    page = client.get(reverse("visits:plan"), {"school": tree.school_b.pk}).content.decode()
    assert 'id="vs-plan-team"' in page
    offered = {u for u in vars(people).values() if f'name="lead" value="{u.pk}"' in page}
    assert offered == {people.other_district_inspector, people.city_inspector}
    assert tree.school_c.name in page  # the city leader's reach covers the school under the city


def test_schools_offered_are_only_those_within_the_planners_reach(people, tree, standard):
    page = login(people.district_inspector).get(reverse("visits:plan")).content.decode()
    assert tree.school_a.name in page and tree.school_a2.name in page
    assert tree.school_b.name not in page and tree.school_c.name not in page


def test_inspector_of_another_district_cannot_plan_for_a_school_outside_their_reach(people, tree, standard):
    client = login(people.other_district_inspector)
    response = _post_plan(client, tree, people, lead=people.other_district_inspector)
    assert response.status_code == 400 and not Visit.objects.exists()


def test_team_member_who_may_not_inspect_the_school_is_refused(people, tree, standard):
    client = login(people.district_leader)
    response = _post_plan(client, tree, people, members=[people.other_district_inspector])
    assert response.status_code == 400 and not Visit.objects.exists()
    response = _post_plan(client, tree, people, lead=people.school_staff)
    assert response.status_code == 400 and not Visit.objects.exists()


def test_a_date_in_the_past_is_refused(people, tree, standard):
    client = login(people.district_inspector)
    response = _post_plan(client, tree, people, day=timezone.localdate() - timezone.timedelta(days=1))
    assert response.status_code == 400 and "检查日期不能早于今天" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_replayed_plan_form_makes_one_visit(people, tree, standard):
    client = login(people.district_inspector)
    token = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    for _ in range(2):
        assert _post_plan(client, tree, people, client_uuid=token).status_code == 302
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("who", ["school_staff", "school_leader", "other_school_staff", "city_school_staff",
                                 "city_admin"])
def test_people_who_may_not_plan_are_refused_the_planning_page(people, tree, standard, who):
    client = login(getattr(people, who))
    assert client.get(reverse("visits:plan")).status_code == 403
    assert _post_plan(client, tree, people).status_code == 403
    assert not Visit.objects.exists()


def test_anonymous_is_sent_to_login_from_the_planning_page(client, tree):
    assert client.get(reverse("visits:plan")).status_code == 302


def test_list_shows_planned_visits_of_my_organisation_only(people, tree, standard):
    mine = plan(people, tree)
    theirs = visit_plan(school=tree.school_b, planned_date=timezone.localdate(), lead=people.other_district_inspector,
                        planned_by=people.other_district_leader)
    page = login(people.district_leader).get(reverse("visits:plan")).content.decode()
    assert reverse("visits:detail", args=[mine.pk]) in page
    assert reverse("visits:detail", args=[theirs.pk]) not in page
    city_page = login(people.city_leader).get(reverse("visits:plan")).content.decode()
    assert reverse("visits:detail", args=[mine.pk]) in city_page  # organised below the city


def test_today_page_links_to_planning_only_for_those_who_may_plan(people, tree):
    assert reverse("visits:plan") in login(people.district_inspector).get(reverse("visits:today")).content.decode()
    assert reverse("visits:plan") in login(people.city_leader).get(reverse("visits:today")).content.decode()
    assert reverse("visits:plan") not in login(people.school_leader).get(reverse("visits:today")).content.decode()


@pytest.mark.parametrize("kind", ["surprise", "random"])
def test_unannounced_visit_planned_on_the_page_stays_hidden_from_the_school_until_check_in(people, tree, standard, kind):
    assert _post_plan(login(people.district_leader), tree, people, kind=kind).status_code == 302
    visit = Visit.objects.get()
    for user in (people.school_staff, people.school_leader):
        client = login(user)
        today = client.get(reverse("visits:today")).content.decode()
        assert 'data-count="today">0<' in today and 'data-count="open">0<' in today
        assert tree.school_a.name not in today
        assert client.get("/api/v1/visits/").json()["results"] == []
        assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
        assert client.get(reverse("visits:plan")).status_code == 403
        assert not Notification.objects.filter(recipient=user).exists()
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    school = login(people.school_staff)
    assert 'data-count="today">1<' in school.get(reverse("visits:today")).content.decode()
    assert [r["id"] for r in school.get("/api/v1/visits/").json()["results"]] == [visit.pk]
