"""What a page or an action costs in SQL queries does not grow with the rows it shows or touches.

Each surface is measured twice on the same database: in a small world (one
order per flow stage, one finding each) and again after the world has grown
(three orders per stage, ten findings with photos each, other districts'
orders, more rounds, reports and timeline). The large count may not exceed the
small one, so a new N+1 fails here; CEILING keeps the constant itself honest
(the largest count measured on SQLite and PostgreSQL).
"""
import datetime as dt
import io
import itertools
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from inspections.models import Attachment, RectificationOrder
from inspections.orders.services import (
    closure_approve, extension_decide, extension_request, finding_create, order_issue, order_sign, recheck_record,
    report_approve, report_submit,
)
from workflows.calendar import SHANGHAI, add_working_days
from workflows.rectification import RectificationFlow

MEASURED = {}
_files = itertools.count(1)

# The count measured at the small size (raised by one or two where the one action policy or a new
# notification row asks: approvals, sign, extension decide, a major order's city review) (the same on SQLite and PostgreSQL): a surface that needs more has
# grown a query. Order scopes read the visible schools first, as a list (inspections.orders.selectors). Per user where users differ (the ledger page of a school person checks one more permission).
# Shell pages (issue 19): the menu's flow and audit permissions, the shortcuts' roles and the flows' inbox/queue
# counts are answered once per user and cached (organizations.access_cache), the bell is cached per user
# (notifications.bell): 9 to 10 fewer per page, warm. Every status change and every new order writes its rollup bucket (rollups.services): +1 per action.
CEILING = {  # +4 on the order detail and every action answering with it: its reports, re-checks and their files
    "GET /api/v1/tasks/": 3, "GET /orders/": 9, "GET /rectification/": 23, "GET /rectification/queue/": 14,
    "GET /rectification/inbox/": 13, "GET /rectification/archive/": 12, "GET /rectification/tasks/": 12,
    "GET /rectification/flows/": 11, "GET /reports/ledger/": 6, "GET /api/v1/ledger/": 2,
    "GET /orders/<pk>/": 18,  # +1: the before/after pairs (a finding's after photos from the reports)
    "GET /api/v1/orders/<pk>/": 10,  # +1: the timeline names each person's organisation; +4: reports, re-checks and their files
    # +2 on every action whose event settles earlier notifications (notifications.rules: settles): find them, mark them done
    # +1 where the event is one integrators' webhooks may hear (webhooks.outbox.endpoints_for: one query, none queued)
    "POST issue": 56, "POST sign": 55,  # every action answers with the timeline (+1: the people's organisations); sign: the school's reporters are told too
    "POST extension": 16, "POST extension decide": 59,  # decide: the granted working day is checked and stored
    "POST report (1 photo)": 51, "POST approve (school)": 53, "POST recheck (fail)": 74, "POST report (round 2)": 45,
    "POST approve (school, round 2)": 53, "POST recheck (pass)": 52,
    "POST approve (closure)": 49,  # a major order: the city leader is told it awaits their approval
    "POST approve (city)": 54,  # +1 the calendar read for the closed order's working days (rollup), +1 the webhook endpoints that may hear it
}


# --- building the world ---------------------------------------------------------------------------------

def evidence(school, user, n):
    """n stored photos (rows only: the pages show names and thumbnails, nobody opens the files)."""
    return [Attachment.objects.create(
        file=f"evidence/q{i}.jpg", thumbnail=f"thumbs/q{i}.jpg", kind="image", content_type="image/jpeg",
        extension="jpg", size=1, sha256="0" * 64, original_name=f"现场照片{i}.jpg", organization=school,
        uploaded_by=user, uploaded_at=timezone.now()) for i in (next(_files) for _ in range(n))]


def new_order(people, tree, *, findings=1, photos=0, severity="general", school=None):
    school = school or tree.school_a
    inspector = people.district_inspector if school == tree.school_a else people.other_district_inspector
    made = [finding_create(school=school, description=f"问题{i}", severity=severity, found_by=inspector,
                           attachments=evidence(school, inspector, photos)) for i in range(findings)]
    return order_issue(school=school, findings=made, issued_by=inspector, requirements="限期整改")


