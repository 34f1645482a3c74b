"""Every dropdown is a surface: its options come from the same visibility rules as the object pages.

For each persona (the shared people, plus a district and a school admin), each page with choices is read and
its <select> options compared with what the policy lets that persona see or use.
"""
import re

import pytest
from django.test import Client
from django.utils import timezone

from inspections.visits.selectors import campaigns_in_view, plannable_schools
from inspections.visits.services import visit_plan
from organizations import policy
from organizations.roles import Perm, Role
from security.selectors import audit_organizations

from .conftest import _user
from .draw_helpers import random_campaign

PERSONAS = ["city_leader", "city_inspector", "city_admin", "district_leader", "district_inspector",
            "other_district_leader", "other_district_inspector", "school_leader", "school_staff", "outsider",
            "other_school_staff", "district_admin", "school_admin"]


@pytest.fixture
def users(people, tree):
    everyone = {name: getattr(people, name) for name in PERSONAS if hasattr(people, name)}
    everyone["district_admin"] = _user("district_admin", tree.district_a, Role.ADMIN)
    everyone["school_admin"] = _user("school_admin", tree.school_a, Role.ADMIN)
    return everyone


@pytest.fixture
def drawn(people, tree):
    """A city random campaign whose visit at school A is planned but not begun."""
    campaign = random_campaign(people, tree)
    visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.city_inspector,
               planned_by=people.city_leader, kind="random", campaign=campaign)
    return campaign


def options(html: str, name: str) -> set[str]:
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="([^"]+)"', block.group(1))) if block else set()


def page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("url", ["/reports/", "/reports/ledger/"])
def test_report_campaign_choices_are_the_campaigns_of_visible_visits(users, drawn, url):
    wrong = {}
    for name, user in users.items():
        response = page(user, url)
        if response.status_code != 200:
            continue
        offered = options(response.content.decode(), "campaign")
        expected = {str(pk) for pk in campaigns_in_view(user).values_list("pk", flat=True)}
        if offered != expected:
            wrong[name] = (sorted(offered), sorted(expected))
    assert not wrong
    assert str(drawn.pk) not in options(page(users["school_leader"], url).content.decode(), "campaign")


def test_audit_filter_offers_only_the_admins_organisations(users, tree):
    for name in ("city_admin", "district_admin", "school_admin"):
        user = users[name]
        offered = options(page(user, "/security/audit/").content.decode(), "organization")
        assert offered == {str(pk) for pk in audit_organizations(user).values_list("pk", flat=True)}, name
    assert str(tree.district_b.pk) not in options(
        page(users["district_admin"], "/security/audit/").content.decode(), "organization")


def test_audit_action_choices_hide_the_actions_of_events_the_admin_may_not_see(users, drawn):
    offered = options(page(users["school_admin"], "/security/audit/").content.decode(), "action")
    assert "visit.plan" not in offered and "campaign.create" not in offered


def test_planning_offers_only_schools_within_reach(users):
    for name, user in users.items():
        response = page(user, "/visits/plan/")
        if response.status_code == 403:
            assert not plannable_schools(user).exists(), name
            continue
        offered = options(response.content.decode(), "school")
        assert offered == {str(pk) for pk in plannable_schools(user).values_list("pk", flat=True)}, name


def test_manual_order_offers_only_schools_the_person_inspects(users):
    for name, user in users.items():
        response = page(user, "/orders/new/")
        inspectable = policy.orgs_with(user, Perm.INSPECT).filter(kind="school")
        if response.status_code in (403, 404):
            assert not inspectable.exists(), name
            continue
        offered = options(response.content.decode(), "school")
        assert offered and offered <= {str(pk) for pk in inspectable.values_list("pk", flat=True)}, name
