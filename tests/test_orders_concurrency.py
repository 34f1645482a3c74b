"""Two people completing the same task at the same moment: one wins, the other gets 409 (PostgreSQL)."""
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from inspections.models import AuditEvent
from organizations.roles import Role
from organizations.services import membership_grant

from .orders_helpers import issue

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_two_leaders_signing_at_once_exactly_one_wins(people, tree, django_user_model):
    second_leader = django_user_model.objects.create_user("second_leader", password="pw-for-tests-1")
    membership_grant(user=second_leader, organization=tree.school_a, role=Role.SCHOOL_LEADER)
    order = issue(people, tree)
    barrier, codes = threading.Barrier(2), []

    def sign(user):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            codes.append(client.post(f"/api/v1/orders/{order.pk}/sign/").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in (people.school_leader, second_leader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    assert AuditEvent.objects.filter(order=order, action="order.signed").count() == 1


def test_two_orders_issued_at_once_get_consecutive_numbers(people, tree):
    barrier, numbers = threading.Barrier(2), []

    def post(user):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            r = client.post("/api/v1/orders/", {"school": tree.school_a.pk, "findings": [{"description": "x"}]},
                            format="json")
            numbers.append(r.json()["number"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(u,)) for u in (people.district_inspector, people.city_inspector)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(n.split("〕")[1] for n in numbers) == ["1号", "2号"]
