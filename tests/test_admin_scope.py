"""`/admin/` is the platform operator's: role admins, even made Django staff with model permissions, get nothing.

The reproduced attack: a district admin as staff created a top-level organisation in /admin/, moved their own
district under it, and as "city level" edited the shared checklist and the city's calendar.
"""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import ChecklistItem, ChecklistTemplate
from inspections.visits.services import visit_plan
from organizations.models import Organization
from organizations.roles import Role
from organizations.services import membership_grant

from .test_permission_matrix import all_patterns, concrete_url


def _staff_admin(username, org):
    """A role admin as the old demo made them: staff, with every model permission of the admin."""
    user = get_user_model().objects.create_user(username, password="pw-for-tests-1", is_staff=True)
    membership_grant(user=user, organization=org, role=Role.ADMIN)
    user.user_permissions.add(*Permission.objects.all())
    return user


@pytest.fixture
def staff_admins(tree):
    return {"district": _staff_admin("district_admin", tree.district_a),
            "school": _staff_admin("school_admin", tree.school_a)}


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("operator", password="pw-for-tests-1")


ADMIN_URLS = [concrete_url(p).replace("/0/", "/1/") for p in all_patterns() if p.startswith("admin/")
              and not p.startswith(("admin/login", "admin/logout"))]


@pytest.mark.parametrize("who", ["district", "school"])
def test_role_admins_as_staff_are_sent_to_the_admin_login_from_every_admin_url(client, staff_admins, who):
    client.force_login(staff_admins[who])
    leaks = []
    for url in ADMIN_URLS:
        response = client.get(url)
        if response.status_code != 302 or "/admin/login/" not in response["Location"]:
            leaks.append(f"{url}: {response.status_code}")
    assert not leaks and len(ADMIN_URLS) > 50


def test_district_admin_cannot_create_a_root_or_move_their_district_through_admin(client, tree, staff_admins):
    client.force_login(staff_admins["district"])
    client.post("/admin/organizations/organization/add/", {"code": "ROOT", "name": "伪市", "kind": "city"})
    client.post(f"/admin/organizations/organization/{tree.district_a.pk}/change/",
                {"code": "DA", "name": "甲区教体局", "kind": "district", "parent": ""})
    assert not Organization.objects.filter(code="ROOT").exists()
    tree.district_a.refresh_from_db()
    assert tree.district_a.parent_id == tree.city.pk


def test_district_admin_cannot_touch_the_shared_checklist_or_the_calendar(client, staff_admins):
    checklist_load_standard()
    item = ChecklistItem.objects.filter(section__template__owner__isnull=True).first()
    client.force_login(staff_admins["district"])
    client.post(f"/admin/inspections/checklistitem/{item.pk}/change/", {"title": "改掉", "code": item.code})
    client.post("/admin/workflows/calendaryear/add/", {"year": 2031})
    item.refresh_from_db()
    assert item.title != "改掉"
    from workflows.models import CalendarYear
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_operator_enters_the_admin(client, operator):
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/organizations/organization/").status_code == 200


def test_a_checklist_version_in_use_is_read_only_even_for_the_operator(client, operator, people, tree):
    template = checklist_load_standard()
    item = ChecklistItem.objects.filter(section__template=template).first()
    client.force_login(operator)
    assert 'name="title"' in client.get(f"/admin/inspections/checklistitem/{item.pk}/change/").content.decode()
    visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
               planned_by=people.district_inspector)
    page = client.get(f"/admin/inspections/checklistitem/{item.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    client.post(f"/admin/inspections/checklistitem/{item.pk}/change/", {"title": "改掉", "code": item.code})
    client.post(f"/admin/inspections/checklistitem/{item.pk}/delete/", {"post": "yes"})
    item.refresh_from_db()
    assert item.title != "改掉"
    assert ChecklistTemplate.objects.get(pk=template.pk).sections.exists()
