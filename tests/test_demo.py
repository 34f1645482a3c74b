from django.contrib.auth import get_user_model
from django.core.management import call_command
from guardian.models import GroupObjectPermission

from inspections.models import ChecklistItem
from organizations import policy
from organizations.models import Membership, Organization
from organizations.roles import Perm


def _counts():
    return (
        Organization.objects.count(), Membership.objects.count(), get_user_model().objects.count(),
        GroupObjectPermission.objects.count(), ChecklistItem.objects.count(),
    )


def test_load_demo_twice_gives_the_same_counts(db):
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    assert first[0] == 1 + 12 + 11  # city, 12 districts and counties, 11 schools
    assert first[4] == 31


def test_demo_users_have_working_permissions(db):
    call_command("load_demo")
    User = get_user_model()
    school = Organization.objects.get(code="S-CQZZ")
    city_school = Organization.objects.get(code="S-JNYS")
    assert policy.can(User.objects.get(username="cq_inspector"), Perm.INSPECT, school)
    assert not policy.can(User.objects.get(username="jy_inspector"), Perm.INSPECT, school)
    assert policy.can(User.objects.get(username="jn_leader"), Perm.LEAD, city_school)
    assert set(policy.visible_orgs(User.objects.get(username="cqzz_staff"))) == {school}
    assert User.objects.get(username="cqzz_staff").check_password("dudao-demo-2026")
