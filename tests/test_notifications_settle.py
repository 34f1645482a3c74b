"""A notification is done when its step is: a newer event about the same object settles the older unread ones."""
import pytest

from inspections.orders import order_sign
from notifications.models import Notification
from notifications.services import unread_count

from .orders_helpers import issue


def _unread_about(user, order):
    return Notification.objects.filter(recipient=user, link__endswith=f"/orders/{order.pk}/", read_at__isnull=True)


@pytest.mark.django_db(transaction=True)
def test_sign_request_leaves_the_school_bell_once_the_order_is_signed(people, tree):
    order = issue(people, tree)
    other = issue(people, tree)  # a second order for the same school: still waiting to be signed
    leader = people.school_leader
    assert _unread_about(leader, order).exists() and _unread_about(leader, other).exists()
    before = unread_count(leader)
    order_sign(order=order, user=leader)
    assert not _unread_about(leader, order).exists()
    assert _unread_about(leader, other).exists()  # another order's request is not touched
    assert unread_count(leader) < before
    # the settled rows stay in the person's list, read
    assert Notification.objects.filter(recipient=leader, link__endswith=f"/orders/{order.pk}/").exists()


@pytest.mark.django_db(transaction=True)
def test_the_newest_event_about_an_order_stays_unread_for_its_recipients(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    told = Notification.objects.filter(kind="order.signed", read_at__isnull=True)
    assert told.exists(), list(Notification.objects.values_list("kind", "read_at"))
