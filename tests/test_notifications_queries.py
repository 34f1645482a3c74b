"""What emit() and push() cost in queries does not grow with the number of people told.

A burst to a large school or district used to cost two permission queries per
recipient in emit() and a user load plus an unread count per recipient in push().
"""
import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import events as ev
from notifications import services
from notifications.models import Notification
from .notification_factories import make_order
from organizations.roles import Role
from tests.conftest import _user


def _emit_issued(tree, people):
    """Emit an event the whole school hears (a failed re-check) for a fresh school-A order;
    answer (queries used, notifications made)."""
    order = make_order(school=tree.school_a, issued_by=people.district_inspector)
    with CaptureQueriesContext(connection) as queries:
        notes = ev.emit(ev.ORDER_RECHECK_FAILED, target=order)
    return len(queries), notes


def _add_school_staff(tree, count, start=0):
    return [_user(f"extra_staff_{i}", tree.school_a, Role.SCHOOL_STAFF) for i in range(start, start + count)]


def test_emit_of_an_order_event_costs_the_same_queries_for_2_or_12_school_staff(people, tree):
    # A first emit fills the content-type caches, so both counts below are warm.
    ev.emit(ev.ORDER_RECHECK_FAILED, target=make_order(school=tree.school_b, issued_by=people.other_district_inspector))
    _add_school_staff(tree, 1)  # school A: 2 staff and the leader
    few_queries, few = _emit_issued(tree, people)
    _add_school_staff(tree, 10, start=1)  # school A: 12 staff and the leader
    many_queries, many = _emit_issued(tree, people)
    assert (len(few), len(many)) == (3, 13)
    assert many_queries == few_queries


def test_visibility_is_still_checked_for_every_recipient_in_a_large_school(people, tree):
    extra = _add_school_staff(tree, 5)
    extra[0].is_active = False
    extra[0].save(update_fields=["is_active"])
    _queries, notes = _emit_issued(tree, people)
    told = {n.recipient.username for n in notes}
    assert told == {"school_staff", "school_leader", *(u.username for u in extra[1:])}
    assert "outsider" not in told and extra[0].username not in told


def test_push_costs_two_queries_whatever_the_number_of_recipients(people, tree):
    _add_school_staff(tree, 10)
    _queries, notes = _emit_issued(tree, people)
    with CaptureQueriesContext(connection) as queries:
        services.push([n.pk for n in notes])
    assert len(notes) == 12 and len(queries) == 2


def test_unread_counts_are_per_recipient_and_skip_read_ones(people, tree):
    _queries, first = _emit_issued(tree, people)
    _emit_issued(tree, people)
    Notification.objects.filter(pk=first[0].pk).update(read_at=first[0].created_at)
    counts = services.unread_counts([people.school_staff.pk, people.school_leader.pk, people.outsider.pk])
    reader = first[0].recipient_id
    other = ({people.school_staff.pk, people.school_leader.pk} - {reader}).pop()
    assert counts == {reader: 1, other: 2}


def test_push_reaches_every_recipient_group_with_their_own_unread_count(people, tree):
    _emit_issued(tree, people)  # the leader and the staff member each have one unread already
    Notification.objects.filter(recipient=people.school_staff).update(read_at=Notification.objects.first().created_at)
    _add_school_staff(tree, 3)
    _queries, notes = _emit_issued(tree, people)
    layer = get_channel_layer()

    async def listen_push_collect():
        # One event loop throughout: a pub/sub layer's subscriptions live as long as their loop.
        channels = {}
        for note in notes:
            channels[note.recipient_id] = await layer.new_channel()
            await layer.group_add(services.user_group(note.recipient_id), channels[note.recipient_id])
        await sync_to_async(services.push)([n.pk for n in notes])
        return {uid: await asyncio.wait_for(layer.receive(name), 3) for uid, name in channels.items()}

    received = async_to_sync(listen_push_collect)()
    assert {uid: m["notification"]["id"] for uid, m in received.items()} == {n.recipient_id: n.pk for n in notes}
    assert {uid: m["unread"] for uid, m in received.items()} == {
        n.recipient_id: 2 if n.recipient_id == people.school_leader.pk else 1 for n in notes}
