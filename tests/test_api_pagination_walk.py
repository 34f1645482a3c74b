"""Every list endpoint of the API pages by keyset, `{"results", "next"}`: walking `next` from the first page
reaches every row the caller may see exactly once, with more rows than a page.

The lists are read from the live schema (every GET whose answer declares `results` and `next`), so a new
list without a row-maker here fails `test_every_list_endpoint_is_walked` until one is added. Page sizes are
set to one row for the walk, so each list has more rows than a page with two or three rows.
"""
import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as DjangoClient
from django.utils import timezone
from rest_framework.pagination import CursorPagination
from rest_framework.test import APIClient

from config.api_pagination import KeysetPage
from inspections.reports import api_ledger as ledger_api
from inspections.checklists.services import checklist_load_standard
from inspections.visits.services import visit_plan
from notifications.models import Notification
from programmes import evaluations as programme_evaluations
from programmes import services as programme_services
from programmes.models import Programme
from webhooks.models import Delivery, Endpoint
from workflows import tasks as task_lists

from .clue_helpers import hotline_clue
from .draw_helpers import city_inspectors, random_campaign
from .orders_helpers import issue
from .programme_helpers import programme_with_tasks, units_and_people
from .selfcheck_helpers import campaign_with_request, items, signed_selfcheck
from .webhook_helpers import admin_at


@pytest.fixture(autouse=True)
def one_row_a_page(monkeypatch):
    for pagination in (CursorPagination, KeysetPage, ledger_api.KeysetPagination):
        monkeypatch.setattr(pagination, "page_size", 1)
    monkeypatch.setattr(task_lists, "TASK_PAGE", 1)


def _orders(people, tree, n=3):
    return [issue(people, tree).pk for _ in range(n)]


def orders(people, tree):
    return people.district_leader, "/api/v1/orders/", _orders(people, tree), "id"


def ledger(people, tree):
    return people.district_leader, "/api/v1/ledger/", _orders(people, tree), "id"


def tasks(people, tree):
    return people.school_leader, "/api/v1/tasks/", _orders(people, tree), "order"  # one 签收 task each


def visits(people, tree):
    checklist_load_standard()
    made = [visit_plan(school=tree.school_a, planned_date=timezone.localdate() + dt.timedelta(days=i),
                       lead=people.district_inspector, planned_by=people.district_inspector).pk for i in range(3)]
    return people.district_inspector, "/api/v1/visits/", made, "id"


def clues(people, tree):
    made = [hotline_clue(people, tree, ref=f"GD-{i}").pk for i in range(3)]
    return people.district_leader, "/api/v1/clues/", made, "id"


def notifications(people, tree):
    made = [Notification.objects.create(recipient=people.school_staff, kind="test", title=f"通知{i}").pk
            for i in range(3)]
    Notification.objects.create(recipient=people.school_leader, kind="test", title="别人的")
    return people.school_staff, "/api/v1/notifications/", made, "id"


def organizations(people, tree):
    made = [tree.district_a.pk, tree.school_a.pk, tree.school_a2.pk]
    return people.district_leader, "/api/v1/organizations/", made, "id"


def schools(people, tree):
    return people.district_leader, "/api/v1/schools/", [tree.school_a.pk, tree.school_a2.pk], "id"


def campaigns(people, tree):
    made = [random_campaign(people, tree).pk for _ in range(3)]
    return people.city_leader, "/api/v1/campaigns/", made, "id"


def team_candidates(people, tree):
    made = [people.district_inspector.pk, people.city_inspector.pk] + [u.pk for u in city_inspectors(tree, 2)]
    return people.district_inspector, f"/api/v1/visits/team-candidates/?school={tree.school_a.pk}", made, "id"


def _programme(people, tree):
    units = units_and_people(tree, people)
    return units, programme_with_tasks(tree, units)


def programmes(people, tree):
    _units, plan = _programme(people, tree)
    more = [Programme.objects.create(code=f"P{i}", title=f"计划{i}", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                     ends_on=dt.date(2026, 12, 31)).pk for i in (2, 3)]
    return people.city_leader, "/api/v1/programmes/", [plan.programme.pk, *more], "id"


def programme_tasks(people, tree):
    _units, plan = _programme(people, tree)
    return people.city_leader, "/api/v1/programme-tasks/", [plan.led.pk, plan.milestone.pk, plan.other.pk], "id"


def programme_reports(people, tree):
    units, plan = _programme(people, tree)
    made = [programme_services.report_submit(user=units.rsj_liaison, task=task, narrative="进展", period="2026-Q3",
                                             values=[]).pk for task in (plan.led, plan.milestone)]
    return people.city_leader, "/api/v1/programme-reports/", made, "id"


def _filing_requests(tree, settings, tmp_path, n=2):
    from programmes.models import FilingRequest  # the 备案 models (programmes)

    settings.MEDIA_ROOT = tmp_path
    programme = Programme.objects.create(code="PF", title="备案计划", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                         ends_on=dt.date(2026, 12, 31))
    made = []
    for i in range(n):
        request = FilingRequest.objects.create(programme=programme, title=f"工作方案备案{i}", due_date=dt.date(2026, 3, 31))
        request.filers.add(tree.district_a, tree.school_a)
        made.append(request)
    return made


def filing_requests(people, tree, settings, tmp_path):
    made = _filing_requests(tree, settings, tmp_path)
    return people.city_leader, "/api/v1/filing-requests/", [r.pk for r in made], "id"


