"""Admins' own screens (/manage/, organizations/views_admin.py): the tree and the people of their subtree.

The rule under test lives in organizations/policy.py (may_place, may_manage_person, get_managed_*_for_user)
and is asked by organizations/services.py; each refusal is checked at the service and through the pages.
"""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from inspections.models import AuditEvent
from organizations import policy
from organizations.models import Membership, Organization
from organizations.roles import Perm, Role
from organizations.services import membership_add, membership_grant, organization_add, organization_update
from security.models import UserSecurity

from .browser import PHONE, chromium, login
from .conftest import _user

NEW_PASSWORD = "Lantern-river-2026"


@pytest.fixture
def admins(tree):
    return {"district": _user("district_admin", tree.district_a, Role.ADMIN),
            "school": _user("school_admin", tree.school_a, Role.ADMIN)}


def _signed_in(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- what a district admin does

def test_district_admin_adds_a_school_under_their_district_and_a_member_to_it(client, tree, people, admins, settings):
    _signed_in(client, admins["district"])
    response = client.post(reverse("orgadmin:org-add", args=[tree.district_a.pk]), {
        "kind": "school", "code": "SA3", "name": "甲三职专", "short_name": "甲三", "school_level": "secondary"})
    assert response.status_code == 302
    school = Organization.objects.get(code="SA3")
    assert school.parent == tree.district_a and school.path == f"{tree.district_a.path}{school.pk}/"
    assert policy.can(admins["district"], Perm.MANAGE, school)  # the grants followed the new node
    assert policy.can(people.district_inspector, Perm.INSPECT, school)

    response = client.post(reverse("orgadmin:person-add"), {
        "mode": "new", "username": "sa3_staff", "display_name": "钱老师", "password": NEW_PASSWORD,
        "organization": school.pk, "role": Role.SCHOOL_STAFF})
    assert response.status_code == 302
    member = Membership.objects.get(user__username="sa3_staff")
    assert (member.organization, member.role, member.user.first_name) == (school, Role.SCHOOL_STAFF, "钱老师")
    assert UserSecurity.objects.get(user=member.user).must_change_password
    assert set(AuditEvent.objects.filter(actor=admins["district"]).values_list("action", flat=True)) >= {
        "organization.created", "user.created", "membership.granted"}

    # The initial password works once, and only to reach the password change (outside demo mode).
    settings.DEMO = False
    client.logout()
    assert client.login(username="sa3_staff", password=NEW_PASSWORD)
    response = client.get("/orders/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")


def test_a_role_that_does_not_fit_the_kind_and_a_taken_code_are_form_errors(client, tree, admins):
    _signed_in(client, admins["district"])
    response = client.post(reverse("orgadmin:person-add"), {
        "mode": "new", "username": "x1", "display_name": "某", "password": NEW_PASSWORD,
        "organization": tree.school_a.pk, "role": Role.INSPECTOR})
    assert response.status_code == 400 and "该角色不能在此类型机构授予" in response.content.decode()
    response = client.post(reverse("orgadmin:org-add", args=[tree.district_a.pk]),
                           {"kind": "school", "code": "SA", "name": "重复"})
    assert response.status_code == 400 and 'data-error-for="code"' in response.content.decode()
    response = client.post(reverse("orgadmin:person-add"), {
        "mode": "new", "username": "x2", "display_name": "某", "password": "123",
        "organization": tree.school_a.pk, "role": Role.SCHOOL_STAFF})
    assert response.status_code == 400 and 'data-error-for="password"' in response.content.decode()
    assert not Membership.objects.filter(user__username__in=["x1", "x2"]).exists()


def test_district_admin_edits_a_school_and_moves_it_within_the_district_only(client, tree, admins):
    _signed_in(client, admins["district"])
    url = reverse("orgadmin:org-edit", args=[tree.school_a.pk])
    response = client.post(url, {"name": "甲一职业中专", "short_name": "甲一", "doc_prefix": "甲一改",
                                 "school_level": "secondary", "is_active": "on", "parent": tree.district_a.pk})
    assert response.status_code == 302
    tree.school_a.refresh_from_db()
    assert (tree.school_a.name, tree.school_a.doc_prefix) == ("甲一职业中专", "甲一改")
    # District B is not among the parents offered: choosing it is a form error, nothing moves.
    response = client.post(url, {"name": "甲一职业中专", "is_active": "on", "parent": tree.district_b.pk})
    assert response.status_code == 400
    tree.school_a.refresh_from_db()
    assert tree.school_a.parent == tree.district_a
    # Deactivating a school of the district is theirs to do.
    assert client.post(url, {"name": "甲一职业中专", "parent": tree.district_a.pk}).status_code == 302
    tree.school_a.refresh_from_db()
    assert not tree.school_a.is_active


# ---------------------------------------------------------------- what a district admin can NOT do

def test_district_admin_cannot_create_a_root(client, tree, admins):
    with pytest.raises(PermissionDenied):
        organization_add(actor=admins["district"], parent=None, kind="city", code="ROOT", name="伪市")
    assert not policy.may_place(admins["district"], organization=Organization(kind="city"), parent=None)
    _signed_in(client, admins["district"])
    assert client.post("/manage/orgs/0/add/", {"kind": "city", "code": "ROOT", "name": "伪市"}).status_code == 404
    assert not Organization.objects.filter(code="ROOT").exists()


def test_district_admin_cannot_move_rekind_or_deactivate_their_own_district(client, tree, admins):
    actor, district = admins["district"], tree.district_a
    for change in ({"parent": None}, {"parent": tree.district_b}, {"parent": tree.school_a}, {"is_active": False}):
        with pytest.raises(PermissionDenied):
            organization_update(actor=actor, organization=district, **change)
    with pytest.raises(TypeError):
        organization_update(actor=actor, organization=district, kind="city")  # kinds are the operator's
    assert not policy.may_place(actor, organization=district, parent=district)

    _signed_in(client, actor)
    url = reverse("orgadmin:org-edit", args=[district.pk])
    page = client.get(url).content.decode()
    assert "data-not-movable" in page and 'name="parent"' not in page and 'name="is_active"' not in page
    response = client.post(url, {"name": "甲区教体局（改）", "parent": "", "is_active": ""})
    assert response.status_code == 302  # the name is theirs to edit; parent and switch are not on the form
    district.refresh_from_db()
    assert (district.name, district.parent, district.is_active) == ("甲区教体局（改）", tree.city, True)


def test_district_admin_cannot_add_or_edit_under_district_b(client, tree, admins):
    with pytest.raises(PermissionDenied):
        organization_add(actor=admins["district"], parent=tree.district_b, kind="school", code="SB9", name="乙九")
    with pytest.raises(PermissionDenied):
        organization_update(actor=admins["district"], organization=tree.school_b, name="改名")
    _signed_in(client, admins["district"])
    for url in (reverse("orgadmin:org-add", args=[tree.district_b.pk]),
                reverse("orgadmin:org-edit", args=[tree.school_b.pk]),
                reverse("orgadmin:org-add", args=[tree.city.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": "school", "code": "SB9", "name": "乙九"}).status_code == 404
    assert not Organization.objects.filter(code="SB9").exists()
    assert Organization.objects.get(pk=tree.school_b.pk).name == "乙一职专"


def test_district_admin_sees_only_their_districts_people(client, tree, people, admins):
    _signed_in(client, admins["district"])
    page = client.get(reverse("orgadmin:people")).content.decode()
    for seen in ("school_staff", "school_leader", "district_inspector", "outsider"):
        assert f'data-person="{seen}"' in page
    for hidden in ("other_school_staff", "other_district_leader", "city_admin", "city_leader", "乙"):
        assert hidden not in page
    assert client.get(reverse("orgadmin:person", args=[people.other_school_staff.pk])).status_code == 404
    assert client.get(reverse("orgadmin:person", args=[people.city_admin.pk])).status_code == 404
    assert client.get(reverse("orgadmin:people") + f"?org={tree.district_b.pk}").status_code == 404
    only_a2 = client.get(reverse("orgadmin:people") + f"?org={tree.school_a2.pk}").content.decode()
    assert 'data-person="outsider"' in only_a2 and 'data-person="school_staff"' not in only_a2
    orgs = client.get(reverse("orgadmin:orgs")).content.decode()
    assert "甲二职专" in orgs and "乙一职专" not in orgs and "测试市教育局" not in orgs


def test_district_admin_cannot_grant_a_role_in_district_b_not_even_to_themselves(client, tree, people, admins):
    actor = admins["district"]
    for org in (tree.school_b, tree.district_b, tree.city):
        with pytest.raises(PermissionDenied):
            membership_add(actor=actor, user=actor, organization=org, role=Role.ADMIN)
    _signed_in(client, actor)
    response = client.post(reverse("orgadmin:person-add"), {
        "mode": "existing", "username": "school_staff", "organization": tree.school_b.pk,
        "role": Role.SCHOOL_STAFF})
    assert response.status_code == 400
    response = client.post(reverse("orgadmin:person-grant", args=[actor.pk]),
                           {"organization": tree.city.pk, "role": Role.ADMIN})
    assert response.status_code == 400
    assert not Membership.objects.filter(organization__in=[tree.school_b, tree.city],
                                         user__in=[actor, people.school_staff]).exists()


def test_district_admin_cannot_deactivate_or_reset_someone_who_also_holds_a_role_in_district_b(client, tree, people, admins):
    staff = people.school_staff
    membership_grant(user=staff, organization=tree.school_b, role=Role.SCHOOL_STAFF)
    _signed_in(client, admins["district"])
    page = client.get(reverse("orgadmin:person", args=[staff.pk])).content.decode()
    assert "data-not-manageable" in page and "data-held-elsewhere" in page and "乙一职专" not in page
    response = client.post(reverse("orgadmin:person-active", args=[staff.pk]), {"active": "0"})
    assert response.status_code == 403 and "管理范围以外" in response.content.decode()
    response = client.post(reverse("orgadmin:person-password", args=[staff.pk]), {"password": NEW_PASSWORD})
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.is_active and staff.check_password("pw-for-tests-1")


def test_district_admin_deactivates_resets_and_removes_a_person_of_their_own(client, tree, people, admins):
    staff = people.school_staff
    _signed_in(client, admins["district"])
    assert client.post(reverse("orgadmin:person-password", args=[staff.pk]), {"password": NEW_PASSWORD}).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD) and UserSecurity.objects.get(user=staff).must_change_password
    assert client.post(reverse("orgadmin:person-active", args=[staff.pk]), {"active": "0"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    membership = staff.memberships.get()
    response = client.post(reverse("orgadmin:person-revoke", args=[staff.pk, membership.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("orgadmin:people")
    assert not staff.memberships.exists()
    assert client.get(reverse("orgadmin:person", args=[staff.pk])).status_code == 404  # out of reach now


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, admins):
    actor = admins["district"]
    _signed_in(client, actor)
    membership = actor.memberships.get()
    assert client.post(reverse("orgadmin:person-revoke", args=[actor.pk, membership.pk])).status_code == 403
    assert client.post(reverse("orgadmin:person-active", args=[actor.pk]), {"active": "0"}).status_code == 403
    actor.refresh_from_db()
    assert actor.is_active and actor.memberships.exists()


def test_city_admin_moves_a_school_between_districts_and_the_grants_follow(client, tree, people):
    _signed_in(client, people.city_admin)
    response = client.post(reverse("orgadmin:org-edit", args=[tree.school_a.pk]),
                           {"name": tree.school_a.name, "is_active": "on", "parent": tree.district_b.pk})
    assert response.status_code == 302
    tree.school_a.refresh_from_db()
    assert tree.school_a.parent == tree.district_b
    assert policy.can(people.other_district_inspector, Perm.INSPECT, tree.school_a)
    assert not policy.can(people.district_inspector, Perm.INSPECT, tree.school_a)


def test_the_operator_edits_a_root_and_it_stays_a_root(client, tree):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_superuser("operator", password="pw-for-tests-1")
    _signed_in(client, operator)
    response = client.post(reverse("orgadmin:org-edit", args=[tree.city.pk]),
                           {"name": "测试市教育局", "doc_prefix": "测改", "is_active": "on", "parent": ""})
    assert response.status_code == 302
    tree.city.refresh_from_db()
    assert tree.city.parent is None and tree.city.doc_prefix == "测改"


# ---------------------------------------------------------------- who gets in

def test_school_admin_sees_only_their_school(client, tree, people, admins):
    _signed_in(client, admins["school"])
    orgs = client.get(reverse("orgadmin:orgs")).content.decode()
    assert f'data-org="{tree.school_a.pk}"' in orgs and "data-add-child" not in orgs
    assert "甲二职专" not in orgs and "甲区教体局" not in orgs
    people_page = client.get(reverse("orgadmin:people")).content.decode()
    assert 'data-person="school_staff"' in people_page and 'data-person="outsider"' not in people_page
    assert 'data-person="district_inspector"' not in people_page
    assert client.get(reverse("orgadmin:org-add", args=[tree.school_a.pk])).status_code == 404
    assert client.get(reverse("orgadmin:org-edit", args=[tree.district_a.pk])).status_code == 404
    assert client.get(reverse("orgadmin:person", args=[people.outsider.pk])).status_code == 404


ADMIN_PAGES = ["/manage/orgs/", "/manage/people/", "/manage/people/new/", "/manage/orgs/{school_a}/",
               "/manage/people/{staff}/"]


@pytest.mark.parametrize("who", ["district_inspector", "district_leader", "school_staff", "school_leader"])
def test_non_admins_get_403(client, tree, people, who):
    _signed_in(client, getattr(people, who))
    for url in ADMIN_PAGES:
        assert client.get(url.format(school_a=tree.school_a.pk, staff=people.school_staff.pk)).status_code == 403, url
    response = client.post(reverse("orgadmin:person-active", args=[people.school_staff.pk]), {"active": "0"})
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, tree, people):
    for url in ADMIN_PAGES:
        response = client.get(url.format(school_a=tree.school_a.pk, staff=people.school_staff.pk))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_bad_input_is_a_404_or_a_400_never_a_500(client, tree, people, admins):
    _signed_in(client, admins["district"])
    for query in ("abc", "1.5", "-1", "99999999999999999999999", "１２", "\u0661"):
        assert client.get(reverse("orgadmin:people"), {"org": query}).status_code == 404, query
    assert client.get("/manage/orgs/99999999999999999999/").status_code == 404
    assert client.post(reverse("orgadmin:person-add"), {}).status_code == 400
    assert client.post(reverse("orgadmin:person-add"), {"mode": "new", "organization": "x"}).status_code == 400
    assert client.post(reverse("orgadmin:person-active", args=[people.school_staff.pk]), {"active": "x"}).status_code == 400
    assert client.post(reverse("orgadmin:org-add", args=[tree.district_a.pk]), {"kind": "city"}).status_code == 400
    assert client.get(reverse("orgadmin:orgs"), {"page": "abc", "q": "x" * 500}).status_code == 200


def test_the_home_tile_is_for_admins_only(client, people, admins):
    tile = f'href="{reverse("orgadmin:orgs")}"'
    assert tile in _signed_in(client, admins["district"]).get("/dudao/").content.decode()
    assert tile in _signed_in(client, people.city_admin).get("/dudao/").content.decode()
    assert tile not in _signed_in(client, people.district_leader).get("/dudao/").content.decode()


def test_admin_pages_live_in_the_shell_and_read_in_english(client, people):
    _signed_in(client, people.city_admin)
    body = client.get(reverse("orgadmin:people")).content.decode()
    assert "vf-page__menu-toggle" in body and "--mdc-theme-primary: #b71c1c" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(reverse("orgadmin:people")).content.decode()
    assert "Add a person" in body and "添加人员" not in body


# ---------------------------------------------------------------- the phone

@pytest.mark.browser
def test_people_page_does_not_scroll_sideways_on_a_phone(transactional_db, live_server, tree, people):
    _user("district_admin", tree.district_a, Role.ADMIN)
    long_name = _user("long_name_person_with_a_very_long_login_name_0123456789", tree.school_a, Role.SCHOOL_STAFF)
    long_name.first_name = "欧阳" * 20
    long_name.save(update_fields=["first_name"])
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        login(page, live_server.url, "district_admin", "pw-for-tests-1")
        for path in (reverse("orgadmin:people"), reverse("orgadmin:orgs"), reverse("orgadmin:person-add"),
                     reverse("orgadmin:person", args=[long_name.pk])):
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        page.goto(live_server.url + reverse("orgadmin:people"))
        small = page.evaluate("""() => [...document.querySelectorAll('.oa-page a, .oa-page button')]
            .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).map(e => e.textContent.trim())""")
        assert small == [], f"tap targets under 44 px: {small}"
