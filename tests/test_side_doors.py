"""Side doors (issue 15): filter choices, the audit viewer and client-UUID replays obey the object pages' rules."""
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.idempotency.services import server_uuid
from inspections.models import RectificationOrder, Visit
from inspections.orders.services import order_issue_manual, order_sign, report_submit
from inspections.visits.services import finding_record, visit_check_in, visit_plan
from organizations.roles import Role

from .conftest import _user
from .draw_helpers import random_campaign
from .orders_helpers import issue
from .visits_helpers import items_of, plan


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def drawn_visit(people, tree):
    """A random visit at school A in a city campaign, planned but not yet begun."""
    campaign = random_campaign(people, tree)
    return visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.city_inspector,
                      planned_by=people.city_leader, kind="random", campaign=campaign)


@pytest.fixture
def school_admin(tree):
    return _user("school_admin", tree.school_a, Role.ADMIN)


@pytest.mark.parametrize("page", ["reports:dashboard", "reports:ledger"])
def test_drawn_school_sees_no_campaign_in_report_filters_before_check_in(people, drawn_visit, page):
    title = drawn_visit.campaign.title
    assert title not in login(people.school_leader).get(reverse(page)).content.decode()
    assert title in login(people.city_leader).get(reverse(page)).content.decode()
    visit_check_in(visit=drawn_visit, user=people.city_inspector, geo_status="denied")
    assert title in login(people.school_leader).get(reverse(page)).content.decode()


def _audit_actions(client, **params) -> list[str]:
    page = client.get("/security/audit/", params)
    assert page.status_code == 200
    return [row.action for row in page.context["page"].object_list]


def test_school_admin_cannot_read_a_planned_surprise_visit_in_the_audit_viewer(people, drawn_visit, school_admin):
    client = login(school_admin)
    assert "visit.plan" not in _audit_actions(client)
    export = client.get("/security/audit/export.xlsx")
    assert export.status_code == 200 and drawn_visit.campaign.title.encode() not in export.content
    visit_check_in(visit=drawn_visit, user=people.city_inspector, geo_status="denied")
    assert {"visit.plan", "visit.check_in"} <= set(_audit_actions(client))


def test_school_admin_still_reads_the_announced_visits_of_the_school(people, tree, school_admin):
    plan(people, tree, kind="routine")
    assert "visit.plan" in _audit_actions(login(school_admin))


def test_audit_viewer_follows_the_visit_rule_for_admins_and_only_the_operator_sees_all(people, drawn_visit):
    # A city admin may not open the unannounced visit's page before check-in, so not its events either.
    assert "visit.plan" not in _audit_actions(login(people.city_admin))
    operator = get_user_model().objects.create_superuser("operator", password="pw-for-tests-1")
    assert "visit.plan" in _audit_actions(login(operator))


def test_replayed_plan_uuid_of_another_districts_visit_is_refused_like_any_refusal(people, tree):
    theirs = plan(people, tree, kind="surprise")
    _with_uuid(theirs)
    with pytest.raises(PermissionDenied):
        visit_plan(school=tree.school_b, planned_date=timezone.localdate(), lead=people.other_district_inspector,
                   planned_by=people.other_district_inspector, client_uuid=theirs.client_uuid)
    replay = login(people.other_district_inspector).post(reverse("visits:plan"), {
        "kind": "routine", "school": tree.school_b.pk, "planned_date": timezone.localdate().isoformat(),
        "lead": people.other_district_inspector.pk, "client_uuid": str(theirs.client_uuid)})
    assert replay.status_code == 403 and str(theirs.school) not in replay.content.decode()
    assert Visit.objects.count() == 1


def _with_uuid(visit) -> uuid.UUID:
    if visit.client_uuid is None:
        visit.client_uuid = uuid.uuid4()
        visit.save(update_fields=["client_uuid"])
    return visit.client_uuid


