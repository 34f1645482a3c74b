"""The admin screens' people over the API, read only: an admin sees who holds a role in the organisations they
manage and only the roles held there; someone outside that reach, and anyone who is not an admin, sees nobody."""
from rest_framework.test import APIClient

from organizations.roles import Role
from organizations.services import membership_grant

from .webhook_helpers import admin_at


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_district_admin_lists_the_districts_people_with_the_roles_held_there(people, tree):
    admin = admin_at("da_admin", tree.district_a)
    membership_grant(user=people.school_staff, organization=tree.school_b, role=Role.SCHOOL_STAFF)  # elsewhere too
    rows = {r["username"]: r for r in api(admin).get("/api/v1/people/?page_size=200").json()["results"]}
    assert {"district_leader", "school_staff", "outsider", "da_admin"} <= set(rows)
    assert not {"city_leader", "other_district_leader", "other_school_staff"} & set(rows)
    assert [m["organization"] for m in rows["school_staff"]["memberships"]] == [tree.school_a.pk]


def test_a_person_outside_the_admins_reach_is_404_and_a_non_admin_sees_nobody(people, tree):
    admin = admin_at("da_admin", tree.district_a)
    assert api(admin).get(f"/api/v1/people/{people.school_staff.pk}/").status_code == 200
    assert api(admin).get(f"/api/v1/people/{people.other_school_staff.pk}/").status_code == 404
    assert api(admin).get(f"/api/v1/people/{people.city_leader.pk}/").status_code == 404
    assert api(people.district_leader).get(f"/api/v1/people/{people.school_staff.pk}/").status_code == 404
    assert api(people.district_leader).get("/api/v1/people/").json()["results"] == []


def test_filter_by_a_managed_organisation_and_by_name(people, tree):
    admin = admin_at("da_admin", tree.district_a)
    in_school = api(admin).get(f"/api/v1/people/?org={tree.school_a.pk}").json()["results"]
    assert {r["username"] for r in in_school} == {"school_leader", "school_staff"}
    assert api(admin).get(f"/api/v1/people/?org={tree.district_b.pk}").status_code == 404  # not managed
    found = api(admin).get("/api/v1/people/?q=outsid").json()["results"]
    assert [r["username"] for r in found] == ["outsider"]
