"""The checklist editing screens for admins: copy, edit items; a version in use is never changed in place."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from inspections.checklists.services import checklist_load_standard
from inspections.models import ChecklistItem, ChecklistTemplate
from inspections.checklists.admin import checklist_copy
from inspections.visits.services import current_template
from organizations.roles import Role
from organizations.services import membership_grant

from .visits_helpers import plan


def login(user):
    client = Client()
    client.force_login(user)
    return client


def _admin(username, org):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1")
    membership_grant(user=user, organization=org, role=Role.ADMIN)
    return user


@pytest.fixture
def admins(tree):
    from types import SimpleNamespace

    return SimpleNamespace(district_a=_admin("admin_da", tree.district_a), district_b=_admin("admin_db", tree.district_b))


def _edit(client, template, code="A1", **fields):
    data = {f"{code}-title": fields.get("title", "招生简章须经备案"), f"{code}-severity": fields.get("severity", "major")}
    if fields.get("hazard"):
        data[f"{code}-hazard"] = "on"
    return client.post(reverse("visits:checklist-item", args=[template.pk, code]), data)


def _item(template, code="A1"):
    return ChecklistItem.objects.get(section__template=template, code=code)


def test_admin_edits_an_unused_template_in_place(people, tree):
    template = checklist_load_standard()
    client = login(people.city_admin)
    page = client.get(reverse("visits:checklist", args=[template.pk])).content.decode()
    assert reverse("visits:checklist-item", args=[template.pk, "A1"]) in page
    response = _edit(client, template, hazard=True)
    assert response.status_code == 302 and response.url.startswith(reverse("visits:checklist", args=[template.pk]))
    item = _item(template)
    assert (item.title, item.severity, item.hazard) == ("招生简章须经备案", "major", True)
    assert ChecklistTemplate.objects.count() == 1


def test_editing_a_template_in_use_on_the_screen_makes_the_next_version(people, tree):
    visit = plan(people, tree)
    v1 = visit.template
    response = _edit(login(people.city_admin), v1, title="新的检查内容")
    v2 = ChecklistTemplate.objects.get(code=v1.code, version=2)
    assert response.url.startswith(reverse("visits:checklist", args=[v2.pk]))
    assert _item(v1).title != "新的检查内容" and _item(v2).title == "新的检查内容"
    assert current_template() == v2
    old = login(people.city_admin).get(reverse("visits:checklist", args=[v1.pk])).content.decode()
    assert reverse("visits:checklist-item", args=[v1.pk, "A1"]) not in old  # an old version is read-only
    _edit(login(people.city_admin), v1, title="改旧版本")
    assert _item(v1).title != "改旧版本" and ChecklistTemplate.objects.count() == 2


def test_bad_item_input_changes_nothing(people, tree):
    template = checklist_load_standard()
    before = _item(template).severity
    _edit(login(people.city_admin), template, severity="fatal")
    _edit(login(people.city_admin), template, title="  ")
    assert _item(template).severity == before and _item(template).title.strip()


def test_admin_copies_a_template_under_a_new_code(people, tree):
    template = checklist_load_standard()
    response = login(people.city_admin).post(reverse("visits:checklist-copy", args=[template.pk]),
                                             {"code": "safe-2026", "title": "安全专项"})
    copy = ChecklistTemplate.objects.get(code="SAFE-2026")
    assert response.url == reverse("visits:checklist", args=[copy.pk])
    assert (copy.version, copy.owner, copy.title, copy.based_on) == (1, tree.city, "安全专项", template)
    assert ChecklistItem.objects.filter(section__template=copy).count() == 31


def test_district_admin_copies_the_standard_into_their_own_and_edits_it(people, tree, admins):
    standard = checklist_load_standard()
    client = login(admins.district_a)
    assert client.get(reverse("visits:checklist", args=[standard.pk])).status_code == 200
    assert _edit(client, standard).status_code == 403  # the shared standard is the city's to change
    client.post(reverse("visits:checklist-copy", args=[standard.pk]), {"code": "DA-1", "title": "甲区检查表"})
    mine = ChecklistTemplate.objects.get(code="DA-1")
    assert mine.owner == tree.district_a
    _edit(client, mine, title="甲区自定")
    assert _item(mine).title == "甲区自定" and _item(standard).title != "甲区自定"


def test_district_admin_cannot_publish_a_version_under_someone_elses_code(people, tree, admins):
    standard = checklist_load_standard()
    client = login(admins.district_a)
    assert client.post(reverse("visits:checklist-copy", args=[standard.pk]),
                       {"code": standard.code, "title": "冒名版本"}).status_code == 403
    assert current_template() == standard and ChecklistTemplate.objects.count() == 1


def test_admin_of_another_district_cannot_see_or_edit_a_districts_template(people, tree, admins):
    mine = checklist_copy(template=checklist_load_standard(), user=admins.district_a, code="DA-1")
    client = login(admins.district_b)
    assert client.get(reverse("visits:checklist", args=[mine.pk])).status_code == 404
    assert _edit(client, mine).status_code == 404
    assert client.post(reverse("visits:checklist-copy", args=[mine.pk]), {"code": "DB-1", "title": "x"}).status_code == 404
    assert "DA-1" not in client.get(reverse("visits:checklists")).content.decode()
    assert _item(mine).title != "招生简章须经备案"


@pytest.mark.parametrize("who", ["district_inspector", "district_leader", "city_leader", "school_leader",
                                 "school_staff", "other_school_staff"])
def test_people_who_are_not_admins_cannot_use_the_checklist_screens(people, tree, who):
    template = checklist_load_standard()
    client = login(getattr(people, who))
    assert client.get(reverse("visits:checklists")).status_code == 403
    assert client.get(reverse("visits:checklist", args=[template.pk])).status_code == 404
    assert _edit(client, template).status_code == 404
    assert client.post(reverse("visits:checklist-copy", args=[template.pk]), {"code": "X", "title": "x"}).status_code == 404
    assert ChecklistTemplate.objects.count() == 1 and _item(template).title != "招生简章须经备案"


def test_anonymous_is_sent_to_login_from_the_checklist_screens(client, tree):
    template = checklist_load_standard()
    assert client.get(reverse("visits:checklists")).status_code == 302
    assert client.get(reverse("visits:checklist", args=[template.pk])).status_code == 302


def test_checklist_list_shows_versions_and_use(people, tree):
    plan(people, tree)
    _edit(login(people.city_admin), current_template(), title="新的检查内容")
    page = login(people.city_admin).get(reverse("visits:checklists")).content.decode()
    assert page.count('data-checklist="') == 2 and "已使用" in page and "最新" in page