def later_day(order, days=30):
    # a working day: an extension to a weekend or a holiday is refused
    return add_working_days(order.deadline.due_at, days)


def to_stage(people, order, stage):
    """Walk a school-A order from where it is to `stage` through the real flow."""
    step = {
        "issued": lambda: order_sign(order=order, user=people.school_leader),
        "rectifying": lambda: report_submit(order=order, user=people.school_staff, measures="已整改"),
        "report_review": lambda: report_approve(order=order, user=people.school_leader),
        "rechecking": lambda: recheck_record(order=order, user=people.district_inspector, method="on_site",
                                             result="pass"),
        "closure_review": lambda: closure_approve(order=order, user=people.district_leader),
    }
    while order.status != stage:
        step[order.status]()
    return order


STAGES = ("issued", "rectifying", "report_review", "rechecking", "closure_review", "city_review")


def populate(people, tree, *, per_stage, findings, photos):
    """per_stage school-A orders at every open stage (one pending extension each at rectifying),
    and per_stage orders of district B that district A's people do not see."""
    for stage in STAGES:
        for _ in range(per_stage):
            order = new_order(people, tree, findings=findings, photos=photos,
                              severity="major" if stage == "city_review" else "general")
            to_stage(people, order, stage)
            if stage == "rectifying":
                extension_request(order=order, user=people.school_staff, requested_deadline=later_day(order),
                                  reason="设备采购周期长")
    for _ in range(per_stage):
        new_order(people, tree, findings=findings, photos=photos, school=tree.school_b)


def grow(people, tree):
    populate(people, tree, per_stage=2, findings=10, photos=2)


def seasoned_order(people, tree):
    """An order with ten findings with photos, two failed rounds with evidence, extensions, a long timeline."""
    school, staff = tree.school_a, people.school_staff
    order = new_order(people, tree, findings=10, photos=2)
    order_sign(order=order, user=people.school_leader)
    for round_ in range(2):
        report_submit(order=order, user=staff, measures=f"第{round_ + 1}轮整改", attachments=evidence(school, staff, 3))
        report_approve(order=order, user=people.school_leader)
        recheck_record(order=order, user=people.district_inspector, method="document", result="fail",
                       notes="仍未整改到位", attachments=evidence(school, people.district_inspector, 2))
    asked = extension_request(order=order, user=staff, requested_deadline=later_day(order), reason="设备采购周期长")
    extension_decide(extension=asked, user=people.district_leader, approve=True)
    order.refresh_from_db()
    extension_request(order=order, user=staff, requested_deadline=later_day(order), reason="仍需时间")
    report_submit(order=order, user=staff, measures="第3轮整改", attachments=evidence(school, staff, 3))
    return to_stage(people, order, "rechecking")


# --- measuring --------------------------------------------------------------------------------------------

def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def measure(label, call):
    """Run `call` (an HTTP request), check it succeeded, answer (response, queries it cost)."""
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), (label, response.status_code, response.content[:300])
    MEASURED[label] = len(ctx.captured_queries)
    print(f"QUERIES {label}: {MEASURED[label]}")  # the numbers for the report (pytest -s)
    return response, len(ctx.captured_queries)


def no_more_than(label, small, call, django_assert_max_num_queries):
    """The call at the large size may cost no more queries than it did at the small size (both warm: growing
    the world told people things, which dropped their cached bells, organizations.access_cache/notifications.bell)."""
    call()
    with django_assert_max_num_queries(small, info=label):
        response, _n = measure(f"{label} large", call)
    return response


def within_ceiling(label, small):
    assert small <= CEILING[label], f"{label}: {small} queries at the small size, ceiling {CEILING[label]}"


def rows(response, pattern) -> int:
    return len(set(re.findall(pattern, response.content.decode())))


def results(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


# --- the inbox: my tasks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["district_inspector", "school_staff", "school_leader", "district_leader",
                                 "city_leader"])
def test_my_tasks_api_costs_the_same_for_few_or_many_open_tasks(people, tree, django_assert_max_num_queries, who):
    populate(people, tree, per_stage=1, findings=1, photos=0)
    client = api(getattr(people, who))
    call = lambda: client.get("/api/v1/tasks/")  # noqa: E731
    call()  # warm the per-process caches (content types, URL resolver, templates)
    few, small = measure(f"GET /api/v1/tasks/ {who} small", call)
    grow(people, tree)
    many = no_more_than(f"GET /api/v1/tasks/ {who}", small, call, django_assert_max_num_queries)
    assert len(results(many)) > len(results(few)) > 0
    within_ceiling("GET /api/v1/tasks/", small)


