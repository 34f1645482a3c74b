"""Responsible units outside the education tree: a department's liaison and leader see their programme
tasks and nothing of the schools' inspections: not visits, orders, the ledger, statistics, clues or admin,
in pages, API lists or counts."""
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role
from organizations.services import membership_grant, organization_create

from .conftest import _user
from .orders_helpers import issue

pytestmark = pytest.mark.django_db

PAGES = ["/visits/", "/visits/today/", "/orders/", "/reports/", "/reports/ledger/", "/clues/", "/admin/",
         "/draws/", "/manage/"]
API_LISTS = ["/api/v1/visits/", "/api/v1/orders/", "/api/v1/ledger/", "/api/v1/clues/", "/api/v1/tasks/"]


@pytest.fixture
def liaison(tree, people):
    department = organization_create(code="DEP-RSJ", name="市人力资源社会保障局", kind="department", parent=tree.city)
    return _user("rsj_liaison", department, Role.LIAISON)


def test_a_department_reaches_only_itself(tree, liaison):
    department = Organization.objects.get(code="DEP-RSJ")
    assert list(policy.visible_orgs(liaison)) == [department]
    assert not policy.visible_schools(liaison).exists()
    assert policy.can(liaison, Perm.UNIT_REPORT, department) and not policy.can(liaison, Perm.UNIT_APPROVE, department)


def test_a_liaison_at_the_city_bureau_reports_for_the_bureau_only(tree, people):
    department = organization_create(code="DEP-X", name="市外办", kind="department", parent=tree.city)
    city_liaison = _user("city_liaison", tree.city, Role.LIAISON)
    assert policy.can(city_liaison, Perm.UNIT_REPORT, tree.city)
    # The role does not reach below: not the departments under the city, not its schools.
    assert not policy.can(city_liaison, Perm.UNIT_REPORT, department)
    assert not policy.can(city_liaison, Perm.VIEW, tree.school_a)
    # Nor does the city's leader speak for a department below the city.
    assert not policy.can(people.city_leader, Perm.UNIT_REPORT, department)


def test_a_department_has_no_schools_and_school_roles_are_refused_there(tree):
    from django.core.exceptions import ValidationError
    department = organization_create(code="DEP-Y", name="市财政局", kind="department", parent=tree.city)
    with pytest.raises(ValidationError):
        organization_create(code="S-Y", name="财政学校", kind="school", parent=department)
    with pytest.raises(ValidationError):
        membership_grant(user=_user("someone", tree.city, Role.INSPECTOR), organization=department,
                         role=Role.INSPECTOR)


def test_the_liaison_sees_no_inspection_data_anywhere(client, tree, people, liaison):
    order = issue(people, tree)
    client.force_login(liaison)
    for url in PAGES:
        answer = client.get(url)
        text = answer.content.decode() if answer.status_code == 200 else ""
        assert answer.status_code in (200, 302, 403, 404), url
        assert tree.school_a.name not in text and order.number not in text, url
    for url in (f"/orders/{order.pk}/", f"/reports/schools/{tree.school_a.pk}/"):
        assert client.get(url).status_code in (403, 404), url
    api = APIClient()
    api.force_authenticate(liaison)
    for url in API_LISTS:
        answer = api.get(url)
        assert answer.status_code in (200, 403, 404), url
        if answer.status_code == 200:
            assert json.loads(answer.content).get("results", []) == [], url
    assert api.get(f"/api/v1/orders/{order.pk}/").status_code == 404
