"""viewflow's own pages of the rectification flow (/rectification/...) never show an order to outsiders.

Every URL pattern the RectificationFlowApp exposes is enumerated from the
URLconf and requested for a real order's process and tasks: other schools'
people and other districts' people get 404, anonymous visitors the login page.
"""
import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from tests.orders_helpers import flow_app_patterns, flow_app_urls, issue, sign_and_report
from workflows.rectification import RectificationFlow

OUTSIDERS = ("other_school_staff", "outsider", "other_district_inspector", "other_district_leader")


@pytest.fixture
def rechecking(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    order.refresh_from_db()
    assert order.status == "rechecking"
    return order


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _process_urls(order):
    return {name: url for name, url in flow_app_urls("rectification", order.process).items()
            if f"/{order.process.pk}/" in url}


def recheck_task(order):
    return order.process.task_set.get(flow_task=RectificationFlow.recheck)


def test_flow_app_exposes_task_pages_for_every_step():
    names = {name for name, _ in flow_app_patterns("rectification")}
    assert {"process_detail", "process_chart", "process_cancel", "recheck:detail", "recheck:assign",
            "recheck:unassign", "recheck:execute", "approve_closure:detail", "inbox", "queue", "archive",
            "index", "tasks_assign", "tasks_unassign"} <= names


@pytest.mark.parametrize("persona", ["other_school_staff", "other_district_inspector"])
def test_outsiders_get_404_on_every_process_and_task_page(people, rechecking, persona):
    urls = _process_urls(rechecking)
    assert len(urls) > 40  # process pages plus each started node's task pages
    client = _client(getattr(people, persona))
    answers = {name: client.get(url).status_code for name, url in urls.items()}
    assert {name: code for name, code in answers.items() if code != 404} == {}


def test_outsiders_cannot_act_on_any_task_page_by_post(people, rechecking):
    client = _client(people.other_district_inspector)
    urls = _process_urls(rechecking)
    answers = {name: client.post(url, {"_confirm": "1", "_cancel_process": "1"}).status_code
               for name, url in urls.items()}
    assert {name: code for name, code in answers.items() if code != 404} == {}
    task = recheck_task(rechecking)
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def test_same_district_other_school_gets_404_on_the_task_pages(people, rechecking):
    client = _client(people.outsider)
    for name in ("process_detail", "process_chart", "recheck:detail", "recheck:index", "sign:detail"):
        assert client.get(_process_urls(rechecking)[name]).status_code == 404, name


def test_anonymous_is_sent_to_login_from_every_flow_page(rechecking):
    client = _client()
    for name, url in flow_app_urls("rectification", rechecking.process).items():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name


def _traces(order) -> tuple[str, str]:
    """How viewflow's lists show a process: a link to it, and its open task as "#process/task"."""
    return f"/rectification/{order.process.pk}/", f"#{order.process.pk}/{recheck_task(order).pk}"


def test_lists_and_dashboard_do_not_show_other_schools_processes(people, rechecking):
    link, ref = _traces(rechecking)
    lists = ("/rectification/", "/rectification/flows/", "/rectification/tasks/", "/rectification/inbox/",
             "/rectification/queue/", "/rectification/archive/")
    for persona in OUTSIDERS:
        client = _client(getattr(people, persona))
        for url in lists:
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 200 and link not in body and ref not in body, (persona, url)


def test_own_district_sees_the_process_in_dashboard_queue_and_lists(people, rechecking):
    link, ref = _traces(rechecking)
    client = _client(people.district_inspector)
    assert ref in client.get("/rectification/").content.decode()
    for url in ("/rectification/flows/", "/rectification/tasks/", "/rectification/queue/"):
        assert link in client.get(url).content.decode(), url


def test_own_school_and_district_still_reach_the_task_pages(people, rechecking):
    urls = _process_urls(rechecking)
    school = _client(people.school_leader)
    assert school.get(urls["process_detail"]).status_code == 200
    assert school.get(urls["recheck:detail"]).status_code == 200
    assert school.get(urls["recheck:assign"]).status_code == 403  # visible, but not theirs to do
    inspector = _client(people.district_inspector)
    assert inspector.get(urls["recheck:assign"]).status_code == 200
    assert _client(people.city_leader).get(urls["process_chart"]).status_code == 200


def test_a_task_of_another_process_is_404_under_a_visible_process(people, tree, rechecking):
    own = issue(people, tree, school=tree.school_b, inspector=people.other_district_inspector)
    foreign_task = recheck_task(rechecking)
    client = _client(people.other_district_inspector)
    assert client.get(f"/rectification/{own.process.pk}/recheck/{foreign_task.pk}/detail/").status_code == 404
    assert client.post(f"/rectification/{own.process.pk}/recheck/{foreign_task.pk}/assign/").status_code == 404
    assert recheck_task(rechecking).owner_id is None


def test_a_task_under_another_nodes_url_is_404(people, rechecking):
    task = recheck_task(rechecking)
    client = _client(people.district_inspector)
    assert client.get(f"/rectification/{rechecking.process.pk}/sign/{task.pk}/detail/").status_code == 404
    assert client.get(f"/rectification/{rechecking.process.pk}/recheck/{task.pk}/detail/").status_code == 200


def test_bulk_assign_neither_lists_nor_takes_other_districts_tasks(people, rechecking):
    task = recheck_task(rechecking)
    client = _client(people.other_district_inspector)
    confirm = client.post("/rectification/queue/assign/", {"pk": [task.pk]})
    assert f"{rechecking.process.pk}/{task.pk}" not in confirm.content.decode()
    assert rechecking.number not in confirm.content.decode()
    client.post("/rectification/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
    client.post("/rectification/queue/assign/", {"select_all": "1", "_confirm": "1"})
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def test_bulk_assign_still_works_for_the_right_inspector(people, rechecking):
    task = recheck_task(rechecking)
    client = _client(people.district_inspector)
    client.post("/rectification/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, people.district_inspector.pk)


def test_flow_view_permission_is_object_aware(people, rechecking):
    flow = RectificationFlow.instance
    assert flow.has_view_permission(people.school_staff, rechecking.process)
    assert not flow.has_view_permission(people.other_school_staff, rechecking.process)
    assert not RectificationFlow.recheck.can_view(people.other_district_inspector, recheck_task(rechecking))
