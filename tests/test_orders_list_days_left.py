"""The order lists (page and API) show each order's working days left, read from one load of the calendar."""
import datetime as dt

from django.test import Client
from rest_framework.test import APIClient

from inspections.orders.selectors import working_days_left
from tests.orders_helpers import issue
from workflows.calendar import SHANGHAI


def _orders_with_spread_deadlines(people, tree, n):
    """n orders whose deadlines lie a week apart, across the National Day holiday and beyond."""
    orders = [issue(people, tree) for _ in range(n)]
    for i, order in enumerate(orders):
        order.deadline.due_at = dt.datetime(2026, 9, 15, 23, 59, 59, tzinfo=SHANGHAI) + dt.timedelta(weeks=i)
        order.deadline.save(update_fields=["due_at"])
    return orders


def _api_days_left(user) -> dict[int, int]:
    client = APIClient()
    client.force_authenticate(user)
    return {row["id"]: row["working_days_left"] for row in client.get("/api/v1/orders/").json()["results"]}


def test_order_list_api_gives_each_order_its_own_working_days_left(people, tree):
    orders = _orders_with_spread_deadlines(people, tree, 6)
    days = _api_days_left(people.district_leader)
    assert days == {order.pk: working_days_left(order) for order in orders}
    assert len(set(days.values())) == 6


def test_order_list_page_gives_each_order_its_own_working_days_left(people, tree):
    orders = _orders_with_spread_deadlines(people, tree, 6)
    client = Client()
    client.force_login(people.district_leader)
    shown = {order.pk: left for order, left in client.get("/orders/").context["orders"]}
    assert shown == {order.pk: working_days_left(order) for order in orders}


def test_order_list_api_costs_the_same_for_two_or_twelve_orders(people, tree, django_assert_max_num_queries):
    _orders_with_spread_deadlines(people, tree, 2)
    client = APIClient()
    client.force_authenticate(people.district_leader)
    client.get("/api/v1/orders/")  # warm the per-process caches
    with django_assert_max_num_queries(100) as few:
        client.get("/api/v1/orders/")
    _orders_with_spread_deadlines(people, tree, 10)
    with django_assert_max_num_queries(len(few.captured_queries), info="GET /api/v1/orders/ with 12 orders"):
        assert len(client.get("/api/v1/orders/").json()["results"]) == 12
