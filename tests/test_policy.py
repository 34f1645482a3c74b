import pytest
from django.contrib.auth import get_user_model

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role
from organizations.services import membership_grant, membership_revoke, organization_create, organization_save


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_district_inspector_inspects_own_district_schools_only(tree, people):
    u = people.district_inspector
    assert policy.can(u, Perm.INSPECT, tree.school_a)
    assert policy.can(u, Perm.INSPECT, tree.school_a2)
    assert not policy.can(u, Perm.INSPECT, tree.school_b)
    assert not policy.can(u, Perm.INSPECT, tree.school_c)
    assert not policy.can(u, Perm.INSPECT, tree.city)
    assert set(policy.orgs_with(u, Perm.INSPECT)) == {tree.district_a, tree.school_a, tree.school_a2}


def test_district_inspector_cannot_lead_or_sign(tree, people):
    u = people.district_inspector
    assert not policy.can(u, Perm.LEAD, tree.school_a)
    assert not policy.can(u, Perm.SCHOOL_SIGN, tree.school_a)


def test_school_staff_sees_only_own_school(tree, people):
    u = people.school_staff
    assert set(policy.visible_orgs(u)) == {tree.school_a}
    assert policy.can(u, Perm.SCHOOL_REPORT, tree.school_a)
    assert not policy.can(u, Perm.SCHOOL_REPORT, tree.school_a2)
    assert not policy.can(u, Perm.VIEW, tree.district_a)
    # staff draft reports; only the school leader signs and approves
    assert not policy.can(u, Perm.SCHOOL_SIGN, tree.school_a)
    assert policy.can(people.school_leader, Perm.SCHOOL_SIGN, tree.school_a)


def test_outsider_from_sibling_school_sees_nothing_of_school_a(tree, people):
    assert not policy.can(people.outsider, Perm.VIEW, tree.school_a)


def test_city_roles_reach_schools_under_city_and_under_districts(tree, people):
    for school in (tree.school_a, tree.school_b, tree.school_c):
        assert policy.can(people.city_leader, Perm.LEAD, school)
        assert policy.can(people.city_inspector, Perm.INSPECT, school)
    assert policy.visible_schools(people.city_leader).count() == 4


def test_removed_membership_takes_permission_away(tree, people):
    u = people.district_inspector
    membership_revoke(user=u, organization=tree.district_a, role=Role.INSPECTOR)
    u = _fresh(u)
    assert not policy.can(u, Perm.INSPECT, tree.school_a)
    assert policy.orgs_with(u, Perm.INSPECT).count() == 0


def test_membership_deleted_through_queryset_also_revokes(tree, people):
    u = people.school_staff
    u.memberships.all().delete()
    assert not policy.can(_fresh(u), Perm.VIEW, tree.school_a)


def test_new_school_is_reached_by_roles_above_it(tree, people):
    new = organization_create(code="SA3", name="甲三职专", kind="school", parent=tree.district_a)
    assert policy.can(_fresh(people.district_inspector), Perm.INSPECT, new)
    assert policy.can(_fresh(people.city_leader), Perm.LEAD, new)
    assert not policy.can(_fresh(people.other_district_inspector), Perm.INSPECT, new)


def test_moving_a_school_moves_its_permissions(tree, people):
    school = tree.school_a2
    school.parent = tree.district_b
    organization_save(organization=school)
    assert policy.can(_fresh(people.other_district_inspector), Perm.INSPECT, school)
    assert not policy.can(_fresh(people.district_inspector), Perm.INSPECT, school)
    assert policy.can(_fresh(people.outsider), Perm.VIEW, school)  # the school's own people keep it


def test_province_above_cities_reaches_all(tree, people):
    province = organization_create(code="P", name="测试省教育厅", kind="province")
    tree.city.parent = province
    organization_save(organization=tree.city)
    tree.school_a.refresh_from_db()
    assert tree.school_a.path.startswith(province.path)
    leader = get_user_model().objects.create_user("prov_leader")
    membership_grant(user=leader, organization=province, role=Role.LEADER)
    assert policy.can(_fresh(leader), Perm.LEAD, tree.school_a)
    assert set(policy.users_with_role(Role.LEADER, tree.school_a)) >= {leader, people.city_leader}


def test_users_with_role_routes_to_the_right_people(tree, people):
    assert list(policy.users_with_role(Role.LEADER, tree.school_a)) == [people.city_leader, people.district_leader]
    assert list(policy.users_with_role(Role.SCHOOL_LEADER, tree.school_a)) == [people.school_leader]
    assert list(policy.users_with_role_at(Role.LEADER, tree.district_b)) == [people.other_district_leader]


def test_inactive_user_can_do_nothing(tree, people):
    u = people.district_inspector
    u.is_active = False
    u.save(update_fields=["is_active"])
    assert not policy.can(u, Perm.INSPECT, tree.school_a)
    assert people.district_inspector not in policy.users_with_role(Role.INSPECTOR, tree.school_a)


def test_school_role_cannot_be_granted_at_a_district(tree):
    from django.core.exceptions import ValidationError

    user = get_user_model().objects.create_user("misplaced")
    with pytest.raises(ValidationError):
        membership_grant(user=user, organization=tree.district_a, role=Role.SCHOOL_STAFF)


def test_school_cannot_hang_under_a_school(tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        organization_create(code="X", name="x", kind="school", parent=tree.school_a)
    assert not Organization.objects.filter(code="X").exists()