# viewflow's own pages of the flow app and the order list with its task cards: (a row on the page, the stages
# of the first orders, whether the inspector takes the open re-checks so that his inbox lists them). The first
# world is kept under a page of viewflow's lists (25 rows), so that a query per row cannot hide behind paging.
TASK_PAGES = {
    "/orders/": (r"/orders/(\d+)/", ("rechecking", "closure_review"), False),
    "/rectification/": (r"#(\d+/\d+)", ("rechecking", "closure_review"), False),
    "/rectification/queue/": (r"/rectification/(\d+)/recheck/(\d+)/", ("rechecking",), False),
    "/rectification/inbox/": (r"/rectification/(\d+)/recheck/(\d+)/", ("rechecking",), True),
    "/rectification/archive/": (r"/rectification/(\d+)/\w+/(\d+)/", ("closure_review",), False),
    "/rectification/tasks/": (r"/rectification/(\d+)/\w+/(\d+)/", ("closure_review",), False),
    "/rectification/flows/": (r"/rectification/(\d+)/", ("rechecking", "closure_review"), False),
}


@pytest.mark.parametrize("url", list(TASK_PAGES))
def test_task_pages_cost_the_same_for_few_or_many_tasks(people, tree, django_assert_max_num_queries, url):
    pattern, stages, taken = TASK_PAGES[url]
    for stage in stages:
        to_stage(people, new_order(people, tree), stage)
    inspector = browser(people.district_inspector)
    if taken:
        take_recheck_tasks(inspector)
    call = lambda: inspector.get(url)  # noqa: E731
    call()
    few, small = measure(f"GET {url} small", call)
    grow(people, tree)
    if taken:
        take_recheck_tasks(inspector)
    many = no_more_than(f"GET {url}", small, call, django_assert_max_num_queries)
    assert rows(many, pattern) > rows(few, pattern) > 0
    within_ceiling(f"GET {url}", small)


def take_recheck_tasks(client):
    tasks = RectificationFlow.task_class.objects.filter(flow_task=RectificationFlow.recheck, status=STATUS.NEW)
    response = client.post("/rectification/queue/assign/", {"pk": [t.pk for t in tasks], "_confirm": "1"})
    assert response.status_code in (200, 302)
    assert not RectificationFlow.task_class.objects.filter(flow_task=RectificationFlow.recheck,
                                                            status=STATUS.NEW).exists()


# --- the ledger ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["city_leader", "district_leader", "school_staff"])
def test_ledger_page_and_api_cost_the_same_for_few_or_many_orders(people, tree, django_assert_max_num_queries, who):
    populate(people, tree, per_stage=1, findings=1, photos=0)
    page, client = browser(getattr(people, who)), api(getattr(people, who))
    calls = {"GET /reports/ledger/": lambda: page.get("/reports/ledger/"),
             "GET /api/v1/ledger/": lambda: client.get("/api/v1/ledger/")}
    small = {}
    for label, call in calls.items():
        call()
        small[label] = measure(f"{label} {who} small", call)
    grow(people, tree)
    for label, call in calls.items():
        few, cost = small[label]
        many = no_more_than(f"{label} {who}", cost, call, django_assert_max_num_queries)
        within_ceiling(label, cost)
    assert len(results(many)) > len(results(few)) > 0


# --- one order's page ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["district_inspector", "school_staff", "city_leader"])
def test_order_page_and_api_cost_the_same_for_a_plain_or_a_long_order(people, tree, django_assert_max_num_queries,
                                                                       who):
    plain = to_stage(people, new_order(people, tree), "rechecking")
    page, client = browser(getattr(people, who)), api(getattr(people, who))
    calls = {"GET /orders/<pk>/": lambda order: page.get(f"/orders/{order.pk}/"),
             "GET /api/v1/orders/<pk>/": lambda order: client.get(f"/api/v1/orders/{order.pk}/")}
    small = {}
    for label, call in calls.items():
        call(plain)
        small[label] = measure(f"{label} {who} small", lambda: call(plain))[1]
    long_order = seasoned_order(people, tree)
    grow(people, tree)
    for label, call in calls.items():
        no_more_than(f"{label} {who}", small[label], lambda: call(long_order), django_assert_max_num_queries)
        within_ceiling(label, small[label])
    detail = client.get(f"/api/v1/orders/{long_order.pk}/").json()
    assert len(detail["findings"]) == 10 and sum(len(f["attachments"]) for f in detail["findings"]) == 20