def filings(people, tree, settings, tmp_path):
    made = [programme_services.filing_submit(
        user=people.district_leader, filing_request=r, filer=tree.district_a,
        document=SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")).pk
        for r in _filing_requests(tree, settings, tmp_path)]
    return people.city_leader, "/api/v1/filings/", made, "id"


def webhooks(people, tree, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    made = [Endpoint.objects.create(organization=org, url="http://127.0.0.1:9/hook", events=["order.issued"],
                                    secret="whsec_test").pk for org in (tree.district_a, tree.school_a, tree.school_a2)]
    for org in (tree.city, tree.district_b):  # above and beside the admin's reach: not listed
        Endpoint.objects.create(organization=org, url="http://127.0.0.1:9/hook", events=[], secret="x")
    return admin_at("da_admin", tree.district_a), "/api/v1/webhooks/", made, "id"


def webhook_deliveries(people, tree, settings):
    endpoint = Endpoint.objects.create(organization=tree.district_a, url="http://127.0.0.1:9/hook",
                                       events=["order.issued"], secret="whsec_test")
    made = [Delivery.objects.create(endpoint=endpoint, event="order.issued", payload={"n": i},
                                    next_attempt_at=timezone.now()).pk for i in range(3)]
    return people.city_admin, f"/api/v1/webhooks/{endpoint.pk}/deliveries/", made, "id"


def people_list(people, tree):
    admin = admin_at("da_admin", tree.district_a)  # district A's people; not the city's nor district B's
    made = [admin.pk, people.district_leader.pk, people.district_inspector.pk, people.school_leader.pk,
            people.school_staff.pk, people.outsider.pk]
    return admin, "/api/v1/people/", made, "id"


def evaluations(people, tree):
    _units, plan = _programme(people, tree)
    today = timezone.localdate()
    made = [programme_evaluations.evaluation_create(user=people.city_leader, programme=plan.programme, title=f"评价{n}",
                                                    period_start=today, period_end=today).pk for n in range(3)]
    return people.city_leader, "/api/v1/evaluations/", made, "id"


def selfcheck_requests(people, tree):
    made = [campaign_with_request(people, tree)[1].pk for _ in range(3)]
    return people.school_staff, "/api/v1/selfcheck-requests/", made, "id"


def selfchecks(people, tree):
    requests = [campaign_with_request(people, tree) for _ in range(3)]
    made = [signed_selfcheck(people, tree, request, failed_item=items(campaign)[0]).pk for campaign, request in requests]
    return people.district_inspector, "/api/v1/selfchecks/", made, "id"


WITH_SETTINGS = {"webhooks_list": webhooks, "webhooks_deliveries_list": webhook_deliveries}
WITH_FILES = {"filing_requests_list": filing_requests, "filings_list": filings}
MAKERS = {"orders_list": orders, "ledger_list": ledger, "tasks_list": tasks, "visits_list": visits,
          "clues_list": clues, "notifications_list": notifications, "organizations_list": organizations,
          "schools_list": schools, "campaigns_list": campaigns, "visits_team_candidates_list": team_candidates,
          "programmes_list": programmes, "programme_tasks_list": programme_tasks,
          "programme_reports_list": programme_reports, "people_list": people_list, "evaluations_list": evaluations,
          "selfcheck_requests_list": selfcheck_requests, "selfchecks_list": selfchecks, **WITH_FILES, **WITH_SETTINGS}


def _list_operations(schema) -> set[str]:
    found = set()
    for ops in schema["paths"].values():
        op = ops.get("get")
        body = (op or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        ref = body.get("schema", {}).get("$ref", "")
        props = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        if {"results", "next"} <= set(props):
            found.add(op["operationId"])
    return found


@pytest.fixture(scope="module")
def listed(django_db_setup, django_db_blocker) -> set[str]:
    with django_db_blocker.unblock():
        schema = DjangoClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return _list_operations(schema)


def test_every_list_endpoint_is_walked(listed):
    assert len(listed) >= 10
    assert not listed - set(MAKERS), "a list endpoint without a row-maker in MAKERS"


def walk(client, url) -> tuple[list[dict], int]:
    rows, pages = [], 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.content[:300])
        page = answer.json()
        assert set(page) >= {"results", "next"}
        rows += page["results"]
        pages += 1
        url = page["next"] and "{0.path}?{0.query}".format(urlsplit(page["next"]))
        assert pages <= 50, "next never ends"
    return rows, pages


@pytest.mark.parametrize("operation", sorted(MAKERS))
def test_a_list_walked_by_next_reaches_every_row_exactly_once(operation, listed, people, tree, settings, tmp_path):
    if operation not in listed:
        pytest.skip(f"{operation} is not in this schema")  # a maker written ahead of its endpoint
    extra = (settings, tmp_path) if operation in WITH_FILES else (settings,) if operation in WITH_SETTINGS else ()
    user, url, expected, key = MAKERS[operation](people, tree, *extra)
    client = APIClient()
    client.force_authenticate(user)
    rows, pages = walk(client, url)
    seen = [row[key] for row in rows]
    assert pages >= len(expected) >= 2  # more rows than a page: one page each
    assert sorted(seen) == sorted(set(seen)), f"{operation}: a row came twice"
    assert set(seen) == set(expected), operation
