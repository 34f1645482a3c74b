"""Organisations, schools and my profile over the API: only within the caller's reach (else 404)."""
from rest_framework.test import APIClient

from organizations.models import Organization


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(client, url):
    page = client.get(url).json()
    assert set(page) == {"results", "next"}
    return [row["id"] for row in page["results"]]


def test_a_district_sees_its_subtree_in_tree_order(people, tree):
    got = ids(api(people.district_inspector), "/api/v1/organizations/")
    assert got == [tree.district_a.pk, tree.school_a.pk, tree.school_a2.pk]
    assert ids(api(people.district_inspector), "/api/v1/schools/") == [tree.school_a.pk, tree.school_a2.pk]


def test_the_city_sees_all_and_filters_by_kind_and_parent(people, tree):
    client = api(people.city_leader)
    assert len(ids(client, "/api/v1/organizations/")) == Organization.objects.count()
    assert set(ids(client, "/api/v1/organizations/?kind=district")) == {tree.district_a.pk, tree.district_b.pk}
    assert ids(client, f"/api/v1/schools/?parent={tree.city.pk}") == [tree.school_c.pk]


def test_pages_walk_the_tree(people, tree):
    client = api(people.city_leader)
    first = client.get("/api/v1/organizations/?page_size=4").json()
    second = client.get(first["next"]).json()
    walked = [r["id"] for r in first["results"] + second["results"]]
    assert second["next"] is None and walked == list(Organization.objects.order_by("path").values_list("pk", flat=True))


def test_a_school_sees_only_itself(people, tree):
    client = api(people.school_staff)
    assert ids(client, "/api/v1/organizations/") == [tree.school_a.pk]
    assert client.get(f"/api/v1/schools/{tree.school_a.pk}/").json()["code"] == "SA"
    for other in (tree.district_a, tree.city, tree.school_a2, tree.school_b):
        assert client.get(f"/api/v1/organizations/{other.pk}/").status_code == 404
        assert client.get(f"/api/v1/schools/{other.pk}/").status_code == 404


def test_other_district_is_404_and_a_district_is_no_school(people, tree):
    client = api(people.other_district_inspector)
    assert client.get(f"/api/v1/organizations/{tree.school_a.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{tree.district_b.pk}/").json()["kind"] == "district"
    assert client.get(f"/api/v1/schools/{tree.district_b.pk}/").status_code == 404


def test_me_is_my_profile_and_memberships(people, tree):
    me = api(people.school_leader).get("/api/v1/me/").json()
    assert me["username"] == "school_leader"
    assert [(m["organization"], m["role"]) for m in me["memberships"]] == [(tree.school_a.pk, "school_leader")]
    assert "sign_for_school" in me["memberships"][0]["permissions"]


def test_anonymous_gets_401(people, tree):
    for url in ("/api/v1/me/", "/api/v1/organizations/", "/api/v1/schools/", f"/api/v1/schools/{tree.school_a.pk}/"):
        assert APIClient().get(url).status_code == 401
