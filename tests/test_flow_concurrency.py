"""Visits and clues, like orders: two people doing the same step at once, exactly one wins (PostgreSQL).

The loser must get a clean conflict (409), never a database error from an aborted transaction: every
flow locks its process by waiting (workflows.completion.LOCK), not NOWAIT.
"""
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from inspections import thresholds
from inspections.clues.services import clue_triage
from inspections.conflicts import ClueConflict
from inspections.models import AuditEvent
from inspections.visits.services import visit_sign, visit_submit

from .clue_helpers import hotline_clue
from .visits_helpers import conduct, plan, signature_url

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def _at_once(work, people_):
    """Run work(user) for each user in its own thread, released together; returns what each returned."""
    barrier, results = threading.Barrier(len(people_)), []

    def run(user):
        barrier.wait()
        try:
            results.append(work(user))
        except Exception as exc:  # noqa: BLE001  (the test asserts what was raised)
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in people_]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_leaders_reviewing_a_visit_at_once_exactly_one_wins(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector)
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector, summary="总体较好")

    def review(user):
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/v1/visits/{visit.pk}/review/", {"decision": "approve", "reason": ""},
                           format="json").status_code

    assert sorted(_at_once(review, [people.district_leader, people.city_leader])) == [200, 409]
    assert AuditEvent.objects.filter(visit=visit, action="visit.approve").count() == 1
    issued = [f.order_id for f in visit.findings.all()]
    assert None not in issued and visit.orders.count() == len(set(issued))  # the hand-over ran once
    assert visit.orders.count() == len(thresholds.order_groups(list(visit.findings.all())))


def test_two_leaders_triaging_a_clue_at_once_exactly_one_wins(people, tree):
    clue = hotline_clue(people, tree)

    def triage(user):
        return clue_triage(clue=clue, user=user, decision="desk_check")

    results = _at_once(triage, [people.district_leader, people.city_leader])
    assert sum(isinstance(r, ClueConflict) for r in results) == 1, results
    assert sum(getattr(r, "pk", None) == clue.pk for r in results) == 1, results
    assert AuditEvent.objects.filter(action="clue.triage").count() == 1
