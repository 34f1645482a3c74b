"""回头看: the pool is the schools whose orders were closed N months ago; a finding found again on the
revisit is re-opened and counts as a repeat finding; who may create one and see it."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.checklists.services import checklist_load_standard
from inspections.models import ChecklistItem, Finding, RectificationOrder
from inspections.campaigns.revisit import closed_orders, months_before, revisit_campaign_create, revisit_targets
from inspections.reports.stats import repeat_findings
from inspections.visits.services import finding_record, visit_check_in, visit_plan

from .orders_helpers import issue, pass_and_close, sign_and_report

pytestmark = pytest.mark.django_db


def closed_order(people, tree, *, months_ago: int, item):
    order = issue(people, tree)
    sign_and_report(people, order)
    pass_and_close(people, order)
    when = timezone.now() - dt.timedelta(days=int(months_ago * 30.5))
    RectificationOrder.objects.filter(pk=order.pk).update(closed_at=when)  # as if closed back then
    Finding.objects.filter(order=order).update(item=item, found_at=when - dt.timedelta(days=20))
    return RectificationOrder.objects.get(pk=order.pk)


def create(people, tree, months=6, user=None):
    today = timezone.localdate()
    return revisit_campaign_create(title="整改回头看", organiser=tree.district_a, user=user or people.district_leader,
                                   period_start=today, period_end=today + dt.timedelta(days=30), months=months)


@pytest.fixture
def item(db):
    checklist_load_standard()
    return ChecklistItem.objects.order_by("section__order", "order").first()


def test_months_before_keeps_the_day_or_the_months_last_day():
    assert months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 3, 15), 15) == dt.date(2024, 12, 15)


def test_the_pool_is_the_schools_with_orders_closed_that_long_ago(people, tree, item):
    old = closed_order(people, tree, months_ago=7, item=item)
    closed_order(people, tree, months_ago=1, item=item)  # too recent for a 6-month look back
    assert list(closed_orders(organiser=tree.district_a, months=6)) == [old]
    campaign = create(people, tree)
    assert list(campaign.target_schools.all()) == [tree.school_a] and campaign.revisit_months == 6


def test_a_finding_found_again_on_the_revisit_is_reopened_and_a_repeat(people, tree, item):
    old = closed_order(people, tree, months_ago=7, item=item)
    campaign = create(people, tree)
    visit = visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                       members=[people.city_inspector], planned_by=people.district_inspector, campaign=campaign)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    again = finding_record(visit=visit, user=people.district_inspector, item=item, description="问题再次出现")
    [row] = revisit_targets(campaign)
    assert [f.order_id for f in row["closed"]] == [old.pk] and [f.order_id for f in row["reopened"]] == [old.pk]
    assert list(repeat_findings(Finding.objects.filter(pk=again.pk))) == [again]


def test_nothing_to_revisit_is_refused_and_only_the_leader_creates(people, tree, item):
    with pytest.raises(ValidationError) as err:
        create(people, tree)
    assert "months" in err.value.message_dict
    closed_order(people, tree, months_ago=7, item=item)
    for who in ("other_district_leader", "district_inspector", "school_leader"):
        with pytest.raises(PermissionDenied):
            create(people, tree, user=getattr(people, who))
    with pytest.raises(ValidationError):
        create(people, tree, months=0)


def test_the_api_creates_and_reads_a_revisit_campaign(people, tree, item):
    closed_order(people, tree, months_ago=7, item=item)
    client = APIClient()
    client.force_authenticate(people.district_leader)
    today = timezone.localdate()
    body = {"title": "整改回头看", "organiser": tree.district_a.pk, "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=30)).isoformat(), "months": 6}
    made = client.post("/api/v1/revisit-campaigns/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["targets"][0]["school"] == tree.school_a.pk and made.json()["revisit_months"] == 6
    assert client.post("/api/v1/revisit-campaigns/", {**body, "months": 99}, format="json").status_code == 400
    client.force_authenticate(people.other_district_leader)
    assert client.get(f"/api/v1/revisit-campaigns/{made.json()['id']}/").status_code == 404
    assert client.post("/api/v1/revisit-campaigns/", body, format="json").status_code == 400  # not its organiser
