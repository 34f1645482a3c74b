"""The shell's per-user answers (which flow apps the menu lists, the audit app, the shortcuts) are asked
once and then cached per user (organizations.access_cache): the next page asks no permission query for
them, and a change of membership or grant changes the menu on the very next page, in both directions."""
import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm

from notifications.models import Notification
from notifications.services import mark_read, notify
from organizations import access_cache
from organizations.roles import Perm, Role, full_perm
from organizations.services import membership_grant, membership_revoke

User = get_user_model()
CLUE_MENU = 'href="/clue/'  # the clue flow app in the drawer: for leaders and inspectors only


def page(user, url="/orders/"):
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content.decode()
    return body, [q["sql"] for q in ctx.captured_queries]


def model_permission_reads(queries) -> int:
    return sum("auth_group_permissions" in q or "auth_user_user_permissions" in q for q in queries)


def test_the_second_page_asks_no_menu_permission_again(people):
    first, first_queries = page(people.district_leader)
    second, second_queries = page(people.district_leader)
    assert CLUE_MENU in first and CLUE_MENU in second
    assert model_permission_reads(first_queries) == 2 and model_permission_reads(second_queries) == 0
    assert len(second_queries) <= len(first_queries) - 5


def test_a_new_role_shows_its_flow_in_the_menu_on_the_next_page_and_revoking_hides_it(people, tree):
    staff = people.school_staff
    assert CLUE_MENU not in page(staff)[0]  # cached now: the school's staff see no clue flow
    membership_grant(user=staff, organization=tree.district_a, role=Role.LEADER)
    assert CLUE_MENU in page(staff)[0]
    membership_revoke(user=staff, organization=tree.district_a, role=Role.LEADER)
    assert CLUE_MENU not in page(staff)[0]


def test_a_direct_guardian_grant_and_its_removal_change_the_menu(people, tree):
    staff = people.school_staff
    assert CLUE_MENU not in page(staff)[0]
    lead = full_perm(Perm.LEAD)
    assign_perm(lead, staff, tree.district_a)
    assert CLUE_MENU in page(staff)[0]
    remove_perm(lead, staff, tree.district_a)
    assert CLUE_MENU not in page(staff)[0]


def test_one_persons_cached_menu_is_not_anothers(people):
    assert CLUE_MENU in page(people.district_leader)[0]
    assert CLUE_MENU not in page(people.school_staff)[0]
    assert CLUE_MENU in page(people.district_leader)[0]


def test_an_answer_is_cached_across_requests_per_user_and_asked_again_once_deactivated(people):
    calls = []

    def answer():
        calls.append(1)
        return len(calls)

    leader = people.district_leader
    assert access_cache.remembered(leader, "probe", answer) == 1
    assert access_cache.remembered(User.objects.get(pk=leader.pk), "probe", answer) == 1  # the next request
    assert access_cache.remembered(people.school_staff, "probe", answer) == 2  # someone else: their own answer
    User.objects.filter(pk=leader.pk).update(is_active=False)
    assert access_cache.remembered(User.objects.get(pk=leader.pk), "probe", answer) == 3


# --- the bell (notifications.bell) ---------------------------------------------------------------------------

def bell(user) -> tuple[int, int]:
    body, queries = page(user)
    unread = int(re.search(r'data-unread="(\d+)"', body).group(1))
    return unread, sum("notifications_notification" in q for q in queries)


def test_the_bell_is_read_once_then_follows_every_new_read_or_settled_notification(people, tree):
    staff = people.school_staff
    assert bell(staff) == (0, 1)
    assert bell(staff) == (0, 0)  # cached
    notify(kind="test", recipients=[staff, people.school_leader], title="请签收")
    assert bell(staff) == (1, 1)
    Notification.objects.create(recipient=staff, kind="test", title="单条")  # a single save (admin, fixtures)
    assert bell(staff)[0] == 2
    mark_read(user=staff, ids=[Notification.objects.filter(recipient=staff).first().pk])
    assert bell(staff)[0] == 1
    mark_read(user=staff)
    assert bell(staff) == (0, 1)
    assert bell(people.school_leader)[0] == 1  # someone else's bell is their own