# --- every flow action through the API ---------------------------------------------------------------------

def jpeg(name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def walk_through_api(people, order) -> dict[str, int]:
    """Every action of the flow on a major order, through the API as the right person: label → queries."""
    url = f"/api/v1/orders/{order.pk}"
    due = later_day(order).isoformat()
    steps = [
        ("POST sign", people.school_leader, lambda c: c.post(f"{url}/sign/")),
        ("POST extension", people.school_staff,
         lambda c: c.post(f"{url}/extension/", {"requested_deadline": due, "reason": "设备采购周期长"})),
        ("POST extension decide", people.district_leader, lambda c: c.post(
            f"/api/v1/extensions/{pending[0]}/decide/", {"approve": True})),
        ("POST report (1 photo)", people.school_staff,
         lambda c: c.post(f"{url}/report/", {"measures": "已整改", "files": [jpeg()]}, format="multipart")),
        ("POST approve (school)", people.school_leader, lambda c: c.post(f"{url}/approve/", {"decision": "approve"})),
        ("POST recheck (fail)", people.district_inspector,
         lambda c: c.post(f"{url}/recheck/", {"method": "document", "result": "fail", "notes": "仍未整改"})),
        ("POST report (round 2)", people.school_staff, lambda c: c.post(f"{url}/report/", {"measures": "再整改"})),
        ("POST approve (school, round 2)", people.school_leader, lambda c: c.post(f"{url}/approve/", {})),
        ("POST recheck (pass)", people.district_inspector,
         lambda c: c.post(f"{url}/recheck/", {"method": "on_site", "result": "pass", "files": [jpeg()]},
                          format="multipart")),
        ("POST approve (closure)", people.district_leader, lambda c: c.post(f"{url}/approve/", {})),
        ("POST approve (city)", people.city_leader, lambda c: c.post(f"{url}/approve/", {})),
    ]
    costs, pending = {}, []
    for label, user, step in steps:
        client = api(user)
        pending[:] = order.extensions.filter(decision="pending").values_list("pk", flat=True)
        costs[label] = measure(f"{label} #{order.pk}", lambda: step(client))[1]
    order.refresh_from_db()
    assert order.status == "closed"
    return costs


def issue_through_api(people, tree, findings=1):
    body = {"school": tree.school_a.pk, "requirements": "限期整改", "findings": [
        {"description": f"问题{i}", "severity": "major"} for i in range(findings)]}
    client = api(people.district_inspector)
    response, cost = measure(f"POST issue ({findings} findings)",
                             lambda: client.post("/api/v1/orders/", body, format="json"))
    return response.json()["id"], cost


def test_each_flow_action_costs_the_same_on_a_plain_or_a_long_order_among_many(
        people, tree, settings, tmp_path, django_assert_max_num_queries):
    settings.MEDIA_ROOT = tmp_path
    issue_through_api(people, tree)  # warm
    walk_through_api(people, RectificationOrder.objects.get(pk=issue_through_api(people, tree)[0]))
    plain_pk, issue_small = issue_through_api(people, tree)
    small = walk_through_api(people, RectificationOrder.objects.get(pk=plain_pk))
    grow(people, tree)
    with django_assert_max_num_queries(issue_small, info="POST issue"):
        issue_through_api(people, tree)
    long_order = new_order(people, tree, findings=10, photos=2, severity="major")
    large = walk_through_api(people, long_order)
    print("QUERIES actions small/large:", {k: (small[k], large[k]) for k in small})
    assert {k: v for k, v in large.items() if v > small[k]} == {}
    within_ceiling("POST issue", issue_small)
    for label, cost in small.items():
        within_ceiling(label, cost)