def test_replayed_plan_uuid_still_returns_the_planners_own_visit(people, tree):
    token = uuid.uuid4()
    first = plan_with(people, tree, token)
    assert plan_with(people, tree, token).pk == first.pk


def plan_with(people, tree, token):
    checklist_load_standard()
    return visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                      planned_by=people.district_inspector, client_uuid=token)


def test_finding_uuid_of_another_visit_is_refused_not_described(people, tree):
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    token = uuid.uuid4()
    finding_record(visit=visit, user=people.district_inspector, description="消防通道堵塞", client_uuid=token)
    other = visit_plan(school=tree.school_a2, planned_date=timezone.localdate(), lead=people.district_inspector,
                       planned_by=people.district_inspector)
    visit_check_in(visit=other, user=people.district_inspector, geo_status="denied")
    with pytest.raises(PermissionDenied):
        finding_record(visit=other, user=people.district_inspector, description="x", client_uuid=token)
    with pytest.raises(PermissionDenied):  # an outsider replaying the first visit's UUID learns nothing either
        finding_record(visit=visit, user=people.other_district_inspector, description="x", client_uuid=token)


def test_order_api_answers_an_unknown_and_someone_elses_uuid_alike(people, tree):
    order = issue(people, tree)
    RectificationOrder.objects.filter(pk=order.pk).update(client_uuid=uuid.uuid4())
    order.refresh_from_db()
    client = Client(HTTP_AUTHORIZATION=f"Token {_token(people.other_district_inspector)}")
    body = {"school": tree.school_a.pk, "requirements": "x", "findings": [{"description": "问题"}]}
    used = client.post("/api/v1/orders/", {**body, "client_uuid": str(order.client_uuid)}, content_type="application/json")
    fresh = client.post("/api/v1/orders/", {**body, "client_uuid": str(uuid.uuid4())}, content_type="application/json")
    assert (used.status_code, used.json()) == (fresh.status_code, fresh.json())


def _token(user) -> str:
    from security.tokens import token_issue
    return token_issue(user=user).key


def test_order_uuid_of_another_inspectors_order_is_refused_inside_the_same_district(people, tree):
    token = uuid.uuid4()
    findings = [{"description": "问题", "severity": "general"}]
    order_issue_manual(school=tree.school_a, findings=findings, issued_by=people.district_inspector,
                       client_uuid=token)
    with pytest.raises(PermissionDenied):
        order_issue_manual(school=tree.school_a, findings=findings, issued_by=people.city_inspector,
                           client_uuid=token)
    again, created = order_issue_manual(school=tree.school_a, findings=findings,
                                        issued_by=people.district_inspector, client_uuid=token)
    assert not created and RectificationOrder.objects.count() == 1


def test_report_uuid_of_another_order_never_returns_that_report(people, tree):
    first, second = issue(people, tree), issue(people, tree)
    for order in (first, second):
        order_sign(order=order, user=people.school_leader)
    token = uuid.uuid4()
    report_submit(order=first, user=people.school_staff, measures="已整改", client_uuid=token)
    with pytest.raises(PermissionDenied):
        report_submit(order=second, user=people.school_staff, measures="已整改", client_uuid=token)
    assert not second.reports.exists()


def test_server_made_uuids_are_keyed_not_derived_from_ids(settings):
    first = server_uuid("visit-order", "1")
    assert first == server_uuid("visit-order", "1") and first != server_uuid("visit-order", "2")
    assert first != uuid.uuid5(uuid.NAMESPACE_URL, "visit-1")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert server_uuid("visit-order", "1") != first


def test_a_reviewed_visits_order_carries_a_keyed_uuid(people, tree):
    from inspections.visits.steps import visit_hand_over
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    finding_record(visit=visit, user=people.district_inspector, item=items_of(visit)[0], description="不符合")
    [order] = visit_hand_over(visit=visit, approved_by=people.district_leader)
    assert order.client_uuid == server_uuid("visit-order", str(visit.pk))
