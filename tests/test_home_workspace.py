"""Home is a workspace: what waits for me (overdue first, in working days), what I wait for, leaders' numbers."""
import re

from django.test import Client
from django.utils import timezone

from inspections.models import RectificationOrder
from inspections.orders.services import order_sign
from workflows.models import Deadline

from .orders_helpers import issue
from .visits_helpers import plan


def home(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/", follow=True).content.decode()


def todos(page: str) -> list[str]:
    block = page.split("data-todos", 1)[1].split("</ul>", 1)[0] if "data-todos>" in page else ""
    return re.findall(r'class="dd-todo__prompt">([^<]+)<', block)


def test_school_leader_is_asked_to_sign_on_home_with_the_order_and_its_link(people, tree):
    order = issue(people, tree)
    page = home(people.school_leader)
    assert todos(page) == ["请签收本通知书"]
    assert f'href="/orders/{order.pk}/"' in page and order.number in page


def test_school_staff_is_not_asked_to_sign_and_gets_no_inspector_tools(people, tree):
    issue(people, tree)
    page = home(people.school_staff)
    assert todos(page) == [] and "data-todos-empty" in page
    assert "今日检查" not in page and "/visits/today/" not in page


def test_overdue_steps_come_first_and_say_so(people, tree):
    later, overdue = issue(people, tree), issue(people, tree)
    for order in (later, overdue):
        order_sign(order=order, user=people.school_leader)
    Deadline.objects.filter(pk=overdue.deadline_id).update(due_at=timezone.now() - timezone.timedelta(days=3))
    page = home(people.school_staff)
    first = page.split('<a class="dd-todo', 1)[1].split("</a>", 1)[0]
    assert first.startswith(" dd-todo--overdue") and overdue.number in first and "已逾期" in first
    assert page.index(overdue.number) < page.index(later.number)


def test_inspector_sees_the_visit_to_do_and_the_orders_at_schools(people, tree):
    plan(people, tree)
    issue(people, tree)
    page = home(people.district_inspector)
    assert "到校签到并开始检查" in todos(page)
    assert "学校整改中的通知书" in page


def test_leader_numbers_count_overdue_orders_in_reach_only(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    Deadline.objects.filter(pk=order.deadline_id).update(due_at=timezone.now() - timezone.timedelta(days=1))
    mine = home(people.district_leader)
    assert re.search(r"<strong>1</strong><span>逾期未整改</span>", mine)
    other = home(people.other_district_leader)
    assert re.search(r"<strong>0</strong><span>逾期未整改</span>", other)
    assert order.number not in other and RectificationOrder.objects.count() == 1


def test_outsider_home_shows_nothing_of_another_schools_orders(people, tree):
    order = issue(people, tree)
    page = home(people.outsider)
    assert order.number not in page and todos(page) == []
