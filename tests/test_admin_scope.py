"""Role admins are Django staff; the admin site must keep them inside their subtree."""
import pytest
from django.contrib.auth.models import Permission

from organizations.models import Membership


@pytest.fixture
def district_admin(tree, people):
    from django.contrib.auth import get_user_model

    from organizations.roles import Role
    from organizations.services import membership_grant

    user = get_user_model().objects.create_user("district_admin", password="pw-for-tests-1", is_staff=True)
    membership_grant(user=user, organization=tree.district_a, role=Role.ADMIN)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="organizations", codename__in=[
            "view_organization", "change_organization", "view_membership", "change_membership"]))
    return user


def test_district_admin_lists_only_own_subtree(client, tree, district_admin):
    client.force_login(district_admin)
    page = client.get("/admin/organizations/organization/").content.decode()
    assert tree.school_a.name in page
    assert tree.school_b.name not in page
    assert tree.district_b.name not in page


def test_district_admin_cannot_open_other_districts_school(client, tree, district_admin):
    client.force_login(district_admin)
    response = client.get(f"/admin/organizations/organization/{tree.school_b.pk}/change/")
    assert response.status_code in (302, 404)
    assert tree.school_b.name.encode() not in response.content


def test_district_admin_sees_only_memberships_in_own_subtree(client, tree, people, district_admin):
    client.force_login(district_admin)
    page = client.get("/admin/organizations/membership/").content.decode()
    assert "school_staff" in page
    assert "other_school_staff" not in page
    assert Membership.objects.filter(user=people.other_school_staff).exists()
